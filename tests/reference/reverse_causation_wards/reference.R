# Reference values for "which comes first?" at 45 wards (tests/stats/test_counts_absorbed.py): both lagged
# directions, each within ward, as tests/reference/reverse_causation/reference.R, on more wards than the 30 from
# which the count direction's errors are CR1 with t(G-1) (sandwich::vcovCL type "HC1") instead of CR2.
# Run from the repository root:  Rscript tests/reference/reverse_causation_wards/reference.R
# Uses Debian's r-cran-mass, r-cran-sandwich, r-cran-clubsandwich, r-cran-jsonlite. Writes reference.json and
# versions.txt.
suppressPackageStartupMessages({
  library(MASS); library(sandwich); library(clubSandwich); library(jsonlite)
})
here <- "tests/reference/reverse_causation_wards"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
d$month <- as.Date(d$month)
d <- d[order(d$ward_id, d$month), ]
# the month before, matched on the calendar month within ward
prev <- d[, c("ward_id", "month", "coproduction_patient_overall", "assaults_on_staff", "occupied_bed_days")]
prev$month <- as.Date(sapply(prev$month, function(m) format(seq(m, by = "1 month", length.out = 2)[2])))
names(prev)[3:5] <- c("score_before", "assaults_before", "obd_before")
d <- merge(d, prev, by = c("ward_id", "month"), all.x = TRUE)
d <- d[order(d$ward_id, d$month), ]
d$ward_id <- factor(d$ward_id)
tight <- glm.control(epsilon = 1e-12, maxit = 100)

# (a) co-production first: assaults this month against the score the month before, ward fixed effects
a <- d[!is.na(d$score_before), ]
a$score_before10 <- a$score_before / 10 - ave(a$score_before / 10, a$ward_id)
fa <- glm.nb(assaults_on_staff ~ score_before10 + ward_id + offset(log(occupied_bed_days)), data = a,
             control = tight)
G <- nlevels(droplevels(a$ward_id))
b1 <- unname(coef(fa)["score_before10"])
se1 <- unname(sqrt(diag(vcovCL(fa, cluster = ~ward_id, type = "HC1")))["score_before10"])
q1 <- qt(0.975, G - 1)
ca <- coef_test(fa, vcov = "CR2", cluster = a$ward_id, test = "Satterthwaite")["score_before10", ]

# (b) assaults first: the score in survey months against the assault rate the month before and the score then
# (the score then is the ward's previous survey, as reverse_data finds it: a ward whose data start in a month
# carried forward has no earlier survey in the data for its first one)
b <- d[d$coproduction_patient_months_carried == 0, ]
b <- b[order(b$ward_id, b$month), ]
b$score_before <- ave(b$coproduction_patient_overall, b$ward_id, FUN = function(x) c(NA, head(x, -1)))
b$rate_before <- 1000 * b$assaults_before / b$obd_before
b <- b[!is.na(b$rate_before) & !is.na(b$score_before), ]
fb <- lm(coproduction_patient_overall ~ rate_before + score_before + ward_id, data = b)
cb <- coef_test(fb, vcov = "CR2", cluster = b$ward_id, test = "Satterthwaite")
qb <- qt(0.975, cb$df_Satt)

res <- list(
  coproduction_first = list(
    wards = G, estimate = b1, se_cr1 = se1, df_cr1 = G - 1, p_cr1 = 2 * pt(abs(b1 / se1), G - 1, lower.tail = FALSE),
    rate_ratio = exp(b1), ci_low = exp(b1 - q1 * se1), ci_high = exp(b1 + q1 * se1),
    se_cr2 = unname(ca$SE), df_cr2 = unname(ca$df_Satt), p_cr2 = unname(ca$p_Satt),
    theta = fa$theta, loglik = as.numeric(logLik(fa)), nobs = nrow(a)
  ),
  assaults_first = list(
    terms = c("rate_before", "score_before"), wards = nlevels(droplevels(b$ward_id)),
    estimate = unname(cb$beta[2:3]), se = unname(cb$SE[2:3]), df = unname(cb$df_Satt[2:3]),
    p_value = unname(cb$p_Satt[2:3]), ci_low = unname((cb$beta - qb * cb$SE)[2:3]),
    ci_high = unname((cb$beta + qb * cb$SE)[2:3]), nobs = nrow(b)
  ),
  meta = list(note = paste("MASS::glm.nb and lm with a ward factor; sandwich::vcovCL(fit, cluster = ~ward_id,",
                           "type = 'HC1') with t(G-1); clubSandwich::coef_test(fit, vcov = 'CR2',",
                           "cluster = ward_id, test = 'Satterthwaite')"))
)
write(toJSON(res, digits = I(12), auto_unbox = TRUE, pretty = TRUE), file.path(here, "reference.json"))
writeLines(c(R.version.string, paste("MASS", packageVersion("MASS")),
             paste("sandwich", packageVersion("sandwich")),
             paste("clubSandwich", packageVersion("clubSandwich")),
             paste("jsonlite", packageVersion("jsonlite"))), file.path(here, "versions.txt"))

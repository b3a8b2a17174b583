# Reference values for "which comes first?" (analysis/questions/assaults/direction.py,
# tests/questions/assaults/test_direction.py): both lagged directions, each within ward.
# Run from the repository root:  Rscript tests/reference/reverse_causation/reference.R
# Uses Debian's r-cran-mass, r-cran-clubsandwich, r-cran-jsonlite. Writes reference.json and versions.txt.
suppressPackageStartupMessages({
  library(MASS); library(clubSandwich); library(jsonlite)
})
here <- "tests/reference/reverse_causation"
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
# as fit_counts: the lagged score as each month's deviation from the ward's mean (/10). The estimate and its CR2
# error do not depend on this choice, but clubSandwich's Satterthwaite df do (7.41 for the raw score, 7.40 here).
a$score_before10 <- a$score_before / 10 - ave(a$score_before / 10, a$ward_id)
fa <- glm.nb(assaults_on_staff ~ score_before10 + ward_id + offset(log(occupied_bed_days)), data = a,
             control = tight)
ca <- coef_test(fa, vcov = "CR2", cluster = a$ward_id, test = "Satterthwaite")["score_before10", ]
qa <- qt(0.975, ca$df_Satt)

# (b) assaults first: the score in survey months against the assault rate the month before and the score then
b <- d[d$coproduction_patient_months_carried == 0 & !is.na(d$score_before), ]
b$rate_before <- 1000 * b$assaults_before / b$obd_before
fb <- lm(coproduction_patient_overall ~ rate_before + score_before + ward_id, data = b)
cb <- coef_test(fb, vcov = "CR2", cluster = b$ward_id, test = "Satterthwaite")
qb <- qt(0.975, cb$df_Satt)

res <- list(
  coproduction_first = list(
    estimate = unname(ca$beta), se = unname(ca$SE), df = unname(ca$df_Satt), p_value = unname(ca$p_Satt),
    rate_ratio = exp(unname(ca$beta)), ci_low = exp(unname(ca$beta - qa * ca$SE)),
    ci_high = exp(unname(ca$beta + qa * ca$SE)), theta = fa$theta, nobs = nrow(a)
  ),
  assaults_first = list(
    terms = c("rate_before", "score_before"),
    estimate = unname(cb$beta[2:3]), se = unname(cb$SE[2:3]), df = unname(cb$df_Satt[2:3]),
    p_value = unname(cb$p_Satt[2:3]), ci_low = unname((cb$beta - qb * cb$SE)[2:3]),
    ci_high = unname((cb$beta + qb * cb$SE)[2:3]), nobs = nrow(b)
  ),
  meta = list(note = paste("MASS::glm.nb and lm with a ward factor; clubSandwich::coef_test(fit, vcov = 'CR2',",
                           "cluster = ward_id, test = 'Satterthwaite')"))
)
write(toJSON(res, digits = I(12), auto_unbox = TRUE, pretty = TRUE), file.path(here, "reference.json"))
writeLines(c(R.version.string, paste("MASS", packageVersion("MASS")),
             paste("clubSandwich", packageVersion("clubSandwich")),
             paste("jsonlite", packageVersion("jsonlite"))), file.path(here, "versions.txt"))

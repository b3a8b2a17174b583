# Reference values for question 3 (recovery mixed models) and the pooled talking-groups ITS.
# Run from the repository root:  Rscript tests/reference/recovery/reference.R
# Needs lme4, sandwich (Debian r-cran-lme4, r-cran-sandwich). Writes reference.csv.
suppressPackageStartupMessages({ library(lme4); library(sandwich) })
here <- "tests/reference/recovery"
d0 <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
d0 <- d0[order(d0$ward_id, d0$month), ]
rows <- list()
add <- function(model, term, estimate, se) {
  rows[[length(rows) + 1]] <<- data.frame(model = model, term = term, estimate = estimate, std_error = se)
}
rename <- function(n) {
  n[n == "(Intercept)"] <- "const"
  n
}

# Recovery: complete cases first, then the within/between split over the rows the model uses.
d <- d0[!is.na(d0$recovery_qpr_15) & !is.na(d0$coproduction_patient_overall), ]
x10 <- d$coproduction_patient_overall / 10
d$coproduction_patient_overall_ward_mean <- ave(x10, d$ward_id)
d$coproduction_patient_overall_within <- x10 - d$coproduction_patient_overall_ward_mean

lmer_rows <- function(name, fit) {
  b <- fixef(fit); se <- sqrt(diag(as.matrix(vcov(fit))))
  add(name, rename(names(b)), unname(b), unname(se))
  vc <- as.data.frame(VarCorr(fit))
  add(name, "ward_variance", vc$vcov[vc$grp == "ward_id"], NA)
  add(name, "residual_variance", vc$vcov[vc$grp == "Residual"], NA)
}
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5))
lmer_rows("lmer_wb", lmer(recovery_qpr_15 ~ coproduction_patient_overall_within +
  coproduction_patient_overall_ward_mean + (1 | ward_id), data = d, REML = TRUE, control = ctrl))
lmer_rows("lmer_wb_adjusted", lmer(recovery_qpr_15 ~ coproduction_patient_overall_within +
  coproduction_patient_overall_ward_mean + staff_hours_per_patient_day + (1 | ward_id), data = d, REML = TRUE,
  control = ctrl))

# Sensitivity: weighted by patients behind each mean, CR1 by ward.
wl <- lm(recovery_qpr_15 ~ coproduction_patient_overall_within + coproduction_patient_overall_ward_mean,
         data = d, weights = recovery_qpr_15_n_patients)
add("wls_cr1", rename(names(coef(wl))), unname(coef(wl)),
    unname(sqrt(diag(vcovCL(wl, cluster = ~ward_id, type = "HC1")))))

# Pooled ITS (stepped wedge): ward and calendar-month fixed effects, post and months since start.
p <- d0
start <- as.Date(ifelse(p$talking_groups_start == "", NA, p$talking_groups_start))
mon <- as.Date(p$month)
since <- (as.integer(format(mon, "%Y")) - as.integer(format(start, "%Y"))) * 12 +
  (as.integer(format(mon, "%m")) - as.integer(format(start, "%m")))
p$post <- ifelse(!is.na(since) & since >= 0, 1, 0)
p$months_since_start <- ifelse(p$post == 1, since, 0)
p$ward_id <- factor(p$ward_id); p$month_f <- factor(p$month)
g <- glm(assaults_on_staff ~ post + months_since_start + ward_id + month_f + offset(log(occupied_bed_days)),
         family = poisson, data = p, control = glm.control(epsilon = 1e-12, maxit = 100))
V <- vcovCL(g, cluster = ~ward_id, type = "HC1")
keep <- c("(Intercept)", "post", "months_since_start")
add("glm_its_poisson", rename(keep), unname(coef(g)[keep]), unname(sqrt(diag(V))[keep]))
l <- lm(coproduction_patient_overall ~ post + months_since_start + ward_id + month_f, data = p)
V <- vcovCL(l, cluster = ~ward_id, type = "HC1")
add("lm_its", rename(keep), unname(coef(l)[keep]), unname(sqrt(diag(V))[keep]))

out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("lme4", packageVersion("lme4")), paste("sandwich", packageVersion("sandwich"))),
           file.path(here, "versions.txt"))
cat("written", file.path(here, "reference.csv"), "\n")

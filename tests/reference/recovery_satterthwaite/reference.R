# Reference for question 3's mixed-model intervals: Satterthwaite degrees of freedom, t intervals and p-values
# (lmerTest) for the QPR-15 within/between model on tests/reference/recovery/data.csv.
# Run from the repository root:  Rscript tests/reference/recovery_satterthwaite/reference.R
# Needs lme4 and lmerTest (Debian r-cran-lme4, r-cran-lmertest). Writes reference.csv.
suppressPackageStartupMessages({ library(lme4); library(lmerTest) })
d0 <- read.csv("tests/reference/recovery/data.csv", stringsAsFactors = FALSE)
d <- d0[!is.na(d0$recovery_qpr_15) & !is.na(d0$coproduction_patient_overall), ]
x10 <- d$coproduction_patient_overall / 10
d$coproduction_patient_overall_ward_mean <- ave(x10, d$ward_id)
d$coproduction_patient_overall_within <- x10 - d$coproduction_patient_overall_ward_mean
fit <- lmer(recovery_qpr_15 ~ coproduction_patient_overall_within + coproduction_patient_overall_ward_mean +
              (1 | ward_id), data = d, REML = TRUE)
co <- summary(fit)$coefficients
q <- qt(0.975, co[, "df"])
out <- data.frame(term = rownames(co), estimate = co[, "Estimate"], std_error = co[, "Std. Error"],
                  df = co[, "df"], ci_low = co[, "Estimate"] - q * co[, "Std. Error"],
                  ci_high = co[, "Estimate"] + q * co[, "Std. Error"], p_value = co[, "Pr(>|t|)"])
out$term[out$term == "(Intercept)"] <- "const"
write.csv(out, "tests/reference/recovery_satterthwaite/reference.csv", row.names = FALSE)

# Reference values for CR2 (Bell-McCaffrey) standard errors with Satterthwaite degrees of freedom on the
# question-2 count models (tests/stats/test_counts_cr2.py; analysis/stats/counts/clustering.py).
# Run from the repository root:  Rscript tests/reference/counts_cr2/reference.R
# Uses Debian's r-cran-mass, r-cran-clubsandwich, r-cran-jsonlite. Writes reference.json and versions.txt.
suppressPackageStartupMessages({
  library(MASS); library(clubSandwich); library(jsonlite)
})
here <- "tests/reference/counts_cr2"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
d <- d[order(d$ward_id, d$month), ]
d$x10 <- d$coproduction_patient_overall / 10
d$coproduction_patient_overall_ward_mean <- ave(d$x10, d$ward_id)
d$coproduction_patient_overall_within <- d$x10 - d$coproduction_patient_overall_ward_mean
d$security_level <- factor(d$security_level, levels = sort(unique(d$security_level)))
d$ward_id <- factor(d$ward_id)
G <- nlevels(d$ward_id)

rename <- function(n) {
  n[n == "(Intercept)"] <- "const"
  n[n == "x10"] <- "coproduction_patient_overall"
  n <- sub("^security_level", "security_level=", n)
  n
}

summarise <- function(fit, keep = NULL) {
  ct <- coef_test(fit, vcov = "CR2", cluster = d$ward_id, test = "Satterthwaite")
  keep <- if (is.null(keep)) rownames(ct) else keep
  ct <- ct[keep, ]
  V <- as.matrix(vcovCR(fit, cluster = d$ward_id, type = "CR2"))
  b <- coef(fit)
  # Satterthwaite df of a linear combination: the expected rate at every covariate's mean (the
  # intercept plus each term at its mean), as analysis/stats/counts/diagnostics.py uses.
  xbar <- colMeans(model.matrix(fit))
  lc <- linear_contrast(fit, vcov = "CR2", cluster = d$ward_id, contrasts = matrix(xbar, nrow = 1),
                        test = "Satterthwaite", level = 0.95)
  # From 30 wards the app keeps CR1's standard errors but still uses Satterthwaite degrees of freedom: with a
  # single adjustment for every ward (CR1) the degrees of freedom do not depend on its size.
  ct1 <- coef_test(fit, vcov = "CR1", cluster = d$ward_id, test = "Satterthwaite")[keep, ]
  lc1 <- linear_contrast(fit, vcov = "CR1", cluster = d$ward_id, contrasts = matrix(xbar, nrow = 1),
                         test = "Satterthwaite", level = 0.95)
  out <- list(
    terms = rename(keep),
    estimate = unname(ct$beta),
    se_cr2 = unname(ct$SE),
    df_satterthwaite = unname(ct$df_Satt),
    p_satterthwaite = unname(ct$p_Satt),
    df_satterthwaite_cr1 = unname(ct1$df_Satt),
    at_means = list(estimate = unname(sum(xbar * b)), se = unname(sqrt(drop(t(xbar) %*% V %*% xbar))),
                    df = unname(lc$df), df_cr1 = unname(lc1$df))
  )
  if (!is.null(fit$theta)) out$theta <- fit$theta
  out
}

f_none <- assaults_on_staff ~ x10 + offset(log(occupied_bed_days))
f_wb <- assaults_on_staff ~ coproduction_patient_overall_within + coproduction_patient_overall_ward_mean +
  offset(log(occupied_bed_days))
f_staff <- update(f_wb, . ~ . + staff_hours_per_patient_day)
f_sec <- update(f_wb, . ~ . + security_level)
f_fe <- assaults_on_staff ~ coproduction_patient_overall_within + ward_id + offset(log(occupied_bed_days))
tight <- glm.control(epsilon = 1e-12, maxit = 100)

res <- list()
res$poisson_none <- summarise(glm(f_none, family = poisson, data = d, control = tight))
res$negbin_none <- summarise(glm.nb(f_none, data = d, control = tight))
res$poisson_wb <- summarise(glm(f_wb, family = poisson, data = d, control = tight))
res$negbin_wb <- summarise(glm.nb(f_wb, data = d, control = tight))
res$negbin_wb_staffing <- summarise(glm.nb(f_staff, data = d, control = tight))
res$negbin_wb_security <- summarise(glm.nb(f_sec, data = d, control = tight))
fe <- glm.nb(f_fe, data = d, control = tight)
res$negbin_fixed_effects <- summarise(fe, keep = "coproduction_patient_overall_within")
res$meta <- list(
  clusters = G,
  nobs = nrow(d),
  note = paste("clubSandwich::coef_test(fit, vcov = 'CR2', cluster = ward_id, test = 'Satterthwaite');",
               "glm / MASS::glm.nb with epsilon 1e-12")
)
write(toJSON(res, digits = I(12), auto_unbox = TRUE, pretty = TRUE), file.path(here, "reference.json"))
writeLines(c(R.version.string, paste("MASS", packageVersion("MASS")),
             paste("clubSandwich", packageVersion("clubSandwich")),
             paste("jsonlite", packageVersion("jsonlite"))), file.path(here, "versions.txt"))
cat("written", file.path(here, "reference.json"), "\n")

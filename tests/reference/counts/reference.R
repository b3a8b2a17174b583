# Reference values for the question-2 count models (tests/stats/test_counts_reference.py).
# Run from the repository root:  Rscript tests/reference/counts/reference.R
# Uses Debian's r-cran-mass, r-cran-sandwich, r-cran-lmtest, r-cran-geepack, r-cran-jsonlite.
suppressPackageStartupMessages({
  library(MASS); library(sandwich); library(geepack); library(jsonlite)
})
here <- "tests/reference/counts"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
d <- d[order(d$ward_id, d$month), ]
# Co-production per 10 points; the ward mean and the month's deviation from it (hybrid / Mundlak).
d$coproduction_patient_overall_10 <- d$coproduction_patient_overall / 10
d$coproduction_patient_overall_ward_mean <- ave(d$coproduction_patient_overall_10, d$ward_id)
d$coproduction_patient_overall_within <- d$coproduction_patient_overall_10 - d$coproduction_patient_overall_ward_mean
d$ward_id <- factor(d$ward_id)
G <- nlevels(d$ward_id)

rename <- function(n) {
  n[n == "(Intercept)"] <- "const"
  n[n == "coproduction_patient_overall_10"] <- "coproduction_patient_overall"
  n
}

summarise <- function(fit, keep = NULL) {
  V <- vcovCL(fit, cluster = ~ward_id, type = "HC1")
  b <- coef(fit)
  se_cl <- sqrt(diag(V))
  se_model <- sqrt(diag(vcov(fit)))
  p_cl <- 2 * pt(abs(b / se_cl), df = G - 1, lower.tail = FALSE)
  keep <- if (is.null(keep)) names(b) else keep
  out <- list(
    terms = rename(keep),
    estimate = unname(b[keep]),
    se_model = unname(se_model[keep]),
    se_cluster = unname(se_cl[keep]),
    p_cluster_t = unname(p_cl[keep]),
    loglik = as.numeric(logLik(fit)),
    aic = AIC(fit),
    nobs = nobs(fit)
  )
  if (!is.null(fit$theta)) out$theta <- fit$theta
  out
}

f_none <- assaults_on_staff ~ coproduction_patient_overall_10 + offset(log(occupied_bed_days))
f_wb <- assaults_on_staff ~ coproduction_patient_overall_within + coproduction_patient_overall_ward_mean +
  offset(log(occupied_bed_days))
f_adj <- update(f_wb, . ~ . + staff_hours_per_patient_day)
f_fe <- assaults_on_staff ~ coproduction_patient_overall_within + ward_id + offset(log(occupied_bed_days))

res <- list()
res$poisson_none <- summarise(glm(f_none, family = poisson, data = d))
res$negbin_none <- summarise(glm.nb(f_none, data = d))
res$poisson_wb <- summarise(glm(f_wb, family = poisson, data = d))
nb_wb <- glm.nb(f_wb, data = d)
res$negbin_wb <- summarise(nb_wb)
res$negbin_wb_adjusted <- summarise(glm.nb(f_adj, data = d))
res$negbin_fixed_effects <- summarise(glm.nb(f_fe, data = d),
                                      keep = c("(Intercept)", "coproduction_patient_overall_within"))
res$negbin_fixed_effects$terms <- c("const_unused", "coproduction_patient_overall_within")

gee_summary <- function(g) {
  s <- summary(g)$coefficients
  list(terms = rename(rownames(s)), estimate = unname(s[, "Estimate"]), se_robust = unname(s[, "Std.err"]),
       correlation = unname(summary(g)$corr[1, 1]))
}
res$gee_poisson_wb <- gee_summary(geeglm(f_wb, id = ward_id, data = d, family = poisson, corstr = "exchangeable",
                                                control = geese.control(epsilon = 1e-10, maxit = 100)))
nb_family <- negative.binomial(nb_wb$theta)
gee_nb <- tryCatch(
  gee_summary(geeglm(f_wb, id = ward_id, data = d, family = nb_family, corstr = "exchangeable")),
  error = function(e) list(error = conditionMessage(e))
)
gee_nb$theta_used <- nb_wb$theta
res$gee_negbin_wb <- gee_nb
res$meta <- list(
  R = R.version.string,
  MASS = as.character(packageVersion("MASS")),
  sandwich = as.character(packageVersion("sandwich")),
  geepack = as.character(packageVersion("geepack")),
  clusters = G,
  note = "vcovCL type HC1 = G/(G-1) x (N-1)/(N-K); p_cluster_t uses t(G-1)"
)
write(toJSON(res, digits = I(12), auto_unbox = TRUE, pretty = TRUE), file.path(here, "reference.json"))
cat("written", file.path(here, "reference.json"), "\n")

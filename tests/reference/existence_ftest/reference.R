# Reference values for the Q1 group comparison's test and gap (analysis/questions/coproduction/groups.py:
# group_differences; tests/questions/coproduction/test_group_ftest.py).
# Run from the repository root:  Rscript tests/reference/existence_ftest/reference.R
# Needs Debian's r-cran-lme4, r-cran-lmertest, r-cran-pbkrtest, r-cran-emmeans, r-cran-jsonlite.
# Writes reference.json and versions.txt.
suppressPackageStartupMessages({
  library(lmerTest); library(pbkrtest); library(emmeans); library(jsonlite)
})
here <- "tests/reference/existence_ftest"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
d$service <- factor(d$service, levels = sort(unique(d$service)))
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5), check.conv.singular = "ignore")
fit <- lmer(score ~ 0 + service + (1 | ward_id), data = d, REML = TRUE, control = ctrl)
b <- fixef(fit)
g <- length(b)
L <- cbind(-1, diag(g - 1))  # every group against the first: all equal when L b = 0
satt <- contest(fit, L, joint = TRUE, ddf = "Satterthwaite")
kr <- contest(fit, L, joint = TRUE, ddf = "Kenward-Roger")
# The same test from the model with an intercept (type III anova of service).
fit_i <- lmer(score ~ service + (1 | ward_id), data = d, REML = TRUE, control = ctrl)
an <- anova(fit_i, ddf = "Satterthwaite")
# The gap between the highest and the lowest mean, its Satterthwaite df and Tukey-adjusted interval.
hi <- which.max(b); lo <- which.min(b)
l <- rep(0, g); l[hi] <- 1; l[lo] <- -1
gap <- contest(fit, matrix(l, nrow = 1), joint = FALSE, ddf = "Satterthwaite", confint = TRUE)
q_tukey <- qtukey(0.95, g, gap$df) / sqrt(2)
# emmeans' Tukey intervals for every pair (Satterthwaite df per pair): the one for the widest gap.
emm <- emmeans(fit, ~ service, lmer.df = "satterthwaite")
pairs_ci <- as.data.frame(confint(pairs(emm, reverse = FALSE), adjust = "tukey", level = 0.95))
lab <- paste(levels(d$service)[hi], "-", levels(d$service)[lo])
lab_rev <- paste(levels(d$service)[lo], "-", levels(d$service)[hi])
row <- if (lab %in% pairs_ci$contrast) pairs_ci[pairs_ci$contrast == lab, ] else pairs_ci[pairs_ci$contrast == lab_rev, ]
sgn <- if (lab %in% pairs_ci$contrast) 1 else -1
vc <- as.data.frame(VarCorr(fit))
# At the boundary: the REML ward variance is 0 (a singular fit); lmerTest still gives Satterthwaite df.
flat <- lmer(score_flat ~ 0 + service + (1 | ward_id), data = d, REML = TRUE, control = ctrl)
satt_flat <- contest(flat, L, joint = TRUE, ddf = "Satterthwaite")
bf <- fixef(flat)
lf <- rep(0, g); lf[which.max(bf)] <- 1; lf[which.min(bf)] <- -1
gap_flat <- contest(flat, matrix(lf, nrow = 1), joint = FALSE, ddf = "Satterthwaite")
vcf <- as.data.frame(VarCorr(flat))
res <- list(
  groups = levels(d$service),
  estimate = unname(b),
  std_error = unname(sqrt(diag(as.matrix(vcov(fit))))),
  ward_variance = vc$vcov[vc$grp == "ward_id"],
  residual_variance = vc$vcov[vc$grp == "Residual"],
  f_satterthwaite = list(F = satt[["F value"]], df1 = satt$NumDF, df2 = satt$DenDF, p = satt[["Pr(>F)"]]),
  f_kenward_roger = list(F = kr[["F value"]], df1 = kr$NumDF, df2 = kr$DenDF, p = kr[["Pr(>F)"]]),
  anova_satterthwaite = list(F = an[["F value"]], df1 = an$NumDF, df2 = an$DenDF, p = an[["Pr(>F)"]]),
  gap = list(highest = levels(d$service)[hi], lowest = levels(d$service)[lo], estimate = gap$Estimate,
             std_error = gap[["Std. Error"]], df = gap$df, q_tukey = q_tukey,
             ci_low = gap$Estimate - q_tukey * gap[["Std. Error"]],
             ci_high = gap$Estimate + q_tukey * gap[["Std. Error"]],
             emmeans_ci_low = if (sgn > 0) row$lower.CL else -row$upper.CL,
             emmeans_ci_high = if (sgn > 0) row$upper.CL else -row$lower.CL,
             emmeans_df = row$df),
  boundary = list(ward_variance = vcf$vcov[vcf$grp == "ward_id"], residual_variance = vcf$vcov[vcf$grp == "Residual"],
                  estimate = unname(bf), F = satt_flat[["F value"]], df2 = satt_flat$DenDF, p = satt_flat[["Pr(>F)"]],
                  gap_df = gap_flat$df, gap_std_error = gap_flat[["Std. Error"]])
)
write(toJSON(res, digits = I(12), auto_unbox = TRUE, pretty = TRUE), file.path(here, "reference.json"))
writeLines(c(R.version.string, paste("lme4", packageVersion("lme4")), paste("lmerTest", packageVersion("lmerTest")),
             paste("pbkrtest", packageVersion("pbkrtest")), paste("emmeans", packageVersion("emmeans")),
             paste("jsonlite", packageVersion("jsonlite"))), file.path(here, "versions.txt"))
cat("written", file.path(here, "reference.json"), "\n")

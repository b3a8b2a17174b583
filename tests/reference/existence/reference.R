# Reference values for the Q1 group comparison (analysis/existence_groups.py: group_differences).
# Run from the repository root:  Rscript tests/reference/existence/reference.R
# Needs lme4 (Debian r-cran-lme4). Writes reference.csv and versions.txt.
suppressPackageStartupMessages(library(lme4))
here <- "tests/reference/existence"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
fit <- lmer(score ~ 0 + service + (1 | ward_id), data = d, REML = TRUE,
            control = lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5)))
b <- fixef(fit)
V <- as.matrix(vcov(fit))
g <- length(b)
C <- cbind(-1, diag(g - 1))  # every group against the first: all equal when C b = 0
diff <- C %*% b
wald <- as.numeric(t(diff) %*% solve(C %*% V %*% t(C)) %*% diff)
hi <- which.max(b); lo <- which.min(b)
vc <- as.data.frame(VarCorr(fit))
out <- rbind(
  data.frame(term = sub("^service", "", names(b)), estimate = unname(b), std_error = sqrt(diag(V))),
  data.frame(term = c("ward_variance", "residual_variance", "wald_chi2", "gap"),
             estimate = c(vc$vcov[vc$grp == "ward_id"], vc$vcov[vc$grp == "Residual"], wald, b[hi] - b[lo]),
             std_error = c(NA, NA, NA, sqrt(V[hi, hi] + V[lo, lo] - 2 * V[hi, lo])))
)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("lme4", packageVersion("lme4"))), file.path(here, "versions.txt"))
cat("written", file.path(here, "reference.csv"), "\n")

# Reference for the between-within degrees of freedom (analysis/stats/counts/fit.py, between_within_df).
# nlme's lme gives a term that is constant within every ward G - p degrees of freedom, p the ward-level columns of
# the fixed effects counting the intercept (Pinheiro and Bates 2000, section 2.4.2), the rule GEE's ward-level
# terms follow in the app. (A term that changes within a ward gets lme's within-ward residual degrees of freedom in
# nlme; the app's robust errors give it G - 1 instead, so only the ward-level rows are compared.)
# Run from the repository root:  Rscript tests/reference/between_within/reference.R
# Uses nlme (a recommended package shipped with R). Writes reference.csv and versions.txt.
library(nlme)
here <- "tests/reference/between_within"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
d$service <- factor(d$service, levels = c("admission", "rehabilitation", "treatment"))
d$security_level <- factor(d$security_level, levels = c("high", "medium"))
fit <- lme(outcome ~ score_within + score_ward_mean + service + security_level, random = ~ 1 | ward_id, data = d,
           method = "REML")
tt <- summary(fit)$tTable
X <- model.matrix(~ score_within + score_ward_mean + service + security_level, data = d)
ward_level <- apply(X, 2, function(col) all(tapply(col, d$ward_id, function(v) length(unique(v)) == 1)))
write.csv(data.frame(term = rownames(tt), df = unname(tt[, "DF"]), ward_level = unname(ward_level[rownames(tt)])),
          file.path(here, "reference.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("nlme", as.character(packageVersion("nlme")))), file.path(here, "versions.txt"))
cat("written", file.path(here, "reference.csv"), "\n")

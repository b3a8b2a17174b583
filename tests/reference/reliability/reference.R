# Independent reference values for tests/stats/test_reliability.py, in base R (psych is not installed).
# Run from this folder: Rscript reference.R  (writes reference.json)
# Alpha from the covariance matrix: k/(k-1) * (1 - trace(C)/sum(C)); Feldt (1965) CI with qf().
# ICC(2,1) from the two-way ANOVA mean squares of aov() (Shrout and Fleiss 1979, case 2, single rater).
library(jsonlite)
set.seed(20240401)
n <- 25; k <- 4
true <- rnorm(n)
items <- sapply(1:k, function(j) round(3 + true + rnorm(n, sd = 0.9)))
C <- cov(items)
alpha <- k / (k - 1) * (1 - sum(diag(C)) / sum(C))
df1 <- n - 1; df2 <- (n - 1) * (k - 1)
lo <- 1 - (1 - alpha) * qf(0.975, df1, df2)
hi <- 1 - (1 - alpha) * qf(0.025, df1, df2)

m <- 8
pat <- round(rnorm(m, 50, 8), 1)
stf <- round(pat + 6 + rnorm(m, 0, 4), 1)
long <- data.frame(y = c(pat, stf), target = factor(rep(1:m, 2)), rater = factor(rep(1:2, each = m)))
tab <- summary(aov(y ~ target + rater, data = long))[[1]]
msr <- tab["target   ", "Mean Sq"]; msc <- tab["rater    ", "Mean Sq"]; mse <- tab["Residuals", "Mean Sq"]
icc21 <- (msr - mse) / (msr + (2 - 1) * mse + 2 * (msc - mse) / m)

write_json(list(items = items, alpha = alpha, ci_low = lo, ci_high = hi,
                patient = pat, staff = stf, icc_2_1 = icc21, r_version = R.version.string),
           "reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

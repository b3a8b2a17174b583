# Independent reference values for tests/stats/test_instrument_reliability.py.
# Run from this folder: Rscript reference.R  (reads data_*.csv from make_data.py, writes reference.csv and
# versions.txt). Debian's r-cran-psych and r-cran-lavaan.
# - alpha: psych::alpha (raw_alpha) on the raw items; corrected item-total r: its r.drop.
# - Feldt interval: psych::alpha.ci (Feldt's F-based interval), 95%.
# - omega: lavaan one-factor ML model on the raw items (std.lv = TRUE),
#   omega = (sum lambda)^2 / ((sum lambda)^2 + sum theta), the reliability of the sum score.
suppressPackageStartupMessages({ library(psych); library(lavaan) })
rows <- list()
for (name in c("safety", "boundaries")) {
  x <- read.csv(paste0("data_", name, ".csv"))
  a <- psych::alpha(x, check.keys = FALSE, warnings = FALSE)
  ci <- psych::alpha.ci(a$total$raw_alpha, n.obs = nrow(x), n.var = ncol(x), p.val = 0.05, digits = 12)
  model <- paste("f =~", paste(names(x), collapse = " + "))
  fit <- lavaan::cfa(model, data = x, std.lv = TRUE, estimator = "ML")
  est <- lavaan::parameterEstimates(fit)
  lam <- est$est[est$op == "=~"]
  theta <- est$est[est$op == "~~" & est$lhs == est$rhs & est$lhs != "f"]
  omega <- sum(lam)^2 / (sum(lam)^2 + sum(theta))
  rows[[length(rows) + 1]] <- data.frame(set = name, statistic = c("alpha", "alpha_low", "alpha_high", "omega"),
                                         item = "", value = c(a$total$raw_alpha, ci$lower.ci, ci$upper.ci, omega))
  rows[[length(rows) + 1]] <- data.frame(set = name, statistic = "r_drop", item = rownames(a$item.stats),
                                         value = a$item.stats$r.drop)
}
out <- do.call(rbind, rows)
write.csv(out, "reference.csv", row.names = FALSE)
writeLines(c(R.version.string, paste("psych", packageVersion("psych")), paste("lavaan", packageVersion("lavaan"))),
           "versions.txt")

# Reference values for analysis/ward_change.py (last 12 months against the 12 before, per ward).
# Run from the repository root:  Rscript tests/reference/ward_change/reference.R
# Base R only. Writes reference.csv and versions.txt.
here <- "tests/reference/ward_change"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
rows <- list()
for (w in sort(unique(d$ward_id))) {
  x <- d[d$ward_id == w, ]
  q <- glm(assaults_on_staff ~ later + offset(log(occupied_bed_days)), family = quasipoisson, data = x,
           control = glm.control(epsilon = 1e-12, maxit = 100))
  p <- glm(assaults_on_staff ~ later + offset(log(occupied_bed_days)), family = poisson, data = x,
           control = glm.control(epsilon = 1e-12, maxit = 100))
  disp <- summary(q)$dispersion
  se_q <- sqrt(diag(vcov(q)))[["later"]]
  se_p <- sqrt(diag(vcov(p)))[["later"]]
  se <- if (disp > 1) se_q else se_p  # the product never shrinks the error below Poisson's
  # an estimated dispersion (above 1) gets t on the residual degrees of freedom, as summary.glm's tests for a
  # quasipoisson fit; the Poisson error (nothing estimated beyond the two rates) keeps the normal
  crit <- if (disp > 1) qt(0.975, df.residual(q)) else qnorm(0.975)
  b <- coef(q)[["later"]]
  tt <- t.test(x$score[x$later == 1], x$score[x$later == 0])  # Welch; NA scores dropped
  rows[[length(rows) + 1]] <- data.frame(
    ward_id = w, rate_ratio = exp(b), ci_low = exp(b - crit * se), ci_high = exp(b + crit * se),
    df = if (disp > 1) df.residual(q) else Inf,
    dispersion = disp, difference = unname(tt$estimate[1] - tt$estimate[2]), diff_ci_low = tt$conf.int[1],
    diff_ci_high = tt$conf.int[2], diff_df = unname(tt$parameter))
}
write.csv(do.call(rbind, rows), file.path(here, "reference.csv"), row.names = FALSE)
writeLines(R.version.string, file.path(here, "versions.txt"))
cat("written", file.path(here, "reference.csv"), "\n")

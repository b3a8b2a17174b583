# Reference values for the funnel limits of analysis/spc/funnel.py (tests/spc/test_funnel.py).
# Run from the repository root:  Rscript tests/reference/funnel/reference.R
# Base R only (Debian's r-base-core): no R package computes these limits, so the arithmetic of
# Spiegelhalter (2005, Stat Med 24:1185, appendix A.1.1 and section 6) and Spiegelhalter et al
# (2012, JRSS A 175:1) is written out here independently of the Python code.
here <- "tests/reference/funnel"
d <- read.csv(file.path(here, "data.csv"), stringsAsFactors = FALSE)
per <- 1000
z95 <- qnorm(0.975)
z998 <- qnorm(0.999)

# Exact Poisson p-limit of a rate: the interpolated p-quantile of Poisson(mu), per x (r - alpha) / T, floored at 0.
exact <- function(p, target, t) {
  mu <- target * t / per
  r <- qpois(p, mu)  # smallest r with F(r) >= p
  f_r <- ppois(r, mu)
  f_below <- ppois(r - 1, mu)
  alpha <- ifelse(f_r > f_below, (f_r - p) / (f_r - f_below), 0)
  pmax(per * (r - alpha) / t, 0)
}

out <- list()
for (s in unique(d$set)) {
  x <- d[d$set == s, ]
  o <- x$count
  t <- x$occupied_bed_days
  n <- length(o)
  target <- per * sum(o) / sum(t)
  s2 <- per * target / t  # variance of a rate under Poisson variation
  z <- (per * o / t - target) / sqrt(s2)
  q <- quantile(z, c(0.1, 0.9), type = 7, names = FALSE)
  zw <- pmin(pmax(z, q[1]), q[2])  # Winsorised at the 10th and 90th percentiles
  phi <- mean(zw^2)
  w <- 1 / s2
  tau2 <- max(0, (n * phi - (n - 1)) / (sum(w) - sum(w^2) / sum(w)))
  rate <- per * o / t
  for (method in c("none", "multiplicative", "additive")) {
    widened <- (method == "multiplicative" && phi > 1) || (method == "additive" && tau2 > 0)
    if (!widened) {
      lim <- cbind(exact(0.001, target, t), exact(0.025, target, t), exact(0.975, target, t), exact(0.999, target, t))
    } else {
      sd <- if (method == "multiplicative") sqrt(phi * s2) else sqrt(s2 + tau2)
      lim <- cbind(pmax(target - z998 * sd, 0), pmax(target - z95 * sd, 0), target + z95 * sd, target + z998 * sd)
    }
    position <- ifelse(rate > lim[, 4], "above 99.8%", ifelse(rate > lim[, 3], "above 95%",
      ifelse(rate < lim[, 1], "below 99.8%", ifelse(rate < lim[, 2], "below 95%", "within"))))
    out[[length(out) + 1]] <- data.frame(
      set = s, ward_id = x$ward_id, method = method, target = target, phi = phi, tau2 = tau2,
      widened = widened, z = z, lower_998 = lim[, 1], lower_95 = lim[, 2], upper_95 = lim[, 3],
      upper_998 = lim[, 4], position = position
    )
  }
}
res <- do.call(rbind, out)
write.csv(res, file.path(here, "reference.csv"), row.names = FALSE)
writeLines(c(R.version.string, "packages: base R (stats) only"), file.path(here, "versions.txt"))
cat(nrow(res), "rows written\n")

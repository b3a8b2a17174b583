# Reference values for Rubin's rules (analysis/stats/imputation.py, tests/stats/test_imputation.py): five FIXED
# completed data sets (completed.csv, from make_data.py) fitted one by one and pooled by mice::pool.
# Run from the repository root:  Rscript tests/reference/mice_pooling/reference.R
# Uses Debian's r-cran-mice and r-cran-jsonlite. Writes reference.json and versions.txt.
suppressPackageStartupMessages({
  library(mice); library(jsonlite)
})
here <- "tests/reference/mice_pooling"
d <- read.csv(file.path(here, "completed.csv"), stringsAsFactors = FALSE)
d$ward_id <- factor(d$ward_id)
d$score10 <- d$coproduction_patient_overall / 10
fits <- lapply(split(d, d$imputation), function(x)
  glm(assaults_on_staff ~ score10 + ward_id + offset(log(occupied_bed_days)), family = poisson, data = x,
      control = glm.control(epsilon = 1e-12, maxit = 100)))
each <- lapply(fits, function(f) c(estimate = unname(coef(f)["score10"]), se = unname(sqrt(vcov(f)["score10", "score10"]))))

pooled_row <- function(p) {
  s <- summary(p, conf.int = TRUE)
  r <- p$pooled[p$pooled$term == "score10", ]
  k <- s[s$term == "score10", ]
  list(m = r$m, estimate = r$estimate, ubar = r$ubar, b = r$b, t = r$t, dfcom = r$dfcom, df = r$df,
       riv = r$riv, lambda = r$lambda, fmi = r$fmi, std_error = k$std.error, ci_low = k$`2.5 %`,
       ci_high = k$`97.5 %`, p_value = k$p.value)
}
res <- list(
  each = list(estimate = sapply(each, `[[`, "estimate"), se = sapply(each, `[[`, "se")),
  dfcom_model = pooled_row(pool(as.mira(fits))),           # dfcom from the glm: n - k
  dfcom_9 = pooled_row(pool(as.mira(fits), dfcom = 9)),     # a small complete-data df (as CR2 with few wards)
  dfcom_inf = pooled_row(pool(as.mira(fits), dfcom = Inf)),
  meta = list(note = "glm poisson per completed copy; mice::pool(as.mira(fits), dfcom); summary(conf.int = TRUE)")
)
write(toJSON(res, digits = I(12), auto_unbox = TRUE, pretty = TRUE), file.path(here, "reference.json"))
writeLines(c(R.version.string, paste("mice", packageVersion("mice")),
             paste("jsonlite", packageVersion("jsonlite"))), file.path(here, "versions.txt"))

# A random-intercept cross-lagged panel model (Hamaker, Kuiper and Grasman 2015) on the shipped sample's 12 wards
# over their last five quarters (riclpm_sample.csv, from riclpm_sample.py): co-production (x) and assaults per
# 1,000 occupied bed days (y). Run from the repository root:  Rscript tests/reference/reverse_causation/riclpm_sample.R
# Writes riclpm_sample.txt. With 12 wards the model cannot be estimated, which is why the app fits the symmetric
# lagged fixed-effects pair instead (analysis/stats/crosslag.py).
suppressPackageStartupMessages(library(lavaan))
here <- "tests/reference/reverse_causation"
d <- read.csv(file.path(here, "riclpm_sample.csv"))
m <- '
RIx =~ 1*x1 + 1*x2 + 1*x3 + 1*x4 + 1*x5
RIy =~ 1*y1 + 1*y2 + 1*y3 + 1*y4 + 1*y5
wx1 =~ 1*x1; wx2 =~ 1*x2; wx3 =~ 1*x3; wx4 =~ 1*x4; wx5 =~ 1*x5
wy1 =~ 1*y1; wy2 =~ 1*y2; wy3 =~ 1*y3; wy4 =~ 1*y4; wy5 =~ 1*y5
wx2 + wy2 ~ wx1 + wy1
wx3 + wy3 ~ wx2 + wy2
wx4 + wy4 ~ wx3 + wy3
wx5 + wy5 ~ wx4 + wy4
wx1 ~~ wy1; wx2 ~~ wy2; wx3 ~~ wy3; wx4 ~~ wy4; wx5 ~~ wy5
RIx ~~ RIx; RIy ~~ RIy; RIx ~~ RIy
x1 ~~ 0*x1; x2 ~~ 0*x2; x3 ~~ 0*x3; x4 ~~ 0*x4; x5 ~~ 0*x5
y1 ~~ 0*y1; y2 ~~ 0*y2; y3 ~~ 0*y3; y4 ~~ 0*y4; y5 ~~ 0*y5
'
msgs <- character()
fit <- withCallingHandlers(
  lavaan(m, data = d, meanstructure = TRUE, int.ov.free = TRUE),
  warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") }
)
writeLines(c(
  R.version.string, paste("lavaan", packageVersion("lavaan")),
  paste("wards:", nrow(d), "waves: 5"),
  paste("converged:", lavInspect(fit, "converged")),
  paste("free parameters:", lavInspect(fit, "npar")),
  paste("warnings:", gsub("\n", " ", msgs))
), file.path(here, "riclpm_sample.txt"))

# The same models as benchmarks/analysis_speed.py, timed in R on the same panel CSV.
#
# Run: Rscript benchmarks/analysis_speed.R PANEL.csv [RUNS]   (called by analysis_speed.py)
# Prints one JSON object: {"r_version", "packages", "runs", "timings": {step: median seconds}, "n": {...}}.
# Each step: one warm-up run, then the median of RUNS runs (a step whose warm-up takes over
# SLOW_S seconds is timed once, from the warm-up, like the Python side).
# Packages (Debian): r-cran-mass, r-cran-sandwich, r-cran-geepack, r-cran-lme4, r-cran-jsonlite.
suppressPackageStartupMessages({
  library(MASS); library(sandwich); library(geepack); library(lme4); library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript analysis_speed.R PANEL.csv [RUNS]")
RUNS <- if (length(args) >= 2) as.integer(args[2]) else 5L
SLOW_S <- 5
PREDICTOR <- "coproduction_patient_overall"
INCIDENTS <- c("assaults_on_staff", "assaults_on_patients", "restraints", "seclusions", "self_harm",
               "transfers_to_lower_security")

panel <- read.csv(args[1], stringsAsFactors = FALSE)
panel <- panel[order(panel$ward_id, panel$month), ]
INCIDENTS <- intersect(INCIDENTS, names(panel))
RECOVERY <- grep("^recovery_", names(panel), value = TRUE)
RECOVERY <- RECOVERY[!grepl("_n_patients$", RECOVERY)]

# Rows a model can use and the within/between split on those rows (as analysis/counts/prepare.py).
count_data <- function(outcome) {
  d <- panel[!is.na(panel[[outcome]]) & !is.na(panel[[PREDICTOR]]) & panel$occupied_bed_days > 0,
             c("ward_id", "month", "occupied_bed_days", outcome, PREDICTOR)]
  x <- d[[PREDICTOR]] / 10
  d$x_ward_mean <- ave(x, d$ward_id)
  d$x_within <- x - d$x_ward_mean
  d$y <- d[[outcome]]
  d$ward_id <- factor(d$ward_id)
  d
}

recovery_data <- function(y) {
  n_col <- paste0(y, "_n_patients")
  d <- panel[!is.na(panel[[y]]) & !is.na(panel[[PREDICTOR]]), c("ward_id", y, n_col, PREDICTOR)]
  x <- d[[PREDICTOR]] / 10
  d$x_ward_mean <- ave(x, d$ward_id)
  d$x_within <- x - d$x_ward_mean
  d$y <- d[[y]]
  d$n <- d[[n_col]]
  d$ward_id <- factor(d$ward_id)
  d
}

F_COUNT <- y ~ x_within + x_ward_mean + offset(log(occupied_bed_days))

# fit_counts(family="auto", errors="cluster"): Poisson and NB2, the LR test, CR1 on the chosen one.
counts_cluster <- function(d) {
  pois <- glm(F_COUNT, family = poisson, data = d)
  nb <- glm.nb(F_COUNT, data = d)
  chosen <- if (2 * (logLik(nb) - logLik(pois)) > qchisq(0.9, 1)) nb else pois
  V <- vcovCL(chosen, cluster = d$ward_id, type = "HC1")
  list(coef = coef(chosen), se = sqrt(diag(V)))
}

# fit_counts(errors="gee"): the same two fits, then GEE exchangeable by ward (geepack: Poisson only).
counts_gee <- function(d) {
  pois <- glm(F_COUNT, family = poisson, data = d)
  nb <- glm.nb(F_COUNT, data = d)
  g <- geeglm(F_COUNT, family = poisson, data = d, id = ward_id, corstr = "exchangeable")
  list(coef = coef(g), se = sqrt(diag(g$geese$vbeta)))
}

# fit_recovery(weights="none"): REML random intercept, plus the WLS sensitivity with CR1.
recovery_fit <- function(d) {
  m <- lmer(y ~ x_within + x_ward_mean + (1 | ward_id), data = d, REML = TRUE)
  w <- lm(y ~ x_within + x_ward_mean, data = d, weights = n)
  V <- vcovCL(w, cluster = d$ward_id, type = "HC1")
  list(fixef = fixef(m), se_wls = sqrt(diag(V)))
}

# its_pooled: ward and calendar-month fixed effects, post + months_since_start, CR1 by ward.
its_data <- function(outcome, count) {
  keep <- !is.na(panel[[outcome]])
  if (count) keep <- keep & !is.na(panel$occupied_bed_days) & panel$occupied_bed_days > 0
  d <- panel[keep, c("ward_id", "month", "occupied_bed_days", "post", "months_since_start", outcome)]
  d$y <- d[[outcome]]
  d$ward_id <- factor(d$ward_id)
  d$month <- factor(d$month)
  d
}

its_linear <- function(d) {
  f <- lm(y ~ post + months_since_start + ward_id + month, data = d)
  V <- vcovCL(f, cluster = d$ward_id, type = "HC1")
  sqrt(diag(V))[c("post", "months_since_start")]
}

its_count <- function(d) {
  f <- glm(y ~ post + months_since_start + ward_id + month + offset(log(occupied_bed_days)),
           family = poisson, data = d)
  V <- vcovCL(f, cluster = d$ward_id, type = "HC1")
  sqrt(diag(V))[c("post", "months_since_start")]
}

time_step <- function(fn) {
  t0 <- proc.time()[["elapsed"]]
  invisible(fn())
  first <- proc.time()[["elapsed"]] - t0
  if (first > SLOW_S || RUNS < 1) return(list(seconds = first, runs = 1L))
  times <- vapply(seq_len(RUNS), function(i) {
    t0 <- proc.time()[["elapsed"]]
    invisible(fn())
    proc.time()[["elapsed"]] - t0
  }, numeric(1))
  list(seconds = median(times), runs = RUNS)
}

d_staff <- count_data("assaults_on_staff")
d_all <- lapply(INCIDENTS, count_data)
d_rec <- lapply(RECOVERY, recovery_data)
d_transfers <- if ("transfers_to_lower_security" %in% INCIDENTS) count_data("transfers_to_lower_security") else NULL
d_its_lin <- its_data(PREDICTOR, FALSE)
d_its_cnt <- its_data("assaults_on_staff", TRUE)

steps <- list(
  q2_counts_cluster = function() counts_cluster(d_staff),
  q2_counts_gee = function() counts_gee(d_staff),
  q2_all_incidents = function() lapply(d_all, counts_cluster),
  q3_recovery = function() {
    lapply(d_rec, recovery_fit)
    if (!is.null(d_transfers)) counts_cluster(d_transfers)
  },
  its_pooled_linear = function() its_linear(d_its_lin),
  its_pooled_count = function() its_count(d_its_cnt)
)
only <- Sys.getenv("BENCH_R_STEPS", "")
if (nzchar(only)) steps <- steps[intersect(names(steps), strsplit(only, ",")[[1]])]

timings <- list(); runs <- list()
for (name in names(steps)) {
  r <- time_step(steps[[name]])
  timings[[name]] <- r$seconds
  runs[[name]] <- r$runs
}

pkgs <- c("MASS", "sandwich", "geepack", "lme4", "Matrix")
cat(toJSON(list(
  r_version = R.version.string,
  packages = setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs),
  blas = tryCatch(extSoftVersion()[["BLAS"]], error = function(e) ""),
  runs = runs,
  timings = timings,
  n = list(rows = nrow(panel), wards = length(unique(panel$ward_id)), recovery_measures = length(RECOVERY))
), auto_unbox = TRUE, digits = NA))
cat("\n")

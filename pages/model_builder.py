"""Fitting and comparing models for the three questions."""
from ui.frame import not_built

not_built(
    "Model builder",
    "which model fits the data best, and how much the answer to each question depends on the choices made "
    "(count model, adjustments, time lags).",
    "the ward-month panel built from the ward months, co-production scores and recovery measures.",
)

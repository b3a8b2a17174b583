"""The ward-month panel every model is fitted on: survey scoring, incident rates, lags and the within/between split.

`build_panel` turns the contract tables into one row per ward-month; `ward_month_scores` scores the survey;
`add_lag` and `within_between` prepare a predictor for a model.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".build": ("build_panel", "measure_slug", "score_column"),
        ".scoring": ("scoring_rule", "ward_month_scores"),
        ".tools": ("add_lag", "within_between"),
    },
)

"""Statistical machinery shared by the questions: count models, mixed models, time series, reliability, results.

Every model returns a `ModelResult` (estimates, sample size, caveats and its answer in words). The count models
of question 2 are in `analysis.stats.counts`.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".counts": ("fit_all_incidents", "fit_counts"),
        ".its": ("fit_pooled", "fit_segmented"),
        ".mixed": ("RandomInterceptFit", "fit_random_intercept"),
        ".reliability": (
            "agreement",
            "agreement_summary",
            "cronbach_alpha",
            "icc_2_1",
            "item_total",
            "reliability_table",
        ),
        ".results": ("OBSERVATIONAL_CAVEAT", "Headline", "ModelResult"),
    },
)

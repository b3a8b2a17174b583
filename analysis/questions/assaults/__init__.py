"""Question 2, can co-production reduce assaults on staff: what the assaults page shows of the count models.

The models themselves are `analysis.stats.counts.fit_counts` and `fit_all_incidents`; here are their claims in
words (`claim_texts`, `claims_table`, `incidents_table`) and the page's series and SPC chart; `funnel` compares
wards fairly (each ward's rate against its bed days, inside its peer group's funnel limits); `page` works out
the rest that the page shows beside its charts (its choices, tables and short lines of words).
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".funnel": ("compare_wards", "funnel_sentence"),
        ".view": (
            "claim_texts",
            "claims_table",
            "expected_at",
            "incident_spc",
            "incidents_table",
            "monthly_series",
            "predictor_label",
            "predictor_options",
            "scatter_points",
        ),
    },
)

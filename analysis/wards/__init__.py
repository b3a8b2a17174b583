"""One ward for its own meeting: its profile, survey scores and its last year against the year before.

`ward_profile` charts every measure of one ward (a `WardProfile`); `year_on_year` compares its last 12 months
with the 12 before; `survey_aspects` is its survey by aspect.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".change": ("year_on_year",),
        ".profile": ("Measure", "MeasureSeries", "WardProfile", "measures_for", "summary_table", "ward_profile"),
        ".survey": ("aspects_sentence", "survey_aspects"),
    },
)

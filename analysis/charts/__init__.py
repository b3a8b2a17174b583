"""Charts for the app and every export: one house style (style.py) and the SPC chart (spc.py).

One module per page (`coproduction`, `assaults`, `recovery`, `talking_groups`, `ward_profile`, `power`);
the house style, colours and the UK formatters every chart uses are re-exported here.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".multiples": ("small_multiples",),
        ".power": ("power_figure",),
        ".spc": ("spc_alt_text", "spc_figure"),
        ".style": ("CATEGORICAL", "NHS", "alt_text", "apply_style", "month_axis"),
        "analysis.spc.mdc": ("MDC_COLOURS", "MDC_LABELS", "MDC_SYMBOLS"),
        "analysis.text": ("financial_year", "fmt_number", "month_range", "rate_label", "uk_date", "uk_month"),
    },
)

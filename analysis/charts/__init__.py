"""Charts for the app and every export: one house style (style.py) and the SPC chart (spc.py)."""

from analysis.charts.style import CATEGORICAL, NHS, alt_text, apply_style, month_axis
from analysis.spc.mdc import MDC_COLOURS, MDC_LABELS, MDC_SYMBOLS
from analysis.text import financial_year, fmt_number, month_range, rate_label, uk_date, uk_month

__all__ = [
    "CATEGORICAL",
    "MDC_COLOURS",
    "MDC_LABELS",
    "MDC_SYMBOLS",
    "NHS",
    "alt_text",
    "apply_style",
    "financial_year",
    "fmt_number",
    "month_axis",
    "month_range",
    "rate_label",
    "uk_date",
    "uk_month",
]

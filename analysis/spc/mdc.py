"""Making Data Count's meanings for SPC points: the colours, marker shapes and labels of each class.

Colours are those NHSRplotthedots uses (R/ptd_spc_colours.R): grey common cause, blue improvement,
orange concern, purple neither, red target. Every class also has its own marker shape, so colour
is never the only signal.
"""

from __future__ import annotations

MDC_COLOURS = {
    "common_cause": "#A6A6A6",
    "special_cause_improvement": "#00B0F0",
    "special_cause_concern": "#E46C0A",
    "special_cause_neither": "#490092",
    "target": "#DE1B1B",
    "centre": "#231F20",
    "limits": "#425563",  # NHS dark grey: 7.7:1 on white
    "value_line": "#768692",  # NHS mid grey: 3.7:1 on white (MDC's #A6A6A6 is only 2.4:1)
}
MDC_SYMBOLS = {
    "common_cause": "circle",
    "special_cause_improvement": "diamond",
    "special_cause_concern": "square",
    "special_cause_neither": "triangle-up",
}
MDC_LABELS = {
    "common_cause": "Common cause (no signal)",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neither": "Special cause: neither better nor worse",
}

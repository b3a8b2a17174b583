"""Statistical process control, step 3a: the Making Data Count variation and assurance icons.

Variation: the situation at the latest month (as NHSRplotthedots' summary, which reads the last
point's type). So an icon can say "No significant change" beside a chart with unusual months
earlier on; the description therefore starts by naming the month it reads. For a rare count
(``rare_events``, see ``spc.u_chart``) it also says that only months above the upper limit count.

Assurance (worked out in ``analysis.spc.assurance``): where the target sits against the latest month's process
limits (NHSRplotthedots R/ptd_calculate_assurance_type.R): a target beyond the limits on the good side is
consistently met (P), beyond them on the bad side consistently missed (F), otherwise hit and miss (?). Its icon
also draws the target as a dashed line below, above or through a grey process line, so the letter and the colour
are not the only signals. Each icon comes as a dict: key, label (plain English), description, colour, svg (with
<title>).
"""

from __future__ import annotations

import itertools
import math
from html import escape

import pandas as pd

from analysis.spc.assurance import assess
from analysis.spc.chart import RARE_EVENTS_PER_MONTH
from analysis.spc.mdc import MDC_COLOURS
from analysis.text import fmt_number, uk_month

VARIATION = {
    "common_cause": (
        "No significant change",
        "The latest months vary only as much as this {m} usually does (common cause variation).",
    ),
    "improvement_high": (
        "Improving: unusually high {m} in recent months",
        "Special cause variation in the better direction: the {m} is higher than its usual range would explain.",
    ),
    "improvement_low": (
        "Improving: unusually low {m} in recent months",
        "Special cause variation in the better direction: the {m} is lower than its usual range would explain.",
    ),
    "concern_high": (
        "Concern: unusually high {m} in recent months",
        "Special cause variation in the worse direction: the {m} is higher than its usual range would explain.",
    ),
    "concern_low": (
        "Concern: unusually low {m} in recent months",
        "Special cause variation in the worse direction: the {m} is lower than its usual range would explain.",
    ),
    "neither_high": (
        "Unusually high {m} in recent months",
        "Special cause variation upwards; higher is neither better nor worse for this measure.",
    ),
    "neither_low": (
        "Unusually low {m} in recent months",
        "Special cause variation downwards; lower is neither better nor worse for this measure.",
    ),
    "no_data": ("Not enough data", "There are too few months with data to judge variation."),
}
LATEST = "This icon reads the latest month only ({month}); any earlier unusual months are marked on the chart. "
RARE = (
    " Events are rare here (fewer than {n:g} a month on average, or none in most months), so only a month "
    "above the upper limit counts as unusual; months without events are never a signal."
)
ASSURANCE = {
    "consistently_passing": (
        "Consistently meets the target",
        "The target {t} lies outside the process limits on the better side: if nothing changes, the target will be met almost every month.",
    ),
    "consistently_failing": (
        "Consistently misses the target",
        "The target {t} lies outside the process limits on the worse side: the target will not be met without a change to how things are done.",
    ),
    "hit_and_miss": (
        "Hit and miss against the target",
        "The target {t} lies within the process limits: it will be met in some months and missed in others, by chance alone.",
    ),
    "not_applicable": ("No assurance", "Assurance needs a target and a direction of improvement."),
}
ASSURANCE_LIMITS = "Against the process limits of {month} ({lower} to {upper}). "
ASSURANCE_TRIAL = " The limits are trial limits, so this is provisional."
ASSURANCE_LETTERS = {"consistently_passing": "P", "consistently_failing": "F", "hit_and_miss": "?"}
# Where the dashed target line sits against the grey process line in the icon (y in a 48 x 48 box): below it
# when met, above it when missed, through it when hit and miss (as in Making Data Count's icons).
_TARGET_LINE_Y = {"consistently_passing": 40, "consistently_failing": 28.5, "hit_and_miss": 34}


def _last(classified: pd.DataFrame) -> pd.Series | None:
    rows = classified[classified["value"].notna()]
    return None if rows.empty else rows.iloc[-1]


def variation_key(last: pd.Series | None) -> str:
    """The variation icon's key for a chart's latest classified point (None: 'no_data')."""
    if last is None or pd.isna(last["centre"]):
        return "no_data"
    if last["variation"] == "common_cause":
        return "common_cause"
    kind = str(last["variation"]).removeprefix("special_cause_")
    return f"{kind}_{last['direction']}"


def variation_icon(classified_df: pd.DataFrame, measure: str = "values") -> dict:
    """The variation icon for the latest month: key, label, description, colour, svg."""
    last = _last(classified_df)
    key = variation_key(last)
    label, desc = (s.format(m=measure) for s in VARIATION[key])
    rare = key != "no_data" and bool(last.get("rare_events", False))
    if key != "no_data" and pd.notna(last.get("period", pd.NaT)):
        desc = LATEST.format(month=uk_month(last["period"])) + desc
    if key != "no_data" and bool(last.get("trial_limits", False)):
        desc += f" The limits are trial limits (only {int(last['n_in_segment'])} months since they were last set)."
    if rare:
        desc += RARE.format(n=RARE_EVENTS_PER_MONTH)
    colour = variation_colour(key)
    letter = {"high": "H", "low": "L"}.get(key.rsplit("_", 1)[-1], "")
    return {
        "key": key,
        "label": label,
        "description": desc,
        "colour": colour,
        "rare_events": rare,
        "svg": icon_svg(label, colour, letter, key),
    }


def assurance_icon(classified_df: pd.DataFrame, target: float | None, direction: str | None = None) -> dict:
    """The assurance icon: does the process reliably meet `target`, given the latest limits?

    `direction` ('higher' or 'lower') is the target's own better direction; by default the chart's. Returns
    key (see `analysis.spc.assurance.ASSURANCE_KEYS`), label, description, colour and svg.
    """
    a = assess(classified_df, target, direction)
    label, desc = (s.format(t=fmt_number(a.target) if a.target is not None else "") for s in ASSURANCE[a.key])
    if a.key != "not_applicable" and a.month is not None:
        desc = (
            ASSURANCE_LIMITS.format(month=uk_month(a.month), lower=fmt_number(a.lower, 2), upper=fmt_number(a.upper, 2))
            + desc
        )
    if a.key != "not_applicable" and a.trial_limits:
        desc += ASSURANCE_TRIAL
    return {
        "key": a.key,
        "label": label,
        "description": desc,
        "colour": assurance_colour(a.key),
        "svg": assurance_svg(a.key, label),
    }


def assurance_colour(key: str) -> str:
    """Blue when the target is consistently met, orange when consistently missed, grey otherwise."""
    return {
        "consistently_passing": MDC_COLOURS["special_cause_improvement"],
        "consistently_failing": MDC_COLOURS["special_cause_concern"],
    }.get(key, MDC_COLOURS["common_cause"])


def assurance_svg(key: str, label: str | None = None, size: int = 48) -> str:
    """The Making Data Count assurance icon for `key`: a ring, its letter (P, F or ?), a dashed target line and a
    grey process line below, above or through it, and an accessible <title> (`label`, by default the key's)."""
    label = ASSURANCE[key][0] if label is None else label
    colour = assurance_colour(key)
    ident = f"spc-assurance-{escape(key)}-{next(_IDS)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 48 48" '
        f'role="img" aria-labelledby="{ident}"><title id="{ident}">{escape(label)}</title>'
        f'<circle cx="24" cy="24" r="21" fill="#FFFFFF" stroke="{colour}" stroke-width="4"/>'
    )
    letter = ASSURANCE_LETTERS.get(key)
    if letter is None:  # no assurance: the empty ring
        return head + "</svg>"
    y = _TARGET_LINE_Y[key]
    half = round(math.sqrt(19**2 - (y - 24) ** 2), 1)  # the line stays inside the ring
    ink = MDC_COLOURS["value_line"] if key == "hit_and_miss" else colour
    return (
        head + f'<text x="24" y="24" text-anchor="middle" font-family="Arial, sans-serif" font-size="19" '
        f'font-weight="bold" fill="{ink}">{escape(letter)}</text>'
        f'<line x1="{24 - half}" y1="{y}" x2="{24 + half}" y2="{y}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="4 1.5"/>'
        '<path d="M10 35 C13 31 15 31 18 34 S22 37 24 34 S27 31 30 34 S35 36 38 34" fill="none" '
        f'stroke="{MDC_COLOURS["value_line"]}" stroke-width="2.5"/></svg>'
    )


def variation_colour(key: str) -> str:
    if key.startswith("improvement"):
        return MDC_COLOURS["special_cause_improvement"]
    if key.startswith("concern"):
        return MDC_COLOURS["special_cause_concern"]
    if key.startswith("neither"):
        return MDC_COLOURS["special_cause_neither"]
    return MDC_COLOURS["common_cause"]


_IDS = itertools.count(1)


def icon_svg(label: str, colour: str, letter: str, key: str, size: int = 48) -> str:
    """A small round icon: coloured ring, a letter (H, L, P, F or ?) and an accessible <title>."""
    # A unique id per drawing: a page shows many icons of the same kind, and ids must not repeat.
    ident = f"spc-icon-{escape(key)}-{next(_IDS)}"
    mark = (
        f'<text x="24" y="31" text-anchor="middle" font-family="Arial, sans-serif" font-size="20" '
        f'font-weight="bold" fill="{colour}">{escape(letter)}</text>'
        if letter
        else f'<line x1="12" y1="24" x2="36" y2="24" stroke="{colour}" stroke-width="3"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 48 48" '
        f'role="img" aria-labelledby="{ident}"><title id="{ident}">{escape(label)}</title>'
        f'<circle cx="24" cy="24" r="21" fill="#FFFFFF" stroke="{colour}" stroke-width="4"/>{mark}</svg>'
    )

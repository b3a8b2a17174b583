"""The ward profile in words: the SPC convention, the ward's label, the sentence on how its measures stand at
their latest month, and what a target means for a measure."""

from __future__ import annotations

import pandas as pd

from analysis.spc.chart import CONVENTION, RARE_CONVENTION, RARE_EVENTS_PER_MONTH
from analysis.spc.rules import RUN_LENGTH
from analysis.text import listed, plural, uk_month
from analysis.wards.profile_series import MIN_POINTS, Measure, MeasureSeries

RULES_TEXT = (
    "A month is special cause variation when it lies outside the limits, is one of a run of {shift} or more "
    "months all above or all below the average, one of a run of {trend} or more months each higher (or each "
    "lower) than the one before, or one of two out of three months close to a limit (beyond two sigma) on "
    "the same side. A missing month breaks any run. The icons read the latest month."
)


def convention_text(min_points: int = 12, shift: int = RUN_LENGTH, trend: int | None = None) -> str:
    """The SPC convention in words: limits, rules, run lengths, trial limits, survey occasions."""
    return " ".join(
        [
            CONVENTION.format(min_points=min_points),
            RULES_TEXT.format(shift=shift, trend=shift if trend is None else trend),
            RARE_CONVENTION.format(per_month=RARE_EVENTS_PER_MONTH),
            (
                "Co-production and recovery are charted on the months they were recorded, taken as consecutive points. "
                f"A measure with fewer than {MIN_POINTS} values is not judged."
            ),
        ]
    )


def ward_label(ward: dict) -> str:
    name = ward.get("ward_name")
    return f"{name} ({ward['ward_id']})" if name else str(ward["ward_id"])


def _listing(items: list[str]) -> str:
    items = [i[0].lower() + i[1:] if not i[:2].isupper() else i for i in items]
    return listed(items)


def _earlier_signals(series: list[MeasureSeries], last_month, months: int = 12) -> str:
    """' Earlier in the last 12 months, unusual months on: X (2), Y (1).' or '' (the latest month excluded:
    the icons speak for it)."""
    since = pd.Timestamp(last_month).to_period("M") - (months - 1)
    found = []
    for s in series:
        c = s.classified
        if c is None or c.empty or "variation" not in c or "period" not in c:
            continue
        c = c[c["value"].notna()]
        if c.empty:
            continue
        period = pd.to_datetime(c["period"]).dt.to_period("M")
        earlier = (period >= since) & (period < period.max()) & c["variation"].astype(str).str.startswith("special")
        if earlier.any():
            found.append(f"{s.measure.title} ({plural(int(earlier.sum()), 'month')})")
    if not found:
        return f" No earlier month in the last {months} was unusual on any measure."
    return f" Earlier in the last {months} months, unusual months on the charts: {', '.join(found)}."


def profile_sentence(ward: dict, series: list[MeasureSeries]) -> str:
    """How the ward's measures stand at their latest month, generated from the icons."""
    if not series:
        return f"{ward_label(ward)} has no measures with data in the months shown."
    kinds = {"improvement": [], "concern": [], "neither": [], "common": [], "no_data": []}
    for s in series:
        kinds[s.icon["key"].split("_")[0] if s.icon["key"] != "no_data" else "no_data"].append(s.measure.title)
    n = len(series)
    parts = []
    for key, words in (
        ("improvement", "{k} showing improvement ({l})"),
        ("concern", "{k} showing concern ({l})"),
        ("neither", "{k} unusual but neither better nor worse ({l})"),
        ("common", "{k} with no significant change"),
        ("no_data", "{k} with too few points to judge"),
    ):
        if kinds[key]:
            parts.append(words.format(k=len(kinds[key]), l=_listing(kinds[key])))
    lead = f"{ward_label(ward)}, in its latest month ({uk_month(ward['last_month'])}): "
    tail = (
        " Each icon reads a measure's latest month against its own process limits (a run of recent months "
        "on one side counts too)." + _earlier_signals(series, ward["last_month"])
    )
    if len(parts) == 1:
        key = next(k for k in kinds if kinds[k])
        verb = {
            "improvement": "show improvement",
            "concern": "show concern",
            "neither": "are unusual but neither better nor worse",
            "common": "show no significant change",
            "no_data": "have too few points to judge",
        }[key]
        if n == 1:
            verb = verb.replace("show ", "shows ", 1).replace("are ", "is ", 1).replace("have ", "has ", 1)
            return f"{lead}its one measure ({_listing(kinds[key])}) {verb}.{tail}"
        return f"{lead}all {n} measures {verb}.{tail}"
    body = " and ".join(parts) if len(parts) == 2 else "; ".join(parts[:-1]) + "; and " + parts[-1]
    return f"{lead}of {n} measures, {body}.{tail}"


def target_help(m: Measure) -> str:
    """What a target means for this measure, in words."""
    if m.improvement == "neither":
        return "No direction of improvement is set for this measure, so a target gives no assurance."
    better = "at or above" if m.improvement == "increase" else "at or below"
    return f"A month meets the target when it is {better} it. Leave blank for no target."

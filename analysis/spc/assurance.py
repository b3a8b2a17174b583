"""Statistical process control, step 3b: assurance, whether a process can be relied on to meet its target.

Making Data Count, as NHSRplotthedots computes it (R/ptd_calculate_assurance_type.R): take the process limits of
the latest month charted. A target beyond the limits on the better side will be met every month unless the process
changes ("consistently passing"); beyond them on the worse side it will be missed every month unless the process
changes ("consistently failing"); between the limits, or exactly on one, it will be met in some months and missed in
others by chance alone ("hit and miss"). Without a target, or without a better direction, there is no assurance.

Better is the direction of improvement: "increase" (higher is better), "decrease" (lower is better), or
"neither". A target may state its own direction ("higher" or "lower"), which then decides.

For a u-chart the limits are those of the latest month (they widen in a month with fewer bed days); for a rare
count the lower limit is 0 and the upper one the Poisson limit (see `analysis.spc.chart.u_chart`), so a target
above that upper limit is consistently met. Trial limits (fewer than 12 points since the limits were set) make the
assurance provisional: `Assurance.trial_limits` says so and the icon's description repeats it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PASSING, HIT_AND_MISS, FAILING, NOT_APPLICABLE = (
    "consistently_passing",
    "hit_and_miss",
    "consistently_failing",
    "not_applicable",
)
ASSURANCE_KEYS = (PASSING, HIT_AND_MISS, FAILING, NOT_APPLICABLE)
DIRECTIONS = {"higher": "increase", "lower": "decrease", "increase": "increase", "decrease": "decrease"}


def improvement_of(direction: str | None, default: str = "neither") -> str:
    """A target's direction ('higher', 'lower') as an improvement ('increase', 'decrease'); `default` when
    it says none.

    >>> improvement_of("lower"), improvement_of(None, "increase"), improvement_of("")
    ('decrease', 'increase', 'neither')
    """
    return DIRECTIONS.get(str(direction or "").strip().lower(), default)


def assurance_key(target: float | None, upper: float | None, lower: float | None, improvement: str) -> str:
    """The assurance for a target against one month's process limits.

    >>> assurance_key(15, upper=13, lower=7, improvement="decrease")  # every month is below 15
    'consistently_passing'
    >>> assurance_key(5, upper=13, lower=7, improvement="decrease")  # no month gets down to 5
    'consistently_failing'
    >>> assurance_key(13, upper=13, lower=7, improvement="decrease")  # on a limit: hit and miss
    'hit_and_miss'
    >>> assurance_key(None, 13, 7, "decrease"), assurance_key(10, 13, 7, "neither")
    ('not_applicable', 'not_applicable')
    """
    if target is None or pd.isna(target) or improvement not in ("increase", "decrease"):
        return NOT_APPLICABLE
    if upper is None or lower is None or pd.isna(upper) or pd.isna(lower):
        return NOT_APPLICABLE
    up = improvement == "increase"
    if target > upper:
        return FAILING if up else PASSING
    if target < lower:
        return PASSING if up else FAILING
    return HIT_AND_MISS


@dataclass(frozen=True)
class Assurance:
    """A target set against a chart's latest process limits."""

    key: str  # one of ASSURANCE_KEYS
    target: float | None
    improvement: str  # the direction used: increase, decrease or neither
    upper: float | None = None  # the limits it was judged against
    lower: float | None = None
    month: pd.Timestamp | None = None  # the month whose limits these are
    trial_limits: bool = False


def latest_limits(classified: pd.DataFrame) -> pd.Series | None:
    """The latest month that has both process limits (and a value), or None."""
    if classified is None or not len(classified) or not {"upper", "lower"} <= set(classified.columns):
        return None
    rows = classified.dropna(subset=["upper", "lower"])
    if "value" in rows:
        rows = rows[rows["value"].notna()]
    return None if rows.empty else rows.iloc[-1]


def assess(classified: pd.DataFrame, target: float | None, direction: str | None = None) -> Assurance:
    """Assurance of `target` on a classified chart (see `analysis.spc.rules.classify`), with its latest limits.

    `direction` ('higher' or 'lower'), when given, is the target's own better direction; otherwise the chart's
    ``improvement`` column decides.
    """
    own = (
        str(classified["improvement"].iloc[0])
        if classified is not None and "improvement" in classified and len(classified)
        else "neither"
    )
    improvement = improvement_of(direction, own)
    target = None if target is None or pd.isna(target) else float(target)
    last = latest_limits(classified)
    if last is None:
        return Assurance(NOT_APPLICABLE, target, improvement)
    upper, lower = float(last["upper"]), float(last["lower"])
    month = pd.Timestamp(last["period"]) if "period" in last and pd.notna(last["period"]) else None
    return Assurance(
        assurance_key(target, upper, lower, improvement),
        target,
        improvement,
        upper,
        lower,
        month,
        bool(last.get("trial_limits", False)),
    )

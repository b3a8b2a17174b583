"""Statistical process control, step 2 of 3: classify each point (the Making Data Count rules).

Follows NHSRplotthedots (R/ptd_calculate_point_type.R) exactly, within each segment:

* outside_limits: the value is above the upper or below the lower process limit.
* shift: a run of ``shift_length`` (7, ``RUN_LENGTH``) or more consecutive points all above, or all below, the
  centre; a point exactly on the centre ends the run. Every point of the run is flagged.
* trend: a run of ``trend_length`` (7) or more consecutive points each strictly higher (or each
  strictly lower) than the one before; equal neighbours end it. Every point of the run is flagged.
* two_of_three: in some three consecutive points, all on the same side of the centre, at least
  two lie beyond the two-sigma line but inside the limits; those beyond-two-sigma points are
  flagged (a point outside the limits does not count towards it, as in NHSRplotthedots).
* A missing month ends any run, trend or two-of-three window (our rule: NHSRplotthedots assumes
  no gaps), so a gap can never complete a signal.

* Rare events (a segment the chart marks ``rare_events``: a count averaging under one event a
  month, see ``spc.u_chart``): only ``outside_limits`` on the high side is used, against the
  chart's Poisson probability limit. Shift, trend and two-of-three are not, nor is anything below
  the average: most months of a rare count are zero, and a run of zeros is the ordinary absence of
  events, not evidence of a change. (The threshold is set where the chart is computed.)

The run length is a setting (``run_length``, one of ``RUN_LENGTH_CHOICES``; the app's sidebar, saved for the
hospital, and ``--run-length`` on the command line): 7 is the Making Data Count convention, 8 for a shift is
common elsewhere. One setting sets both the shift and the trend run.

A point's direction, when several rules fire, comes from the first of: outside limits (its side),
trend (its direction), two of three (its side), shift (its side) -- the NHSRplotthedots order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RUN_LENGTH = 7  # the Making Data Count convention for shifts and trends (NHS England)
RUN_LENGTH_CHOICES = (6, 7, 8, 9)  # 8 (Western Electric, many textbooks) and 9 (Nelson) for a shift are also used
VARIATIONS = ("common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neither")
IMPROVEMENT = {"increase": 1, "decrease": -1, "neither": 0}


def _runs(keys: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, key) for maximal runs of equal non-zero keys."""
    out, start = [], 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if keys[start] != 0:
                out.append((start, i, int(keys[start])))
            start = i
    return out


def _segment_rules(
    y: np.ndarray, g: pd.DataFrame, shift_length: int, trend_length: int, rare: bool = False
) -> dict[str, np.ndarray]:
    n = len(y)
    present = ~np.isnan(y)
    upper, lower = g["upper"].to_numpy(float), g["lower"].to_numpy(float)
    side = np.where(present, np.sign(np.nan_to_num(y - g["centre"].to_numpy(float))), 0).astype(int)
    if rare:  # only a month above the (Poisson) upper limit; see the module docstring
        outside = present & (y > upper)
        none = np.zeros(n, bool)
        return {
            "outside_limits": outside,
            "shift": none,
            "trend": none,
            "two_of_three": none,
            "direction": np.where(outside, 1, 0),
            "side": side,
            "trend_dir": np.zeros(n, int),
        }
    outside = present & ((y > upper) | (y < lower))
    close = present & ~outside & ((y > g["upper_2sigma"].to_numpy(float)) | (y < g["lower_2sigma"].to_numpy(float)))

    shift = np.zeros(n, bool)
    for a, b, _ in _runs(side):
        if b - a >= shift_length:
            shift[a:b] = True

    # step[i] = direction from point i-1 to i (0 at a gap, a tie, or the first point)
    step = np.zeros(n, int)
    step[1:] = np.where(present[1:] & present[:-1], np.sign(np.nan_to_num(y[1:] - y[:-1])), 0)
    trend = np.zeros(n, bool)
    trend_dir = np.zeros(n, int)
    for a, b, k in _runs(step):  # steps a..b-1 join points a-1..b-1
        if b - a + 1 >= trend_length:
            trend[a - 1 : b] = True
            trend_dir[a - 1 : b] = k  # later (right-hand) run wins a shared turning point

    two = np.zeros(n, bool)
    for i in range(n - 2):
        w = slice(i, i + 3)
        if close[w].sum() >= 2 and abs(side[w].sum()) == 3:
            two[w] |= close[w]

    direction = np.select([outside, trend, two, shift], [side, trend_dir, side, side], default=0)
    return {
        "outside_limits": outside,
        "shift": shift,
        "trend": trend,
        "two_of_three": two,
        "direction": direction,
        "side": side,
        "trend_dir": trend_dir,
    }


def check_run_length(run_length: object) -> int:
    """`run_length` as an int when it is one of ``RUN_LENGTH_CHOICES``; otherwise ValueError in words."""
    try:
        n = int(run_length)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        n = None
    if n is None or n != run_length or n not in RUN_LENGTH_CHOICES:
        choices = ", ".join(str(c) for c in RUN_LENGTH_CHOICES)
        raise ValueError(f"the run length must be one of {choices} points, not {run_length!r}")
    return n


def run_length_words(run_length: int = RUN_LENGTH) -> str:
    """The shift and trend rules with their run length, in a sentence for captions and the pack's methods."""
    convention = (
        "the Making Data Count convention"
        if run_length == RUN_LENGTH
        else f"this hospital's setting; Making Data Count uses {RUN_LENGTH}"
    )
    return (
        f"A run of {run_length} or more months in a row all above or all below the average, or each higher (or each "
        f"lower) than the one before, is a signal ({run_length} is {convention})."
    )


def classify(
    chart_df: pd.DataFrame,
    improvement: str = "increase",
    shift_length: int = RUN_LENGTH,
    trend_length: int = RUN_LENGTH,
    run_length: int | None = None,
) -> pd.DataFrame:
    """Classify each point of a chart by the Making Data Count rules (see the module docstring).

    ``direction`` is "high" or "low" for a special-cause point, else "".
    Segments the chart marks ``rare_events`` get only the high outside-limits rule.

    Parameters
    ----------
    chart_df : DataFrame
        A chart from `xmr` or `u_chart` (``value``, ``centre``, ``upper``, ``lower``, the two-sigma lines and
        ``segment`` are read).
    improvement : {"increase", "decrease", "neither"}, default "increase"
        Which way is better: higher values, lower values, or neither.
    shift_length, trend_length : int, default 7
        Points in a run on one side of the centre (shift) or rising or falling (trend) that make a signal.
    run_length : int, optional
        The app's one run-length setting (one of ``RUN_LENGTH_CHOICES``): when given, it is both `shift_length`
        and `trend_length`.

    Returns
    -------
    DataFrame
        The chart's columns (index reset) plus, per point, ``outside_limits``, ``shift``, ``trend``,
        ``two_of_three``, ``special_cause`` (any of the four; booleans), ``direction`` ("high", "low" or ""),
        ``variation`` (one of ``VARIATIONS``: "common_cause", "special_cause_improvement",
        "special_cause_concern", "special_cause_neither"), ``rule`` (the rules met, in words) and
        ``improvement``. ``attrs`` keeps the chart's and adds ``improvement``, ``shift_length`` and
        ``trend_length``.

    Raises
    ------
    ValueError
        For an unknown `improvement`, a run length under 2 or a `run_length` not in ``RUN_LENGTH_CHOICES``.

    Examples
    --------
    >>> from analysis import build_panel, classify, load_sample, u_chart
    >>> from analysis.spc.rules import VARIATIONS
    >>> panel = build_panel(load_sample().tables)
    >>> chart = u_chart(panel[panel["ward_id"] == "W01"], "assaults_on_staff", "occupied_bed_days")
    >>> points = classify(chart, improvement="decrease")  # fewer assaults is better
    >>> points.columns[-9:].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['outside_limits', 'shift', 'trend', 'two_of_three', 'special_cause', 'direction', 'variation', 'rule',
     'improvement']
    >>> len(points), bool(points["variation"].isin(VARIATIONS).all())
    (60, True)
    """
    if improvement not in IMPROVEMENT:
        raise ValueError(f"improvement must be one of {', '.join(IMPROVEMENT)}")
    if run_length is not None:
        shift_length = trend_length = check_run_length(run_length)
    if shift_length < 2 or trend_length < 2:
        raise ValueError("run lengths must be at least 2")
    out = chart_df.copy().reset_index(drop=True)
    if "rare_events" not in out:
        out["rare_events"] = False
    out["rare_events"] = out["rare_events"].fillna(False).astype(bool)
    cols = {k: np.zeros(len(out), bool) for k in ("outside_limits", "shift", "trend", "two_of_three")}
    direction, side, trend_dir = (np.zeros(len(out), int) for _ in range(3))
    for _, g in out.groupby("segment", sort=True):
        idx = g.index.to_numpy()
        rare = bool(g["rare_events"].any())
        res = _segment_rules(g["value"].to_numpy(float), g, shift_length, trend_length, rare)
        for k in cols:
            cols[k][idx] = res[k]
        direction[idx], side[idx], trend_dir[idx] = res["direction"], res["side"], res["trend_dir"]
    for k, v in cols.items():
        out[k] = v
    out["special_cause"] = out[list(cols)].any(axis=1)
    sign = IMPROVEMENT[improvement]
    out["direction"] = np.select([direction > 0, direction < 0], ["high", "low"], default="")
    if sign == 0:
        variation = np.where(direction != 0, "special_cause_neither", "common_cause")
    else:
        variation = np.select(
            [direction * sign > 0, direction * sign < 0],
            ["special_cause_improvement", "special_cause_concern"],
            default="common_cause",
        )
    out["variation"] = variation
    out["rule"] = [
        _rule_text(*r)
        for r in zip(cols["outside_limits"], cols["trend"], cols["two_of_three"], cols["shift"], side, trend_dir)
    ]
    out["improvement"] = improvement
    out.attrs.update(chart_df.attrs, improvement=improvement, shift_length=shift_length, trend_length=trend_length)
    return out


def _rule_text(outside: bool, trend: bool, two: bool, shift: bool, side: int, trend_dir: int) -> str:
    """Which rules a point meets, in words (for hover text and the alt text)."""
    above = side > 0
    parts = []
    if outside:
        parts.append("above the upper limit" if above else "below the lower limit")
    if trend:
        parts.append("part of a run rising month on month" if trend_dir > 0 else "part of a run falling month on month")
    if two:
        parts.append(
            "two of three points near the upper limit" if above else "two of three points near the lower limit"
        )
    if shift:
        parts.append("part of a long run above the average" if above else "part of a long run below the average")
    return "; ".join(parts)

"""The variation-by-assurance grid made from the assurance table: its cells (`assurance_grid`: each cell's measures
and their wards), how many pairs each cell holds (`grid_counts`), the pairs left out with too few points
(`not_judged`), how a ward is named in it (`ward_label`) and the grid in words (`grid_sentence`: how the pairs
with a target fare, and which to look at first)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.overview.assurance_keys import ASSURANCE_COLUMNS, NO_DATA, NO_TARGET, VARIATION_ROWS
from analysis.text import listed, plural, plural_word


def ward_label(row: Mapping) -> str:
    """How a ward is named in the grid: its name, else its code."""
    name = str(row.get("ward_name") or "").strip()
    return name if name and name not in ("nan", "None") else str(row["ward_id"])


def assurance_grid(table: pd.DataFrame) -> pd.DataFrame:
    """The variation-by-assurance grid: one row per cell that holds pairs, and per measure within it.

    Columns ``row`` (a `VARIATION_ROWS` key), ``column`` (an `ASSURANCE_COLUMNS` key), ``measure_title``,
    ``wards`` (the ward names, in ward order), ``n`` (how many pairs) and ``every_ward`` (True when the cell holds
    the measure on every ward judged on it). Pairs with too few points are left out (see `not_judged`).
    """
    judged = table[(table["variation_row"] != NO_DATA) & (table["assurance_column"] != NO_DATA)]
    # each ward's label once, not a dict per row inside every cell
    who = judged[[c for c in ("ward_id", "ward_name") if c in judged.columns]]
    judged = judged.assign(_label=[ward_label(r) for r in who.to_dict("records")])
    per_measure = judged.groupby("measure").size()
    order = {k: i for i, k in enumerate(table.attrs.get("measures", []))}
    rows = []
    for (r, c, m), g in judged.groupby(["variation_row", "assurance_column", "measure"], sort=False):
        rows.append(
            {
                "row": r,
                "column": c,
                "measure_title": g["measure_title"].iloc[0],
                "wards": g["_label"].tolist(),
                "n": len(g),
                "every_ward": len(g) == int(per_measure[m]) and len(g) > 1,
                "_m": order.get(m, len(order)),
            }
        )
    out = pd.DataFrame(rows, columns=["row", "column", "measure_title", "wards", "n", "every_ward", "_m"])
    rank_r = {k: i for i, k in enumerate(VARIATION_ROWS)}
    rank_c = {k: i for i, k in enumerate(ASSURANCE_COLUMNS)}
    out = out.assign(_r=out["row"].map(rank_r), _c=out["column"].map(rank_c))
    return out.sort_values(["_r", "_c", "_m"]).drop(columns=["_r", "_c", "_m"]).reset_index(drop=True)


def grid_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many ward and measure pairs each cell of the grid holds: `VARIATION_ROWS` by `ASSURANCE_COLUMNS`."""
    judged = table[(table["variation_row"] != NO_DATA) & (table["assurance_column"] != NO_DATA)]
    counts = pd.crosstab(judged["variation_row"], judged["assurance_column"])
    return counts.reindex(index=list(VARIATION_ROWS), columns=list(ASSURANCE_COLUMNS), fill_value=0).astype(int)


def not_judged(table: pd.DataFrame) -> pd.DataFrame:
    """The pairs left out of the grid: too few points to judge (ward_id, ward_name, measure_title, points)."""
    left = table[(table["variation_row"] == NO_DATA) | (table["assurance_column"] == NO_DATA)]
    return left[["ward_id", "ward_name", "measure_title", "points"]].reset_index(drop=True)


def grid_sentence(table: pd.DataFrame) -> str:
    """The grid in words: how many pairs have a target, how they fare, and which to look at first.

    >>> t = pd.DataFrame(
    ...     {
    ...         "ward_id": ["W01", "W02", "W03"],
    ...         "ward_name": ["Iona", "Lewis", "Harris"],
    ...         "measure_title": ["Restraints"] * 3,
    ...         "variation_row": ["concern", "common", "common"],
    ...         "assurance_column": ["consistently_failing", "hit_and_miss", "no_target"],
    ...     }
    ... )
    >>> grid_sentence(t)  # doctest: +NORMALIZE_WHITESPACE
    'Of 3 ward and measure pairs, 2 have a target: none consistently meets it, 1 is hit and miss and 1 consistently
    misses it. Look first at the 1 that consistently misses its target and shows special cause concern: restraints
    on Iona.'
    """
    if not len(table):
        return "No ward has a measure with enough data to chart."
    judged = table[(table["variation_row"] != NO_DATA) & (table["assurance_column"] != NO_DATA)]
    with_target = judged[judged["assurance_column"] != NO_TARGET]
    n = len(judged)
    lead = f"Of {plural(n, 'ward and measure pair')}"
    if not len(with_target):
        return f"{lead}, none has a target yet: set one below, or add a targets sheet on the Data page."
    c = with_target["assurance_column"].value_counts()
    k = lambda key: int(c.get(key, 0))
    meet, hit, miss = k("consistently_passing"), k("hit_and_miss"), k("consistently_failing")
    parts = [  # "none" takes the singular: "none is hit and miss"
        f"{_count(meet)} consistently {plural_word(meet or 1, 'meets', 'meet')} it",
        f"{_count(hit)} {plural_word(hit or 1, 'is', 'are')} hit and miss",
        f"{_count(miss)} consistently {plural_word(miss or 1, 'misses', 'miss')} it",
    ]
    out = f"{lead}, {len(with_target)} {plural_word(len(with_target), 'has', 'have')} a target: {listed(parts)}."
    worst = with_target[
        (with_target["assurance_column"] == "consistently_failing") & (with_target["variation_row"] == "concern")
    ]
    if len(worst):
        named = [
            f"{r['measure_title'][:1].lower()}{r['measure_title'][1:]} on {ward_label(r)}"
            for r in worst.to_dict("records")
        ]
        n = len(worst)
        out += (
            f" Look first at the {n} that consistently {plural_word(n, 'misses', 'miss')} "
            f"{plural_word(n, 'its', 'their')} target and {plural_word(n, 'shows', 'show')} special cause concern: "
            f"{listed(named, most=6, rest='more')}."
        )
    return out


def _count(n: int) -> str:
    return "none" if n == 0 else str(n)

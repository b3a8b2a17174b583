"""Disclosure control: the small-number rule applied to every count that leaves the app.

Two named presets (``RULES``), each with its source in words:

* ``nhs_england``: 0 stays 0, counts of 1 to 7 become ``*``, every other count is rounded
  to the nearest 5. This is the NHS England (formerly NHS Digital) secondary-care method,
  published as "Disclosure control methodology for Hospital Episode Statistics (HES) and
  Emergency Care Data Set (ECDS)", used for HES/ECDS since September 2018; it computes
  totals from unrounded counts and then rounds them.
* ``scotland``: 0 stays 0, counts of 1 to 4 ("fewer than 5") become ``*``, nothing is
  rounded, and further cells are hidden so that no hidden count can be worked out from a
  total. Public Health Scotland's Statistical Disclosure Control Protocol (version 2.1,
  updated 20 November 2023) asks for a documented risk assessment rather than one fixed
  number; "fewer than 5" is the threshold this preset applies, and a site's information
  governance lead should confirm it for their own release.

Scheme (``protect_table``). A *line* is a set of published cells that add up to a
published (or externally known) total: each count column adds to its total row or to the
hospital total assumed published elsewhere, and each row adds to its total column.

1. Primary suppression: counts from ``low`` to ``high`` are hidden.
2. Every other count is shown, rounded when the rule rounds. Totals are computed from the
   true counts and then given the same treatment.
3. Secondary suppression: while some line has exactly one hidden cell, hide the smallest
   non-zero shown cell in that line (avoiding cells that would leave another line with a
   single hidden cell and nothing left to hide), or its total cell if there is none.
4. Audit: a reader who knows the published numbers, that 0 is always shown as 0, that a
   hidden cell is at least 1, and the rounding band of each shown count (nearest 5 means
   within 2), tries to pin down each hidden cell by linear programming (minimum and
   maximum over every table consistent with what is published). Rounding alone does NOT
   always suffice: counts 1, 8 and 8 with a total of 17 show as *, 10, 10 and 15, and the
   only value consistent with those bands is 1. So secondary suppression runs under both
   presets, and any cell the audit can still pin down gets another cell hidden next to it.
   If that cannot help (for example a one-ward table whose totals are published), a
   ``DisclosureError`` is raised rather than exporting a disclosive table.

Rates: a rate whose count (or count denominator) is hidden is shown as ``*``. Otherwise the
rate is recomputed from the *published* count and denominator (the rounded ones, under
``nhs_england``), so the rate says nothing that the published count does not already say.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.disclosure.rules import DisclosureRule, rule_from_name
from analysis.disclosure.suppression import build_grid, suppress


@dataclass
class ProtectedTable:
    frame: pd.DataFrame  # count and rate cells are ints/floats where shown, the symbol where hidden
    suppressed_mask: pd.DataFrame  # True where a cell shows the symbol
    rule: DisclosureRule
    notes: list[str] = field(default_factory=list)
    n_primary: int = 0
    n_secondary: int = 0

    def stamp(self) -> dict[str, str]:
        """The line that names the rule on an export."""
        return {"Disclosure control": self.rule.description}


def protect_table(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    rule: DisclosureRule | str = "nhs_england",
    *,
    rate_columns: Mapping[str, tuple] | None = None,
    total_rows: object = None,
    total_column: str | None = None,
    column_totals_known: bool = True,
    row_totals_known: bool = False,
    rate_decimals: int = 2,
    selection_totals: Sequence[str] = (),
) -> ProtectedTable:
    """Apply a small-number rule with secondary suppression to the counts of a wide table.

    The scheme (primary suppression, rounding, secondary suppression and the audit) is in the module
    docstring.

    Parameters
    ----------
    df : DataFrame
        One row per line of the table (for example per ward), counts as whole numbers.
    count_columns : sequence of str
        The columns holding counts; other columns pass through unchanged.
    rule : DisclosureRule or str, default "nhs_england"
        The rule, or its name in `RULES` ("nhs_england", "scotland").
    rate_columns : mapping, optional
        ``{rate_col: (count_col, denominator_col[, per])}``; `per` (e.g. 1000) is inferred as the power of
        ten that matches the given rates when left out. A rate is hidden with its count, else recomputed
        from the published count.
    total_rows : label or boolean mask, optional
        The label of a total row, or a boolean mask with one True (None: no total row).
    total_column : str, optional
        A count column equal to the sum of the other count columns in each row.
    column_totals_known, row_totals_known : bool
        When the frame has no total row / column, assume the reader knows those totals anyway (e.g. the
        hospital total published elsewhere). Defaults: column totals known, row totals not.
    rate_decimals : int, default 2
        Decimals of a recomputed rate.
    selection_totals : sequence of str, optional
        Count columns whose every cell is a total over a selection of wards or months (a pack's 12-month,
        before/after or whole-selection counts). They, the total row and the total column are published as
        totals: rounded to the rule's ``total_base`` (5 under both presets), so subtracting one selection's
        total from another's (all wards minus one, a period minus its first month) cannot give back a hidden
        count exactly.

    Returns
    -------
    ProtectedTable
        ``frame``: `df` with each count (and rate) column as objects: the published number, or the rule's
        symbol (``*``) where hidden; ``suppressed_mask``: a frame of `df`'s shape, True where a cell shows
        the symbol; ``rule``; ``notes``: what was done, in words, for the export; ``n_primary`` and
        ``n_secondary``: cells hidden as small and hidden to protect them. ``stamp()`` names the rule.

    Raises
    ------
    DisclosureError
        When no further suppression can stop a hidden count being worked out (the table must not leave).
    KeyError, ValueError
        For a count column that is absent, or counts that are not whole numbers of 0 or more.

    Examples
    --------
    >>> from analysis import build_panel, load_sample, protect_table
    >>> panel = build_panel(load_sample().tables)
    >>> year = panel[panel["financial_year"] == "2025/26"]
    >>> table = year.groupby("ward_id", as_index=False)[["assaults_on_staff", "occupied_bed_days"]].sum()
    >>> table = table[table["ward_id"].isin(["W01", "W05", "W06"])]
    >>> table["assaults_on_staff"].tolist()
    [27.0, 4.0, 14.0]
    >>> safe = protect_table(table, ["assaults_on_staff"], "scotland")
    >>> safe.frame["assaults_on_staff"].tolist()  # 4 is hidden, then 14 so it cannot be worked out
    [27, '*', '*']
    >>> int(safe.n_primary), int(safe.n_secondary)
    (1, 1)
    >>> protect_table(table, ["assaults_on_staff"]).frame["assaults_on_staff"].tolist()  # NHS England
    [25, '*', '*']
    """
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    count_columns = list(count_columns)
    if total_column is not None and total_column not in count_columns:
        count_columns.append(total_column)
    missing = [c for c in count_columns if c not in df.columns]
    if missing:
        raise KeyError(f"No such count columns: {missing}")
    values = df[count_columns].apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    if np.any(values[~np.isnan(values)] < 0) or np.any(values[~np.isnan(values)] % 1 != 0):
        raise ValueError("Counts must be whole numbers, 0 or more.")
    total_pos = _total_position(df, total_rows)
    parts_cols = [j for j, c in enumerate(count_columns) if c != total_column]
    tcol = count_columns.index(total_column) if total_column is not None else None
    body = [i for i in range(len(df)) if i != total_pos]
    _check_totals(values, body, parts_cols, total_pos, tcol, count_columns)

    grid, ids = build_grid(values, body, parts_cols, total_pos, tcol, column_totals_known, row_totals_known)
    total_cols = {count_columns.index(c) for c in selection_totals if c in count_columns}
    if tcol is not None:
        total_cols.add(tcol)
    grid.totals = {k for (i, j), k in ids.items() if j in total_cols or (total_pos is not None and i == total_pos)}
    hidden = [rule.hides(v) if not math.isnan(v) else False for v in grid.values]
    n_primary = sum(h for h, f in zip(hidden, grid.in_frame) if f)
    hidden = suppress(grid, hidden, rule)

    out = df.copy()
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    for j, col in enumerate(count_columns):
        cells, shut = [], []
        for i in range(len(df)):
            k = ids[(i, j)]
            cells.append(rule.symbol if hidden[k] else rule.publish(grid.values[k], total=k in grid.totals))
            shut.append(bool(hidden[k]))
        out[col] = pd.Series(cells, index=df.index, dtype=object)
        mask[col] = pd.Series(shut, index=df.index, dtype=bool)
    notes = [rule.description]
    for rate_col, spec in (rate_columns or {}).items():
        out[rate_col], rate_hidden = _protected_rate(df, out, rate_col, spec, count_columns, rule, rate_decimals)
        mask[rate_col] = rate_hidden
    n_secondary = sum(h for h, f in zip(hidden, grid.in_frame) if f) - n_primary
    if n_secondary:
        notes.append(
            f"{n_secondary} further cell(s) were hidden so that hidden counts cannot be worked out from totals."
        )
    if rule.round_to is None and grid.totals and rule.total_base:
        notes.append(f"Totals over wards or months were rounded to the nearest {rule.total_base}.")
    if rule.round_to and (total_pos is not None or tcol is not None):
        notes.append(
            "Totals were calculated from unrounded counts and then rounded, so they may not equal the sum of the rounded figures shown."
        )
    if rule.round_to and rate_columns:
        notes.append("Rates were calculated from the rounded counts shown.")
    return ProtectedTable(out, mask, rule, notes, n_primary, n_secondary)


def _total_position(df: pd.DataFrame, total_rows: object) -> int | None:
    if total_rows is None:
        return None
    if (
        isinstance(total_rows, (pd.Series, np.ndarray, list))
        and len(total_rows) == len(df)
        and not isinstance(total_rows, str)
    ):
        where = np.flatnonzero(np.asarray(total_rows, dtype=bool))
        if len(where) > 1:
            raise ValueError("protect_table supports one total row; split the table for subtotals.")
        return int(where[0]) if len(where) else None
    return int(df.index.get_loc(total_rows))


def _check_totals(values, body, parts_cols, total_pos, tcol, names) -> None:
    full = ~np.isnan(values)
    if total_pos is not None:
        for j in range(values.shape[1]):
            if full[body, j].all() and full[total_pos, j] and values[body, j].sum() != values[total_pos, j]:
                raise ValueError(f"The total row does not equal the sum of the rows above for {names[j]!r}.")
    if tcol is not None:
        for i in range(values.shape[0]):
            if full[i, parts_cols].all() and full[i, tcol] and values[i, parts_cols].sum() != values[i, tcol]:
                raise ValueError(f"Row {i}: {names[tcol]!r} does not equal the sum of the other count columns.")


def _protected_rate(df, out, rate_col, spec, count_columns, rule, decimals):
    count_col, denom_col, *rest = spec
    per = rest[0] if rest else _infer_per(df, rate_col, count_col, denom_col)
    rates, hidden = [], []
    nums = out[count_col].tolist()
    dens = (out[denom_col] if denom_col in count_columns else df[denom_col]).tolist()
    for num, den in zip(nums, dens):
        if num == rule.symbol or den == rule.symbol:
            rates.append(rule.symbol)
            hidden.append(True)
            continue
        hidden.append(False)
        if num is None or pd.isna(num) or pd.isna(den) or float(den) == 0:
            rates.append(None)
        else:
            rates.append(round(float(num) / float(den) * per, decimals))
    return pd.Series(rates, index=df.index, dtype=object), pd.Series(hidden, index=df.index)


def _infer_per(df, rate_col, count_col, denom_col) -> float:
    if rate_col not in df.columns:
        return 1.0
    num = pd.to_numeric(df[count_col], errors="coerce")
    den = pd.to_numeric(df[denom_col], errors="coerce")
    rate = pd.to_numeric(df[rate_col], errors="coerce")
    ratio = (rate * den / num)[(num > 0) & (den > 0) & rate.notna()]
    if ratio.empty:
        return 1.0
    return float(10 ** round(math.log10(float(ratio.median()))))


def protect_long(
    df: pd.DataFrame,
    count_col: str,
    by: Sequence[str],
    rule: DisclosureRule | str = "nhs_england",
    *,
    totals_known: bool = True,
) -> ProtectedTable:
    """Protect a tidy table with one count per combination of `by` (one or two columns).

    The table is laid out wide (first `by` column down, second across), protected with the
    margins assumed known when `totals_known`, and returned long in the original row order.
    """
    by = list(by)
    if len(by) not in (1, 2):
        raise ValueError("protect_long takes one or two `by` columns.")
    if df.duplicated(by).any():
        raise ValueError(f"protect_long needs one row per combination of {by}.")
    if len(by) == 1:
        return protect_table(df, [count_col], rule, column_totals_known=totals_known)
    wide = df.pivot(index=by[0], columns=by[1], values=count_col)
    cols = list(wide.columns)
    flat = wide.reset_index(drop=True)
    flat.columns = [f"c{j}" for j in range(len(cols))]
    result = protect_table(
        flat, list(flat.columns), rule, column_totals_known=totals_known, row_totals_known=totals_known
    )
    pos = {(r, c): (i, j) for i, r in enumerate(wide.index) for j, c in enumerate(cols)}
    where = [pos[(r, c)] for r, c in zip(df[by[0]], df[by[1]])]
    out = df.copy()
    out[count_col] = pd.Series([result.frame.iat[i, j] for i, j in where], index=df.index, dtype=object)
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    mask[count_col] = [bool(result.suppressed_mask.iat[i, j]) for i, j in where]
    return ProtectedTable(out, mask, result.rule, result.notes, result.n_primary, result.n_secondary)


def _code(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"Ward {letters}"


def pseudonymise_wards(
    df: pd.DataFrame, ward_columns: Iterable[str] = ("ward_id", "ward_name"), mapping: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace ward ids and names by "Ward A", "Ward B", ... (ordered by ward_id).

    Returns the coded frame and the mapping (ward key, code) to keep inside the app and reuse
    for the other tables of the same pack; wards missing from `mapping` get the next codes.
    Ward names inside free text (notes, labels) are not searched: leave such columns out.
    """
    present = [c for c in ward_columns if c in df.columns]
    if not present:
        raise KeyError(f"None of the ward columns {list(ward_columns)} is in the table.")
    key = present[0]
    known = {} if mapping is None else dict(zip(mapping[key], mapping["code"]))
    used = len(known)
    for ward in sorted(v for v in df[key].dropna().unique() if v not in known):
        known[ward] = _code(used)
        used += 1
    out = df.copy()
    codes = df[key].map(known)
    for col in present:
        out[col] = codes.astype(object).where(df[key].notna(), None)
    rows = {k: {"code": c} for k, c in known.items()}
    if len(present) > 1:
        for k, name in zip(df[key], df[present[1]]):
            if k in rows:
                rows[k].setdefault(present[1], name)
    table = pd.DataFrame([{key: k, **v} for k, v in rows.items()])
    if mapping is not None:
        table = pd.concat([mapping, table[~table[key].isin(mapping[key])]], ignore_index=True)
    return out, table

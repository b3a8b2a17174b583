"""A count that a long table repeats on several rows, hidden wherever the table it repeats hides it.

The Talking groups page's "Who comes" table repeats each month's meetings on every role's row, and its "What is
raised" table repeats each ward's meetings on every kind's row (with an "All wards" total). `protect_table` takes
each cell as a count of its own: hiding a small month's meetings hides its copies, whose sum (the count times the
number of copies) it reads as several independent hidden cells, so it hides no other month. A reader who knows
the total (the rule's own assumption; the ward table and the "All wards" rows publish it) then gives the hidden
count back exactly: the total less the months (or wards) published.

The page's own table of those counts, one row per month (the chart of staff per meeting) or per ward (the ward
table), is protected with a second cell hidden to protect each small one. `hidden_keys` says which months or
wards that table hides a count for, and `hide_with` marks that count as small (the rule's lowest count) on every
row of those keys in the copy that leaves, so the protection that follows hides it there too, with every rate made
from it, in the CSV and in the picture alike (`ui.show.chart`'s `prepare`): the same months or wards as the table
it repeats, never a pattern of its own that a reader could set against the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.disclosure.protect import protect_table
from analysis.disclosure.rows import protected_with_rows
from analysis.disclosure.rules import DisclosureError, DisclosureRule, rule_from_name


def hidden_keys(
    table: pd.DataFrame,
    key: str,
    column: str,
    counts: Sequence[str],
    rule: DisclosureRule | str,
    rates: Mapping | None = None,
    keep: Sequence[str] | None = None,
) -> set:
    """The values of `key` on the rows where `table`, as it leaves under `rule`, shows the symbol for `column`:
    protected as a chart's table (`protected_with_rows`) when `keep` names its rows, else as any table
    (`protect_table`, as `ui.show.protected` makes its CSV); every key when no safe pattern exists."""
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    counts = [c for c in counts if c in table.columns]
    if column not in counts or not len(table):
        return set()
    rates = {k: v for k, v in (rates or {}).items() if k in table.columns}
    if keep is not None:
        safe, private = protected_with_rows(table, counts, rule, rates, keep)
        if private is None:
            return set(table[key])
    else:
        numeric = table.assign(**{c: pd.to_numeric(table[c], errors="coerce").round() for c in counts})
        try:
            safe = protect_table(numeric, counts, rule, rate_columns=rates).frame
        except DisclosureError:
            return set(table[key])
    shown = safe[column].astype(str).to_numpy() == rule.symbol
    return set(table[key].to_numpy()[shown])


def hide_with(long: pd.DataFrame, key: str, column: str, keys, rule: DisclosureRule | str) -> pd.DataFrame:
    """A copy of `long` with `column` marked small (the rule's lowest count) on every row whose `key` is in `keys`
    and whose count is not 0 (0 is always shown): the protection that follows hides it there, and every rate made
    from it."""
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    keys = set(keys)
    if not keys or column not in long.columns:
        return long
    values = pd.to_numeric(long[column], errors="coerce")
    mark = long[key].isin(keys).to_numpy() & (values.fillna(0) != 0).to_numpy()
    if not mark.any():
        return long
    return long.assign(**{column: values.where(~mark, float(rule.low))})

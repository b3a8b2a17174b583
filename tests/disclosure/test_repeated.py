"""A count repeated on several rows of a long table (`analysis.disclosure.repeated`): hidden wherever the table it
repeats hides it. Hand-worked: four months of 10, 3, 12 and 9 meetings, each repeated on two roles' rows."""

from __future__ import annotations

import pandas as pd

from analysis.disclosure.protect import protect_table
from analysis.disclosure.repeated import hidden_keys, hide_with
from analysis.disclosure.rules import RULES

SCOTLAND = RULES["scotland"]
MONTHS = ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024"]
MEETINGS = [10, 3, 12, 9]
STAFF = [45, 14, 50, 40]


def _months() -> pd.DataFrame:
    return pd.DataFrame({"month": MONTHS, "staff_attendances": STAFF, "meetings": MEETINGS})


def _long() -> pd.DataFrame:
    rows = [(m, role, s, n) for m, s, n in zip(MONTHS, STAFF, MEETINGS, strict=True) for role in ("Nurses", "Others")]
    out = pd.DataFrame(rows, columns=["month", "role", "staff_attendances", "meetings"])
    out["staff_attendances"] = [s - 6 if r == "Nurses" else 6 for s, r in zip(out["staff_attendances"], out["role"])]
    return out


def _per_month(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("month", sort=False)["meetings"].agg(lambda s: "*" if (s == "*").all() else s.iloc[0])


def test_the_long_table_alone_hid_only_the_small_month_so_the_total_gave_it_back():
    """The flaw: February's two copies (3 + 3) read as two hidden cells, so no other month is hidden."""
    alone = _per_month(protect_table(_long(), ["staff_attendances", "meetings"], SCOTLAND).frame)
    assert alone.tolist() == [10, "*", 12, 9]
    assert sum(MEETINGS) - sum(v for v in alone if v != "*") == 3


def test_hidden_with_the_month_table_the_total_gives_back_only_a_sum_of_two_months():
    keys = hidden_keys(_months(), "month", "meetings", ["staff_attendances", "meetings"], SCOTLAND, keep=("month",))
    assert "Feb 2024" in keys and len(keys) == 2
    prepared = hide_with(_long(), "month", "meetings", keys, SCOTLAND)
    assert prepared.loc[prepared["month"].isin(keys), "meetings"].eq(SCOTLAND.low).all()
    assert (
        prepared.loc[~prepared["month"].isin(keys), "meetings"].tolist()
        == _long().loc[~_long()["month"].isin(keys), "meetings"].tolist()
    )
    shown = _per_month(protect_table(prepared, ["staff_attendances", "meetings"], SCOTLAND).frame)
    hidden = set(shown[shown == "*"].index)
    assert keys <= hidden  # at least the month table's pattern (the long table may hide more)
    left = sum(MEETINGS) - sum(v for v in shown if v != "*")
    assert left == sum(n for m, n in zip(MONTHS, MEETINGS, strict=True) if m in hidden) and left != 3


def test_a_zero_stays_zero_and_no_keys_change_nothing():
    long = _long().assign(meetings=0)
    assert hide_with(long, "month", "meetings", {"Feb 2024"}, SCOTLAND)["meetings"].eq(0).all()
    pd.testing.assert_frame_equal(hide_with(_long(), "month", "meetings", set(), SCOTLAND), _long())

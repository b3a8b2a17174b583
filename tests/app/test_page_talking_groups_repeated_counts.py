"""Exact-recovery attacks on the Talking groups page's tables that repeat a count on several rows, under the
Scottish rule (counts of 5 or more published exactly), on the shipped sample, through the page's own downloads.

"Who comes" (talking_groups_staff_by_role) repeats each month's meetings on every role's row, and "What is raised"
(talking_groups_items_by_kind) each ward's meetings on every kind's row, with an "All wards" total. On the code
before, the small-number rule hid a small month's (or ward's) copies and nothing else, so the total (published by
the ward table, or by the "All wards" rows themselves) less the published months or wards gave the hidden count
back exactly. Now a repeated count is hidden wherever the page's own table of it hides it
(`analysis.disclosure.repeated`): the small one and the one hidden to protect it, the same as the chart of staff
per meeting and the ward table, in the CSV and in the picture."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from analysis.data.filters import Filters
from analysis.disclosure.safe_tables import read_csv_bytes
from tests.app.helpers import ENTRY
from tests.app.test_disclosure_everywhere import captured, payload  # noqa: F401 (the fixture)
from ui.filters import query_params_for

SYMBOL = "*"


def _run(filters: Filters, captured_list: list) -> None:
    at = AppTest.from_file(str(ENTRY), default_timeout=180)
    at.session_state["disclosure_rule"] = "scotland"
    for k, v in query_params_for(filters).items():
        at.query_params[k] = v
    at.run()
    captured_list.clear()
    at.switch_page("pages/talking_groups.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _file(captured_list: list, name: str) -> bytes:
    found = [c for c in captured_list if c["file_name"] == name]
    assert found, sorted(c["file_name"] or "" for c in captured_list)
    return payload(found[-1])


def _csv(captured_list: list, name: str) -> pd.DataFrame:
    return read_csv_bytes(_file(captured_list, name))[0].astype(str)


def _one_per(table: pd.DataFrame, key: str) -> pd.Series:
    """The repeated meetings, once per key, as a reader reads them: the number any row shows (every row that shows
    one shows the same), else the symbol (hidden on every row of the key)."""

    def read(cells: pd.Series) -> str:
        shown = set(cells) - {SYMBOL}
        assert len(shown) <= 1, shown
        return shown.pop() if shown else SYMBOL

    return table.groupby(key, sort=False)["meetings"].agg(read)


def _number(x: str) -> int:
    return int(float(x))


def _drawn_places(picture: bytes) -> set[str]:
    """The places (x, as text) where the picture draws a value."""
    out = set()
    for trace in json.loads(picture)["figure"]["data"]:
        xs, ys = trace.get("x"), trace.get("y")
        if isinstance(ys, dict) and "bdata" in ys:
            ys = np.frombuffer(base64.b64decode(ys["bdata"]), dtype=ys["dtype"]).tolist()
        if isinstance(xs, dict) and "bdata" in xs:
            xs = np.frombuffer(base64.b64decode(xs["bdata"]), dtype=xs["dtype"]).tolist()
        for x, y in zip(xs or [], ys or [], strict=False):
            if y is not None and y == y:
                out.add(str(x)[:10])
    return out


def test_who_comes_with_the_ward_table_gives_no_hidden_months_meetings_back(real_sample, captured):  # noqa: F811
    """W01 and W10 from September 2022: W10 held 3 meetings that month, the only small month; the ward table
    publishes the two wards' meetings over the period (170 and 175, multiples of 5 already). Before, "Who comes" hid
    September's copies only, and 345 less its other months was 3. Each month's meetings over the two wards is a total
    over a selection, now rounded to 5, so the months left over are not even an exact sum."""
    _run(Filters(wards=("W01", "W10"), start=pd.Timestamp("2022-09-01")), captured)
    per_month = _one_per(_csv(captured, "talking_groups_staff_by_role.csv"), "month")
    hidden = set(per_month[per_month == SYMBOL].index)
    assert "Sep 2022" in hidden and len(hidden) >= 2
    total = sum(_number(x) for x in _csv(captured, "talking_groups_meetings_by_ward.csv")["Meetings"])
    assert total == 345
    shown = [_number(x) for x in per_month if x != SYMBOL]
    assert all(x % 5 == 0 for x in shown)  # totals over the wards chosen
    left = total - sum(shown)
    assert left != 3  # September's 3 and at least one month that is not small, and rounding besides
    spc = _csv(captured, "talking_groups_staff_spc_all.csv")  # the same months as the chart of staff per meeting
    assert set(spc.loc[spc["meetings"] == SYMBOL, "month"]) == hidden
    drawn = _drawn_places(_file(captured, "talking_groups_staff_by_role.png"))
    for month in hidden:
        assert pd.Timestamp(f"1 {month}").strftime("%Y-%m-%d") not in drawn, month


def test_what_is_raised_gives_no_hidden_wards_meetings_back(real_sample, captured):  # noqa: F811
    """W01 and W10 in October 2022: W01 held 3 meetings (hidden), W10 5, and the "All wards" rows (a total over
    the wards) say 10, rounded to 5 (8 exactly before). Before, 8 less W10's 5 was W01's 3."""
    _run(Filters(wards=("W01", "W10"), start=pd.Timestamp("2022-10-01"), end=pd.Timestamp("2022-10-01")), captured)
    per_ward = _one_per(_csv(captured, "talking_groups_items_by_kind.csv"), "ward_id")
    assert per_ward["W01"] == SYMBOL and per_ward["W10"] == SYMBOL
    assert per_ward["All wards"] == "10"
    wards = _csv(captured, "talking_groups_meetings_by_ward.csv")
    assert (wards["Meetings"] == SYMBOL).sum() == 2  # the ward table hides the same two

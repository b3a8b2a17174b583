"""Exact-recovery attacks on the talking groups' chart of staff per meeting (a u-chart: staff attendances over
meetings, per 1) as it leaves the app: its CSV (`analysis.charts.published.published`, as `ui.show.leaving_table`
makes it) and its picture (`published_figure`, then `analysis.charts.export.plan`, as `ui.show.image_bytes` draws
it), with the table and `Rechart` the Talking groups page hands over (pages/talking_groups.py).

A hostile reader has the published files and, worst case, each count's exact total over the months charted (the
ward table on the same page publishes each ward's meetings and staff attendances over the period, exactly under
the Scottish rule). Hand-worked data: one ward, twelve months of 8 to 10 meetings and 36 to 49 staff attendances,
and May 2024 with 2 meetings and 4 staff attendances (small under both rules). The attacks:

* the published total less the published months: gives back only the sum of two or more hidden months;
* the average on every published month times the meetings, less the published staff: the average is made from the
  published months only, so it says nothing of May (on screen it is 469 / 101, with May);
* the limits (upper = average + 3 x sqrt(average / meetings)) give back each published month's meetings only as
  published (rounded under NHS England), never May's;
* the plotted y: nothing is drawn at a hidden month but the average line, and no drawn value is a hidden month's
  staff per meeting or limit, nor a rounded month's exact staff per meeting (whose fraction would give both exact
  counts back).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from analysis.charts import export
from analysis.charts.published import Rechart, published, published_figure
from analysis.charts.talking_groups_sessions import staff_spc_figure
from analysis.disclosure.rules import RULES
from analysis.questions.talking_groups.sessions import staff_chart
from analysis.text import uk_month
from tests.disclosure.test_hidden_months import drawn_at, drawn_numbers

NHS, SCOTLAND = RULES["nhs_england"], RULES["scotland"]
MONTHS = pd.date_range("2024-01-01", periods=12, freq="MS")
MEETINGS = [9, 8, 10, 9, 2, 8, 9, 10, 9, 8, 9, 10]  # 101; May 2024 (index 4): 2 meetings
STAFF = [41, 38, 47, 43, 4, 36, 44, 49, 40, 37, 42, 48]  # 469; May 2024: 4 staff attendances
MAY = 4
COUNTS = ("staff_attendances", "meetings")
RATES = {"staff_per_meeting": ("staff_attendances", "meetings", 1)}
SYMBOL = "*"


def _chart() -> pd.DataFrame:
    rows = pd.DataFrame({"ward_id": "W01", "month": MONTHS, "staff_total": STAFF, "meetings": MEETINGS})
    return staff_chart(rows, "W01")


def _table(c: pd.DataFrame) -> pd.DataFrame:
    """The table behind the chart, as the Talking groups page builds it."""
    data = c[["period", "count", "exposure", "value", "centre", "lower", "upper", "variation"]].rename(
        columns={"period": "month", "count": "staff_attendances", "exposure": "meetings", "value": "staff_per_meeting"}
    )
    return data.assign(month=data["month"].map(uk_month))


def _source(c: pd.DataFrame) -> Rechart:
    """The page's `Rechart` of the chart (pages/talking_groups.py, `_how_meetings_run`)."""
    return Rechart(
        c,
        {k: k for k in ("centre", "lower", "upper", "variation")},
        draw=lambda k: staff_spc_figure(k, "Iona")[0],
        count="staff_attendances",
        exposure="meetings",
        digits=None,
    )


def _leaving(rule):
    c = _chart()
    table = _table(c)
    csv = published(_source(c), table, COUNTS, RATES, rule).table
    picture = export.plan(published_figure(_source(c), table, COUNTS, RATES, rule), table, COUNTS, RATES, rule)
    return c, csv, picture


def _hidden_rows(csv: pd.DataFrame) -> np.ndarray:
    """The months whose figures the CSV hides (either count hidden: the month shows none of its figures)."""
    return (csv[list(COUNTS)].astype(str) == SYMBOL).any(axis=1).to_numpy()


def _shown(s: pd.Series) -> list:
    return [v if str(v) == SYMBOL else int(v) for v in s]


def _may_candidates(shown: list, total: int, rule) -> set[int]:
    """Every value of May's count consistent with the published column and the exact total: the other months
    within what their published form allows (`DisclosureRule.bounds`), May within the rule's small counts."""
    others = [rule.bounds(v) for i, v in enumerate(shown) if i != MAY]
    lo, hi = sum(b[0] for b in others), sum(min(b[1], total) for b in others)
    return {n for n in range(rule.low, rule.high + 1) if lo <= total - n <= hi}


@pytest.mark.parametrize("rule", [NHS, SCOTLAND], ids=["nhs_england", "scotland"])
@pytest.mark.parametrize(("column", "truth"), [("meetings", MEETINGS), ("staff_attendances", STAFF)])
def test_the_total_less_the_published_months_gives_no_hidden_count_back(rule, column, truth):
    _, csv, _ = _leaving(rule)
    shown = _shown(csv[column])
    assert shown[MAY] == SYMBOL and sum(v == SYMBOL for v in shown) >= 2  # a second month hidden with May
    candidates = _may_candidates(shown, sum(truth), rule)
    assert truth[MAY] in candidates and len(candidates) > 1, candidates


def test_under_the_scottish_rule_the_total_gives_back_only_a_sum_of_hidden_months():
    """Hand-worked: the published months' meetings are exact; the total (101) less them is May's 2 and one other
    month's, never May's alone."""
    _, csv, _ = _leaving(SCOTLAND)
    shown = _shown(csv["meetings"])
    hidden = [i for i, v in enumerate(shown) if v == SYMBOL]
    assert MAY in hidden and len(hidden) == 2
    left = sum(MEETINGS) - sum(v for v in shown if v != SYMBOL)
    assert left == sum(MEETINGS[i] for i in hidden) and left != MEETINGS[MAY]


@pytest.mark.parametrize("rule", [NHS, SCOTLAND], ids=["nhs_england", "scotland"])
def test_the_average_is_worked_out_from_the_published_months_only(rule):
    c, csv, _ = _leaving(rule)
    assert c["centre"].iloc[0] == pytest.approx(469 / 101)  # on screen, with May
    published_rows = ~_hidden_rows(csv)
    staff = pd.to_numeric(csv.loc[published_rows, "staff_attendances"]).sum()
    meetings = pd.to_numeric(csv.loc[published_rows, "meetings"]).sum()
    centres = pd.to_numeric(csv.loc[published_rows, "centre"]).unique()
    assert len(centres) == 1 and centres[0] == pytest.approx(staff / meetings)
    # the attack on the on-screen average: average x all meetings - the published months' staff = May's staff
    hidden_staff = sum(STAFF) - staff
    assert c["centre"].iloc[0] * sum(MEETINGS) - staff == pytest.approx(hidden_staff)  # what it would give
    assert abs(centres[0] * sum(MEETINGS) - staff - STAFF[MAY]) > 0.5  # the published average gives nothing
    assert (csv.loc[~published_rows, ["centre", "lower", "upper", "variation"]] == SYMBOL).all().all()


def test_the_limits_give_back_only_the_published_meetings():
    """upper = average + 3 x sqrt(average / meetings), so meetings = 9 x average / (upper - average)^2: under NHS
    England every published month's comes back as published (10), not as held (8, 9 or 10)."""
    for rule in (NHS, SCOTLAND):
        _, csv, _ = _leaving(rule)
        rows = csv[~_hidden_rows(csv)]
        centre, upper = pd.to_numeric(rows["centre"]), pd.to_numeric(rows["upper"])
        worked_out = 9 * centre / (upper - centre) ** 2
        assert worked_out.to_numpy() == pytest.approx(pd.to_numeric(rows["meetings"]).to_numpy())
    assert set(pd.to_numeric(_leaving(NHS)[1]["meetings"], errors="coerce").dropna()) == {10}


@pytest.mark.parametrize("rule", [NHS, SCOTLAND], ids=["nhs_england", "scotland"])
def test_the_picture_draws_nothing_that_gives_a_hidden_or_rounded_count_back(rule):
    c, csv, picture = _leaving(rule)
    assert picture.allowed
    fig = picture.figure
    numbers = drawn_numbers(fig)
    hidden = np.flatnonzero(_hidden_rows(csv))
    average = float(pd.to_numeric(csv["centre"], errors="coerce").dropna().iloc[0])
    for i in hidden:
        assert {name for name, _ in drawn_at(fig, MONTHS[i])} <= {"Average"}, i
        assert all(y == pytest.approx(average) for _, y in drawn_at(fig, MONTHS[i]))
        for col in ("value", "upper", "lower"):
            assert not np.isclose(numbers, c[col].iloc[i], rtol=0, atol=1e-9).any(), (i, col)
    assert not np.isclose(numbers, c["centre"].iloc[0], rtol=0, atol=1e-9).any()  # the on-screen average
    # a published month is drawn, if at all, at its published staff per meeting: where rounding changed it, the
    # exact fraction (which, with meetings known to within 2, gives both counts back) is drawn nowhere
    for i in set(range(12)) - set(hidden):
        exact = Fraction(STAFF[i], MEETINGS[i])
        shown = Fraction(int(csv["staff_attendances"].iloc[i]), int(csv["meetings"].iloc[i]))
        if shown != exact:
            assert not np.isclose(numbers, float(exact), rtol=0, atol=1e-9).any(), i

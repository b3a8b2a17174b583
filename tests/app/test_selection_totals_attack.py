"""Attack tests: a count in a download that is a total over the wards or months the reader chose is published as a
total (rounded to the nearest 5) under the Scottish rule, so two selections' files cannot be subtracted to give
back a count the finer tables hide.

Before: the Scottish preset rounded such totals only where the caller named them (`selection_totals`: the pack,
the one-page ward summary); the app's own downloads (`ui.show`) published them exactly. On the shipped sample,
ward W01 held 3 talking group meetings in December 2022 (a count of 1 to 4, hidden in any ward-month table);
the Talking groups page's "Each ward's meetings" CSV gave W01 (Iona) over July to December 2022 as 11 meetings and
over July to November 2022 as 8, so 11 - 8 = 3, exactly the hidden count.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.data.filters import Filters
from analysis.disclosure.rules import RULES
from analysis.disclosure.safe_tables import read_csv_bytes
from analysis.panel.build import build_panel
from analysis.questions.talking_groups import sessions as S
from tests.app.test_disclosure_everywhere import NO_DATA, captured, is_count, payload, run_page  # noqa: F401
from tests.app.test_page_talking_groups_repeated_counts import _file as talking_groups_file
from tests.app.test_page_talking_groups_repeated_counts import _run as run_talking_groups
from ui import show

SCOTLAND = RULES["scotland"]
WARD, FIRST, HIDDEN_MONTH = "W01", "2022-07-01", "2022-12-01"  # W01 held 3 meetings in December 2022
BEFORE = "2022-11-01"
STAMP = {"Data source": "test"}


def _meetings(start: str, end: str) -> pd.DataFrame:
    """The table behind the page's "Each ward's meetings" CSV for one period, as the page makes it."""
    data = load_sample()
    cut = Filters(start=pd.Timestamp(start), end=pd.Timestamp(end)).apply(data.tables)
    m = S.how_meetings_run(build_panel(cut), cut[S.TABLE], cut["wards"])
    return S.ward_table(m.summary)


def _published(table: pd.DataFrame, rule=SCOTLAND, **kw) -> tuple[pd.DataFrame, dict]:
    """The CSV `ui.show.download` hands over for the table (the same function), read back."""
    body = show.csv_bytes(table, S.WARD_TABLE_COUNTS, S.WARD_TABLE_RATES, rule, STAMP, **kw)
    return read_csv_bytes(body)


def _ward(frame: pd.DataFrame, column: str = "Meetings"):
    row = frame[frame["Ward"].astype(str).str.contains("Iona")] if "Ward" in frame else frame.iloc[[0]]
    return row[column].iloc[0]


def test_the_hidden_count_is_small_and_the_two_periods_differ_by_it():
    """The premise, on the true counts: W01's meetings in December 2022 are 3 (hidden under the rule), and the
    two periods' true totals differ by exactly that."""
    log = load_sample().tables[S.TABLE]
    month = pd.to_datetime(log["date"]).dt.to_period("M")
    small = int(((log["ward_id"] == WARD) & (month == pd.Period(HIDDEN_MONTH, "M"))).sum())
    assert small == 3 and SCOTLAND.hides(small)
    longer, shorter = _meetings(FIRST, HIDDEN_MONTH), _meetings(FIRST, BEFORE)
    assert int(_ward(longer)) - int(_ward(shorter)) == small


def test_two_periods_totals_do_not_give_back_the_hidden_month():
    """Every ward's meetings over a period are a total over the months chosen: published to the nearest 5, the
    two files' difference is a multiple of 5, never the hidden 3, and a hidden 1 to 4 stays possible."""
    longer, stamp = _published(_meetings(FIRST, HIDDEN_MONTH))
    shorter, _ = _published(_meetings(FIRST, BEFORE))
    for frame in (longer, shorter):
        for column in S.WARD_TABLE_COUNTS:
            shown = [v for v in frame[column].astype(str) if v != SCOTLAND.symbol]
            assert all(float(v) % 5 == 0 for v in shown), (column, shown)
    a, b = int(float(_ward(longer))), int(float(_ward(shorter)))
    assert (a - b) % 5 == 0 and a - b != 3
    # what a reader can say of the hidden month from the two totals: anything from (a - 2) - (b + 2) to
    # (a + 2) - (b - 2), which holds 1 to 4 and more besides
    low, high = max(a - 2 - (b + 2), 0), a + 2 - (b - 2)
    assert low <= 1 and high >= 4 and high - low >= 4
    assert "rounded to the nearest 5" in stamp["Totals"]


def test_single_ward_months_opt_out_keeps_exact_counts():
    """A table whose rows are single ward-months (`units=True`) is published as the rule's month-level table:
    counts of 5 or more exactly, no line about totals."""
    table = pd.DataFrame(
        {"month": ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08"], "count": [3, 17, 23, 31, 12]}
    )
    for kw in ({"units": True}, {"units": True, "keep": ("month",)}):
        safe, stamp = read_csv_bytes(show.csv_bytes(table, ["count"], None, SCOTLAND, STAMP, **kw))
        assert safe["count"].astype(str).tolist() == ["*", "17", "23", "31", "*"], (kw, safe)  # 12 hides the 3
        assert "Totals" not in stamp
    totals, stamp = read_csv_bytes(show.csv_bytes(table, ["count"], None, SCOTLAND, STAMP))
    assert all(v == "*" or float(v) % 5 == 0 for v in totals["count"].astype(str)), totals
    assert "Totals" in stamp


@pytest.mark.parametrize("rule", ["nhs_england"])
def test_nhs_england_files_do_not_change(rule):
    """NHS England rounds every count to 5 already: the totals rule changes nothing there, nor its stamp."""
    table = _meetings(FIRST, HIDDEN_MONTH)
    as_totals = show.csv_bytes(table, S.WARD_TABLE_COUNTS, S.WARD_TABLE_RATES, RULES[rule], STAMP)
    as_units = show.csv_bytes(table, S.WARD_TABLE_COUNTS, S.WARD_TABLE_RATES, RULES[rule], STAMP, units=True)
    assert as_totals == as_units


def test_the_page_download_rounds_each_wards_meetings_under_scotland(real_sample, captured):  # noqa: F811
    """End to end: the Talking groups page under the Scottish rule, July to December 2022: the "Each ward's
    meetings" CSV shows each ward's meetings over the period to the nearest 5, and says so."""
    run_talking_groups(Filters(start=pd.Timestamp(FIRST), end=pd.Timestamp(HIDDEN_MONTH)), captured)
    table, stamp = read_csv_bytes(talking_groups_file(captured, "talking_groups_meetings_by_ward.csv"))
    true = _meetings(FIRST, HIDDEN_MONTH)
    assert int(_ward(true)) == 11  # published exactly before
    shown = [v for v in table["Meetings"].astype(str) if v != SCOTLAND.symbol]
    assert shown and all(float(v) % 5 == 0 for v in shown), shown
    assert stamp["Disclosure control"] == SCOTLAND.description
    assert "rounded to the nearest 5" in stamp["Totals"]


# Files whose counts are single ward-months (one ward, one month), published as the rule's month-level tables
# (`units=True` at the call): each ward's latest month in the assurance CSV, the scatter of ward-months, one ward's
# before and after, one ward's chart of staff per meeting, and the ward profile's charts of one ward's months.
UNITS = re.compile(
    r"^(overview_assurance|assaults_scatter|talking_groups_before_after_\w+|talking_groups_staff_spc_(?!all)\w+"
    r"|ward_\w+)\.csv$"
)
MORE_COUNTS = re.compile(r"meetings|attendances|items raised|items resolved|items carried over$", re.I)


def _count_columns(table: pd.DataFrame) -> list[str]:
    return [
        c
        for c in map(str, table.columns)
        if "%" not in c and "per " not in c.lower() and (is_count(c.lower()) or MORE_COUNTS.search(c))
    ]


@pytest.mark.usefixtures("real_sample")
def test_every_total_in_every_download_is_rounded_under_scotland(captured):  # noqa: F811
    """The Overview, Assaults and Talking groups pages under the Scottish rule: in every CSV but the single
    ward-month ones, every count shown is 0 or a multiple of 5, and the file says the totals were rounded. Before,
    the ward table's 12-month counts, each ward's assaults in the funnel and its positions, each month's
    attendances over the wards in view were published exactly."""
    checked, exact = {}, {}
    for page in ("overview", "assaults", "talking_groups"):
        run_page(page, rule="scotland", captured=captured)
        for item in captured:
            name = item["file_name"] or ""
            if not name.endswith(".csv") or name in NO_DATA:
                continue
            table, stamp = read_csv_bytes(payload(item))
            columns = _count_columns(table)
            if not columns:
                continue
            cells = pd.concat([pd.to_numeric(table[c], errors="coerce") for c in columns]).dropna().tolist()
            off = [v for v in cells if v % 5]
            if UNITS.match(name):
                exact[name] = off
                continue
            checked[name] = columns
            assert not off, (name, off[:5])
            if cells:
                assert "rounded to the nearest 5" in stamp.get("Totals", ""), (name, stamp)
    for name in (
        "overview_wards.csv",
        "assaults_funnel.csv",
        "assaults_funnel_positions.csv",
        "talking_groups_meetings_by_ward.csv",
        "talking_groups_attendance.csv",
        "talking_groups_staff_spc_all.csv",
    ):
        assert name in checked, sorted(checked)
    assert exact["assaults_scatter.csv"], exact  # single ward-months are still published exactly (6, 7, 8 ...)
    assert "overview_assurance.csv" in exact, sorted(exact)


def test_a_picture_draws_totals_rounded_as_its_csv(monkeypatch):
    """The picture of a chart of totals (each ward over the period) draws each count as the CSV publishes it,
    rounded to 5 under the Scottish rule, with the line about totals in its stamp; a chart of single ward-months
    draws the exact counts of 5 or more."""
    import plotly.graph_objects as go

    import analysis.charts.export as chart_export

    drawn = []
    monkeypatch.setattr(chart_export, "render", lambda fig, *a, **k: drawn.append(fig) or b"")
    table = pd.DataFrame({"ward": ["A", "B", "C", "D", "E"], "count": [3, 17, 23, 31, 12]})
    fig = go.Figure(go.Bar(x=table["ward"], y=table["count"], name="count"))
    stamp = show.with_totals_line(dict(STAMP), SCOTLAND, False, ["count"])
    show.image_bytes(fig, "png", stamp, table, ("count",), {}, SCOTLAND)
    show.image_bytes(fig, "png", STAMP, table, ("count",), {}, SCOTLAND, units=True)
    totals, units = ([v for v in f.data[0].y if v is not None] for f in drawn)
    assert totals and all(v % 5 == 0 for v in totals), totals
    assert {17, 23, 31} <= set(units), units
    assert any("rounded to the nearest 5" in str(a.text) for a in drawn[0].layout.annotations)
    assert not any("rounded to the nearest 5" in str(a.text) for a in drawn[1].layout.annotations)


@pytest.mark.usefixtures("real_sample")
def test_the_ward_profiles_measure_charts_are_single_ward_months(captured):  # noqa: F811
    """The Ward profile shows one ward: each measure's chart is that ward's months (single ward-months), published
    under the Scottish rule's month-level treatment (exact above 4), not rounded as totals; the chart of its survey
    returns over the period is a total and is rounded."""
    run_page("ward_profile", rule="scotland", captured=captured)
    exact, rounded = [], []
    for item in captured:
        name = item["file_name"] or ""
        if not name.endswith(".csv") or name in NO_DATA:
            continue
        table, stamp = read_csv_bytes(payload(item))
        cells = pd.concat([pd.to_numeric(table[c], errors="coerce") for c in _count_columns(table)] or [pd.Series()])
        (rounded if "Totals" in stamp else exact).append((name, [v for v in cells.dropna() if v % 5]))
    assert any(off for _, off in exact), exact  # a measure's month shows its own count, 6 or 7 or 8 ...
    assert all(not off for _, off in rounded), rounded

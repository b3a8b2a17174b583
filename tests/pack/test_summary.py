"""The pack's first page: the decisions rules and "what changed", golden cases worked by hand; the register
keeps each pack's summary facts (and an older register's table gains the column)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.disclosure.register import EXPORTS, ExportRegister, Selection
from analysis.pack.summary import NOTHING_TO_DECIDE, agenda, changes, decisions, first_pack
from analysis.questions.verdicts import Verdict
from tests.store.conftest import pg_server, pg_url  # noqa: F401  (the store's PostgreSQL fixtures)


def _answer(q: str, kind: str, answer: str, sure: str = "12 wards, 60 months", level: str = "Moderate"):
    return SimpleNamespace(
        question=q, title=q, verdict=Verdict(q, kind, answer), level=level, sure=sure, key_figure="", figure=""
    )


CLEAR = [_answer("q1", "clear", "Yes"), _answer("q2", "clear", "Yes"), _answer("q3", "clear", "Yes")]


def _wards(**icons) -> pd.DataFrame:
    """Three wards; `icons` sets e.g. assaults_icon=["concern_high", "common_cause", "common_cause"]."""
    d = {
        "ward_id": ["W01", "W02", "W03"],
        "ward_name": ["Iona", "Skye", "Mull"],
        "talking_groups_started": ["Oct 2022", "Jan 2023", "Jul 2023"],
    }
    return pd.DataFrame({**d, **icons})


def _hospital(variations: list[str]) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=len(variations), freq="MS")
    return pd.DataFrame({"period": months, "variation": variations})


def test_nothing_to_decide_when_every_answer_is_clear_and_every_ward_ordinary():
    assert decisions(CLEAR, _wards(assaults_icon=["common_cause"] * 3)) == [NOTHING_TO_DECIDE]


def test_a_ward_with_a_concern_asks_for_an_action_with_its_team():
    wards = _wards(assaults_icon=["common_cause", "concern_high", "improvement_low"])
    assert decisions(CLEAR, wards) == [
        "Agree an action with W02 Skye's team on its assault rate, unusually high in recent months."
    ]


def test_a_hospital_concern_comes_first_with_its_month():
    chart = _hospital(["common_cause"] * 11 + ["special_cause_concern"])
    got = decisions(CLEAR, _wards(), chart)
    assert got == [
        "Agree a response to the whole hospital's assault rate on staff, unusually high in Dec 2025 (a concern)."
    ]


def test_not_yet_known_asks_to_keep_collecting_and_unclear_to_look_again():
    answers = [
        _answer("q1", "clear", "Yes"),
        _answer("q2", "unclear", "No clear link yet"),
        _answer("q3", "not_enough", "Not yet known", sure="4 quarterly measurements (at least 8 are needed)"),
    ]
    assert decisions(answers, _wards()) == [
        "Agree to keep collecting and look again at 'Can it reduce assaults on staff?' in the next pack: "
        "no clear answer yet.",
        "Agree to keep collecting the data on recovery (4 quarterly measurements (at least 8 are needed)): "
        "'Can it enhance recovery?' is not yet known.",
    ]


def test_wards_without_talking_groups_ask_whether_to_start():
    wards = _wards()
    wards.loc[[0, 2], "talking_groups_started"] = "not started"
    assert decisions(CLEAR, wards) == [
        "Decide whether to start talking groups on W01 Iona and W03 Mull (2 wards have not started)."
    ]
    wards["talking_groups_started"] = "not started"
    assert decisions(CLEAR, wards) == ["Decide whether to start talking groups: none of the 3 wards has started."]


def test_what_changed_first_pack_nothing_and_named_changes():
    now = {
        "period": "Apr 2021 to Mar 2026",
        "verdicts": {"q1": "Yes", "q2": "Probably: fewer assaults"},
        "figures": {"q1": "49 (95% CI 44 to 55)", "q2": "20% fewer per 10 points (95% CI 1% to 35%)"},
        "concerns": {"assaults": ["W02 Skye"], "coproduction": [], "recovery": []},
        "hospital_concerns": ["Mar 2026"],
        "wards": 12,
        "started": 9,
    }
    assert changes(now, None, audience="internal") == [first_pack("internal")]
    assert changes(now, dict(now), "1 Mar 2026") == [
        "No verdict, key figure or ward signal has changed since the pack of 1 Mar 2026."
    ]
    before = {
        **now,
        "period": "Apr 2021 to Feb 2026",
        "verdicts": {"q1": "Yes", "q2": "No clear link yet"},
        "figures": {"q1": "48 (95% CI 43 to 54)"},
        "concerns": {"assaults": ["W05 Harris"], "coproduction": [], "recovery": []},
        "hospital_concerns": [],
        "started": 8,
    }
    assert changes(now, before, "1 Mar 2026") == [
        "Since the pack of 1 Mar 2026:",
        "Period: now Apr 2021 to Mar 2026 (was Apr 2021 to Feb 2026).",
        "Can co-production exist in our secure wards? Verdict unchanged; key figure now 49, 95% CI 44 to 55 "
        "(was 48, 95% CI 43 to 54).",
        "Can it reduce assaults on staff? Now 'Probably: fewer assaults' (was 'No clear link yet').",
        "New whole-hospital concern: the assault rate in Mar 2026.",
        "New concern, assault rate: W02 Skye.",
        "No longer a concern, assault rate: W05 Harris.",
        "Talking groups: started on 9 of 12 wards (was 8).",
    ]


def test_agenda_puts_researchers_parts_with_the_reference_pages():
    got = agenda(["Q1", "Talking groups", "Model results (for researchers)"])
    assert got[1:3] == ["Q1", "Talking groups"] and got[3] == "Decisions and actions"
    assert "Model results (for researchers)" not in got


def test_register_keeps_the_latest_summary_per_audience(tmp_path):
    book = ExportRegister(f"sqlite:///{tmp_path / 'r.sqlite'}")
    assert book.previous_summary("internal") is None
    for n in (1, 2):
        book.record(Selection(("W01", "W02"), "2025-01-01", "2025-12-01", "internal", "scotland", summary={"n": n}))
    book.record(Selection(("W01",), "2025-01-01", "2025-12-01", "external", "scotland", summary={"n": 9}))
    assert book.previous_summary("internal")[0] == {"n": 2}
    assert book.previous_summary("external")[0] == {"n": 9}


@pytest.fixture(params=["sqlite", "postgresql"])
def register_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite'}"
    return request.getfixturevalue("pg_url")


def test_an_older_register_gains_the_summary_column(register_url):
    url = register_url
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    old = sa.MetaData()  # the table as it was before packs kept their summary
    columns = [sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in EXPORTS.columns]
    sa.Table(EXPORTS.name, old, *(c for c in columns if c.name != "summary"))
    old.create_all(engine)
    engine.dispose()
    book = ExportRegister(url)
    book.record(Selection(("W01",), None, None, "internal", "scotland", summary={"verdicts": {"q1": "Yes"}}))
    assert book.previous_summary("internal")[0] == {"verdicts": {"q1": "Yes"}}

"""A ward manager who picks their own ward and the last six months in the sidebar sees the ward's assault rate
for those months at the top of the Overview, above the answers (a new user found it two screens down, under
cards that all said "not yet known"), with a link to the ward's profile."""

from __future__ import annotations

import pytest

from analysis.data.dataset import load_sample
from analysis.text import fmt_number
from tests.app.helpers import start, texts


def _hand_rate(ward: str, first: str) -> tuple[float, float]:
    """The ward's assaults on staff and occupied bed days from `first` to the sample's end, summed by hand."""
    wm = load_sample().tables["ward_months"]
    rows = wm[(wm["ward_id"] == ward) & (wm["month"].astype(str) >= first)]
    return float(rows["assaults_on_staff"].sum()), float(rows["occupied_bed_days"].sum())


@pytest.mark.usefixtures("real_sample")
def test_one_ward_and_six_months_give_its_rate_above_the_answers():
    at = start(query_params={"ward": "W03", "from": "2025-10"})
    assert not at.exception
    count, obd = _hand_rate("W03", "2025-10")
    line = f"**{fmt_number(1000 * count / obd, 2)} assaults on staff per 1,000 occupied bed days**"
    shown = [str(m.value) for m in at.markdown]
    at_top = next(i for i, m in enumerate(shown) if line in m)
    assert "Oct 2025 to Mar 2026" in shown[at_top] and "W03" in shown[at_top]
    assert f"({fmt_number(count)} assaults in {fmt_number(obd)} bed days)" in shown[at_top]
    # above the answers: drawn before the first verdict card's heading
    walk = list(at.main)
    line_at = next(i for i, e in enumerate(walk) if line in str(getattr(e, "value", "")))
    answers_at = next(i for i, e in enumerate(walk) if getattr(e, "value", None) == "Today's answers")
    assert line_at < answers_at
    links = [p for p in at.get("page_link") if "Open the profile of W03" in p.proto.label]
    assert links and links[0].proto.page.endswith("ward_profile")


@pytest.mark.usefixtures("real_sample")
def test_the_whole_hospital_gets_no_such_line():
    at = start()
    assert not at.exception
    assert "assaults on staff per 1,000 occupied bed days**" not in texts(at)
    assert not [p for p in at.get("page_link") if "Open the profile of" in p.proto.label]


@pytest.mark.usefixtures("real_sample")
def test_each_card_decodes_its_own_special_words():
    """Question 3's verdict says "QPR-15" and question 1's figure "'mid' or 'ultra'": a new user could not
    decode them without opening the researchers' section. The "?" beside each card's figure now does."""
    from analysis.questions.glossary import GLOSSARY
    from analysis.text import literal

    at = start()
    assert not at.exception
    helps = [str(m.proto.help) for m in at.markdown if m.proto.help]
    q3 = next(h for h in helps if "**QPR-15**" in h)
    assert literal(GLOSSARY["QPR-15"]) in q3
    assert any("**Lite, mid and ultra**" in h for h in helps)


@pytest.mark.usefixtures("real_sample")
def test_the_ward_table_gives_the_same_rate_as_the_line_above():
    """One ward, six months: the table said "4 per 1,000" under a counter and a line saying 3.98."""
    at = start(query_params={"ward": "W03", "from": "2025-10"})
    count, obd = _hand_rate("W03", "2025-10")
    rate = fmt_number(1000 * count / obd, 2)
    assert any(str(c.value).startswith(f"{rate} per 1,000 occupied bed days") for c in at.caption)

"""Every question page filtered to one ward: no error, no broken words ('1 wards', 'no value', a range
from a month to itself), and the overview names the rate it shows as the ward's, not the hospital's."""

from __future__ import annotations

import re

import pytest

from tests.app.helpers import PAGES, start, texts

BROKEN = re.compile(r"\b1 wards\b|\bno value\b|between (\w{3} \d{4}) and \1|from ([\d.]+) to \2\b")


@pytest.mark.usefixtures("real_sample")
def test_one_ward_reads_properly_on_every_page():
    at = start()
    at.multiselect(key="f_wards").set_value(["W03"]).run()
    assert "The ward's assault rate:" in texts(at) and "Hospital assault rate" not in texts(at)
    for page in PAGES:
        if page != "overview":
            at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        shown = texts(at) + "\n".join(str(m.label) + str(m.value) for m in at.metric)
        assert not BROKEN.findall(shown), (page, BROKEN.findall(shown))
    at.switch_page("pages/talking_groups.py").run()
    assert "clearing them may be enough" in texts(at)


@pytest.mark.usefixtures("real_sample")
def test_the_assaults_chart_opens_on_the_one_ward_chosen():
    at = start()
    at.multiselect(key="f_wards").set_value(["W03"]).run()
    at.switch_page("pages/assaults.py").run()
    assert not at.exception and at.selectbox(key="a_ward").value == "W03"

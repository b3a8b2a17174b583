"""The built-in instruments on the Talking groups page: the EssenCES subscales and the staff boundaries instrument
are outcomes of the pooled before-and-after, as on the Model builder and in the ``fit`` command (what reduced social
distance asks of staff: their confidence with professional boundaries once talking groups start). On the code
before, the page offered none of them."""

from __future__ import annotations

from analysis.data.dataset import load_sample
from analysis.questions import specs
from tests.app.helpers import start, texts

BOUNDARIES = "Survey: staff confidence with professional boundaries (working instrument, 1 to 5) (higher is better)"
SAFETY = "Survey: patient-rated experienced safety (EssenCES, 0 to 20) (higher is better)"


def test_the_built_in_instruments_are_outcomes_with_the_model_builders_answer():
    at = start(page="talking_groups")
    assert not at.exception
    options = list(at.selectbox(key="tg_outcome").options)
    assert options[0] == "Patient-rated co-production (overall)"
    assert BOUNDARIES in options and SAFETY in options
    at.selectbox(key="tg_outcome").set_value(BOUNDARIES).run()
    assert not at.exception
    said = texts(at)
    spec = {"question": "talking-groups", "outcome": "boundaries_staff_confidence", "kind": "linear"}
    (want,) = specs.run_spec(load_sample(), spec)
    assert want.ok and want.sentence in said  # the pooled before-and-after the Model builder and `fit` give
    assert "staff confidence with professional boundaries (working instrument, 1 to 5) changed by" in want.sentence

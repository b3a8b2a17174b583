"""Study planner page: prefilled from the data, its answer agrees with the power engine, seeded and repeatable."""

from __future__ import annotations

import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.planning import planning_inputs, power_sentence
from analysis.stats.counts.power import power_curve
from tests.app.helpers import start, texts


def _number(at, label_start: str):
    return next(w for w in at.number_input if w.label.startswith(label_start))


def _answers(at) -> list[str]:
    """The page's answers as written (show.answer_markdown: bold first)."""
    return [str(m.value) for m in at.markdown if str(m.value).startswith("**")]


def _answer(at) -> str:
    (only,) = _answers(at)
    return only.replace("**", "")


@pytest.mark.usefixtures("real_sample")
def test_planner_is_prefilled_runs_and_agrees_with_the_engine():
    at = start(page="study_planner")
    assert not at.exception
    prefill, found = planning_inputs(build_panel(load_sample().tables))
    assert "Starting values taken from the current data" in texts(at)
    assert _number(at, "Number of wards").value == prefill["n_wards"] == 12
    assert _number(at, "Over-dispersion").value == pytest.approx(prefill["alpha_dispersion"], abs=1e-3)
    assert not _answers(at)  # nothing simulated before the button
    assert "Run the simulation" in texts(at)

    _number(at, "Simulations per study length").set_value(20)
    _number(at, "Longest study").set_value(24)
    _number(at, "Hoped-for rate ratio").set_value(0.7)
    at.button[0].click()
    at.run()
    assert not at.exception
    kw = {
        "baseline_rate_per_1000": round(prefill["baseline_rate_per_1000"], 2),
        "alpha_dispersion": round(prefill["alpha_dispersion"], 3),
        "between_ward_sd": round(prefill["between_ward_sd"], 3),
        "obd_per_month": float(round(prefill["obd_per_month"])),
        "coproduction_sd_within": round(prefill["coproduction_sd_within"], 2),
        "rate_ratio_per_10": 0.7,
        "n_sims": 20,
        "seed": 20240611,
    }
    curve = power_curve(12, months_options=(12, 24), **kw)
    assert _answer(at) == power_sentence(curve, 12, 0.7, 0.8, 20)
    shown = at.dataframe[0].value
    assert list(shown["months"]) == [12, 24] and list(shown["power"]) == list(curve["power"])
    # each simulated study is tested as the analysis tests question 2 (CR2, Satterthwaite below 30 wards), and says so
    assert "CR2) with Satterthwaite degrees of freedom" in texts(at)
    first = _answer(at)

    # a widget change re-runs cleanly and changes the answer; the same inputs give the same answer again
    _number(at, "Number of wards").set_value(30)
    at.button[0].click()
    at.run()
    assert not at.exception and "With 30 wards" in _answer(at) and _answer(at) != first
    _number(at, "Number of wards").set_value(12)
    at.button[0].click()
    at.run()
    assert _answer(at) == first


def test_partial_data_says_which_values_came_from_the_data(app_env):
    # the tiny hospital has ward months but no survey returns
    at = start(page="study_planner")
    assert not at.exception
    shown = texts(at)
    assert "Starting values taken from the current data" in shown and "number of wards" in shown
    assert "within-ward SD of co-production" not in shown
    assert _number(at, "Number of wards").value == 5

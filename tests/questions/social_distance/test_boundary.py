"""Boundary-related incidents against closeness: the sample's true rate ratio is recovered (by the page's count
model and by an independent model on the true closeness), the verdict asks about them only when the data hold
them, and without the column the page's words say how to get it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.questions.social_distance import model as M
from analysis.sample.generate import DEFAULT_SEED, generate

PREDICTOR = "coproduction_patient_reduced_social_distance"


@pytest.fixture(scope="module")
def sample():
    ds = load_sample(SAMPLE_DIR)
    return ds, build_panel(ds.tables)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["boundary_incidents"]


def test_the_sample_has_boundary_incidents_and_their_truth(sample, truth):
    _, panel = sample
    assert M.boundary_status(panel) == "ok"
    assert int(panel[M.BOUNDARY].sum()) == truth["total"] > 100
    assert truth["rate_ratio_per_10_points"] > 1  # closer relationships, more boundary incidents


def test_the_count_models_intervals_cover_the_true_rate_ratio(sample, truth):
    _, panel = sample
    result = M.boundary_link(panel)
    assert result.ok and result.outcome == M.BOUNDARY
    est = result.estimates.set_index("term")
    rr = truth["rate_ratio_per_10_points"]
    within, between = est.loc[f"{PREDICTOR}_within"], est.loc[f"{PREDICTOR}_ward_mean"]
    assert within["rr_ci_low"] < rr < within["rr_ci_high"]  # the headline: within each ward
    assert between["rr_ci_low"] < rr < between["rr_ci_high"]  # and between wards (the same truth holds)
    assert result.headline.estimate == pytest.approx(within["rate_ratio"])
    assert between["rr_ci_low"] > 1  # between wards the sample shows the rise clearly


def test_an_independent_model_on_the_true_closeness_recovers_the_rate_ratio():
    """A Poisson GLM with ward fixed effects on the TRUE closeness (the generator's, not the survey's)."""
    h = generate(DEFAULT_SEED)
    wm = h.tables["ward_months"].merge(h.latent[["ward_id", "month", "coproduction_true"]], on=["ward_id", "month"])
    X = pd.get_dummies(wm["ward_id"], drop_first=True, dtype=float)
    X["close10"] = (wm["coproduction_true"] + h.design.aspect_offsets[3] - 50) / 10
    fit = sm.GLM(
        wm["boundary_incidents"].astype(float),
        sm.add_constant(X),
        family=sm.families.Poisson(),
        offset=np.log(wm["occupied_bed_days"].astype(float)),
    ).fit()
    lo, hi = np.exp(fit.conf_int().loc["close10"])
    assert lo < h.truth["boundary_incidents"]["rate_ratio_per_10_points"] < hi


def test_the_wave_table_has_the_quarters_boundary_rate(sample):
    ds, panel = sample
    waves = M.wave_table(panel, ds.tables["survey_returns"], ds.tables.get("instrument"))
    row = waves.iloc[0]
    assert row["boundary_rate"] == pytest.approx(row["boundary_incidents"] / row["occupied_bed_days"] * 1000)
    without = M.wave_table(panel.drop(columns=[M.BOUNDARY]), ds.tables["survey_returns"], ds.tables.get("instrument"))
    assert without["boundary_rate"].isna().all()


def test_status_missing_none_and_ok(sample):
    _, panel = sample
    assert M.boundary_status(panel.drop(columns=[M.BOUNDARY])) == "missing"
    assert M.boundary_status(panel.assign(boundary_incidents=pd.NA)) == "missing"
    assert M.boundary_status(panel.assign(boundary_incidents=0)) == "none"
    assert M.boundary_link(panel.drop(columns=[M.BOUNDARY])) is None
    assert M.boundary_as_link(None) is None


def test_without_the_column_the_words_say_how_to_get_it():
    words = M.boundary_sentence(None, "missing")
    assert "not in these data" in words and "Data page" in words and "map" in words
    assert "Boundary violation / inappropriate relationship" in words
    assert "Data page" in M.boundary_sentence(None, "none") and "No boundary-related incidents" in M.BOUNDARY_NONE


def test_the_verdict_asks_about_boundary_incidents_only_when_there_are_some(sample):
    _, panel = sample
    ok = M.Link("staff_safety", -1.0, -1.5, -0.5, 10.0, 12, 40)
    bounds = M.Link("staff_boundaries", -0.1, -0.2, -0.05, 10.0, 12, 40)
    assaults = M.Link("assault_rate", np.log(0.8), np.log(0.7), np.log(0.9), np.nan, 12, 720)
    without = M.verdict(ok, bounds, assaults)
    assert "boundary" not in without.replace("professional boundaries", "").replace("with boundaries", "")
    rise = M.Link("boundary_rate", np.log(1.3), np.log(1.1), np.log(1.5), np.nan, 12, 720)
    assert "; boundary-related incidents rise; assaults on staff fall." in M.verdict(ok, bounds, assaults, rise)
    unclear = M.boundary_as_link(M.boundary_link(panel))
    assert "no clear sign that boundary-related incidents change" in M.verdict(ok, bounds, assaults, unclear)


def test_the_plain_sentence_is_the_count_models(sample):
    _, panel = sample
    result = M.boundary_link(panel)
    words = M.boundary_sentence(result)
    assert words == result.sentence_without_caveats
    assert "boundary incidents per 10 points" in words and "Comparing wards with each other" in words


def test_a_model_that_cannot_fit_is_said_in_plain_words():
    from analysis.data.filters import Filters

    ds = load_sample(SAMPLE_DIR)
    one = Filters(start=pd.Timestamp("2022-04-01"), end=pd.Timestamp("2022-04-01")).apply(ds.tables)
    panel = build_panel(one)
    result = M.boundary_link(panel)
    assert not result.ok
    words = M.boundary_sentence(result, M.boundary_status(panel))
    assert words.startswith("Too few months in view to relate boundary-related incidents")
    assert "_" not in words and "=" not in words and "assault" not in words

"""The synthetic EssenCES and staff boundaries returns: valid, seeded, and their true effects recoverable."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.panel import instruments as ins
from analysis.sample.generate import generate
from analysis.sample.instrument_returns import EFFECTS, instrument_returns


@pytest.fixture(scope="module")
def hospital():
    return generate()


def test_returns_are_in_the_contract_and_on_each_items_scale(hospital):
    sr = hospital.tables["survey_returns"]
    assert list(sr.columns) == ["response_id", "ward_id", "date", "respondent", "instrument", "item", "answer"]
    assert not sr.duplicated(["response_id", "item"]).any()
    b = ins.builtin_instruments()
    for name, g in sr.groupby("instrument"):
        items = b[name].items.set_index("item")
        assert set(g["item"]) <= set(items.index)
        lo, hi = items.loc[g["item"], "scale_min"].to_numpy(), items.loc[g["item"], "scale_max"].to_numpy()
        assert ((g["answer"].to_numpy() >= lo) & (g["answer"].to_numpy() <= hi)).all()
    assert set(sr.loc[sr["instrument"] == "staff_boundaries", "respondent"]) == {"staff"}
    assert set(sr.loc[sr["instrument"] == "essences", "respondent"]) == {"patient", "staff"}
    assert set(hospital.truth["instrument_returns"]["effects_per_10_points_closeness"]) == set(EFFECTS)


def test_same_seed_same_returns_and_other_tables_untouched(hospital):
    a, _ = instrument_returns(7, hospital.tables, hospital.latent, hospital.design.aspect_offsets[3])
    b, _ = instrument_returns(7, hospital.tables, hospital.latent, hospital.design.aspect_offsets[3])
    pd.testing.assert_frame_equal(a, b)
    before = {k: v.copy() for k, v in hospital.tables.items() if k != "survey_returns"}
    instrument_returns(8, hospital.tables, hospital.latent, hospital.design.aspect_offsets[3])
    for k, v in before.items():
        pd.testing.assert_frame_equal(v, hospital.tables[k])


def _slope(returns: pd.DataFrame, latent: pd.DataFrame, offset: float, name: str, who: str, sub: str):
    """Mixed model (random ward intercept) of the subscale score on TRUE closeness per 10 points: (est, lo, hi)."""
    import statsmodels.formula.api as smf

    inst = ins.builtin_instruments()[name]
    s = ins.score(ins.wide_returns(returns, name), inst)
    close = latent.assign(c10=(latent["coproduction_true"] + offset - 50) / 10)[["ward_id", "month", "c10"]]
    d = s[s["respondent"] == who].merge(close, on=["ward_id", "month"]).dropna(subset=[sub])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = smf.mixedlm(f"{sub} ~ c10", d, groups=d["ward_id"]).fit(reml=True)
    lo, hi = m.conf_int().loc["c10"]
    return float(m.params["c10"]), float(lo), float(hi)


@pytest.mark.parametrize(
    ("name", "who", "sub"),
    [("essences", "staff", "experienced_safety"), ("staff_boundaries", "staff", "professional_boundaries")],
)
def test_closeness_effects_are_recovered_with_intervals_that_cover(hospital, name, who, sub):
    """Over 20 seeds the 95% intervals cover the true effect on at least 16 (P(fewer) < 0.5% at 95% coverage),
    and the mean estimate is within 15% of the truth; the shipped sample's interval covers it, clear of no change."""
    truth = EFFECTS[f"{name}_{who}_{sub}"]
    offset = hospital.design.aspect_offsets[3]
    ests, cover = [], 0
    for seed in range(20):
        r, _ = instrument_returns(seed, hospital.tables, hospital.latent, offset)
        est, lo, hi = _slope(r, hospital.latent, offset, name, who, sub)
        ests.append(est)
        cover += lo <= truth <= hi
    assert cover >= 16
    assert abs(np.mean(ests) - truth) < 0.15 * abs(truth) + 0.05
    est, lo, hi = _slope(hospital.tables["survey_returns"], hospital.latent, offset, name, who, sub)
    assert np.sign(est) == np.sign(truth) and hi < 0 and lo <= truth <= hi

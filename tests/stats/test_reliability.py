"""Alpha, item-total and agreement against hand computation, base R, and simulated known truth."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.reference import default_instrument
from analysis.stats.reliability import (
    agreement,
    agreement_summary,
    alpha_words,
    cronbach_alpha,
    icc_2_1,
    item_total,
    reliability_table,
)

REF = json.loads((Path(__file__).parents[1] / "reference" / "reliability" / "reference.json").read_text())


def test_alpha_by_hand():
    # item variances 5/3, 4/3, 4.75/3; total variance 12.25 -> alpha = 1.5 * (1 - 13.75/36.75) = 46/49
    x = pd.DataFrame([[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5]])
    alpha, lo, hi, n = cronbach_alpha(x)
    assert alpha == pytest.approx(46 / 49) and n == 4
    assert lo < alpha < hi <= 1


def test_alpha_and_feldt_ci_match_base_r():
    alpha, lo, hi, n = cronbach_alpha(pd.DataFrame(REF["items"]))
    assert n == 25
    assert alpha == pytest.approx(REF["alpha"], abs=1e-10)
    assert lo == pytest.approx(REF["ci_low"], abs=1e-8) and hi == pytest.approx(REF["ci_high"], abs=1e-8)


def test_alpha_not_computable():
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4]}))[0])  # one item
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1, 2], "b": [2, 3]}))[0])  # two returns
    assert alpha_words(np.nan) == "not computable"
    assert alpha_words(0.72) == "acceptable (0.70 or above)"


def _parallel(rng, n, k, rho):
    t = rng.normal(0, np.sqrt(rho), (n, 1))
    return t + rng.normal(0, np.sqrt(1 - rho), (n, k))


def test_alpha_recovers_parallel_items_truth_and_ci_covers():
    rng = np.random.default_rng(7)
    k, rho = 4, 0.3
    truth = k * rho / (1 + (k - 1) * rho)
    big = cronbach_alpha(pd.DataFrame(_parallel(rng, 5000, k, rho)))
    assert big[0] == pytest.approx(truth, abs=0.02)
    reps = 1000
    hits = sum(
        lo <= truth <= hi
        for _, lo, hi, _ in (cronbach_alpha(pd.DataFrame(_parallel(rng, 50, k, rho))) for _ in range(reps))
    )
    assert 0.93 <= hits / reps <= 0.97  # Feldt's interval is exact for normal parallel items


def _likert_returns(rng, n=300, instrument=None):
    inst = default_instrument() if instrument is None else instrument
    latent = {a: rng.normal(0, 1, n) for a in inst["aspect"].unique()}
    df = pd.DataFrame(
        {
            "response_id": [f"R{i}" for i in range(n)],
            "ward_id": "W1",
            "date": pd.Timestamp("2024-04-10"),
            "respondent": rng.choice(["patient", "staff"], n),
        }
    )
    for row in inst.itertuples():
        x = np.clip(np.round(3 + latent[row.aspect] + rng.normal(0, 0.7, n)), 1, 5)
        df[row.item] = 6 - x if row.reverse else x  # reverse-worded items are answered the other way round
    return df


def test_reliability_table_uses_reverse_items():
    rng = np.random.default_rng(3)
    resp = _likert_returns(rng)
    tab = reliability_table(resp, default_instrument())
    assert set(tab["respondent"]) == {"patient", "staff", "all"}
    overall = tab[tab["respondent"] == "all"]
    assert (overall["alpha"] > 0.7).all() and (overall["n_items"] == 4).all()
    ignored = default_instrument().assign(reverse=pd.array([False] * 16, dtype="boolean"))
    worse = reliability_table(resp, ignored, respondent="patient")
    good = tab[tab["respondent"] == "patient"]
    assert (worse["alpha"].to_numpy() < good["alpha"].to_numpy() - 0.3).all()


def test_one_item_aspect_and_absent_item():
    rng = np.random.default_rng(4)
    inst = default_instrument()
    inst = inst[~inst["item"].isin(["le2", "le3", "le4"])]  # lived experience keeps one item
    resp = _likert_returns(rng, instrument=inst).drop(columns="pf4")
    tab = reliability_table(resp, inst, respondent="staff").set_index("aspect")
    assert np.isnan(tab.loc["lived_experience", "alpha"])
    assert tab.loc["lived_experience", "in_words"].startswith("not computable: the aspect has 1 item")
    assert tab.loc["professionals_as_facilitators", "n_items"] == 3
    assert tab.loc["professionals_as_facilitators", "n_items_in_instrument"] == 4
    it = item_total(resp, inst).set_index(["respondent", "item"])
    assert not it.loc[("all", "pf4"), "in_returns"] and np.isnan(it.loc[("all", "pf4"), "corrected_item_total_r"])


def test_corrected_item_total_flags_a_noise_item():
    rng = np.random.default_rng(5)
    resp = _likert_returns(rng, n=600)
    resp["sd4"] = rng.integers(1, 6, len(resp)).astype(float)  # unrelated to its aspect
    it = item_total(resp, default_instrument(), respondent="patient").set_index("item")
    assert abs(it.loc["sd4", "corrected_item_total_r"]) < 0.15
    assert (it.loc[["sd1", "sd2", "sd3"], "corrected_item_total_r"] > 0.4).all()
    # corrected r excludes the item itself: check one by hand
    from analysis.panel.scoring import item_scores

    s = item_scores(resp[resp["respondent"] == "patient"], default_instrument())[["sd1", "sd2", "sd3", "sd4"]]
    assert it.loc["sd1", "corrected_item_total_r"] == pytest.approx(s["sd1"].corr(s[["sd2", "sd3", "sd4"]].sum(axis=1)))


def test_icc_2_1_matches_base_r_and_penalises_a_constant_gap():
    x = np.column_stack([REF["patient"], REF["staff"]])
    assert icc_2_1(x) == pytest.approx(REF["icc_2_1"], abs=1e-10)
    base = np.random.default_rng(1).normal(50, 10, 20)
    assert icc_2_1(np.column_stack([base, base])) == pytest.approx(1.0)
    assert icc_2_1(np.column_stack([base, base + 15])) < 0.75  # absolute agreement sees the offset


def test_agreement_recovers_a_known_gap():
    rng = np.random.default_rng(11)
    rows = []
    true_gap = {f"W{i}": g for i, g in enumerate([0, 0, 5, 5, 10, 10, 15, 15, 20, 20])}
    months = pd.date_range("2022-01-01", periods=8, freq="QS")
    for w, g in true_gap.items():
        level = rng.normal(50, 8)
        for m in months:
            p = level + rng.normal(0, 4)
            rows += [
                (w, m, "patient", p, 0),
                (w, m + pd.DateOffset(months=1), "staff", p + g + rng.normal(0, 4), 0),
                (w, m + pd.DateOffset(months=2), "staff", 999.0, 1),
            ]  # a carried month must be ignored
    df = pd.DataFrame(rows, columns=["ward_id", "month", "respondent", "overall", "months_carried"])
    out = agreement(df).set_index("ward_id")
    assert (out["n_quarters"] == 8).all()
    covered = sum(out.loc[w, "gap_ci_low"] <= g <= out.loc[w, "gap_ci_high"] for w, g in true_gap.items())
    assert covered >= 8
    summary = agreement_summary(df)
    assert summary["mean_gap"] == pytest.approx(np.mean(list(true_gap.values())), abs=2)
    assert summary["n_wards"] == 10 and summary["n_ward_quarters"] == 80

"""Talking-groups interrupted time series: R agreement, stepped-wedge truth recovery, autocorrelation, edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.questions.talking_groups.model import (
    attendance_dose,
    before_after,
    dose_response,
    its_pooled,
    its_ward,
    start_dates,
)
from analysis.stats.its import segment_terms

REF = Path(__file__).parents[1] / "reference" / "recovery"
RTOL = 5e-4
T0 = pd.Timestamp("2021-04-01")
assert abs(np.exp(-0.2876820724517809) - 0.75) < 1e-12  # the default log rate ratio is log(0.75)


def ref_data() -> pd.DataFrame:
    d = pd.read_csv(REF / "data.csv", parse_dates=["month"])
    d["talking_groups_start"] = pd.to_datetime(d["talking_groups_start"])
    return d


def simulate(
    seed: int,
    n_wards=12,
    n_months=48,
    level=4.0,
    log_rr=-0.2876820724517809,
    trend=0.5,
    log_trend=-0.02,
    starts=None,
    ar=0.0,
) -> pd.DataFrame:
    """Co-production rising hospital-wide by `trend` a month and assaults falling by `log_trend` a month,
    with talking groups adding `level` (linear) and multiplying the assault rate by exp(log_rr) from each
    ward's start. Wards 10 and 11 never start."""
    rng = np.random.default_rng(seed)
    if starts is None:
        starts = [12 + 2 * w for w in range(n_wards - 2)] + [None, None]
    rows = []
    for w in range(n_wards):
        a, lw, e = rng.normal(45, 6), rng.normal(np.log(6 / 1000), 0.3), 0.0
        for m in range(n_months):
            post = starts[w] is not None and m >= starts[w]
            e = ar * e + rng.normal(0, 3)
            obd = float(rng.integers(300, 420))
            rate = np.exp(lw + log_trend * m + log_rr * post)
            rows.append(
                {
                    "ward_id": f"W{w:02d}",
                    "month": T0 + pd.DateOffset(months=m),
                    "month_index": m,
                    "talking_groups_start": T0 + pd.DateOffset(months=starts[w]) if starts[w] is not None else pd.NaT,
                    "coproduction_patient_overall": a + trend * m + level * post + e,
                    "occupied_bed_days": obd,
                    "assaults_on_staff": float(rng.poisson(obd * rate)),
                    "talking_groups_held": float(rng.integers(2, 5)) if post else 0.0,
                    "talking_group_attendances": float(rng.integers(6, 20)) if post else 0.0,
                }
            )
    d = pd.DataFrame(rows)
    d["talking_groups_start"] = d["talking_groups_start"].astype("datetime64[ns]")
    d["talking_groups_active"] = (d["month"] >= d["talking_groups_start"]).to_numpy(bool)
    held = d["talking_groups_held"]
    d["attendance_per_session"] = d["talking_group_attendances"] / held.where(held > 0)
    return d


def naive_before_after(d: pd.DataFrame, outcome: str) -> float:
    started = d[d["talking_groups_start"].notna()]
    post = started["month"] >= started["talking_groups_start"]
    return started.loc[post, outcome].mean() - started.loc[~post, outcome].mean()


# --- R reference: glm / lm with ward and month fixed effects, sandwich::vcovCL(type = "HC1") ------------


@pytest.mark.parametrize(
    "model,outcome,kind",
    [("glm_its_poisson", "assaults_on_staff", "count"), ("lm_its", "coproduction_patient_overall", "linear")],
)
def test_pooled_its_matches_r(model, outcome, kind):
    # R fitted post + months_since_start together: that is the slope model, reported as post_with_slope.
    r = pd.read_csv(REF / "reference.csv")
    ref = r[(r["model"] == model) & r["term"].isin(["post", "months_since_start"])].set_index("term")
    est = (
        its_pooled(ref_data(), outcome, kind)
        .estimates.set_index("term")
        .rename(index={"post": "level_only", "post_with_slope": "post"})
    )
    np.testing.assert_allclose(est.loc[ref.index, "estimate"], ref["estimate"], rtol=RTOL)
    np.testing.assert_allclose(est.loc[ref.index, "std_error"], ref["std_error"], rtol=RTOL)


# --- stepped wedge recovers the level change despite a hospital-wide trend -----------------------------


def test_naive_before_after_is_fooled_by_the_trend_but_stepped_wedge_is_not():
    d = simulate(11, level=4.0, trend=0.5)
    naive = naive_before_after(d, "coproduction_patient_overall")
    res = its_pooled(d, "coproduction_patient_overall", "linear")
    assert abs(naive - 4.0) > 5  # the trend alone adds ~12 points to a plain before/after
    assert res.headline.ci_low <= 4.0 <= res.headline.ci_high
    assert abs(res.headline.estimate - 4.0) < abs(naive - 4.0) / 3


def test_stepped_wedge_level_change_coverage_linear():
    covered, reps = 0, 40
    for seed in range(reps):
        h = its_pooled(simulate(100 + seed), "coproduction_patient_overall", "linear").headline
        covered += h.ci_low <= 4.0 <= h.ci_high
    assert covered >= 34, covered  # Binomial(40, 0.95) gives 34+ with probability ~0.99


def test_stepped_wedge_rate_ratio_covers_truth_and_naive_does_not():
    d = simulate(5)
    res = its_pooled(d, "assaults_on_staff", "count")
    assert res.headline.ci_low <= 0.75 <= res.headline.ci_high
    started = d[d["talking_groups_start"].notna()]
    post = started["month"] >= started["talking_groups_start"]
    rate = lambda s: s["assaults_on_staff"].sum() / s["occupied_bed_days"].sum()
    naive_rr = rate(started[post]) / rate(started[~post])
    assert naive_rr < 0.75 * 0.8  # the falling hospital-wide trend makes a plain before/after look far better
    assert "Poisson" in res.method and "CR1" in res.method and "t(11)" in res.method


# --- single-ward ITS and autocorrelation ----------------------------------------------------------------


def one_ward(seed: int, ar: float) -> pd.DataFrame:
    return simulate(seed, n_wards=1, n_months=60, starts=[30], trend=0.0, level=6.0, ar=ar)


def test_autocorrelation_detected_on_ar1_but_not_white_noise():
    ar = its_ward(one_ward(1, 0.8), "W00", "coproduction_patient_overall", hac=None)
    wn = its_ward(one_ward(1, 0.0), "W00", "coproduction_patient_overall", hac=None)
    assert ar.diagnostics.autocorrelation["autocorrelated"] and ar.diagnostics.hac
    assert ar.diagnostics.autocorrelation["durbin_watson"] < 1.5
    assert not wn.diagnostics.autocorrelation["autocorrelated"] and not wn.diagnostics.hac
    assert "Newey-West" in ar.method and "Neighbouring months are more alike than chance" in ar.sentence
    assert "no more alike than chance" in wn.sentence and "Durbin-Watson" not in wn.sentence
    assert ar.diagnostics.autocorrelation["detail"].startswith(
        f"Durbin-Watson {ar.diagnostics.autocorrelation['durbin_watson']:.2f}"
    )


def test_plain_errors_on_autocorrelated_series_warn():
    res = its_ward(one_ward(1, 0.8), "W00", "coproduction_patient_overall", hac=False)
    assert res.warnings and "hac=True" in res.warnings[0]


def test_single_ward_level_change_covers_truth_and_counts_work():
    res = its_ward(one_ward(2, 0.0), "W00", "coproduction_patient_overall")
    assert res.headline.ci_low <= 6.0 <= res.headline.ci_high
    est = res.estimates.set_index("term")
    assert {"time", "post", "months_since_start"} <= set(est.index)
    c = its_ward(simulate(3, n_wards=1, n_months=60, starts=[30], log_trend=0.0), "W00", "assaults_on_staff", "count")
    assert c.ok and c.headline.ci_low <= 0.75 <= c.headline.ci_high and "rate_ratio" in c.estimates


def test_before_after_chart_data():
    d = one_ward(2, 0.0)
    ba = before_after(d, "W00", "coproduction_patient_overall")
    assert list(ba.columns) == ["month", "post", "observed", "fitted", "counterfactual"]
    assert ba["counterfactual"].isna().sum() == 30 and ba["counterfactual"].notna().sum() == 30
    # a later start: 40 months before, 20 after; an earlier one: 10 before, so only 10 of the 50 after
    late = before_after(
        simulate(2, n_wards=1, n_months=60, starts=[40], trend=0.0, level=6.0), "W00", "coproduction_patient_overall"
    )
    early = before_after(
        simulate(2, n_wards=1, n_months=60, starts=[10], trend=0.0, level=6.0), "W00", "coproduction_patient_overall"
    )
    assert late["counterfactual"].notna().sum() == 20 and early["counterfactual"].notna().sum() == 10
    assert early.loc[early["counterfactual"].notna(), "post"].all()
    assert early["counterfactual"].first_valid_index() == early.index[early["post"]][0]
    post = ba[ba["post"]]
    assert (post["fitted"] - post["counterfactual"]).iloc[0] == pytest.approx(
        its_ward(d, "W00", "coproduction_patient_overall", hac=False).headline.estimate
    )
    cnt = before_after(d, "W00", "assaults_on_staff", "count")
    assert cnt["observed"].iloc[0] == pytest.approx(
        d["assaults_on_staff"].iloc[0] / d["occupied_bed_days"].iloc[0] * 1000
    )


# --- edge cases -------------------------------------------------------------------------------------------


def test_never_started_ward_is_a_control_not_a_crash():
    d = simulate(4)
    res = its_ward(d, "W11", "coproduction_patient_overall")
    assert res.headline is None and "never started" in res.sentence and "comparison ward" in res.sentence
    pooled = its_pooled(d, "coproduction_patient_overall")
    assert pooled.n_wards == 12 and pooled.diagnostics.wards_started == 10
    assert before_after(d, "W11", "coproduction_patient_overall").empty


@pytest.mark.parametrize("start,side", [(0, "before"), (1, "before"), (58, "after")])
def test_start_at_the_edge_says_too_few_points(start, side):
    d = simulate(4, n_wards=1, n_months=60, starts=[start])
    res = its_ward(d, "W00", "coproduction_patient_overall")
    assert res.headline is None and f"{side} talking groups started" in res.sentence and "at least 3" in res.sentence


def test_all_wards_starting_together_without_controls_is_explained():
    d = simulate(4, n_wards=4, starts=[20, 20, 20, 20])
    res = its_pooled(d, "coproduction_patient_overall")
    assert res.headline is None and "same time" in res.sentence
    none = simulate(4, n_wards=3, starts=[None, None, None])
    assert "No ward has started" in its_pooled(none, "coproduction_patient_overall").sentence
    assert "no assaults" not in its_pooled(none, "assaults_on_staff", "count").sentence


def test_few_wards_pooled_says_not_reliable():
    res = its_pooled(simulate(4, n_wards=4, starts=[12, 20, None, None]), "coproduction_patient_overall")
    assert res.ok and "not reliable" in res.sentence


def test_missing_outcome_column_is_a_message():
    assert its_ward(simulate(1), "W00", "nonesuch").headline is None
    assert its_pooled(simulate(1), "nonesuch").headline is None


# --- starts, dose ---------------------------------------------------------------------------------------


def test_start_dates_first_event_per_ward_and_hospital_wide():
    ev = pd.DataFrame(
        {
            "ward_id": ["A", "A", "B", ""],
            "date": ["2023-05-17", "2023-02-03", "2024-01-01", "2023-09-09"],
            "kind": ["talking_groups_started"] * 3 + ["talking_groups_started"],
            "label": ["x"] * 4,
        }
    )
    ev = pd.concat([ev, pd.DataFrame({"ward_id": ["B"], "date": ["2020-01-01"], "kind": ["change"], "label": ["y"]})])
    s = start_dates(ev).set_index("ward_id")["talking_groups_start"]
    assert s["A"] == pd.Timestamp("2023-02-01") and s["B"] == pd.Timestamp("2024-01-01")
    assert s["(all wards)"] == pd.Timestamp("2023-09-01")
    assert start_dates(pd.DataFrame()).empty


def test_segment_terms():
    month = pd.Series(pd.date_range("2023-01-01", periods=5, freq="MS"))
    start = pd.Series([pd.Timestamp("2023-03-01")] * 4 + [pd.NaT])
    t = segment_terms(month, start)
    assert t["post"].tolist() == [0, 0, 1, 1, 0] and t["months_since_start"].tolist() == [0, 0, 0, 1, 0]


def test_attendance_dose_by_hand():
    d = simulate(8)
    dose = attendance_dose(d).set_index("ward_id")
    w = d[d["ward_id"] == "W03"]
    assert dose.loc["W03", "sessions_held"] == w["talking_groups_held"].sum()
    assert dose.loc["W03", "attendance_per_session"] == pytest.approx(
        w["talking_group_attendances"].sum() / w["talking_groups_held"].sum()
    )
    assert dose.loc["W03", "months_before"] == 18 and dose.loc["W03", "months_after"] == 30
    post = w["month"] >= w["talking_groups_start"]
    assert dose.loc["W03", "coproduction_patient_overall_after"] == pytest.approx(
        w.loc[post, "coproduction_patient_overall"].mean()
    )
    assert np.isnan(dose.loc["W11", "attendance_per_session"])


def test_dose_response_finds_a_planted_dose_effect():
    ests, covered = [], 0
    for seed in range(10):
        d = simulate(300 + seed, trend=0.0)
        post = d["talking_groups_active"]
        d.loc[post, "coproduction_patient_overall"] += 2.0 * d.loc[post, "attendance_per_session"]
        h = dose_response(d, "coproduction_patient_overall").headline
        assert h.ci_low > 0
        ests.append(h.estimate)
        covered += h.ci_low <= 2.0 <= h.ci_high
    assert abs(np.mean(ests) - 2.0) < 0.1 and covered >= 8


def test_recovery_outcome_runs_through_the_same_its():
    d = ref_data()
    res = its_pooled(d, "recovery_qpr_15")
    assert res.ok and res.n_obs == int(d["recovery_qpr_15"].notna().sum()) and "QPR 15" in res.sentence
    assert its_ward(d, "W01", "recovery_qpr_15").ok


# --- carried-forward survey months and the synthetic hospital's truths ---------------------------------


def quarterly_survey(d: pd.DataFrame) -> pd.DataFrame:
    """Co-production surveyed in each quarter's first month and carried forward 2 months, as the panel does."""
    m = d["month_index"]
    src = d.set_index(["ward_id", "month_index"])["coproduction_patient_overall"]
    out = d.assign(coproduction_patient_overall=src.reindex(list(zip(d["ward_id"], m - m % 3))).to_numpy())
    return out.assign(coproduction_patient_months_carried=(m % 3).astype(float))


def test_carried_forward_months_are_not_used_and_would_dilute_the_step():
    # Starts fall in any month of a quarter; after a mid-quarter start the carried months still hold the
    # pre-start survey, so counting them as "post" pulls the step towards 0.
    new, old = [], []
    for seed in range(20):
        d = quarterly_survey(simulate(500 + seed, level=6.0))
        res = its_pooled(d, "coproduction_patient_overall")
        assert res.n_obs == int((d["month_index"] % 3 == 0).sum()) and res.diagnostics.fresh_survey_months_only
        assert "fresh survey return" in res.method
        new.append(res.headline.estimate)
        old.append(
            its_pooled(
                d.drop(columns="coproduction_patient_months_carried"), "coproduction_patient_overall"
            ).headline.estimate
        )
    new, old = np.array(new), np.array(old)
    assert abs(new.mean() - 6.0) < 3 * new.std(ddof=1) / np.sqrt(len(new))
    assert (old - new).mean() < -0.2  # the dilution the rule removes


def sample_cases():
    import json

    from analysis.panel.build import measure_slug

    tg = json.loads((Path(__file__).parents[2] / "data" / "sample" / "truth.json").read_text())["talking_groups"]
    cases = [
        (o, "linear", tg["level_change_points"])
        for o in ("coproduction_patient_overall", "coproduction_staff_overall", "coproduction_overall")
    ]
    cases += [("assaults_on_staff", "count", tg["implied_assault_rate_ratio"])]
    cases += [(name, "count", rr) for name, rr in tg["implied_rate_ratio"].items()]
    cases += [(f"recovery_{measure_slug(m)}", "linear", v) for m, v in tg["implied_recovery_change"].items()]
    return cases


@pytest.fixture(scope="module")
def shipped_panel():
    from analysis.data.dataset import load_sample
    from analysis.panel.build import build_panel

    return build_panel(load_sample().tables)


@pytest.mark.parametrize("outcome,kind,truth", sample_cases())
def test_shipped_sample_pooled_interval_covers_the_stated_truth(shipped_panel, outcome, kind, truth):
    # truth.json: a +6-point step in latent co-production from each start month; counts and recovery
    # move by the implied rate ratios / changes. The headline is a rate ratio for counts.
    h = its_pooled(shipped_panel, outcome, kind).headline
    assert h.ci_low <= truth <= h.ci_high, (outcome, h)


def test_shipped_sample_coproduction_slope_is_in_the_latent_draw_not_the_estimator(shipped_panel):
    # The sample's controls happen to drift down, so the slope model finds a slope change although the
    # design has none. The same model on the TRUE latent of the same draw finds it too.
    from analysis.sample.generate import true_coproduction

    lat = true_coproduction().merge(
        shipped_panel.drop(columns=["coproduction_patient_overall"]), on=["ward_id", "month"]
    )
    on_true = its_pooled(
        lat.rename(columns={"coproduction_true": "coproduction_patient_overall"}), "coproduction_patient_overall"
    ).diagnostics.slope_change_per_month
    measured = its_pooled(shipped_panel, "coproduction_patient_overall").diagnostics.slope_change_per_month
    assert on_true["ci_low"] > 0 and measured["ci_low"] > 0
    assert abs(on_true["estimate"] - measured["estimate"]) < 2 * measured["std_error"]


@pytest.mark.slow  # 40 synthetic hospitals, ~1-3 s each on 2 busy cores
def test_pooled_its_coverage_and_bias_over_40_synthetic_hospitals():
    from analysis.data.dataset import with_defaults
    from analysis.panel.build import build_panel
    from analysis.sample.generate import generate

    cases = {
        "coproduction_patient_overall": ("linear", lambda tg: tg["level_change_points"]),
        "assaults_on_staff": ("count", lambda tg: np.log(tg["implied_assault_rate_ratio"])),
        "recovery_qpr_15": ("linear", lambda tg: tg["implied_recovery_change"]["QPR-15"]),
    }
    err = {(o, t): [] for o in cases for t in ("post", "months_since_start")}
    hit = dict.fromkeys(err, 0)
    reps = 40
    for k in range(reps):
        h = generate(seed=2000 + k, surveys="scores")  # ward means with the responses' noise, faster
        p = build_panel(with_defaults(h.tables))
        for outcome, (kind, truth) in cases.items():
            est = its_pooled(p, outcome, kind).estimates.set_index("term")
            for term, t in (("post", truth(h.truth["talking_groups"])), ("months_since_start", 0.0)):
                r = est.loc[term]
                err[(outcome, term)].append(r["estimate"] - t)
                hit[(outcome, term)] += r["ci_low"] <= t <= r["ci_high"]
    for key, e in err.items():
        e = np.array(e)
        assert hit[key] >= 34, (key, hit[key])  # Binomial(40, 0.95) gives 34+ with probability ~0.99
        assert abs(e.mean()) < 3.5 * e.std(ddof=1) / np.sqrt(reps), (key, e.mean())  # no bias beyond MC error


def test_a_count_model_with_too_few_events_says_so_instead_of_printing_absurd_limits():
    from analysis.data.dataset import with_defaults
    from analysis.panel.build import build_panel
    from analysis.sample.generate import generate

    panel = build_panel(with_defaults(generate(seed=0, n_wards=2, months=12).tables))
    panel["assaults_on_staff"] = 0.0  # three events in all: a rate ratio would be noise with absurd limits
    panel.loc[panel.index[[0, 5, 20]], "assaults_on_staff"] = 1.0
    res = its_pooled(panel, "assaults_on_staff", "count")
    assert not res.ok
    assert "only 3 assaults on staff" in res.sentence


def test_dose_sentence_says_units_sign_and_whether_the_interval_includes_no_change():
    d = simulate(300, trend=0.0)
    post = d["talking_groups_active"]
    d.loc[post, "coproduction_patient_overall"] += 2.0 * d.loc[post, "attendance_per_session"]
    r = dose_response(d, "coproduction_patient_overall")
    h = r.headline
    assert f"a change of {h.estimate:+.1f} points (0 to 100)" in r.sentence
    assert f"(95% CI {h.ci_low:+.1f} to {h.ci_high:+.1f})" in r.sentence and "no clear link" not in r.sentence
    flat = dose_response(simulate(301, trend=0.0), "coproduction_patient_overall")
    lo, hi = flat.headline.ci_low, flat.headline.ci_high
    assert ("no clear link" in flat.sentence) == (lo <= 0 <= hi)
    count = dose_response(simulate(302, trend=0.0), "assaults_on_staff")
    assert "% fewer" in count.sentence or "% more" in count.sentence or "no change" in count.sentence


def test_pooled_and_ward_sentences_say_when_the_interval_includes_no_change():
    for seed in range(6):
        d = simulate(400 + seed)
        for outcome, kind, null in (
            ("assaults_on_staff", "count", 1.0),
            ("coproduction_patient_overall", "linear", 0.0),
        ):
            r = its_pooled(d, outcome, kind)
            covers = r.headline.ci_low <= null <= r.headline.ci_high
            assert ("includes no change" in r.sentence) == covers, (seed, outcome)
        w = its_ward(d, "W02", "coproduction_patient_overall")
        covers = w.headline.ci_low <= 0 <= w.headline.ci_high
        assert ("interval for the change at the start includes no change" in w.sentence) == covers


@pytest.mark.parametrize(
    "outcome,kind",
    [("assaults_on_staff", "count"), ("coproduction_patient_overall", "linear"), ("coproduction_overall", "linear")],
)
def test_absorbed_ward_effects_give_the_same_answer_as_ward_dummies_on_the_sample(
    shipped_panel, outcome, kind, monkeypatch
):
    """its_pooled absorbs the ward effects (analysis.stats.its.Absorbed); with the ward dummies in the full system
    (the fit before) every estimate agrees to 1e-9 and every sentence is the same."""
    import analysis.questions.talking_groups.model as tg

    absorbed = its_pooled(shipped_panel, outcome, kind)
    monkeypatch.setattr(tg, "_ward_block", lambda names, n_terms: None)
    dummies = its_pooled(shipped_panel, outcome, kind)
    assert absorbed.ok and dummies.ok
    assert absorbed.sentence == dummies.sentence and absorbed.caveats == dummies.caveats
    num = dummies.estimates.select_dtypes("number").columns
    pd.testing.assert_frame_equal(absorbed.estimates[num], dummies.estimates[num], rtol=1e-9, atol=1e-12)
    assert absorbed.estimates["term"].tolist() == dummies.estimates["term"].tolist()

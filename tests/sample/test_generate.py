"""The synthetic hospital: deterministic, valid under the contract, realistic, and its truths recoverable
by methods that do not share code with the generator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.data import contract
from analysis.sample.generate import DEFAULT_SEED, generate, true_coproduction, write_sample

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def hospital():
    return generate()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    write_sample(a)
    write_sample(b)
    return a, b


def test_two_runs_write_byte_identical_files_equal_to_the_committed_sample(written):
    a, b = written
    names = sorted(p.name for p in a.iterdir() if p.is_file())  # raw/ is checked in tests/data/importers/
    assert names == sorted(p.name for p in b.iterdir() if p.is_file())
    assert {
        "wards.csv",
        "ward_months.csv",
        "coproduction_responses.csv",
        "recovery.csv",
        "events.csv",
        "targets.csv",
        "talking_group_sessions.csv",
        "survey_returns.csv",
        "truth.json",
        "README.md",
    } <= set(names)
    assert not {"coproduction_scores.csv", "instrument.csv", "measures.csv"} & set(names)
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n
        assert (SAMPLE / n).exists(), f"data/sample/{n} is missing: regenerate with write_sample"
        assert (SAMPLE / n).read_bytes() == (a / n).read_bytes(), f"data/sample/{n} is stale: regenerate it"
        assert b"\r\n" not in (a / n).read_bytes()


def test_other_seeds_give_other_hospitals():
    a, b = generate(1, surveys="none").tables, generate(2, surveys="none").tables
    assert not a["ward_months"]["assaults_on_staff"].equals(b["ward_months"]["assaults_on_staff"])
    again = generate(1, surveys="none").tables
    pd.testing.assert_frame_equal(a["ward_months"], again["ward_months"])


def test_every_table_passes_the_contract_and_references_hold(hospital):
    t = hospital.tables
    assert set(t) == {
        "wards",
        "ward_months",
        "coproduction_responses",
        "recovery",
        "events",
        "targets",
        "talking_group_sessions",
        "survey_returns",
    }
    for name, df in t.items():
        contract.schema(name).validate(df, lazy=True)
        assert list(df.columns[: len(contract.TABLES[name].columns)]) == contract.TABLES[name].columns
    wards = set(t["wards"]["ward_id"])
    for name in ("ward_months", "coproduction_responses", "recovery"):
        assert set(t[name]["ward_id"]) == wards, name
    assert set(t["events"]["ward_id"].dropna()) <= wards
    assert t["events"]["ward_id"].isna().sum() == 1  # the hospital-wide note
    assert t["coproduction_responses"]["response_id"].str.fullmatch(r"R\d{6}").all()
    assert "Tìr nan Òg" in set(t["wards"]["ward_name"])
    assert t["wards"]["service"].nunique() == 4 and len(wards) == 12
    wm = t["ward_months"]
    assert wm["month"].min() == pd.Timestamp("2021-04-01") and wm["month"].max() == pd.Timestamp("2026-03-01")
    assert len(wm) == 12 * 60


def test_the_sample_targets_are_fixed_valid_and_dated_from_the_end(hospital):
    from analysis.data.target_checks import check_targets
    from analysis.data.targets import resolve_measure, target_measures
    from analysis.sample.generate import SAMPLE_TARGETS

    t = hospital.tables["targets"]
    assert len(t) == len(SAMPLE_TARGETS) and t["ward_id"].isna().sum() == len(SAMPLE_TARGETS) - 1
    assert check_targets(t, hospital.tables) == []
    measures = target_measures()
    assert all(resolve_measure(m, measures) == m for m in t["measure"])  # written as the table names them
    assert set(t["valid_from"]) == {pd.Timestamp(m) for m in ("2023-04-01", "2024-04-01", "2025-04-01")}
    assert (t.loc[t["measure"] == "attendance_per_session", "direction"] == "higher").all()
    small = generate(1, n_wards=3, months=12, surveys="none").tables["targets"]
    assert small["valid_from"].min() == pd.Timestamp("2021-04-01")  # never before the first month
    # fixed, not drawn: another seed gives the same targets
    pd.testing.assert_frame_equal(generate(2, surveys="none").tables["targets"], t)


def test_the_written_files_load_back_to_the_same_tables(written, hospital):
    from analysis.data.loader import load_path

    r = load_path(written[0])
    assert r.ok, r.problems.head(20).to_string()
    for name, df in hospital.tables.items():
        pd.testing.assert_frame_equal(r.tables[name], df, check_dtype=True, obj=name)


def test_orders_of_magnitude(hospital):
    wm = hospital.tables["ward_months"]
    y = wm["assaults_on_staff"].astype(float)
    rate = y.sum() / wm["occupied_bed_days"].sum() * 1000
    assert 1 < rate < 10
    assert 0.10 < (y == 0).mean() < 0.70
    assert y.var() > 1.3 * y.mean()  # over-dispersed
    ward_rates = wm.groupby("ward_id").apply(
        lambda g: g["assaults_on_staff"].sum() / g["occupied_bed_days"].sum() * 1000
    )
    assert ward_rates.max() / ward_rates.min() > 2  # ward differences
    winter = wm["month"].dt.month.isin([12, 1, 2])
    summer = wm["month"].dt.month.isin([6, 7, 8])
    assert (
        y[winter].sum() / wm.loc[winter, "occupied_bed_days"].sum()
        > y[summer].sum() / wm.loc[summer, "occupied_bed_days"].sum()
    )
    beds = wm["ward_id"].map(hospital.tables["wards"].set_index("ward_id")["beds"]).astype(float)
    occ = wm["occupied_bed_days"] / (beds * wm["month"].dt.days_in_month)
    assert occ.between(0.6, 1.0).all() and 0.85 < occ.mean() < 0.98
    lat = hospital.latent["coproduction_true"]
    assert lat.between(15, 85).all() and lat.quantile(0.01) > 25 and lat.quantile(0.99) < 80
    rec = hospital.tables["recovery"]
    assert set(rec["measure"]) == {"QPR-15", "DUNDRUM-3", "DUNDRUM-4", "HoNOS-Secure"}


def test_talking_groups_are_staggered_with_controls(hospital):
    ev = hospital.tables["events"]
    starts = ev[ev["kind"] == "talking_groups_started"]
    assert 9 <= len(starts) <= 10 and starts["ward_id"].is_unique
    assert starts["date"].min() >= pd.Timestamp("2022-04-01") and starts["date"].max() < pd.Timestamp("2025-01-01")
    assert starts["date"].dt.to_period("M").nunique() >= 4
    assert {"change", "note"} <= set(ev["kind"])
    wm = hospital.tables["ward_months"].merge(
        starts.assign(start=starts["date"].dt.to_period("M").dt.to_timestamp())[["ward_id", "start"]],
        on="ward_id",
        how="left",
    )
    before = wm["start"].isna() | (wm["month"] < wm["start"])
    assert (wm.loc[before, ["talking_groups_held", "talking_group_attendances"]] == 0).all().all()
    after = wm.loc[~before]
    per = after["talking_group_attendances"] / after["talking_groups_held"]
    assert (after["talking_groups_held"] >= 1).all() and per.between(5, 9).all()
    assert hospital.truth["talking_groups"]["control_wards"] == sorted(set(wm["ward_id"]) - set(starts["ward_id"]))


@pytest.mark.parametrize("seed", [DEFAULT_SEED, 7, 8])
def test_talking_group_step_starts_exactly_at_the_event_month_which_is_a_survey_month(seed):
    # truth.json: the step begins in the month of the talking_groups_started event. The latent is set per
    # quarter, so this needs every start in a quarter's first month, which is also the survey month.
    h = generate(seed, n_wards=30, surveys="responses")
    ev = h.tables["events"]
    starts = ev[ev["kind"] == "talking_groups_started"].set_index("ward_id")["date"].dt.to_period("M").dt.to_timestamp()
    lat = h.latent.assign(start=h.latent["ward_id"].map(starts))
    assert (lat["talking_groups_active"] == (lat["month"] >= lat["start"])).all()
    survey_months = set(h.tables["coproduction_responses"]["date"].dt.to_period("M").dt.to_timestamp())
    assert set(starts) <= survey_months
    assert h.truth["talking_groups"]["start_month_by_ward"] == {w: f"{m:%Y-%m}" for w, m in starts.sort_index().items()}
    # the step itself: latent minus its no-talking-groups counterpart (same seed) is the level change exactly
    base = generate(seed, n_wards=30, surveys="none", talking_groups_level_change=0.0).latent
    step = lat["coproduction_true"].to_numpy() - base["coproduction_true"].to_numpy()
    np.testing.assert_allclose(
        step, np.where(lat["talking_groups_active"], h.truth["talking_groups"]["level_change_points"], 0.0), atol=1e-12
    )


def test_truth_file_matches_the_parameters_used():
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    h = generate(truth["seed"], n_wards=truth["n_wards"], start=truth["start"], months=truth["months"])
    assert json.loads(json.dumps(h.truth)) == truth
    assert truth["seed"] == DEFAULT_SEED
    assert truth["assaults_on_staff"]["rate_ratio_per_10_points"] == h.design.assault_rate_ratio_per_10
    assert truth["talking_groups"]["implied_assault_rate_ratio"] == pytest.approx(0.8**0.6, abs=1e-6)
    assert truth["recovery_qpr_15"]["change_per_10_points"] == 1.5
    assert truth["recovery_honos_secure"]["change_per_10_points"] == 0
    # the confounding lesson: the crude between-ward association is stronger than the causal one
    assert truth["assaults_on_staff"]["crude_between_ward_rate_ratio_per_10_points"] < 0.7
    other = generate(surveys="none", assault_rate_ratio_per_10=1.0, talking_groups_level_change=0.0).truth
    assert other["assaults_on_staff"]["rate_ratio_per_10_points"] == 1.0
    assert other["talking_groups"]["implied_assault_rate_ratio"] == 1.0
    with pytest.raises(TypeError):
        generate(no_such_effect=1)
    with pytest.raises(ValueError):
        generate(surveys="some")


def _nb_fit(wm: pd.DataFrame, latent: pd.DataFrame):
    d = wm.merge(latent[["ward_id", "month", "coproduction_true"]], on=["ward_id", "month"])
    X = pd.get_dummies(d["ward_id"], drop_first=True, dtype=float)
    X["copro10"] = d["coproduction_true"] / 10
    X["cos"] = np.cos(2 * np.pi * (d["month"].dt.month - 1) / 12)
    X["sin"] = np.sin(2 * np.pi * (d["month"].dt.month - 1) / 12)
    X = sm.add_constant(X)
    y = d["assaults_on_staff"].astype(float)
    return sm.NegativeBinomial(y, X, offset=np.log(d["occupied_bed_days"])).fit(disp=0, maxiter=200)


@pytest.mark.parametrize("seed,n_wards", [(DEFAULT_SEED, 12), (7, 40)])
def test_assault_rate_ratio_recovered_by_an_independent_nb_model_on_the_true_latent(seed, n_wards):
    h = generate(seed, n_wards=n_wards, surveys="none")
    fit = _nb_fit(h.tables["ward_months"], h.latent)
    lo, hi = np.exp(fit.conf_int().loc["copro10"])
    truth = h.truth["assaults_on_staff"]
    assert lo < truth["rate_ratio_per_10_points"] < hi
    if n_wards >= 40:  # the NB dispersion MLE is biased down in small samples (about 0.44 for 12 wards)
        lo_a, hi_a = fit.conf_int().loc["alpha"]
        assert lo_a < truth["nb_alpha"] < hi_a
    lo_s, hi_s = fit.conf_int().loc["cos"]
    assert lo_s < h.design.seasonal_amplitude < hi_s


def test_recovery_and_talking_group_truths_recovered_on_the_true_latent():
    h = generate(11, n_wards=40, surveys="none")
    lat = h.latent
    rec = h.tables["recovery"].merge(lat[["ward_id", "month", "coproduction_true"]], on=["ward_id", "month"])
    for measure, key in (
        ("QPR-15", "recovery_qpr_15"),
        ("DUNDRUM-4", "recovery_dundrum_4"),
        ("HoNOS-Secure", "recovery_honos_secure"),
    ):
        d = rec[rec["measure"] == measure]
        X = sm.add_constant(
            pd.get_dummies(d["ward_id"], drop_first=True, dtype=float).assign(
                copro10=d["coproduction_true"].to_numpy() / 10
            )
        )
        fit = sm.OLS(d["mean_score"].to_numpy(), X).fit()
        lo, hi = fit.conf_int().loc["copro10"]
        assert lo < h.truth[key]["change_per_10_points"] < hi, measure
    q = lat.drop_duplicates(["ward_id", "quarter"])
    X = pd.concat(
        [
            pd.get_dummies(q["ward_id"], drop_first=True, dtype=float),
            pd.get_dummies(q["quarter"], prefix="q", drop_first=True, dtype=float),
        ],
        axis=1,
    )
    X = sm.add_constant(X.assign(active=q["talking_groups_active"].astype(float).to_numpy()))
    fit = sm.OLS(q["coproduction_true"].to_numpy(), X).fit()
    lo, hi = fit.conf_int().loc["active"]
    assert lo < h.truth["talking_groups"]["level_change_points"] < hi


def _scored_means(responses: pd.DataFrame) -> pd.DataFrame:
    from analysis.data.reference import default_instrument
    from analysis.panel.scoring import monthly_scores, score_returns

    return monthly_scores(score_returns(responses, default_instrument()))


def test_measured_scores_are_unbiased_with_the_stated_noise_and_gap(hospital):
    m = _scored_means(hospital.tables["coproduction_responses"])
    m = m.merge(hospital.latent[["ward_id", "month", "coproduction_true"]], on=["ward_id", "month"])
    t = hospital.truth["coproduction"]
    gap = t["staff_minus_patient_gap"]
    err = m["overall"] - m["coproduction_true"] - np.where(m["respondent"] == "staff", gap, 0.0)
    pat = err[m["respondent"] == "patient"]
    assert abs(pat.mean()) < 0.5
    assert pat.std() == pytest.approx(t["measurement"]["ward_quarter_mean_error_sd_patient"], rel=0.2)
    wide = m.pivot_table(index=["ward_id", "month"], columns="respondent", values="overall")
    assert (wide["staff"] - wide["patient"]).mean() == pytest.approx(gap, abs=1.0)
    aspects = m[m["respondent"] == "patient"][list(contract.ASPECTS)].mean()
    assert aspects.idxmin() == "reduced_social_distance"
    assert m["month"].dt.month.isin([1, 4, 7, 10]).all()  # quarterly, in each quarter's first month


def test_scores_route_at_national_scale():
    # Its speed is measured in benchmarks/load_speed.py (which generates this hospital), never timed in a test.
    h = generate(3, n_wards=1000, months=120, surveys="scores")
    assert len(h.tables["ward_months"]) == 120_000
    sc = h.tables["coproduction_scores"]
    contract.schema("coproduction_scores").validate(sc.head(5000), lazy=True)
    overall = sc[list(contract.ASPECTS)].mean(axis=1)
    gap = overall[sc["respondent"] == "staff"].mean() - overall[sc["respondent"] == "patient"].mean()
    assert gap == pytest.approx(h.truth["coproduction"]["staff_minus_patient_gap"], abs=0.3)
    assert h.tables["wards"]["ward_id"].is_unique and h.tables["wards"]["ward_name"].is_unique


def test_true_coproduction_is_the_latent_panel():
    lat = true_coproduction(5)
    assert list(lat.columns[:3]) == ["ward_id", "month", "coproduction_true"]
    assert len(lat) == 12 * 60
    # constant within a quarter, so a quarterly survey measures the whole quarter
    assert (lat.groupby(["ward_id", "quarter"])["coproduction_true"].nunique() == 1).all()


@pytest.mark.slow
def test_over_many_hospitals_the_latent_model_covers_the_rate_ratio_about_95_percent():
    logs, covered = [], 0
    for seed in range(40):
        h = generate(seed, surveys="none")
        fit = _nb_fit(h.tables["ward_months"], h.latent)
        lo, hi = fit.conf_int().loc["copro10"]
        logs.append(fit.params["copro10"])
        covered += lo < np.log(h.truth["assaults_on_staff"]["rate_ratio_per_10_points"]) < hi
    assert covered >= 33  # 40 x 95% = 38 expected; 33 or fewer has probability < 1%
    assert abs(np.mean(logs) - np.log(0.8)) < 0.03  # small bias on the log scale


def test_a_short_hospital_has_one_target_per_ward_measure_and_month():
    """Twelve months clamp the two QPR-15 targets' starts to one month: only the later target is kept."""
    targets = generate(seed=3, n_wards=3, months=12, start="2024-04").tables["targets"]
    assert not targets.duplicated(["ward_id", "measure", "valid_from"]).any()
    qpr = targets[targets["measure"] == "QPR-15"]
    assert list(qpr["target"]) == [38.0]

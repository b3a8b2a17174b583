"""The Overview: three answers, confidence rule, ward table and headline figures.

Figures are checked against the ModelResults (formatted here independently), against sums computed
here from the panel, and against the synthetic hospital's known truths.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import with_defaults
from analysis.data.filters import Filters
from analysis.data.reference import INSTRUMENT_STATUS
from analysis.overview import answers as ov
from analysis.overview import wards as ow
from analysis.overview.confidence import confidence_level, confidence_line
from analysis.panel.build import build_panel
from analysis.sample import generate as sample
from analysis.spc.chart import rebase_dates, u_chart, xmr
from analysis.spc.icons import VARIATION, variation_icon
from analysis.spc.rules import classify
from analysis.stats.results import CountDiagnostics, Headline, ModelResult

ICON_COLUMNS = ("coproduction_icon", "assaults_icon", "recovery_icon")


@pytest.fixture(scope="module")
def hospital():
    h = sample.generate()
    return h, with_defaults(h.tables)


@pytest.fixture(scope="module")
def panel(hospital):
    return build_panel(hospital[1])


@pytest.fixture(scope="module")
def full(hospital, panel):
    tables = hospital[1]
    return ov.overview(panel, tables["measures"], tables["events"])


def _by_q(answers):
    return {a.question: a for a in answers}


def _pct(x: float) -> float:
    return abs((x - 1) * 100)


# --- the three answers -----------------------------------------------------------------------------


def test_three_questions_in_the_seeds_order(full):
    qs = [a.question for a in full.answers]
    assert qs == ["q1", "q2", "q3"]
    titles = [a.title for a in full.answers]
    assert "exist in secure settings" in titles[0]
    assert "assault on staff" in titles[1]
    assert "recovery" in titles[2]
    assert all(t.endswith("?") for t in titles)


def test_q1_key_figure_is_the_results_mean_and_ci(full):
    a = _by_q(full.answers)["q1"]
    h = a.result.headline
    assert a.result.question == "q1" and a.answered
    expected = f"{round(h.estimate)} (95% CI {round(h.ci_low)} to {round(h.ci_high)})"
    assert a.key_figure == expected
    assert f"{round(h.estimate)} out of 100" in a.sentence
    # the band counts in the sentence add up to the wards with scores
    counts = a.result.diagnostics.band_counts
    assert sum(counts.values()) == a.result.n_wards
    for band, n in counts.items():
        assert f"{n} '{band}'" in a.sentence


def test_q2_is_the_within_ward_rate_ratio_from_default_fit_counts(full, panel, hospital):
    from analysis.stats.counts import fit_counts

    a = _by_q(full.answers)["q2"]
    ref = fit_counts(panel)
    h = a.result.headline
    assert "within ward" in h.name
    assert h.estimate == pytest.approx(ref.headline.estimate, rel=1e-9)
    # the key figure carries the result's numbers, formatted here independently
    assert a.key_figure.startswith(f"{_pct(h.estimate):.0f}% {'fewer' if h.estimate < 1 else 'more'} per 10 points")
    lo, hi = sorted((_pct(h.ci_low), _pct(h.ci_high)))
    assert f"95% CI {lo:.0f}% to {hi:.0f}%" in a.key_figure
    assert a.key_figure in a.sentence and "observational" in a.sentence
    # the synthetic hospital's truth (attenuated by measurement error) lies in the interval, and fewer is said
    truth = hospital[0].truth["assaults_on_staff"]["expected_attenuated_rate_ratio_patient_scores"]
    assert h.ci_low < truth < h.ci_high
    assert "fewer assaults on staff" in a.sentence


def test_q3_leads_with_qpr15_and_summarises_the_others(full, panel, hospital):
    from analysis.questions.recovery.model import answer_q3

    a = _by_q(full.answers)["q3"]
    h = a.result.headline
    assert a.result.outcome == "recovery_qpr_15"
    assert f"{h.estimate:+.2f}" in a.key_figure and f"{h.ci_low:+.2f} to {h.ci_high:+.2f}" in a.key_figure
    truth = hospital[0].truth["recovery_qpr_15"]["expected_attenuated_change_patient_scores"]
    assert h.ci_low < truth < h.ci_high
    assert "better (higher) QPR-15" in a.sentence  # QPR-15: higher is better, and the CI is above 0
    n_results = len(answer_q3(panel, hospital[1]["measures"]))
    assert len(a.extra_results) == n_results - 1
    for name in ("DUNDRUM-3", "DUNDRUM-4", "HoNOS-Secure", "transfers to lower security"):
        assert name in a.others
    honos = next(r for r in a.extra_results if r.outcome == "recovery_honos_secure")
    verdict = "no clear change" if honos.headline.ci_low <= 0 <= honos.headline.ci_high else "HoNOS-Secure: "
    assert verdict in a.others


def test_q3_primary_falls_back_to_the_first_measure(hospital):
    tables = dict(hospital[1])
    tables["recovery"] = tables["recovery"][tables["recovery"]["measure"] != "QPR-15"]
    p = build_panel(tables)
    assert ow.primary_measure(p, tables["measures"]) == "DUNDRUM-3"
    a = ov.three_answers(p, tables["measures"], all_measures=False)[2]
    assert a.result.outcome == "recovery_dundrum_3" and a.others is None and a.answered


def test_full_overview_sentences_show_no_unfilled_numbers(full):
    for a in full.answers:
        assert a.level == "Moderate"
        assert a.confidence.startswith("Moderate: 12 wards, ")
        assert a.how_sure.startswith("How sure: ")
        assert "nan" not in a.sentence.lower() and "{" not in a.sentence


def test_each_answer_opens_with_a_verdict_in_plain_words(full):
    a = _by_q(full.answers)
    counts = a["q1"].result.diagnostics.band_counts
    above = sum(counts.values()) - counts["lite"]
    assert a["q1"].verdict_text == f"Yes, on {above} of {a['q1'].result.n_wards} wards"
    assert a["q2"].verdict_text == "Yes: fewer assaults on staff when a ward's co-production rises"
    assert a["q3"].verdict_text == "Yes: better QPR-15 scores when a ward's co-production rises"
    assert {x.verdict.kind for x in full.answers} == {"clear"}
    # the figure and its uncertainty in words, from the result's own numbers
    h = a["q2"].result.headline
    lo, hi = sorted((_pct(h.ci_low), _pct(h.ci_high)))
    assert a["q2"].figure == (
        f"{_pct(h.estimate):.0f}% fewer assaults on staff in a month when a ward's co-production is 10 points "
        f"above its usual level (could be anywhere from {lo:.0f}% to {hi:.0f}% fewer)."
    )
    h3 = a["q3"].result.headline
    assert a["q3"].figure.startswith(f"QPR-15 scores {h3.estimate:.1f} points higher (better) in a month when")
    assert f"(could be anywhere from {h3.ci_low:.1f} to {h3.ci_high:.1f} points higher)" in a["q3"].figure
    assert "49 out of 100 on average (could be anywhere from 44 to 55)" in a["q1"].figure
    # no method words on the card: they are for researchers
    for x in full.answers:
        card = " ".join([x.verdict_text, x.figure, x.caveat, x.sure, x.others_plain or ""])
        for word in ("rate ratio", "degrees of freedom", "t distribution", "95% CI", "within-ward", "between"):
            assert word not in card, (x.question, word)
    assert "observational" not in a["q2"].caveat and "not proof" in a["q2"].caveat
    notes = " ".join(ov.researcher_notes(a["q2"]))
    assert f"{h.estimate:.2f} (95% CI {h.ci_low:.2f} to {h.ci_high:.2f}" in notes
    assert "degrees of freedom" in notes and "Between-ward rate ratio" in notes


def test_the_hospital_level_signal_is_in_the_steering_summary(full):
    """The whole-hospital chart's special-cause month (Mar 2026 in the sample) is named, not only one ward's."""
    from analysis.overview.summary import steering_summary

    chart = full.hospital
    last = chart.iloc[-1]
    assert last["variation"] == "special_cause_concern" and last["period"] == pd.Timestamp("2026-03-01")
    text = steering_summary(full.answers, full.wards, full.metrics, hospital=chart)
    assert (
        f"Whole hospital: the assault rate in Mar 2026 was unusually high, {last['value']:.2f} per 1,000 occupied "
        f"bed days against a usual {last['centre']:.2f} (above the upper limit: a concern)"
    ) in text


# --- not enough data, and what data a page needs ---------------------------------------------------


def test_a_small_hospital_says_not_enough_data_and_prints_no_estimate(hospital):
    """3 wards and 12 months: every card says so, and no estimate (no rate ratio, no interval) is printed."""
    tables = hospital[1]
    small = Filters(wards=("W01", "W02", "W03"), start=pd.Timestamp("2025-04-01")).apply(tables)
    answers = ov.three_answers(build_panel(small), tables["measures"])
    for a in answers:
        assert a.level == "Not enough data" and a.verdict.kind == "not_enough"
        assert a.verdict_text.startswith("Not yet known: too few wards")
        assert a.key_figure == ov.NO_FIGURE and a.figure == ""
        said = " ".join([a.sentence, a.others or "", a.others_plain or "", *ov.researcher_notes(a)])
        for estimate in ("95% CI", "rate ratio", "For completeness", "per 10 points", "out of 100"):
            assert estimate not in said, (a.question, estimate)
    assert "DUNDRUM-3 not enough data" in answers[2].others


def test_quarterly_recovery_is_counted_in_quarterly_measurements(hospital, full):
    """QPR-15 is recorded quarterly: 12 months of it are four quarterly measurements, not '4 months'."""
    tables = hospital[1]
    small = Filters(wards=("W01", "W02", "W03"), start=pd.Timestamp("2025-04-01")).apply(tables)
    q3 = ov.three_answers(build_panel(small), tables["measures"])[2]
    assert "only 4 quarterly measurements of the 12 needed" in q3.confidence
    assert "4 months" not in q3.confidence and "4 months" not in q3.sentence
    assert q3.verdict_text == "Not yet known: too few wards and quarterly measurements"
    five_years = _by_q(full.answers)["q3"]
    assert five_years.confidence.startswith("Moderate: 12 wards, 20 quarterly measurements;")
    assert "over 20 quarterly measurements of QPR-15 scores" in five_years.sentence


def test_three_wards_is_not_enough_data(hospital):
    tables = hospital[1]
    small = Filters(wards=("W01", "W02", "W03")).apply(tables)
    answers = _by_q(ov.three_answers(build_panel(small), tables["measures"]))
    for q in ("q1", "q2", "q3"):
        a = answers[q]
        assert a.result.n_wards == 3
        assert a.level == "Not enough data"
        assert a.confidence.startswith("Not enough data: only 3 wards")
        assert a.sentence.startswith("Not enough data")
        assert a.needs is None  # the data exist; there is just too little of it


def test_few_months_is_not_enough_data(hospital):
    tables = hospital[1]
    short = Filters(start=pd.Timestamp("2025-10-01")).apply(tables)
    a = _by_q(ov.three_answers(build_panel(short), tables["measures"]))["q2"]
    assert a.result.diagnostics.n_months == 6
    assert a.level == "Not enough data" and "only 6 months" in a.confidence


def test_no_survey_data_says_what_is_needed():
    h = sample.generate(surveys="none")
    tables = with_defaults(h.tables)
    answers = _by_q(ov.three_answers(build_panel(tables), tables["measures"]))
    for a in answers.values():
        assert a.needs is not None and a.needs.startswith("Co-production survey returns")
        assert a.key_figure == ov.NO_FIGURE
        assert a.level == "Not enough data" and not a.answered
        assert "cannot be answered" in a.sentence and "survey returns" in a.sentence
        assert a.verdict_text == "Not yet known: needs survey returns" and a.verdict.kind == "not_enough"
    assert "assaults" not in answers["q2"].needs.lower()  # assaults are there


def test_one_ward_and_an_empty_selection(hospital, panel):
    tables = hospital[1]
    one = _by_q(ov.three_answers(build_panel(Filters(wards=("W01",)).apply(tables)), tables["measures"]))
    for a in one.values():
        assert a.level == "Not enough data" and "only 1 ward" in a.confidence
        assert a.sentence.startswith("Not enough data")
    empty = panel.iloc[0:0]
    answers = ov.three_answers(empty, tables["measures"])
    assert all(a.needs == ov.NEEDS_WARD_MONTHS and a.key_figure == ov.NO_FIGURE for a in answers)
    assert ov.ward_table(empty, tables["measures"]).empty
    assert ov.headline_metrics(empty)["wards"] == 0


def test_needs_both_survey_and_recovery_in_one_line():
    h = sample.generate(surveys="none", n_wards=6, months=24)
    tables = {k: v for k, v in with_defaults(h.tables).items() if k != "recovery"}
    a = ov.three_answers(build_panel(tables), tables["measures"])[2]
    assert a.needs.startswith("Recovery measure scores") and " and co-production survey returns" in a.needs
    assert a.confidence.startswith("Not enough data: needs recovery measure scores")
    assert a.verdict_text == "Not yet known: needs recovery scores and survey returns"


def test_no_recovery_data_says_what_is_needed(hospital):
    tables = {k: v for k, v in hospital[1].items() if k != "recovery"}
    answers = _by_q(ov.three_answers(build_panel(tables), tables["measures"]))
    assert answers["q3"].needs == ov.NEEDS_RECOVERY
    assert "recovery" in answers["q3"].sentence.lower()
    assert answers["q1"].answered and answers["q2"].answered


# --- the confidence rule ---------------------------------------------------------------------------


def _result(
    q="q2",
    wards=12,
    months=60,
    est=0.8,
    lo=0.7,
    hi=0.9,
    name="rate ratio per 10-point rise (within ward)",
    warnings=(),
    caveats=(),
):
    return ModelResult(
        question=q,
        outcome="y",
        predictor="x",
        formula="",
        family="",
        method="",
        n_wards=wards,
        n_obs=wards * months,
        estimates=pd.DataFrame(),
        headline=Headline(name, est, lo, hi),
        sentence="",
        caveats=list(caveats),
        warnings=list(warnings),
        diagnostics=CountDiagnostics(n_months=months),
    )


@pytest.mark.parametrize(
    "kwargs, level",
    [
        ({}, "Moderate"),
        ({"wards": 4}, "Not enough data"),
        ({"months": 11}, "Not enough data"),
        ({"wards": 25, "months": 36}, "High"),
        ({"wards": 19, "months": 120}, "Moderate"),  # never High with fewer than 20 wards
        ({"wards": 25, "months": 18}, "Moderate"),
        ({"lo": 0.7, "hi": 1.3, "est": 0.95}, "Low"),  # the CI spans no effect widely
        ({"lo": 0.95, "hi": 1.05, "est": 1.0}, "Moderate"),  # a clear "little or no link"
        (
            {
                "warnings": [
                    "The model did not settle on an answer (it did not converge), so treat these figures with caution."
                ]
            },
            "Low",
        ),
        ({"warnings": ["3 ward-months left out: no bed days."]}, "Moderate"),  # not a fitting problem
    ],
)
def test_confidence_rule(kwargs, level):
    assert confidence_level(_result(**kwargs)) == level


def test_confidence_rule_for_score_changes_and_levels():
    change = {"q": "q3", "name": "change in QPR-15 per 10-point rise (within ward)", "est": 0.5, "lo": -1.0, "hi": 2.0}
    assert confidence_level(_result(**change)) == "Low"
    assert confidence_level(_result(**change), negligible=3.0) == "Moderate"
    assert confidence_level(_result(**{**change, "lo": 0.2})) == "Moderate"
    level = {"q": "q1", "name": "mean patient-rated co-production index", "est": 50, "lo": 45, "hi": 55}
    assert confidence_level(_result(**level, wards=30, months=30)) == "High"
    assert confidence_level(_result(**level, wards=30, months=30, caveats=[INSTRUMENT_STATUS])) == "Moderate"
    assert confidence_level(_result(**{**level, "lo": 38, "hi": 62})) == "Low"
    assert confidence_level(_result(**level), n_months=6) == "Not enough data"


def test_confidence_line_words():
    assert confidence_line(_result()) == "Moderate: 12 wards, 60 months; observational data"
    assert confidence_line(_result(wards=3)).startswith("Not enough data: only 3 wards")
    assert "the likely range includes no change" in confidence_line(_result(lo=0.6, hi=1.4))
    assert confidence_line(_result(months=4), every=3).endswith("only 4 quarterly measurements of the 12 needed")
    assert (
        confidence_line(_result(months=20), every=3)
        == "Moderate: 12 wards, 20 quarterly measurements; observational data"
    )
    none = _result()
    none.headline = None
    assert confidence_level(none) == "Not enough data"


# --- the ward table --------------------------------------------------------------------------------


def test_ward_table_one_row_per_ward_and_valid_icons(full, panel):
    t = full.wards
    assert list(t["ward_id"]) == sorted(panel["ward_id"].unique())
    for c in ICON_COLUMNS:
        assert t[c].isin(list(VARIATION)).all()
        assert (t[f"{c}_label"].str.len() > 0).all()
    assert t.attrs["window_label"] == "Apr 2025 to Mar 2026"


def test_assault_rate_is_count_over_bed_days_in_the_last_12_months(full, panel):
    t = full.wards.set_index("ward_id")
    last = panel["month"].max()
    window = panel[panel["month"] > last - pd.DateOffset(months=12)]
    assert window["month"].nunique() == 12
    g = window.groupby("ward_id")[["assaults_on_staff", "occupied_bed_days"]].sum()
    np.testing.assert_allclose(t["assaults_on_staff_12m"], g["assaults_on_staff"].reindex(t.index))
    np.testing.assert_allclose(t["occupied_bed_days_12m"], g["occupied_bed_days"].reindex(t.index))
    rate = g["assaults_on_staff"] / g["occupied_bed_days"] * 1000
    np.testing.assert_allclose(t["assaults_on_staff_rate_per_1000_obd_12m"], rate.reindex(t.index))


def test_latest_coproduction_and_talking_groups(full, panel):
    t = full.wards.set_index("ward_id")
    for wid, w in panel.groupby("ward_id"):
        s = w[(w["coproduction_patient_months_carried"] == 0) & w["coproduction_patient_overall"].notna()]
        assert t.loc[wid, "coproduction_patient_latest"] == pytest.approx(s["coproduction_patient_overall"].iloc[-1])
        assert t.loc[wid, "coproduction_patient_latest_month"] == s["month"].iloc[-1].strftime("%b %Y")
        start = w["talking_groups_start"].iloc[0]
        assert t.loc[wid, "talking_groups_started"] == ("not started" if pd.isna(start) else start.strftime("%b %Y"))
        held = w.loc[w["month"] > panel["month"].max() - pd.DateOffset(months=12), "talking_groups_held"].sum()
        assert t.loc[wid, "talking_groups_sessions_12m"] == held
    assert (t["talking_groups_started"] == "not started").sum() == 3  # the sample's three control wards


def test_stacked_icons_match_each_ward_charted_alone(full, panel, hospital):
    """One chart for all wards must give the icon each ward gets on its own chart."""
    events = hospital[1]["events"]
    t = full.wards.set_index("ward_id")
    for wid, w in panel.groupby("ward_id"):
        c = classify(
            u_chart(w, "assaults_on_staff", "occupied_bed_days", rebase_at=rebase_dates(events, wid)), "decrease"
        )
        assert t.loc[wid, "assaults_icon"] == variation_icon(c, "assault rate")["key"]
        s = w[w["coproduction_patient_months_carried"] == 0].dropna(subset=["coproduction_patient_overall"])
        seq = pd.DataFrame(
            {
                "m": pd.date_range("1990-01-01", periods=len(s), freq="MS"),
                "v": s["coproduction_patient_overall"].to_numpy(),
            }
        )
        c = classify(xmr(seq, "v", period="m"), "increase")
        assert t.loc[wid, "coproduction_icon"] == variation_icon(c, "co-production score")["key"]
        r = w.dropna(subset=["recovery_qpr_15"])
        seq = pd.DataFrame(
            {"m": pd.date_range("1990-01-01", periods=len(r), freq="MS"), "v": r["recovery_qpr_15"].to_numpy()}
        )
        assert (
            t.loc[wid, "recovery_icon"] == variation_icon(classify(xmr(seq, "v", period="m"), "increase"), "x")["key"]
        )


def test_icons_pick_up_a_clear_fall_and_a_clear_rise(panel, hospital):
    p = panel.copy()
    late = p["month"] >= p["month"].max() - pd.DateOffset(months=7)
    p.loc[late & (p["ward_id"] == "W01"), "assaults_on_staff"] = 0.0
    p.loc[late & (p["ward_id"] == "W03"), "assaults_on_staff"] = 40.0
    t = ow.ward_table(p, hospital[1]["measures"], hospital[1]["events"]).set_index("ward_id")
    assert t.loc["W01", "assaults_icon"] == "improvement_low"
    assert t.loc["W03", "assaults_icon"] == "concern_high"
    assert t.loc["W03", "assaults_icon_label"].startswith("Concern")
    flipped = ow.ward_table(p, hospital[1]["measures"], improvement={"assaults": "increase"}).set_index("ward_id")
    assert flipped.loc["W03", "assaults_icon"] == "improvement_high"


def test_ward_without_any_assaults_or_data_does_not_break_the_table(panel, hospital):
    p = panel.copy()
    p.loc[p["ward_id"] == "W05", "assaults_on_staff"] = 0.0
    p.loc[p["ward_id"] == "W06", "assaults_on_staff"] = np.nan
    p.loc[p["ward_id"] == "W06", [c for c in p.columns if c.startswith("recovery_")]] = np.nan
    t = ow.ward_table(p, hospital[1]["measures"]).set_index("ward_id")
    assert t.loc["W05", "assaults_on_staff_rate_per_1000_obd_12m"] == 0.0
    assert t.loc["W05", "assaults_icon"] in VARIATION
    assert np.isnan(t.loc["W06", "assaults_on_staff_rate_per_1000_obd_12m"])
    assert t.loc["W06", "assaults_icon"] == "no_data" and t.loc["W06", "recovery_icon"] == "no_data"
    assert t.loc["W06", "recovery_latest_month"] == ""


def test_ward_table_without_surveys_or_recovery():
    h = sample.generate(surveys="none", n_wards=5, months=24)
    tables = {k: v for k, v in with_defaults(h.tables).items() if k != "recovery"}
    t = ow.ward_table(build_panel(tables), tables["measures"], tables["events"])
    assert len(t) == 5
    assert (t["coproduction_icon"] == "no_data").all() and (t["recovery_icon"] == "no_data").all()
    assert t["coproduction_patient_latest"].isna().all() and (t["recovery_measure"] == "").all()
    assert t["assaults_icon"].isin(list(VARIATION)).all()


def test_icon_markup_is_an_accessible_svg():
    svg = ow.icon_markup("concern_high", "Concern: unusually high assault rate")
    assert svg.startswith("<svg") and "<title" in svg and ">H<" in svg


# --- headline figures, speed, and fitting once ------------------------------------------------------


def test_headline_metrics_from_the_panel(full, panel, hospital):
    m = full.metrics
    assert m["wards"] == 12 and m["months"] == 60 and m["ward_months"] == len(panel)
    assert (m["first_month"], m["last_month"]) == ("Apr 2021", "Mar 2026")
    assert m["assaults_on_staff"] == int(panel["assaults_on_staff"].sum())
    rate = panel["assaults_on_staff"].sum() / panel["occupied_bed_days"].sum() * 1000
    assert m["assaults_on_staff_rate_per_1000_obd"] == pytest.approx(rate)
    assert m["assaults_on_staff_rate_per_1000_obd"] == pytest.approx(
        hospital[0].truth["realised"]["assaults_on_staff_per_1000_obd"], abs=1e-3
    )
    assert m["survey_returns"] == len(hospital[1]["coproduction_responses"])


def test_headline_metrics_without_surveys():
    h = sample.generate(surveys="none", n_wards=5, months=24)
    m = ov.headline_metrics(build_panel(with_defaults(h.tables)))
    assert m["survey_returns"] is None and m["wards"] == 5 and m["months"] == 24


def test_overview_fits_each_model_once(panel, hospital, monkeypatch):
    import analysis.overview.answer_assaults as q2
    import analysis.questions.recovery.model as rec
    from analysis.spc import chart as spc

    calls = {"fit_counts": 0, "fit_recovery": [], "charts": 0}
    real_counts, real_rec = q2.fit_counts, rec.fit_recovery
    real_charts = ow.charts

    def counts(*a, **k):
        calls["fit_counts"] += 1
        return real_counts(*a, **k)

    def recovery(panel, measure, *a, **k):
        calls["fit_recovery"].append(measure)
        return real_rec(panel, measure, *a, **k)

    def chart(real):
        def inner(*a, **k):
            calls["charts"] += 1
            return real(*a, **k)

        return inner

    monkeypatch.setattr(q2, "fit_counts", counts)  # question 2's card fits it
    monkeypatch.setattr(rec, "fit_recovery", recovery)
    monkeypatch.setattr(ow, "charts", chart(real_charts))  # analysis.spc.vectorised: every ward at once
    assert spc.u_chart is not ow.charts
    ov.overview(panel, hospital[1]["measures"], hospital[1]["events"])
    assert calls["fit_counts"] == 1
    assert sorted(calls["fit_recovery"]) == sorted(set(calls["fit_recovery"])) and len(calls["fit_recovery"]) == 4
    assert calls["charts"] == 3  # one chart per icon column, whatever the number of wards


def test_overview_is_fast(panel, hospital):
    tables = hospital[1]
    ov.overview(panel, tables["measures"], tables["events"])  # warm imports
    t0 = time.process_time()
    o = ov.overview(panel, tables["measures"], tables["events"])
    cpu = time.process_time() - t0
    assert o.seconds > 0
    assert cpu < 2.0, f"overview took {cpu:.2f} s of CPU"  # about 0.8 s measured on a loaded 2-core box

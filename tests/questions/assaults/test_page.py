"""What the assaults page works out beside its charts (analysis/questions/assaults/page.py, the funnel's choices and
lines among it; the page's verdict, analysis/overview/page_verdict.py): hand-worked values on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.overview.page_verdict import assaults_verdict
from analysis.questions.assaults import funnel as fw
from analysis.questions.assaults import page
from analysis.questions.assaults.view import PATIENT_SOCIAL_DISTANCE, STAFF_SOCIAL_DISTANCE, WHOLE_HOSPITAL
from analysis.stats.results import OBSERVATIONAL_CAVEAT, CountDiagnostics, Headline, ModelResult

WITHIN = "rate ratio per 10-point rise (within ward)"


def result(est=0.78, lo=0.68, hi=0.88, n_wards=12, n_months=60, sentence="", method="m.") -> ModelResult:
    return ModelResult(
        "q2",
        "assaults_on_staff",
        "coproduction_patient_overall",
        "assaults_on_staff ~ score",
        "Negative binomial",
        method,
        n_wards,
        n_wards * n_months,
        pd.DataFrame(),
        Headline(WITHIN, est, lo, hi, 0.001),
        sentence or f"22% fewer assaults on staff.{' ' + OBSERVATIONAL_CAVEAT}",
        diagnostics=CountDiagnostics(n_months=n_months),
    )


def test_better_is_lower_for_assaults_and_higher_for_transfers_to_lower_security():
    assert page.better("assaults_on_staff") == "lower"
    assert page.better("transfers_to_lower_security") == "higher"


def test_ward_labels_one_per_ward_with_its_name_or_its_id_alone():
    panel = pd.DataFrame({"ward_id": ["W01", "W01", "W02"], "ward_name": ["Iona", "Iona", None]})
    assert page.ward_labels(panel) == {"W01": "W01 Iona", "W02": "W02"}


def test_other_predictors_are_those_not_among_the_quick_choices():
    predictors = {"a": "A", "b": "B", "c": "C"}
    assert page.other_predictors(predictors, {"a": "A", "other": "Another score..."}) == {"b": "B", "c": "C"}


def test_model_lines_name_the_model_and_count_wards_and_observations():
    lines = page.model_lines(result(n_wards=1, n_months=1, method="Cluster-robust."))
    assert "**Method:** Cluster-robust." in lines and "Cluster-robust.." not in lines
    assert "**Formula:** `assaults_on_staff ~ score`" in lines
    assert lines.endswith("**Data:** 1 ward, 1 observation.")
    assert page.model_lines(result()).endswith("12 wards, 720 observations.")


def test_words_used_lists_the_glossary_words_the_notes_use():
    used = page.words_used(result(), ["Rate ratio per 10-point rise: 0.78 (95% CI 0.68 to 0.88)."])
    lines = used.split("\n")
    assert all(line.startswith("- **") for line in lines)
    assert lines[0].startswith("- **Rate ratio:** How many times as many incidents"), used
    assert any(line.startswith("- **Negative binomial model:**") for line in lines), used  # the model's family
    # the funnel's over-dispersion is named on the page whatever the notes say
    assert lines[-1].startswith("- **Over-dispersion:** Wards differing more than chance allows."), used


def test_score_range_and_its_words():
    panel = pd.DataFrame({"s": [31.4, np.nan, "78.6", 50]})
    seen = page.score_range(panel, "s")
    assert seen == (31.4, 78.6)
    assert page.scores_seen(seen) == "Scores seen in these data run from 31 to 79."


@pytest.mark.parametrize(
    "low, high, outside",
    [(40, 60, False), (30, 60, True), (40, 80, True), (31.4, 78.6, False)],
)
def test_extrapolation_note_only_when_a_chosen_score_lies_outside_the_scores_seen(low, high, outside):
    note = page.extrapolation_note(low, high, (31.4, 78.6))
    assert bool(note) is outside
    if outside:
        assert note == "A chosen score lies outside the scores seen (31 to 79): that expected rate is an extrapolation."


def test_expected_table_rounds_to_two_decimals_and_names_its_columns():
    e = pd.DataFrame({"score": [40.0], "basis": ["within"], "rate_per_1000_obd": [4.567], "ci_low": [3.3612]})
    e["ci_high"] = 6.2049
    t = page.expected_table(e)
    assert list(t.columns) == [
        "co-production score",
        "reading",
        "expected rate per 1,000 occupied bed days",
        "95% CI from",
        "95% CI to",
    ]
    assert t.iloc[0].tolist() == [40.0, "within", 4.57, 3.36, 6.2]


def test_ward_choices_one_per_ward_as_text():
    points = pd.DataFrame({"ward_id": ["W01", "W01", 7], "ward_label": ["W01 Iona", "W01 Iona", "7 Skye"]})
    assert page.ward_choices(points) == {"W01": "W01 Iona", "7": "7 Skye"}


def test_spc_ward_options_and_where_the_choice_starts():
    options = page.spc_ward_options({"W01": "W01 Iona", "W02": "W02 Skye"})
    assert list(options) == [WHOLE_HOSPITAL, "W01", "W02"]
    assert options[WHOLE_HOSPITAL] == "Whole hospital (wards in view)"
    assert page.spc_start(options, ["W02"]) == 2  # one ward chosen in the filters: its own chart
    assert page.spc_start(options, ["W01", "W02"]) == 0
    assert page.spc_start(options, []) == 0
    assert page.spc_start(options, ["W09"]) == 0  # not in view


def test_spc_labels():
    assert page.spc_labels("assaults on staff", "W01 Iona") == (
        "Assaults on staff per 1,000 occupied bed days: W01 Iona",
        "Rate per 1,000 occupied bed days",
    )


def test_spc_table_months_in_words_bed_days_named_and_no_chart_settings():
    classified = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-04-01", "2024-05-01"]),
            "count": [3, 5],
            "exposure": [900.0, 1000.0],
            "rate": [3.33, 5.0],
            "centre": 4.2,
            "lower": 0.0,
            "upper": 9.1,
            "variation": "common",
            "rule": "",
            "extra": 1,
        }
    )
    classified.attrs = {"rebased": pd.Timestamp("2024-05-01")}
    t = page.spc_table(classified)
    assert " ".join(t.columns) == "month count occupied_bed_days rate centre lower upper variation rule"
    assert t["month"].tolist() == ["Apr 2024", "May 2024"]
    assert t.attrs == {} and classified.attrs  # the table only: the chart keeps its settings


def test_social_distance_options_patient_first_only_with_data():
    both = {STAFF_SOCIAL_DISTANCE: "x", PATIENT_SOCIAL_DISTANCE: "y"}
    assert page.social_distance_options(both) == {
        "Patient-rated": PATIENT_SOCIAL_DISTANCE,
        "Staff-rated": STAFF_SOCIAL_DISTANCE,
    }
    assert page.social_distance_options({STAFF_SOCIAL_DISTANCE: "x"}) == {"Staff-rated": STAFF_SOCIAL_DISTANCE}


def test_finding_leaves_out_the_closing_caveat():
    r = result(sentence="Fewer assaults (95% CI 0.68 to 0.88). This is an association in observational data.")
    assert page.finding(r) == "Fewer assaults (95% CI 0.68 to 0.88)."
    assert page.finding(result(sentence="No caveat here.")) == "No caveat here."


def test_model_comparison_and_dispersion_words():
    comp = {"aic_poisson": 812.4, "llf_poisson": -401.2, "aic_negbin": 790.1, "llf_negbin": -389.05, "note": "n"}
    t = page.model_comparison(comp)
    assert t.to_dict("records") == [
        {"model": "Poisson", "AIC": 812.4, "log-likelihood": -401.2},
        {"model": "Negative binomial", "AIC": 790.1, "log-likelihood": -389.05},
    ]
    words = page.dispersion_words(
        {"alpha": 0.12345, "pearson_ratio": 1.456, "lr_statistic": 12.34, "test": "p < 0.001"}
    )
    assert words == ("Over-dispersion: alpha 0.123, Pearson ratio 1.46, likelihood-ratio statistic 12.3 (p < 0.001).")


def test_residual_tables_three_decimals_and_uk_months():
    by_ward = pd.DataFrame({"ward_id": ["W01"], "resid": [0.12345]})
    by_month = pd.DataFrame({"month": pd.to_datetime(["2025-03-01"]), "resid": [-1.23456]})
    w, m = page.residual_tables(by_ward, by_month)
    assert w["resid"].tolist() == [0.123]
    assert m.to_dict("records") == [{"month": "Mar 2025", "resid": -1.235}]


# --------------------------------------------------------------------------------------------- the funnel's words
def _funnel(sizes: dict[str, int], comparator: str = "service", left_out=None) -> fw.WardFunnel:
    groups = [g for g, n in sizes.items() for _ in range(n)]
    wards = pd.DataFrame({"peer_group": groups})
    left = left_out if left_out is not None else pd.DataFrame(columns=["ward_id", "ward_label", "peer_group", "reason"])
    return fw.WardFunnel("assaults_on_staff", comparator, "none", wards, dict.fromkeys(sizes), left)


def test_group_choices_name_each_group_with_its_wards_in_the_funnels_order():
    choices = page.group_choices(_funnel({"rehabilitation": 4, "admission": 1}))
    assert list(choices) == ["rehabilitation", "admission"]
    assert choices == {"rehabilitation": "Rehabilitation wards (4 wards)", "admission": "Admission wards (1 ward)"}
    assert page.group_choices(_funnel({"all": 12}, "all")) == {"all": "All wards in view (12 wards)"}


def test_outside_on_screen_shows_the_furthest_and_says_how_many_more():
    table = pd.DataFrame({"ward": [f"W{i:02d}" for i in range(5)], "what it means": list("abcde")})
    shown, more = page.outside_on_screen(table, shown=3)
    assert shown.index.tolist() == ["W00", "W01", "W02"] and shown.index.name == "ward"
    assert more == (
        "The 3 furthest out are shown; 2 more wards are outside their limits "
        "(every ward is in the table for researchers below)."
    )
    _, one = page.outside_on_screen(table, shown=4)
    assert one.startswith("The 4 furthest out are shown; 1 more ward is outside its limits")
    whole, none = page.outside_on_screen(table)
    assert len(whole) == 5 and none == ""


def test_left_out_words_one_line_per_ward_not_compared():
    left = pd.DataFrame(
        {"ward_id": ["W09"], "ward_label": ["W09 Uist"], "peer_group": ["forensic"], "reason": ["its group is small"]}
    )
    assert page.left_out_words(_funnel({"all": 3}, "all", left)) == ["W09 Uist is not compared: its group is small."]
    assert page.left_out_words(_funnel({"all": 3}, "all")) == []


# ------------------------------------------------------------------------------------------------- the verdict
def test_the_page_verdict_is_the_overview_rule_for_a_clear_within_ward_link():
    v = assaults_verdict(result(), "assaults_on_staff")
    assert v.verdict == "Yes: fewer assaults on staff when a ward's co-production rises"
    assert (v.noun, v.level) == ("assaults on staff", "Moderate")  # 12 wards: never "High" under 20
    assert v.sure == "12 wards, 60 months"


def test_the_page_verdict_says_what_is_short():
    v = assaults_verdict(result(n_wards=3), "assaults_on_staff")
    assert v.level == "Not enough data"
    assert "too few wards" in v.verdict

"""Golden verdicts: the short answer each rule gives, from small hand-made results (not from the sample).

One case per rule of `analysis.questions.verdicts` for each question (clear, probable, unclear, not enough data),
the figure and its uncertainty in words, and the glossary that explains the method words.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.questions.glossary import GLOSSARY, terms_in
from analysis.questions.recovery.model import measurement_spacing
from analysis.questions.verdicts import (
    KINDS,
    Verdict,
    figure_words,
    link_verdict,
    occasion_words,
    presence_verdict,
    shortfall,
    talking_groups_figure_words,
    talking_groups_verdict,
)
from analysis.stats.results import CountDiagnostics, Headline, LevelsDiagnostics, ModelResult, RecoveryDiagnostics

WITHIN_RR = "rate ratio per 10-point rise (within ward)"
WITHIN_CHANGE = "change in QPR-15 per 10-point rise (within ward)"


def _result(q, name, est, lo, hi, wards=12, between=None, recovery=False):
    diagnostics = (
        RecoveryDiagnostics(n_months=20, between=between)
        if recovery
        else LevelsDiagnostics()
        if q == "q1"
        else CountDiagnostics(n_months=60, between=between)
    )
    return ModelResult(
        question=q,
        outcome="y",
        predictor="coproduction_patient_overall",
        formula="",
        family="",
        method="",
        n_wards=wards,
        n_obs=wards * 60,
        estimates=pd.DataFrame(),
        headline=Headline(name, est, lo, hi),
        sentence="",
        diagnostics=diagnostics,
    )


def _q2(est, lo, hi, level="Moderate", between=None):
    return link_verdict(_result("q2", WITHIN_RR, est, lo, hi, between=between), level, "assaults on staff", "lower")


def _q3(est, lo, hi, level="Moderate", better="higher", between=None, negligible=None):
    res = _result("q3", WITHIN_CHANGE, est, lo, hi, between=between, recovery=True)
    return link_verdict(res, level, "QPR-15 scores", better, negligible=negligible, scores=True)


# --- question 2: a count, fewer is better -----------------------------------------------------------------


@pytest.mark.parametrize(
    "case, verdict, kind",
    [
        ("clear", _q2(0.78, 0.68, 0.88), "clear"),
        ("clear, the worse way", _q2(1.3, 1.1, 1.5), "clear"),
        ("fit problem", _q2(0.78, 0.68, 0.88, level="Low"), "probable"),
        ("between only", _q2(0.9, 0.75, 1.08, "Low", {"rate_ratio": 0.6, "ci_low": 0.45, "ci_high": 0.8}), "probable"),
        (
            "between only, worse",
            _q2(0.9, 0.7, 1.1, "Low", {"rate_ratio": 1.5, "ci_low": 1.2, "ci_high": 1.9}),
            "unclear",
        ),
        ("unclear", _q2(0.9, 0.6, 1.35, "Low"), "unclear"),
        ("little or no link", _q2(1.0, 0.95, 1.05), "clear"),
        ("not enough data", _q2(0.78, 0.0, 5790.0, "Not enough data"), "not_enough"),
    ],
)
def test_q2_golden_verdicts(case, verdict, kind):
    expected = {
        "clear": "Yes: fewer assaults on staff when a ward's co-production rises",
        "clear, the worse way": "No: more assaults on staff when a ward's co-production rises",
        "fit problem": "Probably: fewer assaults on staff when a ward's co-production rises",
        "between only": "Probably: fewer assaults on staff on wards with more co-production, but not yet clear "
        "within wards",
        "between only, worse": "No clear link yet: more assaults on staff on wards with more co-production, but not "
        "within wards",
        "unclear": "No clear link yet",
        "little or no link": "No: assaults on staff change little, if at all, with co-production",
        "not enough data": "Not yet known: no figure could be worked out",
    }[case]
    assert verdict.text == expected
    assert verdict.kind == kind and kind in KINDS and verdict.question == "q2"


def test_not_enough_data_says_what_is_short():
    res = _result("q2", WITHIN_RR, 5.18, 0.0, 5790.94, wards=3)
    assert link_verdict(res, "Not enough data", "assaults on staff", "lower", shortfall(3, 12)).text == (
        "Not yet known: too few wards"
    )
    assert shortfall(3, 4, every=3) == "too few wards and quarterly measurements"
    assert shortfall(12, 6) == "too few months"
    assert shortfall(12, 60) == "no figure could be worked out"
    none = _result("q2", WITHIN_RR, 0.8, 0.7, 0.9)
    none.headline = None
    assert link_verdict(none, "Moderate", "assaults on staff", "lower").kind == "not_enough"


# --- question 3: a score, its better way from the catalogue ---------------------------------------------


def test_q3_golden_verdicts():
    assert _q3(1.2, 0.52, 1.88).text == "Yes: better QPR-15 scores when a ward's co-production rises"
    assert _q3(-0.5, -0.8, -0.2).text == "No: worse QPR-15 scores when a ward's co-production rises"
    assert _q3(-0.5, -0.8, -0.2, better="lower").text == "Yes: better QPR-15 scores when a ward's co-production rises"
    unknown = _q3(1.2, 0.5, 1.9, better=None)
    assert unknown.text == "A link: higher QPR-15 scores when a ward's co-production rises" and unknown.kind == "clear"
    probable = _q3(0.3, -0.4, 1.0, "Low", between={"estimate": 5.9, "ci_low": 3.3, "ci_high": 8.6})
    assert probable.text == (
        "Probably: better QPR-15 scores on wards with more co-production, but not yet clear within wards"
    )
    assert probable.kind == "probable"
    assert _q3(0.3, -1.5, 2.0, "Low").text == "No clear link yet"
    # a CI inside the measure's "little or no change" band (5% of its range, e.g. 3 points of 0 to 60)
    assert _q3(0.1, -1.0, 1.2, negligible=3.0).text == "No: QPR-15 scores change little, if at all, with co-production"
    assert _q3(1.2, 0.5, 1.9, "Not enough data").kind == "not_enough"


# --- question 1: how many wards are beyond 'lite' ------------------------------------------------------


def _q1(counts, level="Moderate", est=49.0, lo=44.0, hi=55.0):
    res = _result("q1", "mean patient-rated co-production index across wards (0 to 100)", est, lo, hi)
    return presence_verdict(res, level, "too few wards", counts)


@pytest.mark.parametrize(
    "counts, level, text, kind",
    [
        ({"lite": 0, "mid": 11, "ultra": 1}, "Moderate", "Yes, on every ward", "clear"),
        ({"lite": 3, "mid": 8, "ultra": 1}, "Moderate", "Yes, on 9 of 12 wards", "clear"),
        ({"lite": 6, "mid": 6, "ultra": 0}, "Moderate", "Yes, on 6 of 12 wards", "clear"),
        ({"lite": 9, "mid": 3, "ultra": 0}, "Moderate", "Partly: on 3 of 12 wards", "clear"),
        ({"lite": 12, "mid": 0, "ultra": 0}, "Moderate", "Not yet: every ward is at the 'lite' end", "clear"),
        ({"lite": 3, "mid": 8, "ultra": 1}, "Low", "Probably, on 9 of 12 wards", "probable"),
        ({"lite": 12, "mid": 0, "ultra": 0}, "Low", "Probably not yet: every ward is at the 'lite' end", "probable"),
        ({"lite": 1, "mid": 2, "ultra": 0}, "Not enough data", "Not yet known: too few wards", "not_enough"),
    ],
)
def test_q1_golden_verdicts(counts, level, text, kind):
    v = _q1(counts, level)
    assert (v.text, v.kind) == (text, kind)


def test_q1_without_bands_reads_the_mean_against_the_mid_cut():
    assert _q1({}, est=55, lo=45, hi=65).text == "Yes, on average"
    assert _q1({}, est=30, lo=25, hi=35).text == "Not yet, on average"
    unclear = _q1({}, est=41, lo=33, hi=49)
    assert unclear.text == "Not yet clear: the average is near the 'lite' end" and unclear.kind == "unclear"


def test_verdict_text_joins_answer_and_words():
    assert Verdict("q2", "unclear", "No clear link yet").text == "No clear link yet"
    assert Verdict("q1", "clear", "Yes", "on every ward", ", ").text == "Yes, on every ward"


# --- the figure and its uncertainty in words ------------------------------------------------------------


def test_figure_words_for_a_rate_ratio():
    res = _result("q2", WITHIN_RR, 0.78, 0.60, 1.01)
    assert figure_words(res, "assaults on staff") == (
        "22% fewer assaults on staff in a month when a ward's co-production is 10 points above its usual level "
        "(could be anywhere from 40% fewer to 1% more)"
    )
    clear = _result("q2", WITHIN_RR, 0.78, 0.68, 0.88)
    assert figure_words(clear, "assaults on staff").endswith("(could be anywhere from 12% to 32% fewer)")
    more = _result("q2", "rate ratio per 10-point rise", 1.2, 1.05, 1.4)
    assert figure_words(more, "assaults on staff") == (
        "20% more assaults on staff for each 10 points more co-production (could be anywhere from 5% to 40% more)"
    )


def test_figure_words_for_a_score_and_a_level():
    res = _result("q3", WITHIN_CHANGE, 1.2, 0.52, 1.88, recovery=True)
    assert figure_words(res, "QPR-15 scores", "higher") == (
        "QPR-15 scores 1.2 points higher (better) in a month when a ward's co-production is 10 points above its "
        "usual level (could be anywhere from 0.5 to 1.9 points higher)"
    )
    wide = _result("q3", WITHIN_CHANGE, 1.35, -1.75, 4.46, recovery=True)
    assert figure_words(wide, "QPR-15 scores", None).endswith(
        "(could be anywhere from 1.8 points lower to 4.5 points higher)"
    )
    one = _result("q3", WITHIN_CHANGE, -1.0, -1.6, -0.4, recovery=True)
    assert figure_words(one, "DUNDRUM-4 scores", "lower").startswith("DUNDRUM-4 scores 1 point lower (better)")
    level = _result("q1", "mean patient-rated co-production index across wards (0 to 100)", 49.3, 43.9, 54.7)
    assert figure_words(level, "co-production") == (
        "Patients rate co-production 49 out of 100 on average (could be anywhere from 44 to 55)"
    )
    none = _result("q2", WITHIN_RR, 0.8, 0.7, 0.9)
    none.headline = None
    assert figure_words(none, "assaults on staff") == ""


# --- measurement occasions ------------------------------------------------------------------------------


def test_occasions_are_said_in_the_datas_frequency():
    assert occasion_words(4, 3) == "4 quarterly measurements"
    assert occasion_words(1, 3) == "1 quarterly measurement"
    assert occasion_words(12) == "12 months" and occasion_words(1) == "1 month"
    assert occasion_words(3, 12) == "3 yearly measurements" and occasion_words(2, 6) == "2 six-monthly measurements"
    assert occasion_words(5, 2) == "5 measurements"


def _scores(months_by_ward: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(w, pd.Timestamp(m + "-01"), 30.0) for w, ms in months_by_ward.items() for m in ms]
    return pd.DataFrame(rows, columns=["ward_id", "month", "recovery_qpr_15"])


def test_measurement_spacing_finds_quarterly_data():
    quarterly = _scores({w: ["2025-04", "2025-07", "2025-10", "2026-01"] for w in ("W01", "W02", "W03")})
    assert measurement_spacing(quarterly, "recovery_qpr_15") == (4, 3)
    # wards measured in different months of the quarter still make four quarterly occasions, not eight months
    staggered = _scores(
        {"W01": ["2025-04", "2025-07", "2025-10", "2026-01"], "W02": ["2025-05", "2025-08", "2025-11", "2026-02"]}
    )
    assert measurement_spacing(staggered, "recovery_qpr_15") == (4, 3)
    monthly = _scores({"W01": [f"2025-{m:02d}" for m in range(1, 13)]})
    assert measurement_spacing(monthly, "recovery_qpr_15") == (12, 1)
    assert measurement_spacing(monthly, "missing_column") == (0, 1)


# --- the glossary ----------------------------------------------------------------------------------------


def test_glossary_explains_the_method_words_a_text_uses():
    text = (
        "Rate ratio per 10-point rise (within ward): 0.78 (95% CI 0.68 to 0.88). With only 12 wards the intervals "
        "use a t distribution with 11 degrees of freedom. This is an association in observational data."
    )
    found = terms_in(text)
    assert list(found) == [
        "Rate ratio",
        "95% confidence interval (CI)",
        "Within-ward",
        "Observational data",
        "Degrees of freedom",
        "t distribution",
    ]
    assert all(found[t] == GLOSSARY[t] for t in found)
    assert "Lite, mid and ultra" in terms_in("Bands follow the seeds' range of co-production")
    assert terms_in("Nothing technical here.") == {}
    assert "Between-ward" not in terms_in("between 2021 and 2026")  # a plain 'between' is not the method word
    for term, meaning in GLOSSARY.items():
        assert meaning.endswith(".") and len(meaning) < 500, term


# --- talking groups ---------------------------------------------------------------------------------

TG_LEVEL = "pooled level change at the start"
TG_RATIO = "rate ratio at the start (pooled level change)"


def _tg(est, lo, hi, level="Moderate", name=TG_LEVEL, better="higher", negligible=5.0, noun=None):
    res = _result("talking_groups", name, est, lo, hi)
    scores = "rate ratio" not in name
    noun = noun or ("patient-rated co-production" if scores else "assaults on staff")
    return talking_groups_verdict(res, level, noun, better, "", negligible, scores=scores)


@pytest.mark.parametrize(
    ("case", "text", "kind"),
    [
        # rule 2: clear, the better way (the sample's +4.3 points, 95% CI 1.9 to 6.7)
        (
            {"est": 4.3, "lo": 1.9, "hi": 6.7},
            "Yes: higher patient-rated co-production once wards started talking groups",
            "clear",
        ),
        # rule 2: clear, the worse way
        (
            {"est": -4.0, "lo": -7.0, "hi": -1.0},
            "No: lower patient-rated co-production once wards started talking groups",
            "clear",
        ),
        # rule 2: no known better way
        (
            {"est": 4.0, "lo": 1.0, "hi": 7.0, "better": None},
            "A change: higher patient-rated co-production once wards started talking groups",
            "clear",
        ),
        # rule 3: clear but Low
        (
            {"est": 4.0, "lo": 1.0, "hi": 7.0, "level": "Low"},
            "Probably: higher patient-rated co-production once wards started talking groups",
            "probable",
        ),
        # rule 4: inside the little-or-no-change band (within 5 points)
        (
            {"est": 0.5, "lo": -2.0, "hi": 3.0},
            "No: patient-rated co-production changed little, if at all, once wards started talking groups",
            "clear",
        ),
        # rule 5: wide and unclear
        ({"est": 2.0, "lo": -3.0, "hi": 7.0}, "No clear change yet", "unclear"),
        # rule 4 for a rate ratio: 0.95 to 1.08 is inside 0.9 to 1.1
        (
            {"est": 1.0, "lo": 0.95, "hi": 1.08, "name": TG_RATIO, "better": "lower"},
            "No: assaults on staff changed little, if at all, once wards started talking groups",
            "clear",
        ),
        # a rate ratio: the sample's assaults (0.97, 0.70 to 1.35) is unclear
        ({"est": 0.97, "lo": 0.70, "hi": 1.35, "name": TG_RATIO, "better": "lower"}, "No clear change yet", "unclear"),
        # a clear drop in assaults is the better way, said as 'fewer'
        (
            {"est": 0.8, "lo": 0.7, "hi": 0.9, "name": TG_RATIO, "better": "lower"},
            "Yes: fewer assaults on staff once wards started talking groups",
            "clear",
        ),
    ],
)
def test_talking_groups_golden_verdicts(case, text, kind):
    v = _tg(**case)
    assert (v.text, v.kind) == (text, kind)
    assert v.kind in KINDS


def test_talking_groups_not_enough_data_says_what_is_short():
    res = _result("talking_groups", TG_LEVEL, 4.0, 1.0, 7.0, wards=3)
    v = talking_groups_verdict(res, "Not enough data", "patient-rated co-production", "higher", shortfall(3, 20))
    assert (v.text, v.kind) == ("Not yet known: too few wards", "not_enough")


def test_talking_groups_figure_in_words():
    level = _result("talking_groups", TG_LEVEL, 4.3167, 1.9113, 6.7222)
    assert talking_groups_figure_words(level, "patient-rated co-production", "higher") == (
        "Patient-rated co-production 4.3 points higher (better) once a ward started talking groups, against wards "
        "not yet started (could be anywhere from 1.9 to 6.7 points higher)"
    )
    ratio = _result("talking_groups", TG_RATIO, 0.9722, 0.7008, 1.3487)
    assert talking_groups_figure_words(ratio, "assaults on staff", "lower") == (
        "3% fewer assaults on staff once a ward started talking groups, against wards not yet started "
        "(could be anywhere from 30% fewer to 35% more)"
    )


def test_glossary_explains_the_group_agreement_and_talking_groups_method_words():
    text = "F(3, 8) = 5.33 with Satterthwaite degrees of freedom; ICC 0.78; 95% limits of agreement; stepped-wedge"
    assert {
        "F test",
        "Satterthwaite degrees of freedom",
        "ICC (intraclass correlation)",
        "Limits of agreement",
        "Stepped-wedge comparison",
        "Degrees of freedom",
    } <= set(terms_in(text))
    assert "F test" not in terms_in("Staff rate it higher on 12 of 12 wards")


def test_an_interval_end_under_a_twentieth_keeps_two_decimals():
    """A narrow scale's interval read 'from 0 points lower to 0.2 points higher': an end one decimal would show as 0
    keeps two; the others keep one, as before."""
    from analysis.questions.verdicts import change_range_words

    assert change_range_words(-0.04, 0.21) == "could be anywhere from 0.04 points lower to 0.2 points higher"
    assert change_range_words(0.03, 0.5) == "could be anywhere from 0.03 to 0.5 points higher"
    assert change_range_words(-0.5, -0.01) == "could be anywhere from 0.01 to 0.5 points lower"
    assert change_range_words(0.5, 1.94) == "could be anywhere from 0.5 to 1.9 points higher"
    assert change_range_words(-1.8, 4.5) == "could be anywhere from 1.8 points lower to 4.5 points higher"
    assert change_range_words(-0.06, 0.04) == "could be anywhere from 0.1 points lower to 0.04 points higher"

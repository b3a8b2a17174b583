"""The Overview's plain words: trend words for every icon, and the steering-group paragraph built only
from the answers, the ward table and the headline figures."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.overview import answers as ov
from analysis.overview.summary import (
    TREND,
    hospital_signals,
    steering_brief,
    steering_summary,
    trend_text,
    trend_words,
    wards_by_trend,
)
from analysis.questions.verdicts import link_verdict, not_known, presence_verdict
from analysis.spc.icons import VARIATION
from analysis.stats.results import CountDiagnostics, Headline, ModelResult

METRICS = {"wards": 12, "period": "Apr 2021 to Mar 2026"}


def _result(q: str, name: str, est: float, lo: float, hi: float, outcome: str = "") -> ModelResult:
    return ModelResult(
        question=q,
        outcome=outcome,
        predictor="coproduction_patient_overall",
        formula="",
        family="",
        method="",
        n_wards=12,
        n_obs=700,
        estimates=pd.DataFrame(),
        headline=Headline(name, est, lo, hi),
        sentence="",
        diagnostics=CountDiagnostics(n_months=60),
    )


def _verdict(q, res, level, measure):
    if level == "Not enough data":
        return not_known(q, "too few wards")
    if q == "q1":
        return presence_verdict(res, level, band_counts={"lite": 2, "mid": 9, "ultra": 1})
    if q == "q2":
        return link_verdict(res, level, "assaults on staff", "lower")
    return link_verdict(res, level, f"{measure} scores", "higher", scores=True)


def _answer(q, res, level="Moderate", needs=None, measure=None):
    key = ov.NO_FIGURE if needs or level == "Not enough data" else ov.key_figure(res, measure)
    return ov.Answer(
        q,
        ov.TITLES[q],
        f"sentence {q}",
        key,
        f"{level}: 12 wards" if level != "Not enough data" else f"{level}: only 3 wards of the 5 needed",
        res,
        needs,
        level,
        verdict=not_known(q, "needs data") if needs else _verdict(q, res, level, measure),
    )


def _wards(assaults=("common_cause",) * 3, cop=("common_cause",) * 3, started=("Oct 2022", "not started", "Jan 2023")):
    w = pd.DataFrame(
        {
            "ward_id": ["W01", "W02", "W03"],
            "ward_name": ["Iona", "Skye", "Harris"],
            "assaults_icon": list(assaults),
            "coproduction_icon": list(cop),
            "talking_groups_started": list(started),
        }
    )
    w.attrs["recovery_measure"] = "QPR-15"
    return w


def _answers(q2=(0.8, 0.7, 0.9), q3=(1.2, 0.5, 1.9), level="Moderate"):
    return [
        _answer("q1", _result("q1", "patient-rated index", 49.4, 44.2, 55.1)),
        _answer("q2", _result("q2", "rate ratio per 10-point rise (within ward)", *q2)),
        _answer(
            "q3",
            _result("q3", "change per 10 points (within ward)", *q3, outcome="recovery_qpr_15"),
            level,
            measure="QPR-15",
        ),
    ]


def test_every_variation_icon_has_words_and_a_shape():
    assert set(TREND) == set(VARIATION)
    for key in VARIATION:
        words, shape = trend_words(key)
        assert words and shape
        if key.endswith("_high"):
            assert shape == "▲"
        elif key.endswith("_low"):
            assert shape == "▼"
    assert trend_words("improvement_low")[0].startswith("Improving")
    assert trend_words("concern_high")[0].startswith("Concern")
    assert trend_words("something else") == TREND["no_data"]
    assert trend_text("concern_high") == "▲ Concern (rising)"


def test_wards_by_trend_sorts_wards_into_signals():
    w = _wards(assaults=("concern_high", "improvement_low", "common_cause"))
    got = wards_by_trend(w, "assaults")
    assert got == {"improvement": ["W02 Skye"], "concern": ["W01 Iona"], "neither": []}
    assert wards_by_trend(w, "recovery") == {"improvement": [], "concern": [], "neither": []}


def test_summary_leads_with_the_verdicts_and_their_figures():
    brief = steering_brief(_answers(), _wards(), METRICS)
    assert brief.points[0] == "This covers 12 wards from Apr 2021 to Mar 2026."
    assert brief.verdicts == [
        "Can co-production exist in our secure wards? Yes, on 10 of 12 wards (patients rate it 49 out of 100 on "
        "average, 95% CI 44 to 55).",
        "Can it reduce assaults on staff? Yes: fewer assaults on staff when a ward's co-production rises (20% fewer "
        "per 10 points, 95% CI 10% to 30%).",
        "Can it enhance recovery? Yes: better QPR-15 scores when a ward's co-production rises (QPR-15 +1.20 per 10 "
        "points, 95% CI +0.50 to +1.90).",
    ]
    assert brief.points[1:4] == brief.verdicts  # the verdicts come straight after what the summary covers
    assert "not proof" in brief.sure and brief.text == steering_summary(_answers(), _wards(), METRICS)


def test_summary_verdicts_follow_the_intervals():
    more = steering_summary(_answers(q2=(1.3, 1.1, 1.5)), _wards(), METRICS)
    assert (
        "Can it reduce assaults on staff? No: more assaults on staff when a ward's co-production rises (30% more"
        in more
    )
    unclear = steering_summary(_answers(q2=(0.95, 0.8, 1.12), q3=(-0.2, -0.9, 0.4)), _wards(), METRICS)
    assert "Can it reduce assaults on staff? No clear link yet (5% fewer per 10 points" in unclear
    assert "Can it enhance recovery? No clear link yet (QPR-15 -0.20 per 10 points" in unclear


def test_summary_numbers_all_come_from_its_inputs():
    answers, wards = _answers(), _wards(assaults=("concern_high", "common_cause", "common_cause"))
    text = steering_summary(answers, wards, METRICS)
    allowed = " ".join(
        [a.key_figure for a in answers]
        + [METRICS["period"], str(METRICS["wards"]), "W01 W02 W03", "2 of 3", "10 points", "100"]
    )
    for number in re.findall(r"\d+(?:\.\d+)?", text):
        assert number in allowed, number
    assert "Assault rate unusually high in recent months: W01 Iona." in text
    assert "2 of 3 wards have started talking groups." in text


def test_summary_is_honest_when_it_cannot_answer():
    answers = _answers()
    answers[0] = _answer(
        "q1",
        _result("q1", "patient-rated index", float("nan"), float("nan"), float("nan")),
        "Not enough data",
        needs=ov.NEEDS_SURVEY,
    )
    answers[2] = _answer("q3", answers[2].result, "Not enough data", measure="QPR-15")
    text = steering_summary(answers, _wards(), METRICS)
    assert "Co-production: not yet known; it needs co-production survey returns or scores." in text
    assert "Can it enhance recovery? Not yet known: only 3 wards of the 5 needed." in text
    assert "QPR-15 +1.20" not in text  # no estimate when there is not enough data
    assert "How sure: moderate (assaults)" in text
    nothing = steering_summary(answers, _wards().iloc[0:0], {"wards": 0})
    assert "nothing to report yet" in nothing


@pytest.mark.parametrize(
    "cop,words",
    [
        (("improvement_high", "common_cause", "common_cause"), "Co-production rising: W01"),
        (("concern_low", "concern_low", "common_cause"), "Co-production falling: W01 Iona and W02 Skye"),
    ],
)
def test_summary_names_wards_whose_coproduction_moved(cop, words):
    assert words in steering_summary(_answers(), _wards(cop=cop), METRICS)


def test_no_signals_is_said_plainly():
    assert "No ward shows a significant change" in steering_summary(_answers(), _wards(), METRICS)


def test_questions_missing_the_same_data_are_said_once():
    answers = _answers()
    nan = float("nan")
    for i, q in enumerate(("q1", "q2", "q3")):
        answers[i] = _answer(q, _result(q, "x", nan, nan, nan), "Not enough data", needs=ov.NEEDS_SURVEY)
    text = steering_summary(answers, _wards(), METRICS)
    assert text.count("co-production survey returns or scores") == 1
    assert "Co-production, assaults on staff and QPR-15 scores: not yet known; they need" in text
    assert "How sure" not in text and "not proof" not in text
    both = ov.NEEDS_RECOVERY + " and " + ov.NEEDS_SURVEY[0].lower() + ov.NEEDS_SURVEY[1:]
    answers[2] = _answer("q3", _result("q3", "x", nan, nan, nan), "Not enough data", needs=both)
    text = steering_summary(answers, _wards(), METRICS)
    assert (
        "QPR-15 scores: not yet known; it needs recovery measure scores by ward and month, e.g. QPR-15 "
        "and co-production survey returns or scores." in text
    )


def test_started_words_agree_with_the_number_of_wards():
    from analysis.overview.summary import started_words

    assert started_words(4, 12) == "4 of 12 wards have started talking groups."
    assert started_words(1, 3) == "1 of 3 wards has started talking groups."
    assert started_words(1, 1) == "The ward has started talking groups."
    assert started_words(0, 1) == "The ward has not started talking groups."


# --- hospital-level signals ---------------------------------------------------------------------------------


def _chart(values, variation=None, direction=None, rule=None, centre=4.0):
    """A classified chart with the columns hospital_signals reads, one row per month from Apr 2025."""
    n = len(values)
    return pd.DataFrame(
        {
            "period": pd.date_range("2025-04-01", periods=n, freq="MS"),
            "value": values,
            "centre": [centre] * n,
            "variation": variation or ["common_cause"] * n,
            "direction": direction or [""] * n,
            "rule": rule or [""] * n,
        }
    )


def test_hospital_signals_golden_words():
    v = ["common_cause"] * 12
    d, r = [""] * 12, [""] * 12
    v[11], d[11], r[11] = "special_cause_concern", "high", "above the upper limit"
    for i in range(2, 5):
        v[i], d[i], r[i] = "special_cause_improvement", "low", "part of a long run below the average"
    chart = _chart([4.0] * 11 + [7.388535], v, d, r, centre=3.964003)
    assert hospital_signals(chart) == [
        "Whole hospital: the assault rate in Mar 2026 was unusually high, 7.39 per 1,000 occupied bed days against "
        "a usual 3.96 (above the upper limit: a concern); from Jun 2025 to Aug 2025 it was unusually low (a long "
        "run below the average, 3 months: an improvement)."
    ]
    assert hospital_signals(_chart([4.0] * 12)) == []  # only the usual ups and downs: nothing to say
    assert hospital_signals(None) == []
    # only the last 12 months count as recent: an old signal is not reported
    old = _chart([9.0] + [4.0] * 12, ["special_cause_concern"] + ["common_cause"] * 12, ["high"] + [""] * 12)
    assert hospital_signals(old) == []


def test_summary_mentions_a_hospital_level_signal_beside_the_wards():
    v = ["common_cause"] * 11 + ["special_cause_concern"]
    chart = _chart([4.0] * 11 + [7.4], v, [""] * 11 + ["high"], [""] * 11 + ["above the upper limit"])
    wards = _wards(assaults=("concern_high", "common_cause", "common_cause"))
    brief = steering_brief(_answers(), wards, METRICS, chart)
    assert brief.signals.startswith("Whole hospital: the assault rate in Mar 2026 was unusually high, 7.4 per 1,000")
    assert "Assault rate unusually high in recent months: W01 Iona." in brief.signals
    chosen = steering_brief(_answers(), wards, METRICS, chart, "The chosen wards together")
    assert chosen.signals.startswith("The chosen wards together: the assault rate in Mar 2026")

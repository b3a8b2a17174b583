"""Ward-quarter subscale means carry their return counts, and a mean resting on fewer returns than the
small-number rule's threshold is withheld from the scatter (screen, data, pictures) with a note; the count
model's programmer wording never reaches the page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.charts import social_distance as charts
from analysis.disclosure.rules import RULES
from analysis.questions.social_distance import model as M
from analysis.stats.results import ModelResult


def _waves() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward_id": ["W1", "W1", "W2", "W3"],
            "ward_name": ["Ash", "Ash", "Birch", "Cedar"],
            "quarter": pd.to_datetime(["2022-01-01", "2022-04-01", "2022-01-01", "2022-01-01"]),
            "patient_rsd": [40.0, 45.0, 50.0, np.nan],
            "staff_safety": [11.25, 13.5, 9.0, 12.0],
            "n_staff_safety": [1, 8, 5, 9],
        }
    )


@pytest.mark.parametrize(("rule", "threshold"), [("nhs_england", 8), ("scotland", 5)])
def test_the_threshold_is_the_configured_rules(rule, threshold):
    assert M.min_returns(RULES[rule]) == threshold == RULES[rule].high + 1


def test_a_mean_on_too_few_returns_is_withheld_and_counted():
    points, withheld = M.scatter_points(_waves(), "staff_safety", RULES["nhs_england"])
    assert points["staff_safety"].tolist() == [13.5]  # 1 and 5 returns are under 8; Cedar has no closeness
    assert points["n_returns"].tolist() == [8]
    assert withheld == 2
    points, withheld = M.scatter_points(_waves(), "staff_safety", RULES["scotland"])
    assert points["staff_safety"].tolist() == [13.5, 9.0] and points["n_returns"].tolist() == [8, 5]
    assert withheld == 1


def test_the_note_says_how_many_and_why():
    note = M.withheld_note(2, RULES["nhs_england"])
    assert note.startswith("2 ward-quarters not shown here or in the downloads: their means rest on fewer than 8")
    assert "small-number rule" in note and "every return" in note
    assert M.withheld_note(1, RULES["scotland"]).startswith("1 ward-quarter not shown here or in the downloads: its")
    assert M.withheld_note(0, RULES["scotland"]) == ""


def test_the_figure_holds_only_the_points_that_may_be_shown():
    rule = RULES["nhs_england"]
    points, withheld = M.scatter_points(_waves(), "staff_safety", rule)
    link = M.closeness_link(_waves(), "staff_safety")  # too few wards: no line
    fig = charts.against_closeness_figure(points, "staff_safety", link, withheld)
    drawn = [float(v) for t in fig.data for v in t.y]
    assert drawn == [13.5] and 11.25 not in drawn and 9.0 not in drawn
    assert "2 ward-quarters left out: too few returns to show." in charts.against_closeness_alt(
        points, "staff_safety", link, withheld
    )


def test_the_wave_table_counts_returns_for_every_subscale_mean():
    from analysis.data.dataset import SAMPLE_DIR, load_sample
    from analysis.panel.build import build_panel

    ds = load_sample(SAMPLE_DIR)
    waves = M.wave_table(build_panel(ds.tables), ds.tables["survey_returns"], ds.tables.get("instrument"))
    for mean, n in M.RETURNS.items():
        assert n in waves.columns
        assert (waves[mean].notna() == (waves[n] > 0)).all()


def _failed(sentence: str) -> ModelResult:
    return ModelResult("q", "assaults_on_staff", "x", "", "", "not fitted", 0, 0, pd.DataFrame(), None, sentence)


def test_the_assaults_sentence_never_shows_the_count_models_programmer_wording():
    from analysis.data.dataset import SAMPLE_DIR, load_sample
    from analysis.data.filters import Filters
    from analysis.panel.build import build_panel

    ds = load_sample(SAMPLE_DIR)
    one_month = Filters(start=pd.Timestamp("2022-04-01"), end=pd.Timestamp("2022-04-01")).apply(ds.tables)
    result = M.assaults_link(build_panel(one_month))
    assert "split='none'" in result.sentence  # the count model's own words, for the command line
    assert M.assaults_sentence(result) == M.TOO_FEW_MONTHS
    other = M.assaults_sentence(_failed("Every coproduction_patient_reduced_social_distance score is missing."))
    assert "_" not in other and "=" not in other
    plain = "No answer yet: there were no assaults on staff at all in the months analysed."
    assert M.assaults_sentence(_failed(plain)) == plain

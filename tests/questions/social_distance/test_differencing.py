"""The differencing attack on the Reduced social distance page's means: two periods a month apart, each mean
shown with the returns it rests on, subtracted to give one month's returns. One staff EssenCES return of ward
W02 is moved into June 2022 (the rest of that quarter's wave is in May, the co-production survey in April); the
page's published ward-quarter means for October 2021 to June 2022 and for October 2021 to May 2022 must not give
it back, and the ward ratings table must not give back a ward-quarter resting on fewer returns than the
small-number rule allows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.disclosure.rules import RULES
from analysis.panel.build import build_panel
from analysis.questions.social_distance import model as M
from analysis.questions.social_distance.view import ratings_by_ward

RULE = RULES["scotland"]  # a mean of 5 returns may be shown: 8 and 7 both pass, so only whole quarters protect
OUTCOME = "staff_safety"
MOVED_TO = pd.Timestamp("2022-06-20")


@pytest.fixture(scope="module")
def planted():
    ds = load_sample(SAMPLE_DIR)
    tables = dict(ds.tables)
    sr = tables["survey_returns"].copy()
    mine = (sr["ward_id"] == "W02") & (sr["respondent"] == "staff") & (sr["instrument"] == "essences")
    mine &= sr["date"].dt.strftime("%Y-%m") == "2022-05"
    ids = sorted(sr.loc[mine, "response_id"].unique())
    assert len(ids) == 8
    sr.loc[sr["response_id"] == ids[0], "date"] = MOVED_TO
    tables["survey_returns"] = sr
    scored = M.scored_returns(sr, tables.get("instrument"))["essences"]
    (score,) = scored.loc[scored["response_id"] == ids[0], "experienced_safety"].tolist()
    return tables, float(score)


def _published(tables, end: str, whole: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the page shows and lets download for October 2021 to `end`: its ward-quarters and the scatter's
    points (with `whole` False, as before whole quarters: every ward-quarter counted as whole)."""
    cut = Filters(start=pd.Timestamp("2021-10-01"), end=pd.Timestamp(end)).apply(tables)
    waves = M.wave_table(build_panel(cut), cut["survey_returns"], cut.get("instrument"))
    points, _ = M.scatter_points(waves if whole else waves.assign(whole_quarter=True), OUTCOME, RULE)
    return waves, points


def _differences(a: pd.DataFrame, b: pd.DataFrame) -> list[float]:
    """The attack: for each ward-quarter in both, n1 x mean1 - n2 x mean2 over n1 - n2 returns."""
    both = a.merge(b, on=["ward_id", "quarter"], suffixes=("_1", "_2"))
    both = both[both["n_returns_1"] != both["n_returns_2"]]
    return (
        (both["n_returns_1"] * both[f"{OUTCOME}_1"] - both["n_returns_2"] * both[f"{OUTCOME}_2"])
        / (both["n_returns_1"] - both["n_returns_2"])
    ).tolist()


def test_the_attack_is_real_on_means_of_a_cut_quarter(planted):
    """Before whole quarters (a quarter cut by the period shown like any other), differencing gave it back."""
    tables, score = planted
    _, p1 = _published(tables, "2022-06-01", whole=False)
    _, p2 = _published(tables, "2022-05-01", whole=False)
    assert [abs(v - score) < 1e-9 for v in _differences(p1, p2)] == [True]


def test_published_means_a_month_apart_reveal_nothing(planted):
    tables, score = planted
    w1, p1 = _published(tables, "2022-06-01")
    w2, p2 = _published(tables, "2022-05-01")
    assert len(p1) and len(p2)  # the charts still show the whole quarters
    assert _differences(p1, p2) == []  # every ward-quarter shown in both rests on the same returns
    both = p1.merge(p2, on=["ward_id", "quarter"], suffixes=("_1", "_2"))
    assert np.allclose(both[f"{OUTCOME}_1"], both[f"{OUTCOME}_2"])
    shown = set(p1[OUTCOME]) | set(p2[OUTCOME])
    assert not any(abs(v - score) < 1e-9 for v in shown)
    # what one period shows and the other does not is a whole ward-quarter resting on enough returns
    only = pd.concat([p1, p2]).drop_duplicates(["ward_id", "quarter"], keep=False)
    assert (only["n_returns"] >= M.min_returns(RULE)).all()
    assert M.partial_quarters(w2, OUTCOME) == 12  # April and May 2022 on every ward: left out, and said so
    assert "12 ward-quarters only partly in the period are not shown" in M.partial_note(12)


def test_ward_ratings_use_whole_quarters_resting_on_enough_returns():
    waves = pd.DataFrame(
        {
            "ward_id": ["W1"] * 3,
            "ward_name": ["Ash"] * 3,
            "quarter": pd.to_datetime(["2022-01-01", "2022-04-01", "2022-07-01"]),
            "patient_rsd": [40.0, 50.0, 90.0],
            "staff_rsd": [50.0, 60.0, 10.0],
            "n_patient_rsd": [8, 9, 8],
            "n_staff_rsd": [12, 3, 12],  # the second quarter's staff mean rests on 3 returns
            "whole_quarter": [True, True, False],  # the third is cut by the period
        }
    )
    table = ratings_by_ward(waves, RULES["nhs_england"])
    assert table[["patient_rsd", "staff_rsd", "quarters"]].values.tolist() == [[40.0, 50.0, 1]]
    # differencing this table against one without the first quarter gives back only that whole quarter
    later = ratings_by_ward(waves.iloc[1:], RULES["nhs_england"])
    assert later.empty
    assert ratings_by_ward(waves)["quarters"].tolist() == [2]  # without a rule: whole quarters still


def test_a_small_closeness_mean_is_withheld_too():
    waves = pd.DataFrame(
        {
            "ward_id": ["W1", "W2"],
            "ward_name": ["Ash", "Birch"],
            "quarter": pd.to_datetime(["2022-01-01", "2022-01-01"]),
            "patient_rsd": [40.0, 50.0],
            "n_patient_rsd": [2, 9],
            "staff_safety": [12.0, 13.0],
            "n_staff_safety": [9, 9],
            "whole_quarter": [True, True],
        }
    )
    points, withheld = M.scatter_points(waves, "staff_safety", RULES["nhs_england"])
    assert points["ward_id"].tolist() == ["W2"] and withheld == 1

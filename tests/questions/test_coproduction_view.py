"""What the Q1 page shows (analysis/questions/coproduction/view.py): levels over time, the four aspects, social
distance, reliability and agreement, as tidy tables and sentences checked against known truths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.contract import ASPECTS
from analysis.questions.coproduction import view as V

ASP = list(ASPECTS)


def make_panel(
    n_wards: int = 8,
    n_months: int = 24,
    seed: int = 0,
    ward_effect=None,
    sd_shift: float = 0.0,
    staff_gap: float = 0.0,
    noise: float = 2.0,
    every: int = 3,
    carry: int = 2,
) -> pd.DataFrame:
    """A ward-month panel in build_panel's shape. Ward w's true score is ward_effect[w] on every aspect,
    reduced social distance is shifted by `sd_shift`, staff sit `staff_gap` above patients. Surveys every
    `every` months; the next `carry` months repeat the survey with months_carried 1..carry."""
    rng = np.random.default_rng(seed)
    effect = np.linspace(35, 65, n_wards) if ward_effect is None else np.asarray(ward_effect, float)
    months = pd.date_range("2022-04-01", periods=n_months, freq="MS")
    rows = []
    for w in range(n_wards):
        last = {}
        for i, m in enumerate(months):
            row = {
                "ward_id": f"W{w + 1:02d}",
                "ward_name": f"Ward {w + 1}",
                "service": "admission" if w % 2 == 0 else "rehabilitation",
                "security_level": "medium",
                "month": m,
            }
            k = i % every
            if k == 0:
                for r, shift in (("patient", 0.0), ("staff", staff_gap)):
                    for a in ASP:
                        true = effect[w] + shift + (sd_shift if a == "reduced_social_distance" else 0.0)
                        last[f"coproduction_{r}_{a}"] = true + rng.normal(0, noise)
                    last[f"coproduction_{r}_overall"] = np.mean([last[f"coproduction_{r}_{a}"] for a in ASP])
            for r in ("patient", "staff"):
                if k <= carry:
                    for a in [*ASP, "overall"]:
                        row[f"coproduction_{r}_{a}"] = last[f"coproduction_{r}_{a}"]
                    row[f"coproduction_{r}_months_carried"] = float(k)
                else:
                    for a in [*ASP, "overall"]:
                        row[f"coproduction_{r}_{a}"] = np.nan
                    row[f"coproduction_{r}_months_carried"] = np.nan
            row["coproduction_overall"] = (row["coproduction_patient_overall"] + row["coproduction_staff_overall"]) / 2
            rows.append(row)
    return pd.DataFrame(rows)


def known_reliability() -> pd.DataFrame:
    """Alpha per aspect for patients and staff, the weakest shared power and trust for patients (0.64)."""
    return pd.DataFrame(
        {
            "aspect": ASP * 2,
            "respondent": ["patient"] * 4 + ["staff"] * 4,
            "alpha": [0.82, 0.75, 0.64, 0.9, 0.8, 0.81, 0.7, 0.88],
            "ci_low": [0.78, 0.7, 0.58, 0.87, 0.76, 0.77, 0.65, 0.85],
            "ci_high": [0.85, 0.8, 0.7, 0.92, 0.84, 0.85, 0.75, 0.9],
            "in_words": ["good"] * 2 + ["questionable (0.60 to 0.69)"] + ["excellent"] * 5,
        }
    )


def test_levels_over_time_by_service_averages_ward_quarters_and_ignores_carried_months():
    # Noise-free: a ward's survey score is its effect, so a service's quarter is the mean of its wards' effects.
    effect = [30, 50, 40, 70, 60, 90]
    p = make_panel(n_wards=6, ward_effect=effect, noise=0.0)
    # Carried months hold a wrong value: if they were used, the means would move.
    carried = p["coproduction_patient_months_carried"] > 0
    p.loc[carried, "coproduction_patient_overall"] = 0.0
    t = V.levels_over_time(p, "patient", "overall", "service")
    assert set(t["group"]) == {"admission", "rehabilitation"}
    assert len(t) == 2 * 8  # 24 months = 8 quarters
    adm = t[t["group"] == "admission"]
    assert np.allclose(adm["mean"], np.mean([30, 40, 60]))
    assert (adm["n_wards"] == 3).all() and (adm["n_surveys"] == 3).all()
    assert np.allclose(t[t["group"] == "rehabilitation"]["mean"], np.mean([50, 70, 90]))


def test_levels_over_time_by_ward_labels_wards_and_is_empty_without_scores():
    p = make_panel(n_wards=3)
    t = V.levels_over_time(p, "staff", "lived_experience", "ward")
    assert set(t["group"]) == {"Ward 1 (W01)", "Ward 2 (W02)", "Ward 3 (W03)"}
    assert (t["n_wards"] == 1).all()
    empty = p.assign(coproduction_staff_lived_experience=np.nan)
    assert V.levels_over_time(empty, "staff", "lived_experience", "ward").empty


def test_aspect_levels_recover_known_means_with_honest_intervals():
    rng = np.random.default_rng(3)
    effect = rng.normal(50, 8, 15)
    p = make_panel(n_wards=15, ward_effect=effect, staff_gap=10, sd_shift=-6, seed=4)
    a = V.aspect_levels(p).set_index(["respondent", "aspect"])
    truth = effect.mean()
    for who, gap in (("patient", 0), ("staff", 10)):
        le = a.loc[(who, "lived_experience")]
        assert le.ci_low < truth + gap < le.ci_high
        assert le.n_wards == 15
        sd = a.loc[(who, "reduced_social_distance")]
        assert sd.ci_low < truth + gap - 6 < sd.ci_high


def test_social_distance_gap_finds_a_known_shift_and_no_shift():
    p = make_panel(n_wards=10, sd_shift=-8, seed=5)
    g = V.social_distance_gap(p, "patient")
    assert g["n_wards"] == 10 and g["ci_low"] < -8 < g["ci_high"] and g["ci_high"] < 0
    text = V.social_distance_sentence(p, V.aspect_levels(p))
    assert "the lowest of the four aspects" in text and "points below" in text and "a clear difference" in text
    assert text.count("clear difference") == 2  # patients and staff

    flat = make_panel(n_wards=10, sd_shift=0.0, seed=6, noise=3.0)
    g0 = V.social_distance_gap(flat, "staff")
    assert g0["ci_low"] < 0 < g0["ci_high"]
    assert "not clearly different" in V.social_distance_sentence(flat, V.aspect_levels(flat))


def test_agreement_overview_and_sentence_see_a_known_staff_gap():
    p = make_panel(n_wards=8, staff_gap=12, seed=7, noise=1.0)
    s = V.agreement_overview(p)
    assert s["mean_gap"] == pytest.approx(12, abs=1.0)
    assert s["n_wards"] == 8 and s["n_ward_quarters"] == 8 * 8
    from analysis.questions.coproduction.existence import disagreement

    dis = disagreement(p)
    text = V.agreement_sentence(s, dis)
    import re

    m = re.match(r"Across 64 ward-quarters on 8 wards, staff rate co-production ([\d.]+) points higher", text)
    assert m and float(m.group(1)) == pytest.approx(12, abs=1.0)
    assert "Staff rate higher than patients on 8 of 8 wards" in text
    none = V.agreement_sentence({"n_ward_quarters": 0}, dis.iloc[0:0])
    assert "cannot be compared" in none


def test_icc_words_follow_koo_and_li():
    assert [V.icc_words(x) for x in (0.95, 0.8, 0.6, 0.3, np.nan)] == [
        "excellent",
        "good",
        "moderate",
        "poor",
        "not computable",
    ]


def test_reliability_sentence_names_the_weakest_aspect():
    rel = known_reliability()
    s = V.reliability_sentence(rel)
    assert s.startswith("7 of 8 aspect scores")
    assert "shared power and trust for patients: alpha 0.64 (95% CI 0.58 to 0.70), questionable." in s
    assert "cannot be computed" in V.reliability_sentence(rel.assign(alpha=np.nan))


def test_ward_label():
    assert V.ward_label("W01", "Iona") == "Iona (W01)"
    assert V.ward_label("W01", None) == "W01" == V.ward_label("W01", float("nan"))


def test_agreement_sentence_is_plain_and_the_method_goes_to_the_researchers_notes():
    from analysis.questions.coproduction.existence import disagreement

    p = make_panel(n_wards=8, staff_gap=12, seed=7, noise=1.0)
    s = V.agreement_overview(p)
    text = V.agreement_sentence(s, disagreement(p))
    assert "ICC" not in text and "limits of agreement" not in text and "95%" not in text
    assert "ward averages match" in text
    notes = " ".join(V.agreement_notes(s))
    assert "95% limits of agreement" in notes and f"ICC(2,1) of the ward averages {s['icc_2_1']:.2f}" in notes
    assert V.agreement_notes({"n_ward_quarters": 0}) == []


def test_the_bands_are_explained_in_plain_words_with_their_cut_offs():
    text = V.bands_explained()
    assert "seeds" not in text
    assert "'lite' under 40, 'mid' 40 to under 70, 'ultra' 70 or more" in text
    assert "power shared" in text and "not validated" in text
    assert V.band_figure_words({"lite": 2, "mid": 9, "ultra": 1}) == (
        "10 of 12 wards reach 'mid' or 'ultra' co-production (40 or more out of 100) on their latest patient survey."
    )
    assert V.band_figure_words({}) == ""

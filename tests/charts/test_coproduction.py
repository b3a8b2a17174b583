"""Q1 page pieces (analysis/charts/coproduction.py) checked on simulated panels with known truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.charts import coproduction as C
from analysis.charts.style import alt_text
from analysis.data.contract import ASPECTS
from analysis.questions.coproduction.existence import bands

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


def test_levels_over_time_by_service_averages_ward_quarters_and_ignores_carried_months():
    # Noise-free: a ward's survey score is its effect, so a service's quarter is the mean of its wards' effects.
    effect = [30, 50, 40, 70, 60, 90]
    p = make_panel(n_wards=6, ward_effect=effect, noise=0.0)
    # Carried months hold a wrong value: if they were used, the means would move.
    carried = p["coproduction_patient_months_carried"] > 0
    p.loc[carried, "coproduction_patient_overall"] = 0.0
    t = C.levels_over_time(p, "patient", "overall", "service")
    assert set(t["group"]) == {"admission", "rehabilitation"}
    assert len(t) == 2 * 8  # 24 months = 8 quarters
    adm = t[t["group"] == "admission"]
    assert np.allclose(adm["mean"], np.mean([30, 40, 60]))
    assert (adm["n_wards"] == 3).all() and (adm["n_surveys"] == 3).all()
    assert np.allclose(t[t["group"] == "rehabilitation"]["mean"], np.mean([50, 70, 90]))


def test_levels_over_time_by_ward_labels_wards_and_is_empty_without_scores():
    p = make_panel(n_wards=3)
    t = C.levels_over_time(p, "staff", "lived_experience", "ward")
    assert set(t["group"]) == {"Ward 1 (W01)", "Ward 2 (W02)", "Ward 3 (W03)"}
    assert (t["n_wards"] == 1).all()
    empty = p.assign(coproduction_staff_lived_experience=np.nan)
    assert C.levels_over_time(empty, "staff", "lived_experience", "ward").empty


def test_over_time_figures_small_multiples_by_ward_and_lines_by_group():
    p = make_panel(n_wards=6)
    t = C.levels_over_time(p, "patient", "overall", "ward")
    fig = C.levels_over_time_figure(t, "patient", "overall", "ward")
    titles = [a.text for a in fig.layout.annotations]
    assert sorted(titles) == sorted(t["group"].unique())
    assert fig.layout.yaxis.range == (0, 100)
    assert "6 wards" in alt_text(fig) and "Apr 2022" in alt_text(fig)
    g = C.levels_over_time(p, "patient", "overall", "service")
    fig2 = C.levels_over_time_figure(g, "patient", "overall", "service")
    assert [tr.name for tr in fig2.data] == ["admission", "rehabilitation"]
    assert "2 services" in alt_text(fig2)
    assert "empty" in C.levels_over_time_alt(g.iloc[0:0], "patient", "overall", "service")


def test_aspect_levels_recover_known_means_with_honest_intervals():
    rng = np.random.default_rng(3)
    effect = rng.normal(50, 8, 15)
    p = make_panel(n_wards=15, ward_effect=effect, staff_gap=10, sd_shift=-6, seed=4)
    a = C.aspect_levels(p).set_index(["respondent", "aspect"])
    truth = effect.mean()
    for who, gap in (("patient", 0), ("staff", 10)):
        le = a.loc[(who, "lived_experience")]
        assert le.ci_low < truth + gap < le.ci_high
        assert le.n_wards == 15
        sd = a.loc[(who, "reduced_social_distance")]
        assert sd.ci_low < truth + gap - 6 < sd.ci_high
    fig = C.aspects_figure(a.reset_index())
    assert [tr.name for tr in fig.data] == ["Patients", "Staff"]
    assert "reduced social distance lowest" in alt_text(fig)


def test_social_distance_gap_finds_a_known_shift_and_no_shift():
    p = make_panel(n_wards=10, sd_shift=-8, seed=5)
    g = C.social_distance_gap(p, "patient")
    assert g["n_wards"] == 10 and g["ci_low"] < -8 < g["ci_high"] and g["ci_high"] < 0
    text = C.social_distance_sentence(p, C.aspect_levels(p))
    assert "the lowest of the four aspects" in text and "points below" in text and "a clear difference" in text
    assert text.count("clear difference") == 2  # patients and staff

    flat = make_panel(n_wards=10, sd_shift=0.0, seed=6, noise=3.0)
    g0 = C.social_distance_gap(flat, "staff")
    assert g0["ci_low"] < 0 < g0["ci_high"]
    assert "not clearly different" in C.social_distance_sentence(flat, C.aspect_levels(flat))


def test_agreement_overview_and_sentence_see_a_known_staff_gap():
    p = make_panel(n_wards=8, staff_gap=12, seed=7, noise=1.0)
    s = C.agreement_overview(p)
    assert s["mean_gap"] == pytest.approx(12, abs=1.0)
    assert s["n_wards"] == 8 and s["n_ward_quarters"] == 8 * 8
    from analysis.questions.coproduction.existence import disagreement

    dis = disagreement(p)
    text = C.agreement_sentence(s, dis)
    import re

    m = re.match(r"Across 64 ward-quarters on 8 wards, staff rate co-production ([\d.]+) points higher", text)
    assert m and float(m.group(1)) == pytest.approx(12, abs=1.0)
    assert "Staff rate higher than patients on 8 of 8 wards" in text
    fig = C.agreement_figure(dis, {"W01": "Iona"})
    assert "Iona (W01)" in set(fig.data[1].y)
    none = C.agreement_sentence({"n_ward_quarters": 0}, dis.iloc[0:0])
    assert "cannot be compared" in none


def test_icc_words_follow_koo_and_li():
    assert [C.icc_words(x) for x in (0.95, 0.8, 0.6, 0.3, np.nan)] == [
        "excellent",
        "good",
        "moderate",
        "poor",
        "not computable",
    ]


def test_bands_figure_one_trace_per_band_and_cutoff_lines():
    p = make_panel(n_wards=6, ward_effect=[20, 30, 45, 55, 75, 90], noise=0.0)
    b = bands(p)
    fig = C.bands_figure(b, what="overall index")
    assert [tr.name for tr in fig.data] == ["'lite'", "'mid'", "'ultra'"]
    assert [len(tr.x) for tr in fig.data] == [2, 2, 2]
    assert sorted(s.x0 for s in fig.layout.shapes) == [40, 70]
    assert "2 'lite', 2 'mid', 2 'ultra'" in alt_text(fig)


def test_reliability_sentence_and_figure_name_the_weakest_aspect():
    rel = pd.DataFrame(
        {
            "aspect": ASP * 2,
            "respondent": ["patient"] * 4 + ["staff"] * 4,
            "alpha": [0.82, 0.75, 0.64, 0.9, 0.8, 0.81, 0.7, 0.88],
            "ci_low": [0.78, 0.7, 0.58, 0.87, 0.76, 0.77, 0.65, 0.85],
            "ci_high": [0.85, 0.8, 0.7, 0.92, 0.84, 0.85, 0.75, 0.9],
            "in_words": ["good"] * 2 + ["questionable (0.60 to 0.69)"] + ["excellent"] * 5,
        }
    )
    s = C.reliability_sentence(rel)
    assert s.startswith("7 of 8 aspect scores")
    assert "shared power and trust for patients: alpha 0.64 (95% CI 0.58 to 0.70), questionable." in s
    fig = C.reliability_figure(rel)
    assert [tr.name for tr in fig.data] == ["Patients", "Staff"]
    assert fig.layout.xaxis.range[0] <= 0.5
    assert "0.64" in alt_text(fig)
    assert "cannot be computed" in C.reliability_sentence(rel.assign(alpha=np.nan))


def test_ward_label():
    assert C.ward_label("W01", "Iona") == "Iona (W01)"
    assert C.ward_label("W01", None) == "W01" == C.ward_label("W01", float("nan"))


def test_small_multiples_over_five_years_tick_every_other_april_level():
    p = make_panel(n_wards=6, n_months=60)
    wards = C.levels_over_time_figure(C.levels_over_time(p, "patient", "overall", "ward"), "patient", "overall", "ward")
    assert {ax.dtick for ax in (wards.layout.xaxis, wards.layout.xaxis6)} == {"M24"}
    assert wards.layout.xaxis.tickangle == 0 and wards.layout.xaxis.tick0.startswith("2022-04")
    # one chart across the page keeps a tick every April
    one = C.levels_over_time_figure(
        C.levels_over_time(p, "patient", "overall", "service"), "patient", "overall", "service"
    )
    assert one.layout.xaxis.dtick == "M12" and one.layout.xaxis.tickangle is None


def test_small_multiples_list_wards_in_code_order_not_name_order():
    p = make_panel(n_wards=3)
    p["ward_name"] = p["ward_id"].map({"W01": "Skye", "W02": "Arran", "W03": "Mull"})
    t = C.levels_over_time(p, "patient", "overall", "ward")
    assert list(pd.unique(t["group"])) == [
        C.ward_label(w, n) for w, n in (("W01", "Skye"), ("W02", "Arran"), ("W03", "Mull"))
    ]
    fig = C.levels_over_time_figure(t, "patient", "overall", "ward")
    assert [a.text for a in fig.layout.annotations] == list(pd.unique(t["group"]))

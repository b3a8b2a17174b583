"""The ward-month panel: columns exactly as notes/panel.md, rates, talking groups, both score routes."""

import time

import numpy as np
import pandas as pd

from analysis.data.dataset import with_defaults
from analysis.data.reference import default_instrument
from analysis.panel.build import build_panel, measure_slug
from analysis.panel.scoring import monthly_scores, score_returns

COUNTS = [
    "assaults_on_staff",
    "assaults_on_patients",
    "self_harm",
    "restraints",
    "seclusions",
    "transfers_to_lower_security",
]
PARTS = [
    "overall",
    "lived_experience",
    "professionals_as_facilitators",
    "shared_power_and_trust",
    "reduced_social_distance",
]


def expected_columns(recovery_slugs=()):
    cols = [
        "ward_id",
        "ward_name",
        "service",
        "security_level",
        "beds",
        "month",
        "month_index",
        "calendar_month",
        "financial_year",
        "occupied_bed_days",
    ]
    for c in COUNTS:
        cols += [c, f"{c}_rate_per_1000_obd"]
    cols += [
        "staff_hours_per_patient_day",
        "bank_agency_pct",
        "talking_groups_held",
        "talking_group_attendances",
        "attendance_per_session",
        "talking_groups_start",
        "talking_groups_active",
        "months_since_talking_groups",
    ]
    for r in ("patient", "staff"):
        cols += [f"coproduction_{r}_{p}" for p in PARTS]
        cols += [f"coproduction_{r}_months_carried", f"coproduction_{r}_n_returns"]
    cols += ["coproduction_overall"]
    for s in recovery_slugs:
        cols += [f"recovery_{s}", f"recovery_{s}_n_patients"]
    return cols


def tables(n_wards=3, n_months=12, seed=0, with_returns=True):
    rng = np.random.default_rng(seed)
    ids = [f"W{i}" for i in range(n_wards)]
    wards = pd.DataFrame(
        {
            "ward_id": ids,
            "ward_name": [f"Ward {i}" for i in ids],
            "service": "admission",
            "security_level": "high",
            "beds": pd.array([12] * n_wards, dtype="Int64"),
        }
    )
    months = pd.date_range("2024-01-01", periods=n_months, freq="MS")
    wm = pd.MultiIndex.from_product([ids, months], names=["ward_id", "month"]).to_frame(index=False)
    wm = wm.sample(frac=1, random_state=1).reset_index(drop=True)  # the panel must sort
    wm["occupied_bed_days"] = rng.uniform(300, 360, len(wm))
    for c in COUNTS + ["talking_groups_held", "talking_group_attendances"]:
        wm[c] = pd.array(rng.poisson(2, len(wm)), dtype="Int64")
    wm["staff_hours_per_patient_day"] = rng.uniform(5, 9, len(wm))
    wm["bank_agency_pct"] = rng.uniform(0, 30, len(wm))
    events = pd.DataFrame(
        {
            "ward_id": pd.array(["W0", None, "W1"], dtype="str"),
            "date": pd.to_datetime(["2024-03-15", "2024-06-02", "2024-09-09"]),
            "kind": ["talking_groups_started", "talking_groups_started", "note"],
            "label": ["TG", "TG all", "n"],
        }
    )
    recovery = pd.DataFrame(
        {
            "ward_id": ids,
            "month": months[0],
            "measure": ["QPR-15"] * n_wards,
            "mean_score": 30.0 + 5.0 * np.arange(n_wards),
            "n_patients": pd.array([8] * n_wards, dtype="Int64"),
        }
    )
    out = {"wards": wards, "ward_months": wm, "events": events, "recovery": recovery}
    if with_returns:
        inst = default_instrument()
        n = 40
        resp = pd.DataFrame(
            {
                "response_id": [f"R{i}" for i in range(n)],
                "ward_id": rng.choice(ids[:2], n),
                "date": pd.to_datetime("2024-02-10") + pd.to_timedelta(rng.integers(0, 20, n), "D"),
                "respondent": rng.choice(["patient", "staff"], n),
            }
        )
        for it in inst["item"]:
            resp[it] = rng.integers(1, 6, n).astype(float)
        out["coproduction_responses"] = resp
    return with_defaults(out)


def test_columns_exactly_as_documented_and_sorted():
    p = build_panel(tables())
    assert p.columns.tolist() == expected_columns(["qpr_15"])
    assert isinstance(p.index, pd.RangeIndex)
    assert p[["ward_id", "month"]].equals(
        p.sort_values(["ward_id", "month"])[["ward_id", "month"]].reset_index(drop=True)
    )
    assert p["month"].dtype.kind == "M" and p["talking_groups_start"].dtype.kind == "M"


def test_rates_keep_numerator_and_denominator():
    t = tables()
    p = build_panel(t)
    src = t["ward_months"].set_index(["ward_id", "month"]).loc[list(zip(p["ward_id"], p["month"]))]
    for c in COUNTS:
        np.testing.assert_allclose(p[c], src[c].astype(float))
        np.testing.assert_allclose(p[f"{c}_rate_per_1000_obd"], src[c].astype(float) / src["occupied_bed_days"] * 1000)
    np.testing.assert_allclose(p["occupied_bed_days"], src["occupied_bed_days"])


def test_calendar_columns():
    p = build_panel(tables(n_months=15))
    w0 = p[p["ward_id"] == "W0"]
    assert w0["month_index"].tolist() == list(range(15))
    assert w0["calendar_month"].tolist()[:4] == [1, 2, 3, 4]
    fy = dict(zip(w0["month"].dt.strftime("%Y-%m"), w0["financial_year"]))
    assert fy["2024-03"] == "2023/24" and fy["2024-04"] == "2024/25" and fy["2025-03"] == "2024/25"


def test_talking_groups():
    p = build_panel(tables())
    w = {k: g.set_index(g["month"].dt.strftime("%Y-%m")) for k, g in p.groupby("ward_id")}
    assert w["W0"]["talking_groups_start"].iloc[0] == pd.Timestamp("2024-03-01")  # own start before hospital-wide
    assert w["W1"]["talking_groups_start"].iloc[0] == pd.Timestamp("2024-06-01")  # hospital-wide; 'note' ignored
    assert not w["W0"].loc["2024-02", "talking_groups_active"] and w["W0"].loc["2024-03", "talking_groups_active"]
    assert w["W0"].loc["2024-05", "months_since_talking_groups"] == 2
    held, att = p["talking_groups_held"], p["talking_group_attendances"]
    expected = np.where(held > 0, att / held.where(held > 0), np.nan)
    np.testing.assert_allclose(p["attendance_per_session"], expected)
    assert p.loc[held == 0, "attendance_per_session"].isna().all()


def test_carry_forward_in_the_panel():
    p = build_panel(tables(), carry_forward_months=3)
    w0 = p[p["ward_id"] == "W0"].set_index(p.loc[p["ward_id"] == "W0", "month"].dt.strftime("%Y-%m"))
    col = "coproduction_patient_overall"
    assert w0.loc["2024-02", "coproduction_patient_months_carried"] == 0
    assert w0.loc["2024-05", col] == w0.loc["2024-02", col]  # +3 months filled
    assert np.isnan(w0.loc["2024-06", col]) and np.isnan(w0.loc["2024-06", "coproduction_patient_months_carried"])
    assert np.isnan(w0.loc["2024-01", col])
    both = p["coproduction_patient_overall"].notna() & p["coproduction_staff_overall"].notna()
    np.testing.assert_allclose(
        p.loc[both, "coproduction_overall"],
        (p.loc[both, "coproduction_patient_overall"] + p.loc[both, "coproduction_staff_overall"]) / 2,
    )
    assert p.loc[~both, "coproduction_overall"].isna().all()
    assert "next 3 months" in p.attrs["carry_forward_rule"]


def test_both_routes_give_the_same_panel():
    t = tables()
    # complete returns only, so the mean of returns' overall equals the mean of the monthly aspect means
    m = monthly_scores(score_returns(t["coproduction_responses"], t["instrument"]))
    scores = m.drop(columns=["overall", "n_not_scored", "source"]).assign(
        n_returns=lambda d: d["n_returns"].astype("Int64")
    )
    t2 = {k: v for k, v in t.items() if k != "coproduction_responses"} | {"coproduction_scores": scores}
    a, b = build_panel(t), build_panel(t2)
    cop = [c for c in a.columns if c.startswith("coproduction_")]
    pd.testing.assert_frame_equal(a[cop], b[cop], check_exact=False, rtol=1e-9)
    assert a["coproduction_patient_overall"].notna().any()
    assert "scores table" in b.attrs["scores_note"]


def test_both_given_uses_returns_where_present():
    t = tables()
    extra = pd.DataFrame(
        {
            "ward_id": ["W0", "W2"],
            "month": pd.to_datetime(["2024-02-01", "2024-02-01"]),
            "respondent": ["patient", "patient"],
            "lived_experience": [1.0, 90.0],
            "professionals_as_facilitators": [1.0, 90.0],
            "shared_power_and_trust": [1.0, 90.0],
            "reduced_social_distance": [1.0, 90.0],
            "n_returns": pd.array([3, 3], dtype="Int64"),
        }
    )
    p = build_panel(t | {"coproduction_scores": extra})
    feb = p[p["month"] == "2024-02-01"].set_index("ward_id")
    assert feb.loc["W2", "coproduction_patient_overall"] == 90  # only the scores table covers W2
    assert feb.loc["W0", "coproduction_patient_overall"] != 1  # returns win on W0
    assert "Both survey returns and a scores table" in p.attrs["scores_note"]


def test_missing_optional_tables():
    t = tables(with_returns=False)
    wm = t["ward_months"][["ward_id", "month", "occupied_bed_days", "assaults_on_staff"]]
    p = build_panel({"wards": t["wards"], "ward_months": wm, "instrument": t["instrument"]})
    assert "assaults_on_staff_rate_per_1000_obd" in p.columns and "self_harm" not in p.columns
    assert p["coproduction_patient_overall"].isna().all() and p["coproduction_overall"].isna().all()
    assert p["talking_groups_start"].isna().all() and not p["talking_groups_active"].any()
    assert p["months_since_talking_groups"].isna().all()
    assert not any(c.startswith("recovery_") for c in p.columns)
    assert "No co-production" in p.attrs["scores_note"]


def test_measure_slug():
    assert [measure_slug(m) for m in ("QPR-15", "DUNDRUM-4", "HoNOS-Secure", " My measure (v2) ")] == [
        "qpr_15",
        "dundrum_4",
        "honos_secure",
        "my_measure_v2",
    ]
    p = build_panel(tables())
    first = p[p["month"] == "2024-01-01"].set_index("ward_id")
    assert first.loc["W1", "recovery_qpr_15"] == 35 and first.loc["W1", "recovery_qpr_15_n_patients"] == 8
    assert p.loc[p["month"] != "2024-01-01", "recovery_qpr_15"].isna().all()


def test_fast_enough_for_a_rebuild():
    t = tables(n_wards=12, n_months=60)
    build_panel(t)
    start = time.perf_counter()
    build_panel(t)
    assert time.perf_counter() - start < 1.0  # ~0.05 s on a laptop core; loose for a shared CI machine


def test_on_the_synthetic_hospital():
    from analysis.sample import generate as sample

    t = with_defaults(sample.generate().tables)
    p = build_panel(t)
    assert len(p) == len(t["ward_months"])
    gap = (p["coproduction_staff_overall"] - p["coproduction_patient_overall"]).dropna()
    assert len(gap) > 0 and gap.abs().max() < 100
    assert p["coproduction_patient_overall"].between(0, 100).all() or p["coproduction_patient_overall"].isna().any()
    if "talking_groups_held" in p.columns:
        active = p["talking_groups_active"]
        assert (p.loc[active, "months_since_talking_groups"] >= 0).all()
        assert (p.loc[~active & p["talking_groups_start"].notna(), "months_since_talking_groups"] < 0).all()


def test_a_selection_with_no_ward_months_gives_an_empty_panel():
    from analysis.data.dataset import load_sample
    from analysis.data.filters import Filters

    tables = Filters(start=pd.Timestamp("2030-01-01")).apply(load_sample().tables)
    panel = build_panel(tables)
    assert len(panel) == 0
    assert {"ward_id", "month", "month_index", "financial_year"} <= set(panel.columns)

"""The synthetic hospital's known truths, machine-readable (data/sample/truth.json).

Every effect names its scale, its unit and whether it is within or between wards. Measurement
figures (noise of a ward-quarter mean score, the attenuation it implies) are computed from the
design and checked on the generated returns.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pandas as pd

from analysis.data.reference import default_instrument
from analysis.sample.design import SERVICES, SURVEY_ASPECTS, Design
from analysis.sample.surveys import rounding_variance

MAX_CHECKED_RETURNS = 200_000  # the independent re-scoring check runs on sample-sized data only
SCALE = (
    "co-production on the 0-100 scale of the PATIENT-rated overall score (default working instrument, "
    "items rescaled (x - min)/(max - min) x 100 after reversing, aspect = mean of answered items, "
    "overall = mean of the four aspects); staff-rated scores sit staff_gap points higher with the same slope"
)


def _inv_n(lo: int, hi: int) -> float:
    return float(np.mean(1.0 / np.arange(lo, hi + 1)))


def _between(d: Design, base: np.ndarray, log: bool) -> float:
    """Crude between-ward slope per point over the design's wards (services equally weighted)."""
    lat = np.asarray(d.coproduction_by_service)
    y = np.log(base) if log else base
    var_l = lat.var() + d.coproduction_ward_sd**2
    return float(((y - y.mean()) * (lat - lat.mean())).mean() / var_l)


def _measured(tables: dict, latent: pd.DataFrame, d: Design) -> dict | None:
    """Score the generated returns independently and compare with the latent targets."""
    resp = tables.get("coproduction_responses")
    if resp is None or not len(resp) or len(resp) > MAX_CHECKED_RETURNS:
        return None
    inst = default_instrument()
    x = resp[inst["item"].tolist()].to_numpy(dtype=float)
    s = (x - 1.0) / 4.0 * 100.0
    s = np.where(inst["reverse"].to_numpy(dtype=bool)[None, :], 100.0 - s, s)
    aspects = []
    for a in SURVEY_ASPECTS:
        part = s[:, (inst["aspect"] == a).to_numpy()]
        answered = (~np.isnan(part)).sum(axis=1)
        aspects.append(np.where(answered > 0, np.nansum(part, axis=1) / np.maximum(answered, 1), np.nan))
    overall = np.nanmean(np.column_stack(aspects), axis=1)  # a return with no answers at all: 16 blanks, p ~ 0
    df = pd.DataFrame(
        {
            "ward_id": resp["ward_id"],
            "month": resp["date"].dt.to_period("M").dt.to_timestamp(),
            "respondent": resp["respondent"],
            "overall": overall,
        }
    )
    means = df.groupby(["ward_id", "month", "respondent"], as_index=False)["overall"].mean()
    means = means.merge(latent[["ward_id", "month", "coproduction_true"]], on=["ward_id", "month"])
    means["error"] = (
        means["overall"] - means["coproduction_true"] - np.where(means["respondent"] == "staff", d.staff_gap, 0.0)
    )
    out = {}
    for r, g in means.groupby("respondent"):
        out[r] = {"mean_error": round(float(g["error"].mean()), 4), "error_sd": round(float(g["error"].std()), 4)}
    gap = means.pivot_table(index=["ward_id", "month"], columns="respondent", values="overall")
    out["staff_minus_patient_mean_gap"] = round(float((gap["staff"] - gap["patient"]).mean()), 4)
    return out


def build_truth(
    d: Design,
    *,
    seed: int,
    n_wards: int,
    start: str,
    months: int,
    surveys: str,
    ids: list,
    start_q: np.ndarray,
    quarter_ts: pd.DatetimeIndex,
    latent: pd.DataFrame,
    tables: dict,
) -> dict:
    rr = d.assault_rate_ratio_per_10
    tg = d.talking_groups_level_change
    item_var = d.item_sd**2 + rounding_variance()
    per_resp = d.respondent_sd**2 + item_var / (16 * (1 - d.item_nonresponse))
    err_p = per_resp * _inv_n(*d.patients_per_quarter)
    err_s = per_resp * _inv_n(*d.staff_per_quarter)
    q = latent.drop_duplicates(["ward_id", "quarter"])
    within_var = float(q.groupby("ward_id")["coproduction_true"].var(ddof=0).mean())

    def lam(err: float) -> float:
        return within_var / (within_var + err)

    measured = _measured(tables, latent, d)
    coproduction = {
        "scale": SCALE,
        "latent": "per ward and quarter, constant within the quarter: service baseline + ward effect + "
        "hospital drift + talking-groups step + quarter noise",
        "baseline_by_service_at_start": dict(zip(SERVICES, d.coproduction_by_service)),
        "drift_points_per_year": d.coproduction_drift_per_year,
        "staff_minus_patient_gap": d.staff_gap,
        "aspect_offsets": dict(zip(SURVEY_ASPECTS, d.aspect_offsets)),
        "survey_month": "first month of each quarter (months 1, 4, 7, 10 of the series)",
        "measurement": {
            "ward_quarter_mean_error_sd_patient": round(math.sqrt(err_p), 4),
            "ward_quarter_mean_error_sd_staff": round(math.sqrt(err_s), 4),
            "ward_quarter_mean_error_sd_patient_staff_average": round(math.sqrt((err_p + err_s) / 4), 4),
            "within_ward_sd_of_true_coproduction_in_sample": round(math.sqrt(within_var), 4),
            "reliability_within_ward_patient": round(lam(err_p), 4),
            "reliability_within_ward_staff": round(lam(err_s), 4),
            "reliability_within_ward_patient_staff_average": round(lam((err_p + err_s) / 4), 4),
            "checked_on_generated_returns": measured,
        },
    }
    truth = {
        "generator": "analysis.sample.generate.generate",
        "seed": seed,
        "n_wards": n_wards,
        "start": start,
        "months": months,
        "surveys": surveys,
        "design": asdict(d),
        "coproduction": coproduction,
        "assaults_on_staff": {
            "rate_ratio_per_10_points": rr,
            "log_rate_ratio_per_point": math.log(rr) / 10,
            "definition": "TRUE within-ward rate ratio of assaults on staff (per occupied bed day) for a 10-point "
            "rise in latent co-production, same month; equals the between-ward effect once service "
            "is adjusted for (ward rate effects are independent of co-production within service)",
            "model": "NB2: count ~ NegBin(mean = occupied_bed_days/1000 x service rate x exp(ward effect) x "
            "RR^((coproduction - reference)/10) x seasonal factor, alpha)",
            "nb_alpha": d.assault_alpha,
            "rate_per_1000_obd_at_reference_by_service": dict(zip(SERVICES, d.assault_rate_by_service)),
            "ward_log_rate_sd": d.assault_ward_sd,
            "reference_coproduction": d.reference_coproduction,
            "seasonality": f"the mean is multiplied by exp({d.seasonal_amplitude} cos(2 pi (calendar month - 1)/12)): January highest "
            f"(+{math.exp(d.seasonal_amplitude) - 1:.1%}), July lowest",
            "crude_between_ward_rate_ratio_per_10_points": round(
                math.exp(10 * _between(d, np.asarray(d.assault_rate_by_service), True)) * rr, 4
            ),
            "crude_between_ward_note": "Admission wards have both lower co-production and higher base rates, so a "
            "crude between-ward association is STRONGER than the causal within-ward "
            "effect; adjust for service (or use the within-ward effect).",
            "expected_attenuated_rate_ratio_patient_scores": round(rr ** lam(err_p), 4),
            "expected_attenuated_rate_ratio_staff_scores": round(rr ** lam(err_s), 4),
            "expected_attenuated_rate_ratio_patient_staff_average": round(rr ** lam((err_p + err_s) / 4), 4),
            "attenuation_note": "A within-ward model on MEASURED scores (noisy ward-quarter means) estimates "
            "RR^reliability, not RR: see coproduction.measurement. On the true latent the "
            "estimand is rate_ratio_per_10_points.",
        },
    }
    for name, (rates, rr_o, alpha) in d.other_counts.items():
        truth[name] = {
            "rate_ratio_per_10_points": rr_o,
            "nb_alpha": alpha,
            "rate_per_1000_obd_at_reference_by_service": dict(zip(SERVICES, rates)),
            "definition": "within-ward rate ratio per 10-point rise in latent co-production, same month; "
            + ("a stated null" if rr_o == 1.0 else "no seasonality")
            + ("; Poisson" if alpha == 0 else ""),
        }
    for measure, (base, slope, ward_sd, patient_sd) in d.recovery.items():
        slug = "recovery_" + measure.lower().replace("-", "_")
        truth[slug] = {
            "measure": measure,
            "change_per_10_points": slope,
            "definition": "change in the ward's mean score per 10-point rise in latent co-production, same quarter, "
            "within wards (and between wards once service is adjusted for)" + ("; a stated null" if slope == 0 else ""),
            "ward_mean_at_reference_by_service": dict(zip(SERVICES, base)),
            "ward_sd": ward_sd,
            "patient_sd": patient_sd,
            "crude_between_ward_change_per_10_points": round(slope + 10 * _between(d, np.asarray(base), False), 4),
            "expected_attenuated_change_patient_scores": round(slope * lam(err_p), 4),
            "timing": "quarterly ward means, in the quarter's first month (the survey month)",
        }
    started = {ids[w]: quarter_ts[s].strftime("%Y-%m") for w, s in enumerate(start_q) if s >= 0}
    truth["talking_groups"] = {
        "level_change_points": tg,
        "slope_change_points_per_year": d.talking_groups_slope_change_per_year,
        "definition": "step of level_change_points in latent co-production (patient and staff scales alike) "
        "from the start month on, the month of the ward's talking_groups_started event; starts "
        "always fall in a quarter's first month (the survey month), so the survey returned in the "
        "start month is the first to show the step",
        "implied_effects_note": "the step changes the other outcomes from the start month by the implied figures "
        "below (counts: rate ratio = rate_ratio_per_10_points^(level/10), a step; recovery "
        "means: change_per_10_points x level/10, from the start quarter's scores)",
        "direct_log_rate_ratio_assaults_on_staff": d.talking_groups_direct_log_rr,
        "direct_effect_note": "none" if d.talking_groups_direct_log_rr == 0 else "a direct effect on assaults on staff",
        "implied_assault_rate_ratio": round(rr ** (tg / 10) * math.exp(d.talking_groups_direct_log_rr), 6),
        "implied_rate_ratio": {n: round(r ** (tg / 10), 6) for n, (_, r, _) in d.other_counts.items()},
        "implied_recovery_change": {m: round(v[1] * tg / 10, 6) for m, v in d.recovery.items()},
        "start_month_by_ward": started,
        "control_wards": [w for w in ids if w not in started],
        "sessions_per_month": list(d.sessions_per_month),
        "attendance_per_session": list(d.attendance_per_session),
    }
    truth["events_without_effect"] = (
        "'change' events (Ward refurbished, New ward manager) and the hospital-wide 'note' have no effect on any series"
    )
    truth["independent_of_outcomes"] = ["occupied_bed_days", "staff_hours_per_patient_day", "bank_agency_pct"]
    truth["realised"] = _realised(tables)
    return truth


def _realised(tables: dict) -> dict:
    wm = tables["ward_months"]
    y = wm["assaults_on_staff"].astype(float)
    return {
        "assaults_on_staff_per_1000_obd": round(float(y.sum() / wm["occupied_bed_days"].sum() * 1000), 4),
        "assaults_on_staff_share_zero_months": round(float((y == 0).mean()), 4),
        "assaults_on_staff_mean": round(float(y.mean()), 4),
        "assaults_on_staff_variance": round(float(y.var()), 4),
    }

"""The synthetic high-secure hospital: contract tables with known true effects, from a fixed seed.

`generate()` returns the tables (as the loader would parse them), the truths and the latent
co-production; `write_sample()` writes data/sample. The design is `analysis.sample.design.Design`;
data/sample/README.md states it in words. Everything is vectorised so 1,000 wards x 120 months
takes a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.contract import TABLES
from analysis.sample.design import (
    MEASURE_RANGES,
    SERVICES,
    Design,
    nb_draw,
    seasonal_factor,
    ward_ids,
    ward_names,
    ward_services,
)
from analysis.sample.surveys import survey_responses, survey_scores

DEFAULT_SEED = 20260401
SURVEY_MODES = ("responses", "scores", "none")


@dataclass
class SampleHospital:
    """Contract tables (loader dtypes), the truths, and the latent co-production per ward-month."""

    tables: dict[str, pd.DataFrame]
    truth: dict
    latent: pd.DataFrame
    design: Design


def generate(
    seed: int = DEFAULT_SEED,
    n_wards: int = 12,
    start: str = "2021-04",
    months: int = 60,
    surveys: str = "responses",
    **effects,
) -> SampleHospital:
    """Generate a synthetic hospital with known true effects; the same seed gives the same hospital.

    The default arguments make the hospital shipped in data/sample (which `write_sample` writes).

    Parameters
    ----------
    seed : int, default DEFAULT_SEED
        The random seed; every table is a function of it and the other arguments.
    n_wards : int, default 12
        Wards (``W01``, ``W02``, ...), spread over the services.
    start : str, default "2021-04"
        The first month.
    months : int, default 60
        Months of data per ward.
    surveys : {"responses", "scores", "none"}, default "responses"
        "responses" (individual returns), "scores" (a coproduction_scores table drawn with the same means
        and approximately the same noise) or "none". Other tables do not depend on it.
    **effects
        Override any `Design` field (e.g. ``assault_rate_ratio_per_10=1.0`` for no effect on assaults).

    Returns
    -------
    SampleHospital
        ``tables``: the contract tables ``wards``, ``ward_months``, ``recovery``, ``events``, ``targets``
        (fixed, `SAMPLE_TARGETS`) and ``coproduction_responses`` (or ``coproduction_scores``), with the contract's columns in its order and
        the loader's dtypes; ``truth``: the true effects and how the data were made (the content of
        truth.json: ``seed``, ``n_wards``, ``design``, one entry per outcome, ...); ``latent``: the true
        co-production per ward-month (columns ``ward_id``, ``month``, ``coproduction_true``,
        ``coproduction_true_staff``, ``quarter``, ``talking_groups_active``); ``design``: the `Design` used.

    Raises
    ------
    ValueError
        For an unknown `surveys` mode or a `Design` field out of range.

    Examples
    --------
    >>> from analysis import generate, load_sample
    >>> hospital = generate()
    >>> sorted(hospital.tables)
    ['coproduction_responses', 'events', 'recovery', 'survey_returns', 'talking_group_sessions', 'targets',
     'ward_months', 'wards']
    >>> hospital.tables["ward_months"].equals(load_sample().tables["ward_months"])  # the shipped sample
    True
    >>> small = generate(seed=1, n_wards=3, months=12, surveys="scores")
    >>> len(small.tables["ward_months"]), "coproduction_scores" in small.tables
    (36, True)
    >>> small.latent.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['ward_id', 'month', 'coproduction_true', 'coproduction_true_staff', 'quarter', 'talking_groups_active']
    """
    if surveys not in SURVEY_MODES:
        raise ValueError(f"surveys must be one of {SURVEY_MODES}")
    d = Design(**effects)
    d.check()
    r_ward, r_lat, r_tg, r_count, r_rec, r_survey, r_event = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)
    )
    W, M = n_wards, months
    ids = np.array(ward_ids(W), dtype=object)
    service = ward_services(W)
    month_ts = pd.period_range(start, periods=M, freq="M").to_timestamp()
    nq = -(-M // 3)
    q_of_m = np.arange(M) // 3
    quarter_ts = month_ts[np.arange(nq) * 3]

    beds = r_ward.integers(d.beds[0], d.beds[1] + 1, size=W)
    occ = r_ward.uniform(*d.occupancy, size=W)
    hours = r_ward.uniform(9.0, 13.0, size=W)
    bank = r_ward.uniform(5.0, 20.0, size=W)

    start_q = _talking_group_starts(r_tg, d, W, nq)
    latent_q, active_q = _latent(r_lat, d, service, start_q, nq)
    latent_m, active_m = latent_q[:, q_of_m], active_q[:, q_of_m]

    days = month_ts.days_in_month.to_numpy()[None, :]
    occ_m = np.clip(occ[:, None] + r_count.normal(0, d.occupancy_month_sd, (W, M)), 0.6, 1.0)
    obd = np.maximum(np.round(beds[:, None] * days * occ_m), 1.0)
    counts = _counts(r_count, d, service, obd, latent_m, active_m, month_ts.month.to_numpy())
    held = np.where(active_m, r_count.integers(d.sessions_per_month[0], d.sessions_per_month[1] + 1, (W, M)), 0)
    lo, hi = d.attendance_per_session
    attend = held * lo + r_count.binomial(held * (hi - lo), 0.5)
    staff_hours = np.round(hours[:, None] + r_count.normal(0, 0.5, (W, M)), 2)
    bank_pct = np.round(np.clip(bank[:, None] + r_count.normal(0, 3.0, (W, M)), 0, 100), 1)

    wm = {"ward_id": np.repeat(ids, M), "month": np.tile(month_ts.to_numpy(), W), "occupied_bed_days": obd.ravel()}
    wm |= {k: v.ravel() for k, v in counts.items()}
    wm |= {
        "talking_groups_held": held.ravel(),
        "talking_group_attendances": attend.ravel(),
        "staff_hours_per_patient_day": staff_hours.ravel(),
        "bank_agency_pct": bank_pct.ravel(),
    }
    tables = {
        "wards": pd.DataFrame(
            {
                "ward_id": ids,
                "ward_name": ward_names(W),
                "service": [SERVICES[s] for s in service],
                "security_level": "high",
                "beds": beds,
                "opened": pd.NaT,
                "closed": pd.NaT,
            }
        ),
        "ward_months": pd.DataFrame(wm),
        "recovery": _recovery(r_rec, d, service, beds, latent_q, ids, quarter_ts),
        "events": _events(r_event, ids, start_q, quarter_ts, month_ts),
        "targets": _targets(ids, month_ts),
    }
    if surveys == "responses":
        tables["coproduction_responses"] = survey_responses(r_survey, d, latent_q, ids, quarter_ts)
    elif surveys == "scores":
        tables["coproduction_scores"] = survey_scores(r_survey, d, latent_q, ids, quarter_ts)
    tables = {name: conform(name, df) for name, df in tables.items()}

    latent = pd.DataFrame(
        {
            "ward_id": np.repeat(ids, M).astype(str),
            "month": np.tile(month_ts.to_numpy(), W),
            "coproduction_true": latent_m.ravel(),
            "coproduction_true_staff": latent_m.ravel() + d.staff_gap,
            "quarter": np.tile(q_of_m, W),
            "talking_groups_active": active_m.ravel(),
        }
    ).astype({"ward_id": "str"})
    from analysis.sample.truth import build_truth

    truth = build_truth(
        d,
        seed=seed,
        n_wards=W,
        start=start,
        months=M,
        surveys=surveys,
        ids=list(ids),
        start_q=start_q,
        quarter_ts=quarter_ts,
        latent=latent,
        tables=tables,
    )
    from analysis.sample.sessions import session_log  # its own seeded generator: no other table moves

    tables["talking_group_sessions"], truth["talking_group_sessions"] = session_log(seed, tables, latent)
    if surveys == "responses":  # individual returns (EssenCES, staff boundaries): its own seeded generator too
        from analysis.sample.instrument_returns import instrument_returns

        tables["survey_returns"], truth["instrument_returns"] = instrument_returns(
            seed, tables, latent, d.aspect_offsets[3]
        )
    from analysis.sample.boundary import boundary_incidents  # boundary-related incidents: its own generator too

    tables["ward_months"]["boundary_incidents"], truth["boundary_incidents"] = boundary_incidents(
        seed, tables, latent, d.aspect_offsets[3]
    )
    return SampleHospital(tables=tables, truth=truth, latent=latent, design=d)


def true_coproduction(
    seed: int = DEFAULT_SEED, n_wards: int = 12, start: str = "2021-04", months: int = 60, **effects
) -> pd.DataFrame:
    """The TRUE latent panel (ward_id, month, coproduction_true on the patient-rated 0-100 scale, ...)."""
    return generate(seed, n_wards, start, months, surveys="none", **effects).latent


def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write one CSV per table, truth.json and README.md into out_dir (byte-identical for a seed)."""
    from analysis.sample.write import write_hospital

    return write_hospital(generate(seed), Path(out_dir))


def _talking_group_starts(rng: np.random.Generator, d: Design, W: int, nq: int) -> np.ndarray:
    """Start quarter per ward (-1 = never): a share of wards, staggered within the window."""
    n_start = int(round(d.talking_groups_share_of_wards * W))
    if W >= 4:
        n_start = min(n_start, W - 2)  # keep at least two control wards
    lo = int(d.talking_groups_window[0] * nq)
    hi = max(lo, int(d.talking_groups_window[1] * nq))
    start_q = np.full(W, -1)
    starters = rng.permutation(W)[:n_start]
    start_q[starters] = rng.integers(lo, hi + 1, size=n_start)
    return start_q


def _latent(rng: np.random.Generator, d: Design, service: np.ndarray, start_q: np.ndarray, nq: int):
    W = len(service)
    q = np.arange(nq)[None, :]
    active = (start_q[:, None] >= 0) & (q >= start_q[:, None])
    years_since = np.where(active, (q - start_q[:, None]) * 3 / 12.0, 0.0)
    latent = (
        np.asarray(d.coproduction_by_service)[service][:, None]
        + rng.normal(0, d.coproduction_ward_sd, W)[:, None]
        + d.coproduction_drift_per_year * q * 3 / 12.0
        + d.talking_groups_level_change * active
        + d.talking_groups_slope_change_per_year * years_since
        + rng.normal(0, d.coproduction_quarter_sd, (W, nq))
    )
    return latent, active


def _counts(rng, d: Design, service, obd, latent_m, active_m, calendar_month) -> dict[str, np.ndarray]:
    ref = (latent_m - d.reference_coproduction) / 10.0
    rate = np.asarray(d.assault_rate_by_service)[service] * np.exp(rng.normal(0, d.assault_ward_sd, len(service)))
    mu = (
        obd
        / 1000.0
        * rate[:, None]
        * d.assault_rate_ratio_per_10**ref
        * seasonal_factor(calendar_month, d.seasonal_amplitude)[None, :]
        * np.exp(d.talking_groups_direct_log_rr * active_m)
    )
    out = {"assaults_on_staff": nb_draw(rng, mu, d.assault_alpha)}
    for name, (rates, rr, alpha) in d.other_counts.items():
        rate = np.asarray(rates)[service] * np.exp(rng.normal(0, d.assault_ward_sd, len(service)))
        out[name] = nb_draw(rng, obd / 1000.0 * rate[:, None] * rr**ref, alpha)
    return out


def _recovery(rng, d: Design, service, beds, latent_q, ids, quarter_ts) -> pd.DataFrame:
    W, nq = latent_q.shape
    parts = []
    for measure, (base, slope, ward_sd, patient_sd) in d.recovery.items():
        lo, hi = MEASURE_RANGES[measure]
        n = np.maximum(rng.binomial(np.repeat(beds[:, None], nq, axis=1), d.recovery_response_share), 3)
        mean = (
            np.asarray(base)[service][:, None]
            + rng.normal(0, ward_sd, W)[:, None]
            + slope * (latent_q - d.reference_coproduction) / 10.0
            + rng.normal(0, 1, (W, nq)) * patient_sd / np.sqrt(n)
        )
        parts.append(
            pd.DataFrame(
                {
                    "ward_id": np.repeat(ids, nq),
                    "month": np.tile(quarter_ts.to_numpy(), W),
                    "measure": measure,
                    "mean_score": np.round(np.clip(mean, lo, hi), 2).ravel(),
                    "n_patients": n.ravel(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _events(rng, ids, start_q, quarter_ts, month_ts) -> pd.DataFrame:
    """Talking-group starts dated within the first month of the start quarter (the month the step begins
    and the survey month), two ward changes and one hospital-wide note."""
    rows = [
        (
            ids[w],
            quarter_ts[q] + pd.Timedelta(days=int(rng.integers(0, 28))),
            "talking_groups_started",
            "Talking groups started",
        )
        for w, q in enumerate(start_q)
        if q >= 0
    ]
    M = len(month_ts)
    for label, share in (("Ward refurbished", 0.45), ("New ward manager", 0.8)):
        w = int(rng.integers(0, len(ids)))
        rows.append(
            (ids[w], month_ts[int(share * (M - 1))] + pd.Timedelta(days=int(rng.integers(0, 28))), "change", label)
        )
    rows.append(
        (
            None,
            month_ts[int(0.6 * (M - 1))] + pd.Timedelta(days=int(rng.integers(0, 28))),
            "note",
            "Incident reporting system upgraded",
        )
    )
    return pd.DataFrame(rows, columns=["ward_id", "date", "kind", "label"])


# The sample's targets: (ward or None for every ward, measure, target, direction or None, months before the end
# the target starts). Fixed, not drawn: hospital-wide targets from two years before the end (the start of the
# financial year 2024/25 in the shipped sample), one tightened a year later, one ward's own and one measure whose
# better direction the target states. Against the shipped sample they give every kind of assurance: attendance
# consistently met, co-production as patients see it consistently missed on two wards, QPR-15 met on one ward and
# missed on another, incident rates hit and miss (a month's rate on one ward varies too much for more).
SAMPLE_TARGETS = (
    (None, "assaults_on_staff", 4.0, None, 24),
    ("W01", "assaults_on_staff", 6.0, None, 12),
    (None, "restraints", 10.0, None, 24),
    (None, "coproduction_patient_overall", 55.0, None, 24),
    (None, "coproduction_staff_overall", 55.0, None, 24),
    (None, "QPR-15", 35.0, None, 24),
    (None, "QPR-15", 38.0, None, 12),
    (None, "HoNOS-Secure", 20.0, None, 24),
    (None, "attendance_per_session", 5.0, "higher", 36),
)


def _targets(ids, month_ts) -> pd.DataFrame:
    """The fixed SAMPLE_TARGETS, dated from the series' end (never before its first month)."""
    M = len(month_ts)
    rows = [
        (w, m, v, d, month_ts[max(0, M - back)]) for w, m, v, d, back in SAMPLE_TARGETS if w is None or w in set(ids)
    ]
    frame = pd.DataFrame(rows, columns=["ward_id", "measure", "target", "direction", "valid_from"])
    # a short series clamps two starts of one measure to its first month: the later (tighter) target stands
    return frame.drop_duplicates(["ward_id", "measure", "valid_from"], keep="last", ignore_index=True)


_SORT = {
    "wards": ["ward_id"],
    "ward_months": ["ward_id", "month"],
    "recovery": ["ward_id", "month", "measure"],
    "events": ["date", "ward_id", "kind", "label"],
    "targets": ["ward_id", "measure", "valid_from"],
    "coproduction_responses": ["response_id"],
    "coproduction_scores": ["ward_id", "month", "respondent"],
}


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Contract column order, loader dtypes (text str, dates datetime64[ns], counts Int64, numbers float64), sorted."""
    t = TABLES[name]
    extra = [c for c in df.columns if c not in t.columns]
    out = pd.DataFrame(index=df.index)
    for f in t.fields:
        # an optional column the generator does not make is blank, as the loader gives it (issue 12's columns)
        s = df[f.name] if f.name in df or f.required else pd.Series(None, index=df.index, dtype=object)
        if f.kind in ("id", "text", "choice"):
            out[f.name] = s.astype(object).where(pd.notna(s), None).astype("str")
        elif f.kind in ("month", "date"):
            out[f.name] = pd.to_datetime(s).astype("datetime64[ns]")
        elif f.kind == "count":
            out[f.name] = pd.array(s, dtype="Int64")
        else:
            out[f.name] = s.astype("float64")
    for c in extra:
        out[c] = df[c].astype("float64")
    return out.sort_values(_SORT[name], kind="stable", na_position="first").reset_index(drop=True)

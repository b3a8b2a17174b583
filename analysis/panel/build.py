"""The analysis panel: one row per ward-month with rates, co-production scores, recovery and talking groups.

Column names are fixed by notes/panel.md; every model and page reads them. Co-production columns are
always present (all missing when no survey data were given) so models can name them; recovery columns
appear only for measures in the data.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.data.contract import ASPECTS, INCIDENT_COUNTS, RESPONDENTS
from analysis.panel.instruments import PANEL_SCORES, add_instrument_columns
from analysis.panel.own_instruments import add_own_instrument_columns
from analysis.panel.scoring import (
    carry_forward,
    carry_forward_rule,
    combine_sources,
    monthly_scores,
    score_returns,
    scores_from_table,
)
from analysis.panel.sessions import SESSION_COLUMNS, add_session_columns

SCORE_PARTS = ("overall", *ASPECTS)
WARD_COLUMNS = ("ward_name", "service", "security_level", "beds")
OPTIONAL_NUMBERS = ("staff_hours_per_patient_day", "bank_agency_pct")


def measure_slug(name: str) -> str:
    """A measure's column slug: lower case, runs of non-alphanumerics as '_' (QPR-15 -> qpr_15)."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


def score_column(respondent: str, part: str = "overall") -> str:
    """The panel column for a respondent group's score: coproduction_patient_overall, ..."""
    return f"coproduction_{respondent}_{part}"


def build_panel(
    tables: dict[str, pd.DataFrame], carry_forward_months: int = 3, min_share_answered: float = 0.5
) -> pd.DataFrame:
    """Build the ward-month panel every model is fitted on: one row per row of `ward_months`.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Contract tables by name (`Dataset.tables`, after `Filters.apply` for a view). ``ward_months`` is
        required; ``wards``, ``events``, ``recovery``, ``talking_group_sessions``, the survey
        (``coproduction_responses`` with ``instrument``, or ``coproduction_scores``) add their columns when present.
    carry_forward_months : int, default 3
        A survey's scores stand for its own month and this many months after; then the month is missing.
    min_share_answered : float, default 0.5
        A survey return is scored on an aspect only when at least this share of its items is answered.

    Returns
    -------
    DataFrame
        Sorted by ``ward_id`` and ``month``, columns in this order: ``ward_id``, ``ward_name``, ``service``,
        ``security_level``, ``beds``, ``month`` (first day of the month), ``month_index`` (0 at the first
        month), ``calendar_month``, ``financial_year`` ("2025/26"), ``occupied_bed_days``; for each incident
        count present (``assaults_on_staff``, ``assaults_on_patients``, ``self_harm``, ``restraints``,
        ``seclusions``, ``transfers_to_lower_security``) the count and ``<count>_rate_per_1000_obd``;
        ``staff_hours_per_patient_day`` and ``bank_agency_pct`` when given; ``talking_groups_held``,
        ``talking_group_attendances``, ``attendance_per_session``, ``talking_groups_start``,
        ``talking_groups_active``, ``months_since_talking_groups``; with a talking-group session log
        (``talking_group_sessions``) the ward-month ``tg_meetings``, ``tg_patient_attendances``,
        ``tg_staff_attendances``, ``tg_items_raised``, ``tg_items_resolved``, ``tg_share_resolved`` (0 to 100),
        ``tg_staff_per_meeting`` and ``tg_items_per_meeting`` (missing in a month without meetings;
        `analysis.panel.sessions`); co-production scores
        ``coproduction_<patient|staff>_<overall|aspect>`` (0 to 100; always present, all missing without a
        survey) with ``coproduction_<patient|staff>_months_carried`` and ``_n_returns``, and
        ``coproduction_overall``; for each recovery measure ``recovery_<measure>`` (for example
        ``recovery_qpr_15``) and ``recovery_<measure>_n_patients``; then any other ``ward_months`` column.
        ``panel.attrs`` holds ``carry_forward_months``, ``carry_forward_rule`` and ``scores_note`` (in words)
        and ``incident_counts`` (the counts given rates).

    Examples
    --------
    >>> from analysis import build_panel, load_sample
    >>> panel = build_panel(load_sample().tables)
    >>> panel.shape
    (720, 81)
    >>> panel.columns[:10].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['ward_id', 'ward_name', 'service', 'security_level', 'beds', 'month', 'month_index', 'calendar_month',
     'financial_year', 'occupied_bed_days']
    >>> panel.attrs["incident_counts"][:2]
    ['assaults_on_staff', 'assaults_on_patients']
    >>> bool(panel["coproduction_patient_overall"].dropna().between(0, 100).all())
    True
    """
    wm = tables["ward_months"]
    panel = wm.sort_values(["ward_id", "month"], kind="stable").reset_index(drop=True)
    panel["month"] = pd.to_datetime(panel["month"]).dt.to_period("M").dt.to_timestamp()
    panel = _ward_details(panel, tables.get("wards"))
    panel = _calendar(panel)
    counts = [c for c in INCIDENT_COUNTS if c in panel.columns]
    panel = _rates(panel, counts)
    panel = _talking_groups(panel, tables.get("events"))
    panel = add_session_columns(panel, tables.get("talking_group_sessions"))
    scores, note = _scores(tables, carry_forward_months, min_share_answered)
    panel = _attach_scores(panel, scores)
    panel = _recovery(panel, tables.get("recovery"))
    panel = add_instrument_columns(panel, tables.get("survey_returns"), tables.get("instrument"))
    panel = add_own_instrument_columns(panel, tables.get("survey_returns"), tables.get("instrument"))
    panel = panel[_ordered(panel.columns, counts)]
    panel.attrs = {
        "carry_forward_months": carry_forward_months,
        "carry_forward_rule": carry_forward_rule(carry_forward_months),
        "scores_note": note,
        "incident_counts": counts,
    }
    return panel


def _ordered(columns: pd.Index, counts: list[str]) -> list[str]:
    """The documented column order; anything else the ward_months table carried goes last."""
    head = ["ward_id", *WARD_COLUMNS, "month", "month_index", "calendar_month", "financial_year", "occupied_bed_days"]
    for c in counts:
        head += [c, f"{c}_rate_per_1000_obd"]
    head += [
        *OPTIONAL_NUMBERS,
        "talking_groups_held",
        "talking_group_attendances",
        "attendance_per_session",
        "talking_groups_start",
        "talking_groups_active",
        "months_since_talking_groups",
        *SESSION_COLUMNS,
    ]
    head += [c for c in columns if c.startswith(("coproduction_", "recovery_"))]
    head += [c for p in PANEL_SCORES for c in (p.column, f"{p.column}_n_returns")]
    head = [c for c in head if c in columns]
    return head + [c for c in columns if c not in head]


def _ward_details(panel: pd.DataFrame, wards: pd.DataFrame | None) -> pd.DataFrame:
    base = ["ward_id", "month"]
    if wards is None or not len(wards):
        for c in WARD_COLUMNS:
            panel[c] = np.nan
        return panel
    w = wards[["ward_id", *[c for c in WARD_COLUMNS if c in wards.columns]]].drop_duplicates("ward_id")
    rest = [c for c in panel.columns if c not in base and c not in WARD_COLUMNS]
    out = panel[base + rest].merge(w, on="ward_id", how="left")
    return out[["ward_id", *[c for c in WARD_COLUMNS if c in out.columns], "month", *rest]]


def _calendar(panel: pd.DataFrame) -> pd.DataFrame:
    m = panel["month"]
    idx = m.dt.year * 12 + m.dt.month - 1
    pos = panel.columns.get_loc("month") + 1
    panel.insert(pos, "month_index", (idx - idx.min()).astype("int64") if len(m) else idx)
    panel.insert(pos + 1, "calendar_month", m.dt.month.astype("int64"))
    start = pd.Series(np.where(m.dt.month >= 4, m.dt.year, m.dt.year - 1), index=panel.index, dtype="int64")
    years, back = np.unique(start.to_numpy(), return_inverse=True)  # each distinct year's label made once
    words = pd.array([f"{y}/{(y + 1) % 100:02d}" for y in years], dtype="str")
    fy = pd.Series(words.take(back.reshape(-1)), index=panel.index)
    panel.insert(pos + 2, "financial_year", fy)
    return panel


def _rates(panel: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    obd = pd.to_numeric(panel["occupied_bed_days"], errors="coerce").astype(float)
    panel["occupied_bed_days"] = obd
    new = {}
    for c in counts:
        x = pd.to_numeric(panel[c], errors="coerce").astype(float)
        new[c] = x
        new[f"{c}_rate_per_1000_obd"] = x / obd.where(obd > 0) * 1000.0
    keep = [c for c in panel.columns if c not in counts]
    ordered = keep[: keep.index("occupied_bed_days") + 1]
    rest = keep[len(ordered) :]
    block = pd.DataFrame(new, index=panel.index)
    return pd.concat([panel[ordered], block, panel[rest]], axis=1)


def _talking_groups(panel: pd.DataFrame, events: pd.DataFrame | None) -> pd.DataFrame:
    if "talking_groups_held" in panel.columns:
        held = pd.to_numeric(panel["talking_groups_held"], errors="coerce").astype(float)
        panel["talking_groups_held"] = held
        if "talking_group_attendances" in panel.columns:
            att = pd.to_numeric(panel["talking_group_attendances"], errors="coerce").astype(float)
            panel["talking_group_attendances"] = att
            panel["attendance_per_session"] = att / held.where(held > 0)
    start = pd.Series(pd.NaT, index=panel.index, dtype="datetime64[ns]")
    if events is not None and len(events) and {"kind", "date"} <= set(events.columns):
        ev = events[events["kind"].astype(str) == "talking_groups_started"]
        if len(ev):
            month = pd.to_datetime(ev["date"]).dt.to_period("M").dt.to_timestamp()
            wid = ev["ward_id"].astype("str") if "ward_id" in ev.columns else pd.Series(pd.NA, index=ev.index)
            blank = wid.isna() | (wid.fillna("").str.strip() == "")
            per_ward = month[~blank].groupby(wid[~blank]).min()
            start = panel["ward_id"].astype(str).map(per_ward).astype("datetime64[ns]")
            if blank.any():  # a hospital-wide start applies to every ward (the earlier start wins)
                hw = month[blank].min()
                start = start.where(start.notna() & (start <= hw), hw)
    panel["talking_groups_start"] = start
    panel["talking_groups_active"] = (panel["month"] >= start).to_numpy(dtype=bool)
    months = (panel["month"].dt.year - start.dt.year) * 12 + (panel["month"].dt.month - start.dt.month)
    panel["months_since_talking_groups"] = months.astype(float)
    return panel


def _scores(tables: dict, carry: int, min_share: float) -> tuple[pd.DataFrame, str]:
    resp, given = tables.get("coproduction_responses"), tables.get("coproduction_scores")
    from_returns = None
    if resp is not None and len(resp):
        from_returns = monthly_scores(score_returns(resp, tables["instrument"], min_share))
    from_scores = scores_from_table(given, min_share) if given is not None and len(given) else None
    monthly, note = combine_sources(from_returns, from_scores)
    return carry_forward(monthly, carry), note


def _attach_scores(panel: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    new = {}
    keys = pd.MultiIndex.from_frame(panel[["ward_id", "month"]].astype({"ward_id": "str"}))
    for r in RESPONDENTS:
        s = scores[scores["respondent"].astype(str) == r]
        s = s.set_index([s["ward_id"].astype("str"), s["month"]])
        s.index.names = ["ward_id", "month"]
        s = s[[c for c in (*SCORE_PARTS, "months_carried", "n_returns") if c in s.columns]]  # no text to realign
        aligned = s.reindex(keys) if len(s) else pd.DataFrame(index=keys)
        for part in SCORE_PARTS:
            col = aligned[part] if part in aligned.columns else np.nan
            new[score_column(r, part)] = np.asarray(col, dtype=float) * np.ones(len(panel))
        for extra in ("months_carried", "n_returns"):
            col = aligned[extra] if extra in aligned.columns else np.nan
            new[f"coproduction_{r}_{extra}"] = np.asarray(col, dtype=float) * np.ones(len(panel))
    block = pd.DataFrame(new, index=panel.index)
    block["coproduction_overall"] = block[[score_column(r) for r in RESPONDENTS]].mean(axis=1, skipna=False)
    return pd.concat([panel, block], axis=1)


def _recovery(panel: pd.DataFrame, recovery: pd.DataFrame | None) -> pd.DataFrame:
    if recovery is None or not len(recovery):
        return panel
    codes, names = pd.factorize(recovery["measure"], use_na_sentinel=False)  # each distinct name's slug once
    rec = recovery.assign(
        slug=pd.array([measure_slug(m) for m in names], dtype="str").take(codes),
        month=pd.to_datetime(recovery["month"]).dt.to_period("M").dt.to_timestamp(),
        ward_id=recovery["ward_id"].astype("str"),
    )
    wide = rec.pivot_table(
        index=["ward_id", "month"],
        columns="slug",
        values=["mean_score", "n_patients"],
        aggfunc={"mean_score": "mean", "n_patients": "sum"},
    )
    keys = pd.MultiIndex.from_frame(panel[["ward_id", "month"]].astype({"ward_id": "str"}))
    wide = wide.reindex(keys)
    new = {}
    for slug in sorted(rec["slug"].unique()):
        new[f"recovery_{slug}"] = wide[("mean_score", slug)].to_numpy(dtype=float)
        new[f"recovery_{slug}_n_patients"] = wide[("n_patients", slug)].to_numpy(dtype=float)
    return pd.concat([panel, pd.DataFrame(new, index=panel.index)], axis=1)

"""The synthetic hospital's talking group session log: one row per meeting, agreeing with ward_months.

Drawn from its OWN seeded generator (the hospital's seed and `SEED_OFFSET`), after every other table, so adding
it moved no number of the existing sample. Each ward-month has as many meetings as its ``talking_groups_held``,
and the patients attending them add up to its ``talking_group_attendances`` (that column counts patients).

Known truths (written to truth.json under ``talking_group_sessions``):

- The share of a meeting's items resolved by the next meeting follows the ward-month's TRUE patient-rated
  co-production: items resolved ~ Binomial(items raised, p) with p = `RESOLVED_SHARE_AT_REFERENCE` x
  `RESOLVED_RATE_RATIO_PER_10` ^ ((true co-production - 50) / 10). The association runs from co-production to
  resolving (a ward that already works with patients settles their items sooner), not the other way: the
  survey returns were drawn before and without the log, so resolving items has NO effect on co-production or
  assaults in these data, and any association a model finds between them is the common cause.
- Attendance has no effect beyond the start of talking groups (the attendances in ward_months are drawn
  without reference to co-production).
- Staff attendance falls by `STAFF_FALL` (every role) on `STAFF_FALL_WARDS` wards from two-thirds of the way
  through their months of meetings: the change the SPC charts of staff attendance should find.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.contract import CHAIRS, ITEM_KINDS, STAFF_ROLES, TABLES

SEED_OFFSET = 14_0001  # the log's generator: SeedSequence([hospital seed, SEED_OFFSET])
RESOLVED_SHARE_AT_REFERENCE = 0.55  # share of items resolved by the next meeting at true co-production 50
RESOLVED_RATE_RATIO_PER_10 = 1.15  # the share's ratio per 10 points of true co-production (log link)
RESOLVED_SHARE_CAP = 0.95
CARRIED_SHARE = 0.7  # of the items not resolved, the share carried over (the rest dropped or withdrawn)
REFERENCE = 50.0
# Mean staff per meeting by role (Poisson), before any fall.
STAFF_MEANS = {
    "nurse": 2.2,
    "healthcare_support_worker": 1.6,
    "psychologist": 0.6,
    "occupational_therapist": 0.5,
    "psychiatrist": 0.25,
    "social_worker": 0.25,
    "other": 0.3,
}
ITEM_MEANS = {"information": 1.4, "request": 2.2, "complaint": 0.8, "suggestion": 1.0, "thanks": 0.6, "other": 0.3}
STAFF_FALL = 0.5  # staff attendance multiplied by this after the fall
STAFF_FALL_WARDS = 2
PATIENT_CHAIR_SHARE = 0.4


def session_log(seed: int, tables: dict[str, pd.DataFrame], latent: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The session log (contract columns, loader dtypes, sorted by ward and date) and its truths.

    `tables` holds the hospital's ``wards`` and ``ward_months``; `latent` its true co-production per ward-month.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), SEED_OFFSET]))
    wm = tables["ward_months"].merge(latent[["ward_id", "month", "coproduction_true"]], on=["ward_id", "month"])
    wm = wm.sort_values(["ward_id", "month"], kind="stable").reset_index(drop=True)
    held = wm["talking_groups_held"].fillna(0).to_numpy(int)
    attend = wm["talking_group_attendances"].fillna(0).to_numpy(int)
    row = np.repeat(np.arange(len(wm)), held)  # each meeting's ward-month
    n = len(row)

    # days: h distinct days of the month, in order
    days_in = wm["month"].dt.days_in_month.to_numpy()
    H = max(int(held.max(initial=0)), 1)
    keys = rng.random((len(wm), 31))
    keys[np.arange(31)[None, :] >= days_in[:, None]] = np.inf
    first = np.argsort(keys, axis=1)[:, :H]  # h random distinct days of each month
    first = np.sort(np.where(np.arange(H)[None, :] < held[:, None], first, 99), axis=1)
    k = np.arange(n) - np.repeat(np.cumsum(held) - held, held)  # the meeting's place in its month
    picked = first[row, k]
    date = wm["month"].to_numpy()[row] + pd.to_timedelta(picked, unit="D").to_numpy()

    # patients: the month's attendances shared as evenly as possible, then one moved between neighbours
    base, rem = np.divmod(attend, np.maximum(held, 1))
    rank = np.argsort(np.argsort(rng.random(n) + row))  # a random order within the month (rows are grouped)
    rank = rank - np.repeat(np.cumsum(held) - held, held)
    patients = base[row] + (rank < rem[row])
    shift = (rng.random(n) < 0.5).astype(int)
    prev = np.where(k == 0, np.arange(n) + held[row] - 1, np.arange(n) - 1)  # the month's previous, cyclic
    patients = patients + shift - shift[prev] * (held[row] > 1)
    patients = np.maximum(patients, 0)

    # staff: Poisson by role, falling on STAFF_FALL_WARDS wards late in their meetings
    wards = np.array(sorted(wm.loc[held > 0, "ward_id"].unique()), dtype=object)
    fell = sorted(rng.choice(wards, size=min(STAFF_FALL_WARDS, len(wards)), replace=False).tolist())
    fall_from = {}
    for w in fell:
        months = wm.loc[(wm["ward_id"] == w) & (held > 0), "month"].reset_index(drop=True)
        fall_from[w] = months[int(len(months) * 2 / 3)]
    ward_of = wm["ward_id"].to_numpy()[row]
    month_of = wm["month"].to_numpy()[row]
    factor = np.ones(n)
    for w, m in fall_from.items():
        factor[(ward_of == w) & (month_of >= np.datetime64(m))] = STAFF_FALL
    staff = {f"staff_{r}": rng.poisson(STAFF_MEANS[r] * factor) for r in STAFF_ROLES}
    staff["staff_nurse"] = np.maximum(staff["staff_nurse"], 1)  # a nurse is at every meeting

    duration = 5 * np.round(rng.normal(50, 10, n).clip(20, 90) / 5)
    chaired = np.where(rng.random(n) < PATIENT_CHAIR_SHARE, CHAIRS[0], CHAIRS[1])
    items = {f"items_{kind}": rng.poisson(ITEM_MEANS[kind], n) for kind in ITEM_KINDS}
    raised = sum(items.values())
    true_cp = wm["coproduction_true"].to_numpy(float)[row]
    share = np.minimum(
        RESOLVED_SHARE_AT_REFERENCE * RESOLVED_RATE_RATIO_PER_10 ** ((true_cp - REFERENCE) / 10), RESOLVED_SHARE_CAP
    )
    resolved = rng.binomial(raised, share)
    carried = rng.binomial(raised - resolved, CARRIED_SHARE)

    log = pd.DataFrame(
        {
            "ward_id": ward_of,
            "date": date,
            "duration_minutes": duration.astype(int),
            "patients_attending": patients,
            **staff,
            "chaired_by": chaired,
            **items,
            "items_resolved_by_next": resolved,
            "items_carried_over": carried,
        }
    )
    truth = {
        "seed": [int(seed), SEED_OFFSET],
        "meetings": int(n),
        "matches_ward_months": "each ward-month has talking_groups_held meetings; their patients_attending add up "
        "to its talking_group_attendances",
        "items_resolved_rate_ratio_per_10": RESOLVED_RATE_RATIO_PER_10,
        "items_resolved_share_at_50": RESOLVED_SHARE_AT_REFERENCE,
        "items_resolved_rule": "items_resolved_by_next ~ Binomial(items raised, p), p = "
        f"{RESOLVED_SHARE_AT_REFERENCE} x {RESOLVED_RATE_RATIO_PER_10} ^ ((TRUE patient-rated co-production of the "
        f"ward-month - 50) / 10), at most {RESOLVED_SHARE_CAP}: within and between wards",
        "items_resolved_effect_on_coproduction": 0.0,
        "items_resolved_effect_on_assaults_log_rr": 0.0,
        "direction": "co-production drives resolving, not the reverse: the surveys and incidents were drawn without "
        "the log, so a model of co-production or assaults on items resolved finds only the common cause",
        "attendance_effect_beyond_start": 0.0,
        "staff_attendance_fell": {w: m.strftime("%Y-%m") for w, m in fall_from.items()},
        "staff_fall_factor": STAFF_FALL,
        "carried_over_share_of_unresolved": CARRIED_SHARE,
    }
    return conform_sessions(log), truth


def conform_sessions(df: pd.DataFrame) -> pd.DataFrame:
    """Contract column order and the loader's dtypes (text str, date datetime64[ns], counts Int64), sorted."""
    t = TABLES["talking_group_sessions"]
    out = pd.DataFrame(index=df.index)
    for f in t.fields:
        s = df[f.name]
        if f.kind in ("id", "text", "choice"):
            out[f.name] = s.astype(object).where(pd.notna(s), None).astype("str")
        elif f.kind == "date":
            out[f.name] = pd.to_datetime(s).astype("datetime64[ns]")
        else:
            out[f.name] = pd.array(s, dtype="Int64")
    return out.sort_values(["ward_id", "date"], kind="stable").reset_index(drop=True)

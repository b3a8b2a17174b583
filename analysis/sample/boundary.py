"""The synthetic hospital's boundary-related incidents: the ward_months column and their rows in the raw listing.

Drawn from its OWN seeded generator (the hospital's seed and `SEED_OFFSET`), after every other table, so adding
them moved no number of the existing sample: ward_months gains one column, the raw incident listing gains rows
(with references of their own, `FIRST_REFERENCE` on, slotted in by date), and nothing else changes.

Known truth (truth.json under ``boundary_incidents``). The ward's CLOSENESS is its TRUE patient-rated reduced
social distance that month (the co-production latent plus the reduced-social-distance aspect offset, 0 to 100,
as `analysis.sample.instrument_returns` uses it). A ward-month's expected boundary incidents are

    occupied bed days / 1,000 x `BASE_RATE` x the ward's own factor x `RATE_RATIO_PER_10` ** ((closeness - 50) / 10)

with the ward's factor exp(N(0, `WARD_SD`)) drawn once, and the count Poisson: where relationships are closer,
boundary incidents rise (the same rate ratio within a ward and between wards).
"""

from __future__ import annotations

import bisect

import numpy as np
import pandas as pd

SEED_OFFSET = 14_0014  # SeedSequence([hospital seed, SEED_OFFSET])
COLUMN = "boundary_incidents"
BASE_RATE = 1.0  # per 1,000 occupied bed days at closeness 50
RATE_RATIO_PER_10 = 1.35  # TRUE rate ratio per 10 points closer (patient-rated), within and between wards
WARD_SD = 0.2  # log-scale ward factor
REFERENCE = 50.0
REJECTED_SHARE = 0.1  # reported, then rejected after review: in the listing, never counted
FIRST_REFERENCE = 500_001  # the listing's references for these rows (the other incidents' are 100,001 on)
# (category, sub-category) as the sample hospital's incident system writes them; the starter profiles map both.
LABELS = [
    ("Staff conduct", "Boundary violation / inappropriate relationship"),
    ("Staff conduct", "Staff boundary concern"),
]
LABELS_P = [0.35, 0.65]
TEXT = [
    "Concern raised about a staff member's contact with a patient outside their role; discussed at supervision.",
    "Patient gave a staff member a personal gift; returned and reflected on with the ward manager.",
    "Staff member shared personal contact details with a patient; reviewed under the boundaries policy.",
]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), SEED_OFFSET]))


def boundary_incidents(
    seed: int, tables: dict[str, pd.DataFrame], latent: pd.DataFrame, rsd_offset: float
) -> tuple[pd.Series, dict]:
    """The ward_months column (Int64, aligned to ``tables["ward_months"]``' rows) and its truths.

    `latent` is the hospital's true co-production per ward-month; `rsd_offset` the design's offset of the
    reduced-social-distance aspect (closeness = coproduction_true + rsd_offset).
    """
    rng = _rng(seed)
    wm = tables["ward_months"]
    wards = sorted(wm["ward_id"].astype(str).unique())
    factor = dict(zip(wards, np.exp(rng.normal(0.0, WARD_SD, len(wards)))))
    close = latent.set_index(["ward_id", "month"])["coproduction_true"] + rsd_offset
    keys = list(zip(wm["ward_id"].astype(str), pd.to_datetime(wm["month"])))
    closeness = close.reindex(keys).to_numpy(float)
    mu = (
        wm["occupied_bed_days"].to_numpy(float)
        / 1000.0
        * BASE_RATE
        * wm["ward_id"].astype(str).map(factor).to_numpy(float)
        * RATE_RATIO_PER_10 ** ((closeness - REFERENCE) / 10.0)
    )
    counts = pd.Series(pd.array(rng.poisson(mu), dtype="Int64"), index=wm.index, name=COLUMN)
    truth = {
        "description": (
            "Boundary-related incidents per ward-month (ward_months.boundary_incidents; in the raw listing as "
            "'Staff conduct' incidents). Expected count = occupied bed days / 1000 x base rate x the ward's own "
            "factor x rate ratio ** ((closeness - 50) / 10), Poisson. Closeness is the ward's TRUE patient-rated "
            "reduced social distance that month (0 to 100). The same rate ratio holds within and between wards."
        ),
        "closeness": "coproduction_true + the reduced_social_distance aspect offset (patient-rated, 0 to 100)",
        "rate_ratio_per_10_points": RATE_RATIO_PER_10,
        "base_rate_per_1000_obd_at_closeness_50": BASE_RATE,
        "ward_sd_log": WARD_SD,
        "total": int(counts.sum()),
        "seed_offset": SEED_OFFSET,
    }
    return counts, truth


def listing_rows(wards: pd.DataFrame, ward_months: pd.DataFrame, seed: int | None) -> list[list[str]]:
    """The raw listing's rows for the boundary incidents (cells as `analysis.sample.listings.LISTING_COLUMNS`),
    in date order: one Approved or Awaiting row per counted incident and a few Rejected ones, from their own
    generator (not the hospital's, not the listing's)."""
    if COLUMN not in ward_months or seed is None or ward_months[COLUMN].isna().all():
        return []
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), SEED_OFFSET, 1]))
    names = dict(zip(wards["ward_id"].astype(str), wards["ward_name"].astype(str)))
    drawn: list[tuple[pd.Timestamp, str, list[str]]] = []
    wm = ward_months.assign(month=pd.to_datetime(ward_months["month"]))
    for r in wm.itertuples(index=False):
        n = int(getattr(r, COLUMN) or 0)
        rejected = int(rng.binomial(n + 1, REJECTED_SHARE))
        statuses = ["Approved" if rng.random() < 0.85 else "Awaiting final approval" for _ in range(n)]
        for status in statuses + ["Rejected"] * rejected:
            day = r.month + pd.Timedelta(days=int(rng.integers(0, r.month.days_in_month)))
            time = f"{int(rng.integers(7, 22)):02d}:{int(rng.integers(0, 60)):02d}"
            category, sub = LABELS[int(rng.choice(len(LABELS), p=LABELS_P))]
            severity = "1 - No Harm" if rng.random() < 0.8 else "2 - Low"
            text = TEXT[int(rng.integers(len(TEXT)))]
            cells = [day.strftime("%d/%m/%Y"), time, names[r.ward_id], "Main site", "Patient safety incident"]
            drawn.append((day, time, [*cells, category, sub, severity, status, text]))
    drawn.sort(key=lambda x: (x[0], x[1]))
    return [[str(FIRST_REFERENCE + i), *cells] for i, (_, _, cells) in enumerate(drawn)]


def _key(cells: list[str]) -> tuple[str, str]:
    """A listing row's place in date order (dd/mm/yyyy and a time in either style; no time sorts last)."""
    d, m, y = cells[1].split("/")
    return (f"{y}{m}{d}", cells[2].replace(":", "") or "9999")


def merge_rows(rows: list[list[str]], extra: list[list[str]]) -> list[list[str]]:
    """`rows` (in date order) with `extra` slotted in by date, each after the rows of its own moment: the
    existing rows keep their order and their cells, so the listing only gains lines."""
    if not extra:
        return rows
    keys = [_key(r) for r in rows]
    out = list(rows)
    for cells in reversed(extra):  # from the last, so earlier positions do not shift
        out.insert(bisect.bisect_right(keys, _key(cells)), cells)
    return out

"""The synthetic hospital's raw files, as a hospital holds them: an incident listing, a daily census and
restrictive-intervention episodes, exploded from the shipped ward-month counts.

Importing them through the sample's profile (data/sample/raw/profile.json) gives back the shipped ward_months
exactly (occupied bed days, assaults on staff and on patients, self-harm, restraints, seclusions,
boundary-related incidents: `analysis.sample.boundary`). Everything else
in them is there to be left out: title rows above the header, local category labels, rejected rows, duplicate
rows, incidents of other categories that count as nothing, and a fictional free-text description (one phrase of
which, `PLANTED_PHRASE`, tests search for everywhere after an import).

Its own generator, seeded from the hospital's seed and `SEED_OFFSET`, so adding these files moves no other number.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.sample.boundary import listing_rows, merge_rows

SEED_OFFSET = 0x12D47A  # issue 12
RAW_DIR = "raw"
LISTING_FILE = "incident_listing.csv"
CENSUS_FILE = "census.csv"
EPISODES_FILE = "restrictive_interventions.csv"
PROFILE_FILE = "profile.json"
PLANTED_PHRASE = "Zebedee Quillfeather"  # a fictional name in some descriptions: it must never leave the file
RUN_DATE = "03/12/2026 09:14"

LISTING_COLUMNS = [
    "ID",
    "Incident date",
    "Time",
    "Location (exact)",
    "Site",
    "Type",
    "Category",
    "Sub category",
    "Severity",
    "Approval status",
    "Description",
]
VIOLENCE = "Violence, aggression and abuse"
# measure -> (category, sub-category) labels: the starter profile's first, then the hospital's own (local) one.
LABELS = {
    "assaults_on_staff": [
        (VIOLENCE, "Physical assault to staff by patient"),
        (VIOLENCE, "Assault on staff - struck with object"),
    ],
    "assaults_on_patients": [
        (VIOLENCE, "Physical assault to patient by patient"),
        (VIOLENCE, "Patient on patient assault"),
    ],
    "self_harm": [("Self harm", "Cutting"), ("Self harm", "Head banging"), ("Self-injurious behaviour", "Ligature")],
}
LOCAL = [
    (VIOLENCE, "Assault on staff - struck with object"),
    (VIOLENCE, "Patient on patient assault"),
    ("Self-injurious behaviour", "Ligature"),
]
# Incidents that count as nothing (the starter profile knows them all).
OTHER = [
    (VIOLENCE, "Disruptive or aggressive behaviour to staff by patient"),
    (VIOLENCE, "Disruptive or aggressive behaviour to staff by member of public"),
    ("Medication", "Wrong dose"),
    ("Slips, trips and falls", "Fall on level ground"),
]
FINER = {"W01": "Iona - dayroom", "W05": "Harris - garden"}  # locations finer than a ward
SEVERITY = ["1 - No Harm", "2 - Low", "3 - Moderate", "4 - Severe", "5 - Catastrophic/Death", "6 - Near Miss"]
SEVERITY_P = [0.55, 0.3, 0.08, 0.01, 0.0, 0.06]
TEXT = [
    "Patient became agitated in the {place}; staff used de-escalation and the patient settled.",
    "Incident during evening medication round in the {place}. Reviewed at handover.",
    "Patient reported distress after a phone call; observations increased to every 15 minutes.",
    "Altercation in the {place}; both parties separated and seen by the nurse in charge.",
    "Staff member {name} was approached by the patient in the {place}; debrief held.",
]
NAMES = ["A. Morrison", PLANTED_PHRASE, "K. MacLeod", "R. Campbell"]
PLACES = ["dayroom", "corridor", "dining room", "garden", "bedroom area"]
# MHS505 codes: physical restraint positions (01 prone; 07 to 13 the others), seclusion, segregation, RT.
PHYSICAL = ["01", "07", "08", "09", "10", "11", "12", "13"]
PHYSICAL_P = [0.14, 0.24, 0.2, 0.12, 0.1, 0.1, 0.05, 0.05]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), SEED_OFFSET])


def _csv(header: list[str], rows: list[list[str]], title: list[str] | None = None) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    for t in title or []:
        w.writerow([t] if t else [])
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _day(rng: np.random.Generator, month: pd.Timestamp) -> pd.Timestamp:
    return month + pd.Timedelta(days=int(rng.integers(0, month.days_in_month)))


def _time(rng: np.random.Generator) -> str:
    h, m = int(rng.integers(0, 24)), int(rng.integers(0, 60))
    style = rng.random()
    if style < 0.1:
        return ""
    return f"{h:02d}:{m:02d}" if style < 0.6 else f"{h:02d}{m:02d}"


def incident_listing(
    wards: pd.DataFrame, ward_months: pd.DataFrame, rng: np.random.Generator, seed: int | None = None
) -> bytes:
    """The Datix-like listing: one row per incident, with everything a real export has that must not count."""
    names = dict(zip(wards["ward_id"], wards["ward_name"]))
    rows: list[tuple] = []  # (date, minutes, row cells without the ID)
    wm = ward_months.assign(month=pd.to_datetime(ward_months["month"]))

    def row(ward_id: str, month: pd.Timestamp, cat: tuple[str, str], status: str) -> list:
        day = _day(rng, month)
        location = FINER[ward_id] if ward_id in FINER and rng.random() < 0.3 else names[ward_id]
        place = PLACES[int(rng.integers(len(PLACES)))]
        text = TEXT[int(rng.integers(len(TEXT)))].format(place=place, name=NAMES[int(rng.integers(len(NAMES)))])
        kind = "Patient safety incident" if cat[0] != "Slips, trips and falls" else "Non-clinical incident"
        severity = SEVERITY[int(rng.choice(len(SEVERITY), p=SEVERITY_P))]
        time = _time(rng)
        return [day, time, [day.strftime("%d/%m/%Y"), time, location, "Main site", kind, *cat, severity, status, text]]

    for r in wm.itertuples(index=False):
        for measure, labels in LABELS.items():
            for _ in range(int(getattr(r, measure))):
                cat = labels[int(rng.choice(len(labels), p=[0.75, 0.25] if len(labels) == 2 else [0.45, 0.3, 0.25]))]
                status = "Approved" if rng.random() < 0.85 else "Awaiting final approval"
                rows.append(row(r.ward_id, r.month, cat, status))
        for _ in range(int(rng.poisson(1.2))):  # other incidents: they count as nothing
            rows.append(row(r.ward_id, r.month, OTHER[int(rng.integers(len(OTHER)))], "Approved"))
        for _ in range(int(rng.poisson(0.25))):  # reported, then rejected (not an incident after all)
            measure = list(LABELS)[int(rng.integers(len(LABELS)))]
            rows.append(row(r.ward_id, r.month, LABELS[measure][0], "Rejected"))
    rows.sort(key=lambda x: (x[0], x[1].replace(":", "") or "9999"))
    ids = 100_001 + np.arange(len(rows))
    out = [[str(i), *cells] for i, (_, _, cells) in zip(ids, rows)]
    dup = np.sort(rng.choice(len(out), size=max(1, len(out) // 100), replace=False))  # exported twice
    final: list[list[str]] = []
    twice = set(dup.tolist())
    for k, cells in enumerate(out):
        final.append(cells)
        if k in twice and cells[9] != "Rejected":
            final.append(list(cells))
    final = merge_rows(final, listing_rows(wards, ward_months, seed))  # boundary incidents: own generator
    first, last = wm["month"].min(), wm["month"].max() + pd.offsets.MonthEnd(0)
    title = [
        "Incident listing (all incidents, all statuses)",
        f"Report run {RUN_DATE} by the Risk Management team",
        f"Filters: incident date {first:%d/%m/%Y} to {last:%d/%m/%Y}; approval status: any",
        "",
    ]
    return _csv(LISTING_COLUMNS, final, title)


def census(wards: pd.DataFrame, ward_months: pd.DataFrame, rng: np.random.Generator) -> bytes:
    """A daily midnight census whose days add up to each month's occupied bed days."""
    beds = dict(zip(wards["ward_id"], wards["beds"].astype(int)))
    rows = []
    for r in ward_months.assign(month=pd.to_datetime(ward_months["month"])).itertuples(index=False):
        days = r.month.days_in_month
        total = int(round(float(r.occupied_bed_days)))
        base, extra = divmod(total, days)
        per_day = np.full(days, base)
        per_day[rng.choice(days, size=extra, replace=False)] += 1
        if base < beds[r.ward_id]:  # move a bed a night between days, keeping the total, for a realistic wobble
            for _ in range(days // 3):
                a, b = rng.integers(0, days, size=2)
                if per_day[a] > 0 and per_day[b] < beds[r.ward_id]:
                    per_day[a] -= 1
                    per_day[b] += 1
        for d in range(days):
            rows.append([r.ward_id, (r.month + pd.Timedelta(days=d)).strftime("%d/%m/%Y"), str(int(per_day[d]))])
    return _csv(["Ward code", "Census date", "Occupied beds at midnight"], rows)


def episodes(wards: pd.DataFrame, ward_months: pd.DataFrame, rng: np.random.Generator) -> bytes:
    """Restrictive-intervention episodes in the MHS505 shape: restraints and seclusions as the shipped counts, and
    a few segregation and rapid tranquillisation episodes."""
    rows = []

    def episode(ward_id: str, month: pd.Timestamp, code: str, hours: float) -> list:
        start = _day(rng, month) + pd.Timedelta(minutes=int(rng.integers(0, 24 * 60)))
        end = start + pd.Timedelta(minutes=int(round(hours * 60)))
        return [
            start,
            ward_id,
            start.strftime("%d/%m/%Y"),
            start.strftime("%H:%M"),
            end.strftime("%d/%m/%Y"),
            end.strftime("%H:%M"),
            code,
        ]

    for r in ward_months.assign(month=pd.to_datetime(ward_months["month"])).itertuples(index=False):
        for _ in range(int(r.restraints)):
            rows.append(
                episode(
                    r.ward_id, r.month, PHYSICAL[int(rng.choice(len(PHYSICAL), p=PHYSICAL_P))], rng.uniform(0.05, 0.5)
                )
            )
        for _ in range(int(r.seclusions)):
            rows.append(episode(r.ward_id, r.month, "05", float(rng.gamma(2.0, 8.0))))
        for _ in range(int(rng.poisson(0.3))):
            rows.append(episode(r.ward_id, r.month, "14", 0.1))
        if rng.random() < 0.02:
            rows.append(episode(r.ward_id, r.month, "06", float(rng.uniform(72, 400))))
    rows.sort(key=lambda x: (x[0], x[1]))
    header = ["Ward", "Start date", "Start time", "End date", "End time", "Restrictive intervention type"]
    return _csv(header, [x[1:] for x in rows])


def sample_profile(wards: pd.DataFrame) -> dict:
    """The sample hospital's profile: the Datix starter, its ward names, its two finer locations and three local
    categories."""
    from analysis.data.importers.profile import starter_profile

    base = starter_profile("datix").to_dict()
    locations = {name: ward_id for ward_id, name in zip(wards["ward_id"], wards["ward_name"])}
    locations.update({label: ward_id for ward_id, label in FINER.items()})
    measure = {cat: m for m, labels in LABELS.items() for cat in labels}
    local = [{"type": "*", "category": c, "sub_category": s, "measure": measure[(c, s)]} for c, s in LOCAL]
    return {
        **base,
        "name": "Synthetic hospital (Datix-style export)",
        "locations": dict(sorted(locations.items())),
        "categories": local + base["categories"],
    }


def raw_files(tables: dict[str, pd.DataFrame], seed: int) -> dict[str, bytes]:
    """File name -> bytes of the raw files, byte-identical for a seed."""
    rng = _rng(seed)
    wards, wm = tables["wards"], tables["ward_months"]
    profile = sample_profile(wards)
    return {
        LISTING_FILE: incident_listing(wards, wm, rng, seed),
        CENSUS_FILE: census(wards, wm, rng),
        EPISODES_FILE: episodes(wards, wm, rng),
        PROFILE_FILE: (json.dumps(profile, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    }


def write_raw(tables: dict[str, pd.DataFrame], seed: int, out: Path) -> list[Path]:
    """Write the raw files into `out` (data/sample/raw/); return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in raw_files(tables, seed).items():
        p = out / name
        p.write_bytes(data)
        written.append(p)
    return written

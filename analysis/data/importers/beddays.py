"""Occupied bed days from a daily midnight census or from admission spells, and MHS505-shaped restrictive
interventions, per ward-month.

Bed days follow the midnight convention: one bed day for each midnight a patient is on the ward (the day of
admission counts, the day of discharge does not). A census row is the beds occupied at the midnight that ends its
date. A spell counts the nights from its start date up to the day before its end date; an open spell (no end)
counts up to and including the night of `open_until`.

Episodes count in the month they start; their hours (seclusion, segregation) are the time from start to end, all
given to the month of the start.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.importers.loading import load, run
from analysis.data.importers.parse import WardNames, compact, date_map, number_sql, quote, timestamp_sql
from analysis.data.importers.reconcile import EPISODE_REASONS, LazyRows, Reconciliation
from analysis.data.importers.tables import Opened
from analysis.text import fmt_number, plural, plural_word, uk_date, uk_month

WARD = ("ward", "wardid", "wardcode", "wardname", "location", "unit", "wardstay", "wardidentifier")
CENSUS = {
    "ward": WARD,
    "date": ("date", "censusdate", "day", "midnightdate", "censusday"),
    "occupied": (
        "occupied",
        "occupiedbeds",
        "bedsoccupied",
        "patients",
        "occupancy",
        "patientsatmidnight",
        "midnightcensus",
        "census",
        "occupiedbeddays",
        "occupiedbedsatmidnight",
        "bedsoccupiedatmidnight",
        "midnightoccupancy",
    ),
}
SPELLS = {
    "ward": WARD,
    "start": (
        "start",
        "startdate",
        "admissiondate",
        "admitted",
        "transferin",
        "transferindate",
        "wardstartdate",
        "from",
        "admissiondatetime",
        "startdatewardstay",
    ),
    "end": (
        "end",
        "enddate",
        "dischargedate",
        "discharged",
        "transferout",
        "transferoutdate",
        "wardenddate",
        "to",
        "dischargedatetime",
        "enddatewardstay",
    ),
}
EPISODES = {
    "ward": WARD,
    "start_date": (
        "startdate",
        "startdaterestrictiveint",
        "startdatetime",
        "start",
        "startdaterestrictiveintervention",
    ),
    "start_time": ("starttime", "starttimerestrictiveint", "starttimerestrictiveintervention"),
    "end_date": ("enddate", "enddaterestrictiveint", "enddatetime", "end", "enddaterestrictiveintervention"),
    "end_time": ("endtime", "endtimerestrictiveint", "endtimerestrictiveintervention"),
    "code": (
        "restrictiveinttype",
        "restrictiveinterventiontype",
        "interventiontype",
        "interventiontypecode",
        "type",
        "code",
        "typecode",
    ),
}
OPTIONAL = {"start_time", "end_time", "end_date"}
EPISODE_WHAT = "restrictive intervention episodes"


class BedDayError(Exception):
    """A bed-day or episodes file that cannot be used; the message is for the user."""


def all_aliases(*shapes: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted({a for shape in shapes for names in shape.values() for a in names})


def columns_for(opened: Opened, shape: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Role -> the file's column, by the aliases of each role (first alias found wins)."""
    have = {compact(c): c for c in opened.layout.columns}
    out = {}
    for role, names in shape.items():
        for a in names:
            if a in have and have[a] not in out.values():
                out[role] = have[a]
                break
    return out


def kind_of(opened: Opened) -> str:
    census, spells = columns_for(opened, CENSUS), columns_for(opened, SPELLS)
    if {"ward", "date", "occupied"} <= set(census):
        return "census"
    if {"ward", "start"} <= set(spells):
        return "spells"
    raise BedDayError(
        "the bed-day file is neither a daily census (ward, date, occupied beds) nor spells (ward, start date, end "
        "date); its columns are: " + ", ".join(f"'{c}'" for c in opened.layout.columns)
    )


def _ward_table(con, wards: WardNames, column: str = "ward") -> None:
    labels = [r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM raw").fetchall()]
    con.register("wardmap", wards.frame(labels).assign(label=lambda f: f["label"].astype(object).fillna("")))


def _months_in(start: pd.Series, end: pd.Series) -> pd.Series:
    return ((end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month).astype(int)


def census(con, opened: Opened, wards: WardNames) -> dict:
    cols = columns_for(opened, CENSUS)
    load(con, opened, {k: cols[k] for k in ("ward", "date", "occupied")})
    _ward_table(con, wards)
    date_map(con, "date", opened.layout.decimal_comma, "dmap")
    n = number_sql("occupied", opened.layout.decimal_comma)
    run(
        con,
        f"""CREATE OR REPLACE TABLE bd AS
        SELECT r."row", r.ward, nullif(w.ward_id, '') AS ward_id, CAST(dm.ts AS DATE) AS day, {n} AS occupied,
               r.date AS date_text, r.occupied AS occupied_text
        FROM raw r LEFT JOIN wardmap w ON coalesce(r.ward, '') = w.label
        LEFT JOIN dmap dm ON trim(r.date) = dm.text""",
    )
    errors = con.execute(
        """SELECT "row", ward, date_text AS date, occupied_text AS occupied,
            CASE WHEN day IS NULL THEN 'the date cannot be read'
                 WHEN occupied IS NULL THEN 'the number of occupied beds cannot be read'
                 WHEN occupied < 0 OR occupied % 1 <> 0 THEN 'occupied beds must be a whole number, 0 or more'
            END AS problem
        FROM bd WHERE day IS NULL OR occupied IS NULL OR occupied < 0 OR occupied % 1 <> 0 ORDER BY "row" """
    ).df()
    twice = con.execute(
        """SELECT min("row") AS "row", any_value(ward) AS ward, CAST(day AS VARCHAR) AS date, '' AS occupied,
               'the census has ' || count(*) || ' rows for this ward on this date' AS problem
        FROM bd WHERE ward_id IS NOT NULL AND day IS NOT NULL AND occupied IS NOT NULL
        GROUP BY ward_id, day HAVING count(*) > 1
        ORDER BY 1"""
    ).df()
    errors = pd.concat([errors, twice], ignore_index=True)
    unknown = con.execute(
        "SELECT ward, count(*) AS n FROM bd WHERE ward_id IS NULL GROUP BY ward ORDER BY n DESC, ward"
    ).fetchall()
    months = con.execute(
        """SELECT ward_id, CAST(date_trunc('month', day) AS DATE) AS month, sum(occupied) AS occupied_bed_days,
               count(DISTINCT day) AS days_with_census
        FROM bd WHERE ward_id IS NOT NULL AND day IS NOT NULL AND occupied IS NOT NULL GROUP BY ALL ORDER BY ALL"""
    ).df()
    months["month"] = pd.to_datetime(months["month"])
    days = months["month"].dt.days_in_month
    gaps = months[months["days_with_census"] < days].assign(days=days)[["ward_id", "month", "days_with_census", "days"]]
    days_seen = con.execute("SELECT DISTINCT ward_id, day FROM bd WHERE ward_id IS NOT NULL AND day IS NOT NULL").df()
    notes = _unknown_note(unknown, "census")
    return {
        "months": months[["ward_id", "month", "occupied_bed_days"]],
        "errors": errors.reset_index(drop=True),
        "gaps": gaps.reset_index(drop=True),
        "days": days_seen,
        "notes": notes,
    }


def _unknown_note(unknown: list, what: str) -> list[str]:
    if not unknown:
        return []
    rows = sum(n for _, n in unknown)
    names = ", ".join(f"'{w or '(blank)'}'" for w, _ in unknown[:10]) + (", ..." if len(unknown) > 10 else "")
    return [
        f"{plural(rows, 'row')} of the {what} name a ward the dashboard does not know ({names}) and "
        f"{plural_word(rows, 'was', 'were')} left out; map these names to wards in the profile if they are yours"
    ]


def spells(con, opened: Opened, wards: WardNames, open_until: pd.Timestamp | None, first: pd.Timestamp | None) -> dict:
    cols = columns_for(opened, SPELLS)
    take = {k: cols[k] for k in ("ward", "start", "end") if k in cols}
    load(con, opened, take)
    if "end" not in take:
        run(con, 'CREATE OR REPLACE VIEW raw2 AS SELECT *, NULL::VARCHAR AS "end" FROM raw')
        src = "raw2"
    else:
        src = "raw"
    _ward_table(con, wards)
    dc = opened.layout.decimal_comma
    run(
        con,
        f"""CREATE OR REPLACE TABLE sp AS
        SELECT r."row", r.ward, nullif(w.ward_id, '') AS ward_id, CAST({timestamp_sql("start", dc)} AS DATE) AS s,
               CAST({timestamp_sql("end", dc)} AS DATE) AS e, r.start AS start_text, r."end" AS end_text
        FROM {src} r LEFT JOIN wardmap w ON coalesce(r.ward, '') = w.label""",
    )
    if open_until is None:
        open_until = pd.Timestamp(
            con.execute("SELECT greatest(max(s), max(e)) FROM sp").fetchall()[0][0] or "2000-01-01"
        )
    until = (pd.Timestamp(open_until).normalize() + pd.Timedelta(days=1)).date()  # nights up to open_until count
    errors = con.execute(
        """SELECT "row", ward, start_text AS start, end_text AS "end",
            CASE WHEN s IS NULL THEN 'the start date cannot be read'
                 WHEN e IS NULL THEN 'the end date cannot be read'
                 ELSE 'the spell ends (' || strftime(e, '%d/%m/%Y') || ') before it starts ('
                      || strftime(s, '%d/%m/%Y') || ')' END AS problem
        FROM sp WHERE s IS NULL OR (e IS NULL AND end_text IS NOT NULL) OR e < s ORDER BY "row" """
    ).df()
    open_n = con.execute("SELECT count(*) FROM sp WHERE end_text IS NULL AND s IS NOT NULL").fetchall()[0][0]
    start = pd.Timestamp(first).to_period("M").to_timestamp().date() if first is not None else None
    lower = f"DATE '{start}'" if start else "DATE '1900-01-01'"
    months = con.execute(
        f"""WITH ok AS (
            SELECT ward_id, greatest(s, {lower}) AS s, least(coalesce(e, DATE '{until}'), DATE '{until}') AS e FROM sp
            WHERE ward_id IS NOT NULL AND s IS NOT NULL AND (e IS NOT NULL OR end_text IS NULL) AND coalesce(e, s) >= s),
        m AS (SELECT ward_id, s, e, unnest(generate_series(CAST(date_trunc('month', s) AS DATE),
                                                          CAST(date_trunc('month', e) AS DATE), INTERVAL 1 MONTH)) AS month
              FROM ok WHERE e > s)
        SELECT ward_id, CAST(month AS DATE) AS month,
               sum(datediff('day', greatest(s, CAST(month AS DATE)),
                            least(e, CAST(month + INTERVAL 1 MONTH AS DATE)))) AS occupied_bed_days
        FROM m GROUP BY ALL HAVING sum(datediff('day', greatest(s, CAST(month AS DATE)),
                            least(e, CAST(month + INTERVAL 1 MONTH AS DATE)))) > 0 ORDER BY ALL"""
    ).df()
    months["month"] = pd.to_datetime(months["month"])
    unknown = con.execute(
        "SELECT ward, count(*) AS n FROM sp WHERE ward_id IS NULL GROUP BY ward ORDER BY n DESC, ward"
    ).fetchall()
    notes = _unknown_note(unknown, "spells")
    if open_n:
        notes.append(
            f"{plural(open_n, 'spell')} {plural_word(open_n, 'has', 'have')} no end (the patient is still on the ward): "
            f"counted up to and including the night of {uk_date(open_until)}"
        )
    last = pd.Timestamp(open_until).to_period("M")
    if pd.Timestamp(open_until).day != last.days_in_month:
        notes.append(
            f"{uk_month(open_until)} is counted only up to {uk_date(open_until)}, the last date of the data: its bed "
            "days are for part of the month"
        )
    months["occupied_bed_days"] = months["occupied_bed_days"].astype(float)
    return {"months": months, "errors": errors, "gaps": pd.DataFrame(), "days": None, "notes": notes}


def over_capacity(months: pd.DataFrame, wards: pd.DataFrame | None) -> pd.DataFrame:
    """Ward-months whose bed days are above beds x days in the month."""
    cols = ["ward_id", "month", "occupied_bed_days", "beds", "days", "capacity"]
    if wards is None or "beds" not in wards or not len(months):
        return pd.DataFrame(columns=cols)
    beds = wards[["ward_id", "beds"]].astype({"ward_id": str})
    f = months.merge(beds, on="ward_id", how="inner")
    f["days"] = f["month"].dt.days_in_month
    f["capacity"] = pd.to_numeric(f["beds"], errors="coerce") * f["days"]
    return f[f["occupied_bed_days"] > f["capacity"]][cols].reset_index(drop=True)


def capacity_notes(flags: pd.DataFrame) -> list[str]:
    return [
        f"{r.ward_id}, {uk_month(r.month)}: {fmt_number(r.occupied_bed_days, 0)} occupied bed days is more than its "
        f"{plural(int(r.beds), 'bed')} x {fmt_number(r.days, 0)} days ({fmt_number(r.capacity, 0)}); check the census"
        for r in flags.itertuples()
    ]


# ---------------------------------------------------------------- restrictive interventions (MHS505 shape)
COLUMN_CODES = {
    "restraints": ("01", "07", "08", "09", "10", "11", "12", "13"),
    "prone_restraints": ("01",),
    "mechanical_restraints": ("04",),
    "seclusions": ("05",),
    "rapid_tranquillisation": ("14",),
}
HOURS_CODES = {"seclusion_hours": "05", "segregation_hours": "06"}
NO_COLUMN_CODES = ("15", "16", "17")
KNOWN_CODES = tuple(sorted({c for v in COLUMN_CODES.values() for c in v} | {"06", *NO_COLUMN_CODES}))


def episodes(con, opened: Opened, wards: WardNames, months: pd.DataFrame) -> tuple[pd.DataFrame, Reconciliation, list]:
    cols = columns_for(opened, EPISODES)
    missing = [r for r in ("ward", "start_date", "code") if r not in cols]
    if missing:
        words = {"ward": "the ward", "start_date": "the start date", "code": "the intervention type code"}
        raise BedDayError(
            "the restrictive intervention file has no column for "
            + " or ".join(words[m] for m in missing)
            + "; its columns are: "
            + ", ".join(f"'{c}'" for c in opened.layout.columns)
        )
    load(con, opened, cols)
    _ward_table(con, wards)
    dc = opened.layout.decimal_comma

    def when(date: str, time: str) -> str:
        ts = timestamp_sql(date, dc)
        if time not in cols:
            return ts
        from analysis.data.importers.parse import minutes_sql

        return f"{ts} + to_minutes(coalesce({minutes_sql(time, dc)}, 0))"

    code = "lpad(regexp_replace(trim(r.code), '\\.0+$', ''), 2, '0')"
    end = when("end_date", "end_time") if "end_date" in cols else "NULL::TIMESTAMP"
    con.register("bdm", months[["ward_id", "month"]].assign(month=pd.to_datetime(months["month"]).dt.date))
    known = "(" + ", ".join(f"'{c}'" for c in KNOWN_CODES) + ")"
    no_col = "(" + ", ".join(f"'{c}'" for c in NO_COLUMN_CODES) + ")"
    run(
        con,
        f"""CREATE OR REPLACE TABLE ep AS
        WITH e AS (
            SELECT r."row", nullif(w.ward_id, '') AS ward_id, {when("start_date", "start_time")} AS s, {end} AS e,
                   {code} AS code
            FROM raw r LEFT JOIN wardmap w ON coalesce(r.ward, '') = w.label)
        SELECT e.*, CAST(date_trunc('month', e.s) AS DATE) AS month,
            CASE WHEN e.s IS NULL THEN 'unreadable_start'
                 WHEN e.code IS NULL OR e.code NOT IN {known} THEN 'unknown_code'
                 WHEN e.e < e.s THEN 'ends_before_start'
                 WHEN e.ward_id IS NULL THEN 'unmapped_location'
                 WHEN e.code IN {no_col} THEN 'no_column'
                 WHEN b.ward_id IS NULL THEN 'outside_bed_day_months'
                 ELSE '' END AS reason
        FROM e LEFT JOIN bdm b ON b.ward_id = e.ward_id AND b.month = CAST(date_trunc('month', e.s) AS DATE)""",
    )
    parts = [
        f"count(*) FILTER (WHERE code IN ({', '.join(repr(c) for c in codes)})) AS {name}"
        for name, codes in COLUMN_CODES.items()
    ]
    parts += [
        f"coalesce(sum(datediff('minute', s, e)) FILTER (WHERE code = '{c}'), 0) / 60.0 AS {name}"
        for name, c in HOURS_CODES.items()
    ]
    counts = con.execute(
        f"SELECT ward_id, month, {', '.join(parts)} FROM ep WHERE reason = '' GROUP BY ALL ORDER BY ALL"
    ).df()
    counts["month"] = pd.to_datetime(counts["month"])
    open_hours = con.execute(
        "SELECT count(*) FROM ep WHERE reason = '' AND code IN ('05', '06') AND e IS NULL"
    ).fetchall()[0][0]
    notes = []
    if open_hours:
        notes.append(
            f"{plural(open_hours, 'seclusion or segregation episode')} {plural_word(open_hours, 'has', 'have')} no end "
            "time: counted, but without hours"
        )
    by = dict(con.execute("SELECT reason, count(*) FROM ep GROUP BY reason").fetchall())
    read = int(con.execute("SELECT count(*) FROM raw").fetchall()[0][0])
    shown = list(cols)

    def fetch(reason: str) -> pd.DataFrame:
        sel = ", ".join(f"r.{quote(c)}" for c in shown)
        return con.execute(
            f'SELECT r."row", {sel} FROM ep x JOIN raw r USING ("row") WHERE x.reason = ? ORDER BY r."row"', [reason]
        ).df()

    rec = Reconciliation(
        EPISODE_WHAT,
        rows_read=read,
        rows_counted=int(by.get("", 0)),
        excluded=LazyRows({k: int(by.get(k, 0)) for k in EPISODE_REASONS}, fetch),
        reasons=dict(EPISODE_REASONS),
    )
    return counts, rec, notes

"""The import engine: an incident listing, bed days and restrictive-intervention episodes to ward-month counts.

The listing is read once, by DuckDB (CSV and text) or Arrow (Parquet), and only the columns the profile maps are
ever selected (free-text columns are dropped unread and named in `ImportResult.dropped_columns`); each column is
kept dictionary-encoded, distinct locations, category combinations, statuses and dates are resolved against the
profile in Python (there are few), and the counting, de-duplication and reconciliation are array operations on
the codes of every row (analysis/data/importers/listing.py). Bed days and episodes are SQL in DuckDB. What an
import gives (`ImportResult` and its parts) is declared in analysis/data/importers/results.py.
"""

from __future__ import annotations

import weakref
from pathlib import Path

import pandas as pd

from analysis.data.importers.profile import CATEGORY_ROLES, ROLES, MappingProfile
from analysis.data.importers.reconcile import Reconciliation
from analysis.data.importers.results import (
    INTERVENTION_COLUMNS,
    MIDNIGHT_CONVENTION,
    BedDays,
    Combinations,
    ImportRefused,
    ImportResult,
    Interventions,
    TableLayout,
)

MEMORY_LIMIT = "1GB"  # DuckDB's own limit; it spills to disk beyond it
Source = str | Path | bytes  # a path, or a file's bytes (then pass its name for the kind: .csv, .txt, .xlsx)


def _connect():
    """A DuckDB connection in memory, held to a memory limit; it spills to a temporary folder past it."""
    import tempfile

    import duckdb

    spill = Path(tempfile.gettempdir()) / "coproduction-duckdb"
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
    con.execute("SET enable_progress_bar = false").fetchall()  # nothing printed on a terminal
    return con


def _layout(opened) -> TableLayout:
    lay = opened.layout
    return TableLayout(
        lay.columns, lay.header_row, lay.encoding, lay.delimiter, lay.decimal_comma, lay.sheet, lay.notes
    )


def _open(source: Source, filename: str | None, wanted: list[str] | None, what: str, aliases: bool = False):
    from analysis.data.importers.tables import ReadRefused, open_file

    try:
        return open_file(source, filename, wanted, what, aliases)
    except ReadRefused as e:
        raise ImportRefused(str(e)) from e


def inspect_listing(source: Source, filename: str | None = None, profile: MappingProfile | None = None) -> TableLayout:
    """Where the header of a listing (CSV, text or XLSX) is, its columns, encoding, separator and decimal mark.

    The header is the row, within the top 30, that holds the most of the profile's mapped columns when a profile
    is given, else the first row of several text cells whose width the row below it shares. Raises ImportRefused
    for a file that cannot be read or whose column names look like patient identifiers.
    """
    wanted = list(profile.columns.values()) if profile is not None and profile.columns else None
    opened = _open(source, filename, wanted, "incident listing")
    try:
        return _layout(opened)
    finally:
        opened.close()


# Header words that suggest each role (compared letters and digits only, lower case), most telling first.
_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "reference": (
        "id",
        "ref",
        "reference",
        "incidentid",
        "incidentref",
        "incidentreference",
        "incidentnumber",
        "incidentno",
        "webref",
    ),
    "date": ("incidentdate", "dateofincident", "date", "eventdate", "dateincident"),
    "time": ("time", "incidenttime", "timeofincident", "eventtime"),
    "location": ("locationexact", "location", "exactlocation", "ward", "wardlocation", "locationward", "area"),
    "site": ("site", "unit", "directorate", "locationtype"),
    "type": ("type", "incidenttype", "typeofincident"),
    "category": ("category", "causegroup", "incidentcategory", "adverseeventcategory"),
    "sub_category": ("subcategory", "cause", "incidentsubcategory", "detail"),
    "severity": ("severity", "impact", "harm", "result", "actualimpact", "degreeofharm"),
    "status": ("approvalstatus", "status", "incidentstatus"),
}


def suggest_profile(layout: TableLayout, base: MappingProfile | None = None) -> MappingProfile:
    """A profile whose column roles are guessed from the header names ("Ref", "Incident date", "Location
    (exact)", ...), keeping `base`'s mappings and any of its column roles the file has; a starting point for the
    Data page."""
    from dataclasses import replace

    from analysis.data.importers.parse import compact
    from analysis.data.importers.profile import label_key

    have = {compact(c): c for c in layout.columns}
    keys = {label_key(c): c for c in layout.columns}
    base = base or MappingProfile(name="New profile")
    columns: dict[str, str] = {}
    for role, col in base.columns.items():
        if label_key(col) in keys:
            columns[role] = keys[label_key(col)]
    for role, words in _ROLE_WORDS.items():
        if role in columns:
            continue
        for w in words:
            c = have.get(w)
            if c is not None and c not in columns.values():
                columns[role] = c
                break
    return replace(base, columns=columns)


def listing_combinations(
    source: Source,
    profile: MappingProfile,
    filename: str | None = None,
    wards: pd.DataFrame | None = None,
) -> Combinations:
    """Every distinct location, category combination and status of the listing with its row count, resolved
    against the profile (and the wards table: a location that is a ward_id or ward name maps itself)."""
    from analysis.data.importers import listing as lst
    from analysis.data.importers.parse import WardNames

    opened = _open(source, filename, list(profile.columns.values()) or None, "incident listing")
    con = _connect()
    try:
        try:
            roles, _, cols = lst.load_listing(con, opened, profile, only=("location", *CATEGORY_ROLES, "status"))
        except lst.ListingError as e:
            raise ImportRefused(str(e)) from e
        found = lst.distinct(lst.Listing(roles, cols), profile, WardNames(profile, wards))
        return Combinations(found["locations"], found["categories"], found["statuses"])
    finally:
        opened.close()
        con.close()


def read_bed_days(
    source: Source,
    filename: str | None = None,
    *,
    kind: str = "auto",
    profile: MappingProfile | None = None,
    wards: pd.DataFrame | None = None,
    open_until: pd.Timestamp | None = None,
    first: pd.Timestamp | None = None,
) -> BedDays:
    """Occupied bed days per ward-month from a daily midnight census (ward, date, occupied beds) or spells
    (ward, start, end), `kind` "census", "spells" or "auto" (from the columns). Wards are matched like listing
    locations (profile, then ward_id or ward name; without a wards table, the label itself is the ward_id). Open
    spells run to `open_until` (the listing's last date) inclusive, or to the latest date in the file; spells are
    counted from the month of `first` (the listing's first date) on."""
    from analysis.data.importers import beddays as bd
    from analysis.data.importers.parse import WardNames

    opened = _open(source, filename, bd.all_aliases(bd.CENSUS, bd.SPELLS), "bed-day file", aliases=True)
    con = _connect()
    try:
        try:
            kind = bd.kind_of(opened) if kind == "auto" else kind
            names = WardNames(profile, wards, as_is=True)
            got = (
                bd.census(con, opened, names) if kind == "census" else bd.spells(con, opened, names, open_until, first)
            )
        except bd.BedDayError as e:
            raise ImportRefused(str(e)) from e
    finally:
        opened.close()
        con.close()
    flags = bd.over_capacity(got["months"], wards)
    notes = list(opened.layout.notes) + got["notes"] + bd.capacity_notes(flags)
    return BedDays(got["months"], kind, MIDNIGHT_CONVENTION, flags, got["gaps"], got["errors"], notes, got["days"])


def read_interventions(
    source: Source,
    filename: str | None = None,
    *,
    profile: MappingProfile | None = None,
    wards: pd.DataFrame | None = None,
    months: pd.DataFrame | None = None,
) -> Interventions:
    """Counts and hours per ward-month from MHS505-shaped episodes (ward, start date and time, end date and time,
    intervention type code). `months` (ward_id, month) are the bed-day months: episodes outside them are excluded
    (all count when not given)."""
    from analysis.data.importers import beddays as bd
    from analysis.data.importers.parse import WardNames

    opened = _open(source, filename, bd.all_aliases(bd.EPISODES), "restrictive intervention file", aliases=True)
    con = _connect()
    try:
        names = WardNames(profile, wards, as_is=True)
        if months is None:
            months = _all_months()
        try:
            counts, rec, notes = bd.episodes(con, opened, names, months)
        except bd.BedDayError as e:
            raise ImportRefused(str(e)) from e
        rec.excluded = _Materialised(rec.excluded)
    finally:
        opened.close()
        con.close()
    return Interventions(counts, rec, list(opened.layout.notes) + notes)


def _all_months() -> pd.DataFrame:
    return pd.DataFrame({"ward_id": pd.Series(dtype=object), "month": pd.Series(dtype="datetime64[ns]")})


class _Materialised(dict):
    """Every reason's rows read out now (a small file), so its DuckDB connection can close."""

    def __init__(self, lazy) -> None:
        super().__init__({k: lazy[k] for k in lazy})


def import_listing(
    listing: Source,
    profile: MappingProfile,
    *,
    census: Source | None = None,
    episodes: Source | None = None,
    wards: pd.DataFrame | None = None,
    bed_days: pd.DataFrame | None = None,
    listing_name: str | None = None,
    census_name: str | None = None,
    episodes_name: str | None = None,
) -> ImportResult:
    """The whole import: read the listing through the profile, bed days from the census or spells (or `bed_days`,
    ward_months the store already holds: ward_id, month, occupied_bed_days), episodes when given; count per
    ward-month; reconcile every row. Nothing is stored: give ``result.tables()`` to the store. Raises
    ImportRefused for a file that cannot be used at all."""
    from analysis.data.contract import WARD_MONTHS
    from analysis.data.importers import listing as lst
    from analysis.data.importers.parse import WardNames
    from analysis.text import plural, plural_word

    if census is None and bed_days is None:
        raise ImportRefused("bed days are needed to count incidents per ward-month: give a daily census or spells file")
    profile.check()
    opened = _open(listing, listing_name, list(profile.columns.values()) or None, "incident listing")
    con = _connect()
    try:
        try:
            # a workbook's rows are in memory already: all its columns now; a file's shown-only columns later
            roles, dropped_cols, cols = lst.load_listing(
                con, opened, profile, only=None if opened.rows is None else ROLES
            )
        except lst.ListingError as e:
            raise ImportRefused(str(e)) from e
        listing_rows = lst.Listing(roles, cols)
        found = lst.distinct(listing_rows, profile, WardNames(profile, wards))
        lst.classify(con, listing_rows, opened.layout.decimal_comma)
        first, last = lst.span(listing_rows)
    except BaseException:
        opened.close()
        raise
    finally:
        con.close()
    if opened.rows is None:  # a file is kept (a temporary copy too) while its excluded rows can be listed
        weakref.finalize(cols, opened.close)
    else:  # a workbook's cells were all read
        opened.close()
        opened.rows = None
    notes = list(opened.layout.notes)
    errors: list[str] = []
    if census is not None:
        beds = read_bed_days(census, census_name, profile=profile, wards=wards, open_until=last, first=first)
    else:
        months = bed_days[["ward_id", "month", "occupied_bed_days"]].copy()
        months["month"] = pd.to_datetime(months["month"])
        beds = BedDays(months, "stored ward-months", MIDNIGHT_CONVENTION)
    bdm = beds.ward_months
    if first is not None and last is not None and len(bdm):
        inside = (bdm["month"] >= first.to_period("M").to_timestamp()) & (
            bdm["month"] <= last.to_period("M").to_timestamp()
        )
        if (~inside).any():
            notes.append(
                f"{plural(int((~inside).sum()), 'ward-month')} of bed days fall outside the listing's months "
                f"({uk_span(first, last)}) and {plural_word(int((~inside).sum()), 'was', 'were')} not imported"
            )
        bdm = bdm[inside].reset_index(drop=True)
    rec = _reconcile(listing_rows, bdm, opened)
    measures = profile.measures()
    counted, daily = lst.counts(listing_rows, measures)
    if not beds.errors.empty:
        errors.append(
            f"the bed-day file has {plural(len(beds.errors), 'row')} that cannot be used: "
            + "; ".join(f"row {r.row}: {r.problem}" for r in beds.errors.head(5).itertuples())
            + ("; ..." if len(beds.errors) > 5 else "")
        )
    census_days = beds.census_days
    if census_days is not None and len(daily):
        seen = census_days.assign(date=pd.to_datetime(census_days["day"]))[["ward_id", "date"]]
        off = daily.merge(seen, on=["ward_id", "date"], how="left", indicator=True)
        off = off[off["_merge"] == "left_only"]
        if len(off):
            n = int(off["incidents"].sum())
            notes.append(
                f"{plural(n, 'counted incident')} fall on days with no census row for the ward (in a month that has "
                "a census); they are counted, but check the census for missing days"
            )
    ward_months = bdm.merge(counted, on=["ward_id", "month"], how="left")
    for m in measures:
        ward_months[m] = ward_months[m].fillna(0).astype("int64")
    interventions = None
    if episodes is not None:
        interventions = read_interventions(episodes, episodes_name, profile=profile, wards=wards, months=bdm)
        ward_months = ward_months.merge(interventions.counts, on=["ward_id", "month"], how="left")
        for c in INTERVENTION_COLUMNS:
            if c.endswith("_hours"):
                ward_months[c] = ward_months[c].fillna(0.0).round(2)
            else:
                ward_months[c] = ward_months[c].fillna(0).astype("int64")
        clash = [m for m in measures if m in INTERVENTION_COLUMNS]
        if clash:
            errors.append(
                "the profile counts listing categories as "
                + ", ".join(clash)
                + ", which the restrictive intervention episodes also give; count them from one file only"
            )
    ward_months = ward_months.sort_values(["ward_id", "month"], ignore_index=True)
    ward_months = ward_months[[c for c in WARD_MONTHS.columns if c in ward_months]]
    if not rec.adds_up:  # pragma: no cover - the classification gives every row one reason
        errors.append(rec.sentence())
    if rec.rows_counted == 0 and rec.rows_read:
        notes.append("no row of the listing was counted: check the profile's locations and categories")
    unmapped_measures = [m for m in measures if m not in ward_months]
    if unmapped_measures:  # pragma: no cover
        errors.append("no column for " + ", ".join(unmapped_measures))
    return ImportResult(
        ward_months=ward_months,
        listing=rec,
        combinations=Combinations(found["locations"], found["categories"], found["statuses"]),
        bed_days=beds,
        interventions=interventions,
        incidents=daily,
        dropped_columns=dropped_cols,
        layout=_layout(opened),
        profile=profile,
        notes=notes + [n for n in beds.notes if n not in notes] + (interventions.notes if interventions else []),
        errors=errors,
    )


def _reconcile(listing_rows, months: pd.DataFrame, opened) -> Reconciliation:
    """The listing's reconciliation; its excluded rows' columns not read yet are read from the file (kept open
    until the rows read are dropped) when asked for."""
    from analysis.data.importers import listing as lst

    roles = listing_rows.roles

    def shown():
        con = _connect()
        try:
            return lst.shown_columns(con, opened, roles)
        finally:
            con.close()

    return lst.reconcile(listing_rows, months, shown)


def uk_span(first: pd.Timestamp, last: pd.Timestamp) -> str:
    from analysis.text import uk_date

    return f"{uk_date(first)} to {uk_date(last)}"

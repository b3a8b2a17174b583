"""What an import gives: the layout of a raw file, a listing's distinct combinations, bed days, restrictive
interventions and the whole `ImportResult`, with the words and codes they are described by (the midnight
convention, MHS505's intervention codes) and `ImportRefused` for a file that cannot be used."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.data.importers.profile import MappingProfile
from analysis.data.importers.reconcile import Reconciliation

# How bed days are counted, in words for the page, the report and the docs.
MIDNIGHT_CONVENTION = (
    "Occupied bed days are counted at midnight: a patient counts one bed day for each midnight they are on the "
    "ward, so the day of admission counts and the day of discharge does not."
)
# The restrictive-intervention columns of ward_months made from MHS505-shaped episodes.
INTERVENTION_COLUMNS = (
    "restraints",
    "prone_restraints",
    "mechanical_restraints",
    "seclusions",
    "rapid_tranquillisation",
    "seclusion_hours",
    "segregation_hours",
)
# MHS505 restrictive intervention type codes -> words.
INTERVENTION_CODES: dict[str, str] = {
    "01": "Physical restraint - prone",
    "04": "Mechanical restraint",
    "05": "Seclusion",
    "06": "Segregation",
    "07": "Physical restraint - standing",
    "08": "Physical restraint - restrictive escort",
    "09": "Physical restraint - supine",
    "10": "Physical restraint - side",
    "11": "Physical restraint - seated",
    "12": "Physical restraint - kneeling",
    "13": "Physical restraint - other",
    "14": "Chemical restraint - injection (rapid tranquillisation)",
    "15": "Chemical restraint - injection (not rapid tranquillisation)",
    "16": "Chemical restraint - oral",
    "17": "Chemical restraint - other",
}


class ImportRefused(Exception):
    """A file that cannot be imported at all (unreadable, a patient identifier column, a mapped column missing);
    the message says why in plain words."""


@dataclass
class TableLayout:
    """How a raw file is laid out: where its header is and how its text is written.

    Attributes
    ----------
    columns : list[str]
        The column headers as read (a blank header under a merged cell is named after the cell it continues:
        "Incident (2)"; a two-row header joins its band: "Incident date").
    header_row : int
        The header's row in the file (1 = the first row); the rows above it (titles) are not read.
    encoding : str
        "utf-8", "utf-8-sig" (with a byte order mark), "cp1252" (Windows), "cp1252 with a UTF-8 BOM", or "xlsx".
    delimiter : str
        "," ";" "\\t" or "|" for a text file; "" for a workbook.
    decimal_comma : bool
        Numbers are written 1,5 (with ";" separators).
    sheet : str
        The workbook sheet read (the first with a header), or the file name.
    notes : list[str]
        Sentences for the user (title rows skipped, merged header cells, encoding).
    """

    columns: list[str]
    header_row: int
    encoding: str
    delimiter: str
    decimal_comma: bool
    sheet: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Combinations:
    """Every distinct location and category combination of a listing with its row count, unmapped first.

    ``locations``: columns ``location``, ``rows``, ``ward_id`` ("" when unmapped), ``mapped`` (bool).
    ``categories``: ``type``, ``category``, ``sub_category`` (only the roles the profile maps; others ""),
    ``rows``, ``measure`` ("" for nothing, None when unmapped), ``mapped``.
    ``statuses``: ``status``, ``rows``, ``excluded`` (bool). Rows with an unreadable date are included.
    """

    locations: pd.DataFrame
    categories: pd.DataFrame
    statuses: pd.DataFrame


@dataclass
class BedDays:
    """Occupied bed days per ward-month from a daily census or from spells.

    Attributes
    ----------
    ward_months : pandas.DataFrame
        ``ward_id``, ``month`` (first of the month), ``occupied_bed_days``; months with none are left out.
    source : str
        "census" or "spells".
    convention : str
        `MIDNIGHT_CONVENTION`.
    over_capacity : pandas.DataFrame
        Months above beds x days in the month (needs the wards table): ``ward_id``, ``month``,
        ``occupied_bed_days``, ``beds``, ``days``, ``capacity``.
    census_gaps : pandas.DataFrame
        Census only: ``ward_id``, ``month``, ``days_with_census``, ``days`` for months missing some days.
    errors : pandas.DataFrame
        Rows that stop the import: ``row``, ``ward``, ``start``, ``end``, ``problem`` (a spell ending before it
        starts, an unreadable date or number, a ward not known).
    notes : list[str]
        Sentences for the user.
    """

    ward_months: pd.DataFrame
    source: str
    convention: str = MIDNIGHT_CONVENTION
    over_capacity: pd.DataFrame = field(default_factory=pd.DataFrame)
    census_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    errors: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    census_days: pd.DataFrame | None = None  # census only: the (ward_id, day) pairs it has a row for


@dataclass
class Interventions:
    """Restrictive-intervention counts and hours per ward-month from MHS505-shaped episodes.

    ``counts``: ``ward_id``, ``month`` and `INTERVENTION_COLUMNS`; ``reconciliation``: rows read = counted +
    excluded (unknown code, end before start, unknown ward, unreadable start, outside the bed-day months).
    """

    counts: pd.DataFrame
    reconciliation: Reconciliation
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import would store, and the account of every row.

    Attributes
    ----------
    ward_months : pandas.DataFrame
        The contract's ward_months columns the files provide: ``ward_id``, ``month``, ``occupied_bed_days``, each
        measure the profile counts (0 where none), and with episodes `INTERVENTION_COLUMNS`.
    listing : Reconciliation
        The incident listing's reconciliation.
    combinations : Combinations
        Distinct locations, category combinations and statuses with row counts, unmapped first.
    bed_days : BedDays
    interventions : Interventions | None
    incidents : pandas.DataFrame
        One row per counted incident: ``ward_id``, ``measure``, ``date`` (for days-between-events charts); no
        reference and no free text.
    dropped_columns : list[str]
        Columns of the listing not mapped by the profile (free text among them), dropped unread.
    layout : TableLayout
    profile : MappingProfile
    notes : list[str]
        Sentences for the user.
    errors : list[str]
        Problems that stop the import (bed-day errors, an unmapped measure with no column); empty when it can go.
    """

    ward_months: pd.DataFrame
    listing: Reconciliation
    combinations: Combinations
    bed_days: BedDays
    interventions: Interventions | None
    incidents: pd.DataFrame
    dropped_columns: list[str]
    layout: TableLayout
    profile: MappingProfile
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing stops the import."""
        return not self.errors

    def tables(self, stored: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
        """The tables to give `Store.import_tables` / `Store.plan_import`: ``{"ward_months": ...,
        "incident_dates": ...}`` (the days of counted incidents: ward_id, date, measure, incidents; for g-charts).

        An import replaces whole ward-month rows; pass the ward_months already stored and each row keeps its
        stored values of the columns this import does not give (talking groups, staffing ...)."""
        new = self.ward_months.copy()
        dates = self.incidents[["ward_id", "date", "measure", "incidents"]].copy()
        dates["date"] = pd.to_datetime(dates["date"]).dt.normalize()
        if stored is not None and len(stored):
            old = stored.copy()
            old["month"] = pd.to_datetime(old["month"])
            keep = [c for c in old.columns if c not in new.columns]
            new = new.merge(old[["ward_id", "month", *keep]], on=["ward_id", "month"], how="left")
        return {"ward_months": new, "incident_dates": dates.reset_index(drop=True)}

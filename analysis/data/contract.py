"""The data contract: the one definition of every table the dashboard accepts.

Everything else reads this module: the loader parses columns by each field's
``kind``, validation runs the pandera schemas built here, the template workbook
and the data dictionary are generated from it, and the tests check against it.
Data are ward-level aggregates only; nothing here describes a patient.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis._lazy import lazy_module
from analysis.text import fmt_number

# pandera is imported when a file is first checked (analysis._lazy): a start that reads kept tables needs none
pa = lazy_module("pandera.pandas")

ASPECTS: dict[str, str] = {
    "lived_experience": "Recognition of lived experience",
    "professionals_as_facilitators": "Professionals as facilitators",
    "shared_power_and_trust": "Shared power and trust",
    "reduced_social_distance": "Reduced social distance",
}
RESPONDENTS = ("patient", "staff")
SCORE_PARTS = ("overall", *ASPECTS)  # a respondent's scores: the overall index and each aspect

# The incident counts of ward_months: column -> its name for people, in the table's order (the panel's
# columns, the ward profile, the data-quality note). The one list every module reads.
INCIDENTS: dict[str, str] = {
    "assaults_on_staff": "Assaults on staff",
    "assaults_on_patients": "Assaults on patients",
    "self_harm": "Self-harm",
    "restraints": "Restraints",
    "seclusions": "Seclusions",
    "transfers_to_lower_security": "Transfers to lower security",
}
INCIDENT_COUNTS = tuple(INCIDENTS)
# Counts an incident listing's category can map to beyond INCIDENTS: optional ward_months columns that only their
# own page reads (boundary-related incidents: the Reduced social distance page, issue 14).
LISTED_ONLY: dict[str, str] = {"boundary_incidents": "Boundary-related incidents"}
LISTING_MEASURES: dict[str, str] = {**INCIDENTS, **LISTED_ONLY}  # what a listing's category can count as
# The same counts as the models list them (the Assaults and Model builder pages, fit_all_incidents):
# assaults, then restrictive practices, then self-harm and transfers.
MODELLED_INCIDENTS = (
    "assaults_on_staff",
    "assaults_on_patients",
    "restraints",
    "seclusions",
    "self_harm",
    "transfers_to_lower_security",
)
# Each count inside a sentence ("fewer self-harm incidents").
INCIDENT_WORDS: dict[str, str] = {
    "assaults_on_staff": "assaults on staff",
    "assaults_on_patients": "assaults on patients",
    "self_harm": "self-harm incidents",
    "restraints": "restraints",
    "seclusions": "seclusions",
    "transfers_to_lower_security": "transfers to lower security",
}
MORE_IS_BETTER = ("transfers_to_lower_security",)  # incident counts where a rise is an improvement

# What a count model can adjust for: choice -> its name for people. Numeric and categorical choices are
# panel columns; "season" and "trend" are made from the month.
NUMERIC_ADJUSTMENTS = ("staff_hours_per_patient_day", "bank_agency_pct")
CATEGORICAL_ADJUSTMENTS = ("service", "security_level")
ADJUSTMENTS: dict[str, str] = {
    "staff_hours_per_patient_day": "Staffing (hours per patient day)",
    "bank_agency_pct": "Bank and agency staff (%)",
    "service": "Service",
    "security_level": "Security level",
    "season": "Season (time of year)",
    "trend": "Trend over time",
}
SECURITY_LEVELS = ("high", "medium", "low")
SUGGESTED_SERVICES = (
    "admission",
    "treatment",
    "rehabilitation",
    "intellectual disability",
    "women's service",
)
EVENT_KINDS: dict[str, str] = {
    "talking_groups_started": "Talking groups (ward community meetings) began on the ward",
    "intervention": "Another planned change whose effect should be assessed",
    "change": "A change that may shift the process (refurbishment, new manager, policy)",
    "note": "An annotation only",
}
# Kinds that mark a new process: SPC limits may be recalculated from these dates.
REBASE_EVENT_KINDS = ("talking_groups_started", "intervention", "change")
# Ward-month measures a target can be set for (each is an SPC chart on the ward profile), as the targets table
# names them -> their names for people. Recovery measures are named as in the measures catalogue (QPR-15 ...);
# analysis/data/targets.py lists them all with each one's better direction and range.
TARGET_MEASURES: dict[str, str] = {
    **{c: f"{title} per 1,000 occupied bed days" for c, title in INCIDENTS.items()},
    "coproduction_patient_overall": "Co-production as patients see it (0 to 100)",
    "coproduction_staff_overall": "Co-production as staff see it (0 to 100)",
    "attendance_per_session": "Talking group attendance per session",
}
TARGET_DIRECTIONS = ("lower", "higher")  # which side of a target is good

# Field kinds and how the loader turns spreadsheet cells into values.
KINDS: dict[str, str] = {
    "id": "text identifier",
    "text": "text",
    "choice": "one of a fixed list",
    "month": "month (2024-04, Apr 2024, 01/04/2024 or an Excel date)",
    "date": "date, day first (01/04/2024 is 1 April 2024), or an Excel date",
    "count": "whole number, 0 or more",
    "number": "number",
    "flag": "yes / no",
}
MISSING_TOKENS = ("", "n/a", "#n/a", "-", "–", "—")  # compared after strip().lower()

# Plausibility. A value that cannot be real (a typing slip, a value no ward could have) is an error:
# the row cannot be used until the cell is corrected or the row dropped. A value that is possible but
# unlikely is a warning: it is imported and listed for someone who knows the ward to check.
DATE_FLOOR = pd.Timestamp("1990-01-01")  # no month of data or survey return before this: a mistyped year
DATE_YEARS = (1900, 2200)  # a date outside these years is never read (a ward may have opened before 1990)
NUMBER_CEILING = 1e9  # no cell of any table is near a thousand million
MONTHLY_COUNT_CEILING = 100_000  # incidents, sessions or returns on one ward in one month
BED_DAYS_TOLERANCE = 2  # occupied bed days above beds x days in the month: a warning; above twice that: an error


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str
    required: bool = True  # the column must be present
    nullable: bool = False  # blank cells are allowed (and counted as missing)
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] | None = None
    example: str = ""
    ceiling: float | None = None  # a number above this cannot be real: an error (NUMBER_CEILING when None)
    ceiling_words: str = ""  # what no value exceeds, for that error: "monthly count"
    happened: bool = False  # a month or date of something that happened: from DATE_FLOOR to today
    checks_note: str = ""  # plausibility checked against other columns (crosschecks.py), in words

    @property
    def limit(self) -> float | None:
        """The largest value a number or count can plausibly have; above it (or below minus it) is an error."""
        if self.kind not in ("count", "number"):
            return None
        return NUMBER_CEILING if self.ceiling is None else float(self.ceiling)

    def rule(self) -> str:
        """The field's value rule in words, for the dictionary and messages."""
        parts = [KINDS[self.kind]]
        if self.choices:
            parts = ["one of: " + ", ".join(self.choices)]
        if self.minimum is not None:
            parts.append(("above " if self.min_exclusive else "at least ") + fmt_number(self.minimum, 6))
        if self.maximum is not None:
            parts.append(f"at most {fmt_number(self.maximum, 6)}")
        if self.ceiling is not None:
            parts.append(f"above {fmt_number(self.ceiling)} is an error (far larger than any {self.ceiling_words})")
        if self.happened:
            latest = "the current month" if self.kind == "month" else "today"
            parts.append(f"from {DATE_FLOOR.strftime('%b %Y')} to {latest}; earlier or later is an error")
        if self.checks_note:
            parts.append(self.checks_note)
        return "; ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    required: bool = False  # the upload must contain this table
    item_columns: bool = False  # extra columns named by the instrument's items
    # (prefix, what its columns are): a column with the prefix that the table does not list is an error, not
    # ignored ("staff_porter": a role the contract does not know, so its count would be lost)
    column_families: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no column {name!r}")


def _count(name: str, description: str, **kw) -> Field:
    kw = {"ceiling": MONTHLY_COUNT_CEILING, "ceiling_words": "monthly count", **kw}
    return Field(name, "count", description, required=False, nullable=True, minimum=0, **kw)


WARD_ID = Field("ward_id", "id", "The ward's short code, used to link every table.", example="W01")
MONTH = Field(
    "month",
    "month",
    "The calendar month the row describes.",
    example="Apr 2024",
    happened=True,
    checks_note="before the month the ward opened or after the month it closed is a warning",
)

WARDS = Table(
    "wards",
    "Wards",
    "One row per ward: what it is and how many beds it has.",
    (
        Field("ward_id", "id", "The ward's short code, unique.", example="W01"),
        Field("ward_name", "text", "The ward's name as staff know it.", example="Iona"),
        Field(
            "service",
            "text",
            "The service the ward belongs to: " + ", ".join(SUGGESTED_SERVICES) + ", or other text.",
            example="admission",
        ),
        Field("security_level", "choice", "Level of security.", choices=SECURITY_LEVELS, example="high"),
        Field(
            "beds",
            "count",
            "Commissioned beds.",
            minimum=0,
            min_exclusive=True,
            example="12",
            ceiling=1_000,
            ceiling_words="ward's number of beds",
        ),
        Field("opened", "date", "Date the ward opened, if within the data.", required=False, nullable=True),
        Field("closed", "date", "Date the ward closed, if it has.", required=False, nullable=True),
    ),
    key=("ward_id",),
    required=True,
)

WARD_MONTHS = Table(
    "ward_months",
    "Ward months",
    "One row per ward per month: occupied bed days and incident counts.",
    (
        WARD_ID,
        MONTH,
        Field(
            "occupied_bed_days",
            "number",
            "Occupied bed days in the month (the denominator of every rate).",
            minimum=0,
            min_exclusive=True,
            example="352",
            ceiling=100_000,
            ceiling_words="ward's occupied bed days in a month",
            checks_note=f"above beds x days in the month is a warning, above {BED_DAYS_TOLERANCE} times that an error",
        ),
        Field(
            "assaults_on_staff",
            "count",
            "Physical assaults on staff reported in the month.",
            nullable=True,
            minimum=0,
            example="1",
            ceiling=MONTHLY_COUNT_CEILING,
            ceiling_words="monthly count",
            checks_note="more than occupied_bed_days is a warning",
        ),
        _count(
            "assaults_on_patients",
            "Physical assaults on patients.",
            checks_note="more than occupied_bed_days is a warning",
        ),
        _count("self_harm", "Self-harm incidents."),
        _count("restraints", "Episodes of physical restraint."),
        _count("seclusions", "Episodes of seclusion."),
        _count("transfers_to_lower_security", "Patients transferred to lower security."),
        _count("talking_groups_held", "Talking group (ward community meeting) sessions held."),
        _count("talking_group_attendances", "Total attendances across the month's talking group sessions."),
        Field(
            "staff_hours_per_patient_day",
            "number",
            "Nursing staff hours per patient day.",
            required=False,
            nullable=True,
            minimum=0,
            ceiling=1_000,
            ceiling_words="staffing per patient day",
        ),
        Field(
            "bank_agency_pct",
            "number",
            "Percentage of nursing hours worked by bank or agency staff.",
            required=False,
            nullable=True,
            minimum=0,
            maximum=100,
        ),
        # Restrictive interventions as MHS505 episodes give them (analysis/data/importers/): optional.
        _count(
            "prone_restraints",
            "Episodes of prone (face-down) physical restraint; part of restraints.",
            example="0",
        ),
        _count("mechanical_restraints", "Episodes of mechanical restraint.", example="0"),
        _count(
            "rapid_tranquillisation",
            "Episodes of rapid tranquillisation (chemical restraint by injection).",
            example="0",
        ),
        Field(
            "seclusion_hours",
            "number",
            "Hours of seclusion, from each episode's start to its end, in the month it started.",
            required=False,
            nullable=True,
            minimum=0,
            ceiling=100_000,
            ceiling_words="ward's hours in a month",
        ),
        Field(
            "segregation_hours",
            "number",
            "Hours of long-term segregation, from each episode's start to its end, in the month it started.",
            required=False,
            nullable=True,
            minimum=0,
            ceiling=100_000,
            ceiling_words="ward's hours in a month",
        ),
        # Boundary-related incidents, from an incident listing category the hospital maps (issue 14): optional.
        _count(
            "boundary_incidents",
            "Boundary-related incidents (a professional boundary crossed or at risk between staff and a patient), "
            "as the hospital's incident system categorises them.",
            example="0",
        ),
    ),
    key=("ward_id", "month"),
    required=True,
)

COPRODUCTION_RESPONSES = Table(
    "coproduction_responses",
    "Co-production survey returns",
    "One row per anonymous survey return, with one column per item of the instrument.",
    (
        Field(
            "response_id",
            "id",
            "An anonymous reference for the return, unique. Never a patient identifier.",
            example="R00001",
        ),
        WARD_ID,
        Field("date", "date", "Date the return was completed.", example="15/04/2024", happened=True),
        Field("respondent", "choice", "Who completed it.", choices=RESPONDENTS, example="patient"),
    ),
    key=("response_id",),
    item_columns=True,
)

COPRODUCTION_SCORES = Table(
    "coproduction_scores",
    "Co-production scores",
    "For sites that score the survey elsewhere: one row per ward, month and respondent group, "
    "with a 0 to 100 score for each core aspect.",
    (
        WARD_ID,
        MONTH,
        Field("respondent", "choice", "Whose view the scores summarise.", choices=RESPONDENTS, example="staff"),
        *(
            Field(a, "number", f"{label}: score from 0 to 100.", nullable=True, minimum=0, maximum=100, example="55")
            for a, label in ASPECTS.items()
        ),
        _count("n_returns", "How many survey returns the scores summarise."),
    ),
    key=("ward_id", "month", "respondent"),
)

INSTRUMENT = Table(
    "instrument",
    "Survey instruments",
    "One row per survey item: the instrument it belongs to, its subscale (a core aspect for the co-production "
    "instrument), its scale and whether it is reverse-keyed. Rows with a blank instrument are the co-production "
    "instrument, as before. When absent, the product's default working instrument is used; the EssenCES "
    "structure (essences) and the staff boundaries instrument (staff_boundaries) are built in, and rows "
    "naming one of them replace the built-in definition.",
    (
        Field("item", "id", "The item's column name in the survey returns, unique across instruments.", example="le1"),
        Field(
            "instrument",
            "text",
            "The instrument's short name (coproduction, essences, staff_boundaries, or your own). Blank: the "
            "co-production instrument.",
            required=False,
            nullable=True,
            example="coproduction",
        ),
        Field(
            "aspect",
            "choice",
            "The core aspect of co-production the item measures (co-production items only; blank for others).",
            required=False,
            nullable=True,
            choices=tuple(ASPECTS),
            example="lived_experience",
            checks_note="every co-production item needs one",
        ),
        Field(
            "subscale",
            "text",
            "The subscale the item belongs to, any name (other instruments; blank for co-production items).",
            required=False,
            nullable=True,
            example="experienced_safety",
            checks_note="a scored item of another instrument in no subscale is an error",
        ),
        Field(
            "respondents",
            "choice",
            "Who the instrument is for. Blank: both.",
            required=False,
            nullable=True,
            choices=("patient", "staff", "both"),
            example="both",
        ),
        Field("reverse", "flag", "Yes when agreeing means less of what the subscale measures.", example="no"),
        Field("scale_min", "number", "Lowest answer on the item's scale.", example="1"),
        Field("scale_max", "number", "Highest answer on the item's scale.", example="5"),
        Field(
            "scored",
            "flag",
            "No for a filler item that is asked but not scored. Blank: yes.",
            required=False,
            nullable=True,
            example="yes",
        ),
        Field(
            "scoring",
            "choice",
            "How a subscale is scored: the mean of its items, or their sum (pro-rated over answered items). "
            "Blank: mean. The same on every row of an instrument.",
            required=False,
            nullable=True,
            choices=("mean", "sum"),
            example="mean",
        ),
        Field(
            "min_share_answered",
            "number",
            "The share of a subscale's items a return must answer for the subscale to be scored. Blank: 0.5.",
            required=False,
            nullable=True,
            minimum=0,
            maximum=1,
            example="0.5",
        ),
        Field(
            "higher_is_better",
            "flag",
            "Yes when a higher subscale score is better (after reverse keys). Blank: yes.",
            required=False,
            nullable=True,
            example="yes",
        ),
        Field(
            "wording",
            "text",
            "The item as the respondent reads it (blank where the wording is licensed).",
            required=False,
            nullable=True,
            example="Staff listen to my experience.",
        ),
    ),
    key=("item",),
)

SURVEY_RETURNS = Table(
    "survey_returns",
    "Survey returns (other instruments)",
    "Returns of any instrument other than co-production (EssenCES, the staff boundaries survey, your own): "
    "one row per answer, so each return is several rows sharing its response_id. Co-production returns stay "
    "in coproduction_responses.",
    (
        Field(
            "response_id",
            "id",
            "An anonymous reference for the return, the same on each of its rows. Never a patient identifier.",
            example="S00001",
        ),
        WARD_ID,
        Field("date", "date", "Date the return was completed.", example="15/04/2024", happened=True),
        Field("respondent", "choice", "Who completed it.", choices=RESPONDENTS, example="staff"),
        Field("instrument", "text", "The instrument's short name.", example="essences"),
        Field("item", "id", "The item answered, as the instrument names it.", example="ess_es1"),
        Field(
            "answer",
            "number",
            "The answer on the item's scale.",
            nullable=True,
            example="3",
            checks_note="outside the item's scale is an error",
        ),
    ),
    key=("response_id", "item"),
)

RECOVERY = Table(
    "recovery",
    "Recovery measures",
    "Ward-level summaries of a recovery measure: the mean score and how many patients it covers.",
    (
        WARD_ID,
        MONTH,
        Field("measure", "text", "The measure's name as in the measures catalogue.", example="QPR-15"),
        Field("mean_score", "number", "The ward's mean score that month.", example="38.5"),
        Field(
            "n_patients",
            "count",
            "Patients whose scores make the mean.",
            minimum=0,
            min_exclusive=True,
            example="10",
            ceiling=10_000,
            ceiling_words="ward's number of patients",
        ),
    ),
    key=("ward_id", "month", "measure"),
)

MEASURES = Table(
    "measures",
    "Measures catalogue",
    "Recovery measures and their ranges. Built-in rows (QPR-15, DUNDRUM-3, DUNDRUM-4, "
    "HoNOS-Secure) are always present; add rows for other measures.",
    (
        Field("measure", "id", "The measure's name.", example="QPR-15"),
        Field("min", "number", "Lowest possible score.", example="0"),
        Field("max", "number", "Highest possible score.", example="60"),
        Field("higher_is_better", "flag", "Yes when a higher score means better recovery.", example="yes"),
    ),
    key=("measure",),
)

EVENTS = Table(
    "events",
    "Events",
    "Dated annotations for a ward, or hospital-wide when ward_id is blank: "
    "intervention dates and points where a process changed.",
    (
        Field("ward_id", "id", "The ward, or blank for the whole hospital.", nullable=True, example="W01"),
        Field("date", "date", "When it happened.", example="01/10/2022"),
        Field("kind", "choice", "What sort of event.", choices=tuple(EVENT_KINDS), example="talking_groups_started"),
        Field("label", "text", "A short description shown on charts.", example="Talking groups started"),
    ),
    key=("ward_id", "date", "kind", "label"),
)

TARGETS = Table(
    "targets",
    "Targets",
    "A target for a measure on one ward, or on every ward when ward_id is blank, from a month on. The Overview "
    "sets each ward's process limits against it (Making Data Count assurance). A ward's own target comes before "
    "a hospital-wide one; a later valid_from for the same ward and measure replaces an earlier one from that month.",
    (
        Field(
            "ward_id",
            "id",
            "The ward, or blank for a target on every ward (hospital-wide).",
            nullable=True,
            example="W01",
        ),
        Field(
            "measure",
            "text",
            "What the target is for: "
            + ", ".join(TARGET_MEASURES)
            + ", or a recovery measure named as in the measures catalogue (QPR-15, DUNDRUM-3 ...). "
            "Targets for incidents are rates per 1,000 occupied bed days.",
            example="assaults_on_staff",
            checks_note="a measure the dashboard does not chart is an error",
        ),
        Field(
            "target",
            "number",
            "The target on the measure's own scale: a rate per 1,000 occupied bed days for incidents, 0 to 100 "
            "for co-production, the measure's range for recovery.",
            example="4.5",
            checks_note="outside the measure's range is an error",
        ),
        Field(
            "direction",
            "choice",
            "Which side of the target is good: lower (a month at or below it meets it) or higher. Blank: the "
            "measure's own (fewer incidents, more transfers to lower security, higher co-production, recovery "
            "as the measures catalogue says).",
            required=False,
            nullable=True,
            choices=TARGET_DIRECTIONS,
            example="lower",
            checks_note="needed for talking group attendance, which has no better direction of its own; the "
            "opposite of the measure's own is a warning",
        ),
        Field(
            "valid_from",
            "month",
            "The first month the target applies to; it applies until a later valid_from for the same ward and measure.",
            example="Apr 2025",
        ),
    ),
    key=("ward_id", "measure", "valid_from"),
)

# --- talking group sessions (issue 14): one row per meeting, coded fields only (no names, no free text)
STAFF_ROLES: dict[str, str] = {
    "nurse": "Nurses",
    "healthcare_support_worker": "Healthcare support workers",
    "psychologist": "Psychologists",
    "occupational_therapist": "Occupational therapists",
    "psychiatrist": "Psychiatrists",
    "social_worker": "Social workers",
    "other": "Other staff",
}
ITEM_KINDS: dict[str, str] = {
    "information": "Information",
    "request": "Requests",
    "complaint": "Complaints",
    "suggestion": "Suggestions",
    "thanks": "Thanks",
    "other": "Other items",
}
CHAIRS = ("patient", "staff")
SESSION_STAFF_CEILING = 30  # staff at one meeting beyond any ward's: patients above beds plus this is an error
SESSION_MINUTES_CEILING = 480  # a meeting longer than a working day is a typing slip
STAFF_COLUMNS = tuple(f"staff_{r}" for r in STAFF_ROLES)
ITEM_COLUMNS = tuple(f"items_{k}" for k in ITEM_KINDS)


def _session_count(name: str, description: str, **kw) -> Field:
    kw = {"ceiling": 1_000, "ceiling_words": "meeting's count", "example": "0", **kw}
    return Field(name, "count", description, minimum=0, **kw)


TALKING_GROUP_SESSIONS = Table(
    "talking_group_sessions",
    "Talking group sessions",
    "One row per talking group (ward community meeting): when, how long, who came by role, who chaired, how many "
    "items were raised of each kind and what became of them by the next meeting. Counts and codes only: no names "
    "and no minutes.",
    (
        WARD_ID,
        Field(
            "date",
            "date",
            "The day the meeting was held.",
            example="07/04/2024",
            happened=True,
            checks_note="a ward-month whose meetings or patients attending differ from the sessions held or "
            "attendances in ward_months is a warning",
        ),
        Field(
            "duration_minutes",
            "count",
            "How long the meeting lasted, in minutes.",
            nullable=True,
            minimum=0,
            min_exclusive=True,
            example="45",
            ceiling=SESSION_MINUTES_CEILING,
            ceiling_words="meeting's length in minutes",
        ),
        _session_count(
            "patients_attending",
            "Patients who attended.",
            example="7",
            checks_note="above the ward's beds is a warning; patients and staff together above the beds plus "
            f"{SESSION_STAFF_CEILING} is an error",
        ),
        *(
            _session_count(f"staff_{r}", f"{words} who attended.", example="2" if r == "nurse" else "0")
            for r, words in STAFF_ROLES.items()
        ),
        Field("chaired_by", "choice", "Who chaired the meeting.", choices=CHAIRS, example="patient"),
        *(
            _session_count(f"items_{k}", f"Items raised that were {words.lower()}.", example="1")
            for k, words in ITEM_KINDS.items()
        ),
        _session_count(
            "items_resolved_by_next",
            "Items raised at this meeting that were resolved by the next one.",
            example="2",
            checks_note="more than the items raised is an error",
        ),
        _session_count(
            "items_carried_over",
            "Items raised at this meeting still open at the next one and carried over to it.",
            example="1",
            checks_note="resolved and carried over together more than the items raised is an error",
        ),
    ),
    key=("ward_id", "date"),
    column_families=(
        ("staff_", "the staff roles are " + ", ".join(STAFF_COLUMNS) + " (count any other role under staff_other)"),
        (
            "items_",
            "the kinds of item are "
            + ", ".join(ITEM_COLUMNS)
            + " (count any other kind under items_other), then items_resolved_by_next and items_carried_over",
        ),
    ),
)

# ---- incident_dates (mapping12, issue 12): the dates of counted incidents, for g-charts
INCIDENT_DATES = Table(
    "incident_dates",
    "Incident dates",
    "One row per ward, day and measure with at least one counted incident, written by an import from an incident "
    "listing (the Data page's 'From your incident system', or import-listing on the command line). Dates only: no "
    "incident reference and no text. The ward profile and the Assaults page draw the time between assaults "
    "(g-charts) from it. Replaced by ward-month, as ward_months is.",
    (
        WARD_ID,
        Field("date", "date", "The day the incidents happened.", example="14/03/2024", happened=True),
        Field(
            "measure",
            "choice",
            "Which count the incidents were counted in.",
            choices=INCIDENT_COUNTS,
            example="assaults_on_staff",
        ),
        Field(
            "incidents",
            "count",
            "How many were counted that day (at least one).",
            minimum=1,
            example="1",
            ceiling=MONTHLY_COUNT_CEILING,
            ceiling_words="monthly count",
        ),
    ),
    key=("ward_id", "date", "measure"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        WARDS,
        WARD_MONTHS,
        COPRODUCTION_RESPONSES,
        COPRODUCTION_SCORES,
        INSTRUMENT,
        SURVEY_RETURNS,
        RECOVERY,
        MEASURES,
        EVENTS,
        TARGETS,
        TALKING_GROUP_SESSIONS,
        INCIDENT_DATES,
    )
}


def _checks(f: Field) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if f.kind in ("id", "text"):
        checks.append(pa.Check(lambda s: s.astype(str).str.strip() != "", element_wise=False, error="is blank"))
    if f.kind == "choice" and f.choices:
        checks.append(pa.Check.isin(list(f.choices), error="must be one of: " + ", ".join(f.choices)))
    if f.kind == "count":
        checks.append(pa.Check(lambda s: s.astype(float) % 1 == 0, error="must be a whole number"))
    if f.kind in ("month", "date"):
        checks.append(
            pa.Check(
                lambda s: pd.Series(pd.api.types.is_datetime64_any_dtype(s), index=s.index), error="must be a date"
            )
        )
    if f.kind == "month":
        checks.append(pa.Check(lambda s: s.dt.day == 1, error="must be the first of the month"))
    if f.minimum is not None:
        checks.append(
            pa.Check.gt(f.minimum, error=f"must be above {fmt_number(f.minimum, 6)}")
            if f.min_exclusive
            else pa.Check.ge(f.minimum, error=f"must be at least {fmt_number(f.minimum, 6)}")
        )
    if f.maximum is not None:
        checks.append(pa.Check.le(f.maximum, error=f"must be at most {fmt_number(f.maximum, 6)}"))
    return checks


def _item_column(name: str, lo: float, hi: float) -> pa.Column:
    return pa.Column(
        None,
        [
            pa.Check.in_range(lo, hi, error=f"must be between {fmt_number(lo, 6)} and {fmt_number(hi, 6)}"),
            pa.Check(lambda s: s.astype(float) % 1 == 0, error="must be a whole number"),
        ],
        nullable=True,
        required=False,
        name=name,
    )


def schema(table: str | Table, instrument: pd.DataFrame | None = None) -> pa.DataFrameSchema:
    """The pandera schema for a table whose columns are already parsed to their kinds.

    For survey returns, pass the instrument so that each item's column is checked
    against its own scale (the default working instrument otherwise).
    """
    t = TABLES[table] if isinstance(table, str) else table
    columns = {
        f.name: pa.Column(None, _checks(f), nullable=f.nullable, required=f.required, name=f.name) for f in t.fields
    }
    if t.item_columns:
        from analysis.data.reference import default_instrument

        inst = default_instrument() if instrument is None else instrument
        for row in inst.itertuples(index=False):
            columns[row.item] = _item_column(row.item, float(row.scale_min), float(row.scale_max))
    return pa.DataFrameSchema(
        columns,
        unique=list(t.key),
        report_duplicates="all",
        strict=False,
        name=t.name,
    )


def dictionary() -> pd.DataFrame:
    """The data dictionary: one row per column of every table, in words."""
    rows = []
    for t in TABLES.values():
        for f in t.fields:
            rows.append(
                {
                    "table": t.name,
                    "column": f.name,
                    "required_column": "yes" if f.required else "no",
                    "blanks_allowed": "yes" if f.nullable else "no",
                    "type": KINDS[f.kind],
                    "rule": f.rule(),
                    "description": f.description,
                    "example": f.example,
                }
            )
        if t.item_columns:
            rows.append(
                {
                    "table": t.name,
                    "column": "<item>",
                    "required_column": "no",
                    "blanks_allowed": "yes",
                    "type": "whole number",
                    "rule": "within the item's scale_min to scale_max",
                    "description": "One column per item of the instrument, named by its `item`.",
                    "example": "4",
                }
            )
    return pd.DataFrame(rows)

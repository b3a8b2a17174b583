"""The wards and ward months tables: what each ward is, and its bed days and incident counts month by month."""

from __future__ import annotations

from analysis.data.contract.fields import MONTH, MONTHLY_COUNT_CEILING, WARD_ID, Field, Table, _count
from analysis.data.contract.vocabulary import SECURITY_LEVELS, SUGGESTED_SERVICES

BED_DAYS_TOLERANCE = 2  # occupied bed days above beds x days in the month: a warning; above twice that: an error

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

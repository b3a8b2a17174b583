"""The incident dates table: the days counted incidents happened, for the time between them (g-charts)."""

from __future__ import annotations

from analysis.data.contract.fields import MONTHLY_COUNT_CEILING, WARD_ID, Field, Table
from analysis.data.contract.vocabulary import INCIDENT_COUNTS

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

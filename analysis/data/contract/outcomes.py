"""Recovery measures and their catalogue, dated events, and targets."""

from __future__ import annotations

from analysis.data.contract.fields import MONTH, WARD_ID, Field, Table
from analysis.data.contract.vocabulary import EVENT_KINDS, TARGET_DIRECTIONS, TARGET_MEASURES

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

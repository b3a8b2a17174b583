"""The talking group sessions table: one row per meeting, with its staff roles and kinds of item."""

from __future__ import annotations

from analysis.data.contract.fields import WARD_ID, Field, Table

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

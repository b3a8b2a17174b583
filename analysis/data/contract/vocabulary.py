"""The words and lists of the contract that other packages read: the aspects of co-production, who answers,
the incident counts and their words, what a model can adjust for, security levels, services, event kinds and
what a target can be set for."""

from __future__ import annotations

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

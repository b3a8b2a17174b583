"""The assurance table's columns and the grid's keys, with the words a board reads: the variation rows
(`VARIATION_ROWS`) and the assurance columns (`ASSURANCE_COLUMNS`) with their titles, the keys of a pair with too
few points to judge (`NO_DATA`: fewer than `MIN_POINTS`) and of one with no target (`NO_TARGET`), the table's
columns (`COLUMNS`), the counts behind a rate that disclosure control reads (`COUNT_COLUMNS`, `RATES`), the
incident charts' exposure (`EXPOSURE`) and the mark between a ward and a measure in a series' name (`SEP`)."""

from __future__ import annotations

MIN_POINTS = 6  # as the ward table and the ward profile
EXPOSURE = "occupied_bed_days"
SEP = "\x1f"  # between a ward and a measure in a series' id


VARIATION_ROWS: dict[str, str] = {
    "improvement": "Special cause: improving",
    "common": "Common cause: no significant change",
    "concern": "Special cause: concerning",
    "neither": "Special cause: neither better nor worse",
}
NO_DATA = "no_data"
NO_TARGET = "no_target"
ASSURANCE_COLUMNS: dict[str, str] = {
    "consistently_passing": "Consistently meets the target",
    "hit_and_miss": "Hit and miss",
    "consistently_failing": "Consistently misses the target",
    NO_TARGET: "No target",
}
COUNT_COLUMNS = ("latest_count", "latest_bed_days")
RATES = {"latest_rate_per_1000_obd": ("latest_count", "latest_bed_days", 1000)}  # for disclosure control
COLUMNS = [
    "ward_id",
    "ward_name",
    "measure",
    "measure_title",
    "group",
    "improvement",
    "points",
    "latest_month",
    "latest_value",
    "latest_rate_per_1000_obd",
    "latest_count",
    "latest_bed_days",
    "average",
    "lower_limit",
    "upper_limit",
    "trial_limits",
    "variation",
    "variation_label",
    "variation_row",
    "target",
    "target_direction",
    "target_from",
    "target_scope",
    "assurance",
    "assurance_label",
    "assurance_column",
]

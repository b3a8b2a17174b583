"""One ward at a glance."""
from ui.frame import not_built

not_built(
    "Ward profile",
    "how one ward is doing: its co-production, assaults on staff, recovery and talking groups over time, "
    "on statistical process control charts.",
    "every table for the chosen ward.",
)

"""Talking groups (ward community meetings) and reduced social distance."""
from ui.frame import not_built

not_built(
    "Talking groups",
    "what happened on wards after talking groups (ward community meetings) began: sessions held, attendance, "
    "and the reduced social distance they ask of staff.",
    "the ward months (talking group sessions and attendances), the events (when groups started) and the "
    "co-production scores.",
)

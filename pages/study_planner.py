"""Planning the next study."""
from ui.frame import not_built

not_built(
    "Study planner",
    "how many wards and months a study would need to detect a given effect of co-production on assaults "
    "on staff or on recovery.",
    "the ward months and co-production scores, to estimate the variation a study must overcome.",
)

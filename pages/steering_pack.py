"""The pack for the steering group meeting."""
from ui.frame import not_built

not_built(
    "Steering group pack",
    "what the steering group needs to see this quarter: the headline for each question and what changed, "
    "ready to download.",
    "the results of the question pages for the wards and period chosen in the filters.",
)

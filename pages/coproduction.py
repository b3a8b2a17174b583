"""Question 1: can co-production exist in secure settings?"""
from ui.frame import not_built

not_built(
    "Co-production (Q1)",
    "can co-production exist in secure settings? How much there is on each ward, as patients and as staff "
    "see it, and how reliable the measure is.",
    "the co-production survey returns (or the scores your site computes), the survey instrument and the wards.",
)

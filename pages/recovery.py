"""Question 3: can co-production enhance recovery?"""
from ui.frame import not_built

not_built(
    "Recovery (Q3)",
    "can co-production enhance recovery? Ward recovery measures (such as QPR-15 or DUNDRUM) against "
    "co-production over time.",
    "the recovery measures, the measures catalogue and the co-production scores.",
)

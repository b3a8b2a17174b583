"""Question 2: can co-production reduce assaults on staff?"""
from ui.frame import not_built

not_built(
    "Assaults on staff (Q2)",
    "can co-production reduce assaults on staff? Assaults per 1,000 occupied bed days on each ward, against "
    "its co-production scores, with the uncertainty of a small number of wards.",
    "the ward months (assaults on staff and occupied bed days) and the co-production scores.",
)

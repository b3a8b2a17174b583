"""The built-in instruments' items as plain tables (data layer): the EssenCES structure and the staff boundaries
instrument. `analysis.panel.instruments` builds its `Instrument` objects from these (with the rules and
sources); the synthetic hospital draws its returns from them. See analysis/panel/instruments.py for the
sources and the caveat on the EssenCES reverse keys.
"""

from __future__ import annotations

import pandas as pd

ITEM_COLUMNS = ("item", "subscale", "reverse", "scale_min", "scale_max", "scored", "wording")
# name -> (respondents, scoring, min_share_answered)
SETTINGS: dict[str, tuple[tuple[str, ...], str, float]] = {
    "essences": (("patient", "staff"), "sum", 0.8),
    "staff_boundaries": (("staff",), "mean", 0.5),
}

_BOUNDARY_ITEMS = (
    ("sb1", False, "I know where the professional boundary lies when I talk with patients as people."),
    ("sb2", False, "When a patient tells me something personal, I know what to do with it."),
    ("sb3", True, "Being friendly with patients makes it harder for me to say no when I need to."),
    ("sb4", False, "My team agrees on what is and is not acceptable in relationships with patients."),
    ("sb5", False, "I can talk about a boundary I am unsure of with colleagues without being judged."),
    ("sb6", True, "I worry that closeness with patients puts me or my colleagues at risk."),
    ("sb7", False, "Supervision helps me to think about my relationships with patients."),
)


def _frame(rows: list[tuple], scale: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "item": i,
                "subscale": s,
                "reverse": r,
                "scale_min": scale[0],
                "scale_max": scale[1],
                "scored": sc,
                "wording": w,
            }
            for i, s, r, sc, w in rows
        ],
        columns=list(ITEM_COLUMNS),
    )


def essences_items() -> pd.DataFrame:
    """EssenCES: 15 scored items (5 per subscale) on 0 to 4 and 2 fillers; no wording (licensed).

    Reverse keys: the experienced-safety items worded as threat, ess_es1 to ess_es4 (NOT confirmed against the
    published manual; see analysis/panel/instruments.py).
    """
    rows = []
    for sub, code in (("therapeutic_hold", "th"), ("patients_cohesion", "pc"), ("experienced_safety", "es")):
        for k in range(1, 6):
            rows.append((f"ess_{code}{k}", sub, code == "es" and k <= 4, True, ""))
    rows += [("ess_filler1", "filler", False, False, ""), ("ess_filler2", "filler", False, False, "")]
    return _frame(rows, (0.0, 4.0))


def boundaries_items() -> pd.DataFrame:
    """The staff boundaries working instrument: 7 items on 1 to 5, one subscale, two reverse-keyed."""
    return _frame([(i, "professional_boundaries", r, True, w) for i, r, w in _BOUNDARY_ITEMS], (1.0, 5.0))

"""Reference tables the product ships: the default working instrument and built-in measures."""

from __future__ import annotations

import pandas as pd

INSTRUMENT_STATUS = (
    "Working instrument, not validated: written for this product from the four core aspects "
    "of co-production (Reilly, Stewart and MacIntyre). Its reliability is reported from your "
    "own returns; do not treat its scores as a validated scale."
)

# (item, aspect, reverse, wording). Worded "on this ward" so patients and staff answer the same item.
_ITEMS = (
    ("le1", "lived_experience", False, "On this ward, patients' own experience of illness shapes their care plans."),
    ("le2", "lived_experience", False, "Staff ask patients what has helped them in the past."),
    ("le3", "lived_experience", True, "Patients' views about their own recovery are usually set aside."),
    ("le4", "lived_experience", False, "Patients' knowledge of their own risks is taken seriously."),
    ("pf1", "professionals_as_facilitators", False, "Staff help patients to reach goals the patients have chosen."),
    ("pf2", "professionals_as_facilitators", True, "Staff decide what is best and patients are expected to follow."),
    (
        "pf3",
        "professionals_as_facilitators",
        False,
        "Staff explain the reasons for decisions so patients can take part in them.",
    ),
    ("pf4", "professionals_as_facilitators", False, "Staff support patients to speak up in their own meetings."),
    ("sp1", "shared_power_and_trust", False, "Patients and staff decide some ward matters together."),
    ("sp2", "shared_power_and_trust", False, "Staff trust patients with responsibility when it is safe to do so."),
    ("sp3", "shared_power_and_trust", True, "Patients have no real say in how the ward is run."),
    ("sp4", "shared_power_and_trust", False, "Patients trust staff to act on what they agree together."),
    ("sd1", "reduced_social_distance", False, "Staff and patients talk with each other as people, not only as roles."),
    ("sd2", "reduced_social_distance", True, "There is a clear 'them and us' between staff and patients on this ward."),
    ("sd3", "reduced_social_distance", False, "Staff and patients take part in ward activities together."),
    ("sd4", "reduced_social_distance", False, "Patients feel able to approach staff about everyday things."),
)

_MEASURES = (
    # measure, min, max, higher_is_better
    ("QPR-15", 0.0, 60.0, True),
    ("DUNDRUM-3", 0.0, 28.0, False),
    ("DUNDRUM-4", 0.0, 24.0, False),
    ("HoNOS-Secure", 0.0, 48.0, False),
)
MEASURE_NOTES = {
    "QPR-15": "Questionnaire about the Process of Recovery, 15 items: higher is better.",
    "DUNDRUM-3": "DUNDRUM-3 programme completion: lower is better.",
    "DUNDRUM-4": "DUNDRUM-4 recovery: lower is better.",
    "HoNOS-Secure": "HoNOS-Secure clinical total: lower is better.",
}


def default_instrument() -> pd.DataFrame:
    """The default working instrument: 16 Likert items (1 to 5), four per core aspect."""
    return pd.DataFrame(
        [
            {"item": i, "aspect": a, "reverse": r, "scale_min": 1.0, "scale_max": 5.0, "wording": w}
            for i, a, r, w in _ITEMS
        ]
    ).astype({"reverse": "boolean"})


def builtin_measures() -> pd.DataFrame:
    """The built-in recovery measures catalogue."""
    return pd.DataFrame(
        [{"measure": m, "min": lo, "max": hi, "higher_is_better": hib} for m, lo, hi, hib in _MEASURES]
    ).astype({"higher_is_better": "boolean"})

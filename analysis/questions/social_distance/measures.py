"""The measures of reduced social distance's staff side, their words, and the seeds' three tensions.

Closeness (`CLOSENESS`) is the ward's reduced social distance as patients rate it; every link is per `PER`
points of it. `MEASURES` names each ward-quarter measure for a chart or a table, `WORDS` puts it inside a sentence
with its words for higher and lower, `RATES` are the count-model measures (the verdict asks only whether they
change), and `TENSIONS` groups the measures under the three tensions the page is laid out by.
"""

from __future__ import annotations

PER = 10.0
CLOSENESS = "patient_rsd"
MEASURES: dict[str, str] = {
    "patient_rsd": "Reduced social distance as patients rate it (0 to 100)",
    "staff_rsd": "Reduced social distance as staff rate it (0 to 100)",
    "rsd_gap": "Gap in reduced social distance: staff minus patients (points)",
    "staff_boundaries": "Staff confidence with professional boundaries (1 to 5)",
    "staff_safety": "Experienced safety as staff rate it (EssenCES, 0 to 20)",
    "patient_safety": "Experienced safety as patients rate it (EssenCES, 0 to 20)",
    "assault_rate": "Assaults on staff per 1,000 occupied bed days",
    "boundary_rate": "Boundary-related incidents per 1,000 occupied bed days",
}
# Each measure inside a sentence, and the words for higher and lower.
WORDS: dict[str, tuple[str, str, str]] = {
    "staff_rsd": ("staff rate relationships", "closer", "more distant"),
    "rsd_gap": ("the gap between staff and patients' ratings is", "wider", "narrower"),
    "staff_boundaries": ("staff feel", "more confident with professional boundaries", "less confident with boundaries"),
    "staff_safety": ("staff feel", "safer", "less safe"),
    "patient_safety": ("patients feel", "safer", "less safe"),
    "assault_rate": ("assaults on staff", "rise", "fall"),
    "boundary_rate": ("boundary-related incidents", "rise", "fall"),
}
RATES = ("assault_rate", "boundary_rate")  # count-model measures: the verdict asks whether they change
TENSIONS = (
    {
        "key": "security_and_risk",
        "title": "Security against risk taking",
        "question": "Closer relationships ask staff to take more risks with trust. Do staff and patients feel "
        "less safe where relationships are closer, and do assaults on staff rise or fall?",
        "measures": ("staff_safety", "patient_safety", "assault_rate"),
    },
    {
        "key": "boundaries_and_relationships",
        "title": "Therapeutic boundaries against humanised relationships",
        "question": "Talking with patients as people tests where the professional boundary lies. Are staff less "
        "sure of their boundaries where relationships are closer, are more boundary-related incidents reported, and "
        "do staff see more closeness than patients?",
        "measures": ("staff_boundaries", "boundary_rate", "rsd_gap"),
    },
    {
        "key": "procedural_and_relational",
        "title": "Procedural and physical against relational security",
        "question": "Relational security rests on knowing patients well. Do staff and patients agree how close "
        "relationships are, and does closeness go with the safety that procedures and walls are meant to give?",
        "measures": ("staff_rsd", "staff_safety", "assault_rate"),
    },
)

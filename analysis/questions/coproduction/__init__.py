"""Question 1, can co-production exist in secure settings: levels by ward and group, by patients and staff.

`answer_q1` is the question's answer; `levels`, `bands` and `disagreement` are its tables and
`group_differences` compares services or security levels with a mixed model.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".existence": ("answer_q1", "band_counts", "band_note", "bands", "disagreement", "levels"),
        ".groups": ("group_differences", "survey_rows"),
    },
)

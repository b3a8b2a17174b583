"""The overview: the three answers for the chosen wards and period, how sure they are, and every ward at a glance.

`overview` computes everything the Overview page and the pack show at once; `three_answers` gives the answers
alone (each an `Answer`), `ward_table` the wards and `steering_summary` the summary in words.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".answers": ("TITLES", "Answer", "Overview", "headline_metrics", "key_figure", "overview", "three_answers"),
        ".confidence": ("confidence_level", "confidence_line"),
        ".summary": ("steering_summary",),
        ".wards": ("ward_table",),
    },
)

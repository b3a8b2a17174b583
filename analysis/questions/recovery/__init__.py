"""Question 3, can co-production enhance recovery: mixed models of each recovery measure against co-production.

`fit_recovery` fits one measure; `answer_q3` fits every measure in the panel.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".model": ("answer_q3", "fit_recovery", "higher_is_better", "measure_column", "measures_in_panel"),
    },
)

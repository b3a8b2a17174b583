"""The product's questions as models, tidy tables and sentences: co-production, assaults, recovery, talking groups.

One subpackage per question (`coproduction`, `assaults`, `recovery`, `talking_groups`); `specs` runs a saved
model spec (`parse_spec`, `run_spec`) and `planning` sizes a study.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".assaults": ("claims_table", "incidents_table"),
        ".coproduction": ("answer_q1", "group_differences"),
        ".planning": ("planning_inputs", "power_sentence"),
        ".recovery": ("answer_q3", "fit_recovery"),
        ".specs": ("SpecError", "fit_panel", "parse_spec", "run_spec", "to_json"),
        ".talking_groups": ("its_pooled", "its_ward"),
    },
)

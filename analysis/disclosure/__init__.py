"""Disclosure control: the small-number rules and everything that protects a table before it leaves the app.

`RULES` holds the presets (NHS England's, Scotland's), `rule_from_name` picks one, `protect_table` applies it
with secondary suppression; `export_results` protects a model's tables and `to_csv_bytes` / `to_xlsx_bytes`
write a stamped, formula-safe file.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".export": ("export_results", "export_results_json"),
        ".periods": ("before_after_counts",),
        ".protect": ("ProtectedTable", "protect_long", "protect_table", "pseudonymise_wards"),
        ".rules": ("RULES", "DisclosureError", "DisclosureRule", "rule_from_name"),
        ".safe_tables": ("build_stamp", "neutralise", "to_csv_bytes", "to_xlsx_bytes"),
    },
)

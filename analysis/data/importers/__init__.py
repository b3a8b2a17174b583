"""Day-one data: import what a hospital holds (incident listings, bed days, restrictive-intervention episodes).

`import_listing` turns one incident listing (as exported from Datix, Ulysses and the like), a midnight census or
spells file, and optionally MHS505-shaped restrictive-intervention episodes into the contract's ``ward_months``,
through a `MappingProfile`, with a `Reconciliation` of every row. `inspect_listing`, `suggest_profile` and
`listing_combinations` serve the Data page's mapping step. Free-text columns are never read.

Names are imported when first used (nothing heavy on ``import analysis.data.importers``).
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".engine": (
            "import_listing",
            "inspect_listing",
            "listing_combinations",
            "read_bed_days",
            "read_interventions",
            "suggest_profile",
        ),
        ".profile": (
            "MEASURES",
            "ROLES",
            "CategoryRule",
            "MappingProfile",
            "ProfileError",
            "label_key",
            "load_profile",
            "save_profile",
            "starter_profile",
            "starter_profiles",
        ),
        ".reconcile": ("EPISODE_REASONS", "LISTING_REASONS", "Reconciliation"),
        ".results": (
            "INTERVENTION_CODES",
            "INTERVENTION_COLUMNS",
            "MIDNIGHT_CONVENTION",
            "BedDays",
            "Combinations",
            "ImportRefused",
            "ImportResult",
            "Interventions",
            "TableLayout",
        ),
    },
)

"""The data contract: the one definition of every table the dashboard accepts.

Everything else reads this package: the loader parses columns by each field's
``kind``, validation runs the pandera schemas built here, the template workbook
and the data dictionary are generated from it, and the tests check against it.
Data are ward-level aggregates only; nothing here describes a patient.

One idea a module: `vocabulary` (the words and lists other packages read), `fields` (`Field`, `Table`, kinds and
plausibility limits), one module per group of tables (`wards`, `surveys`, `outcomes`, `sessions`, `incidents`),
`registry` (`TABLES` and the data dictionary) and `schemas` (the pandera checks). Every name is imported from
here (``from analysis.data.contract import TABLES``), when first used: nothing heavy on
``import analysis.data.contract``.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".vocabulary": (
            "ADJUSTMENTS",
            "ASPECTS",
            "CATEGORICAL_ADJUSTMENTS",
            "EVENT_KINDS",
            "INCIDENT_COUNTS",
            "INCIDENT_WORDS",
            "INCIDENTS",
            "LISTED_ONLY",
            "LISTING_MEASURES",
            "MODELLED_INCIDENTS",
            "MORE_IS_BETTER",
            "NUMERIC_ADJUSTMENTS",
            "REBASE_EVENT_KINDS",
            "RESPONDENTS",
            "SCORE_PARTS",
            "SECURITY_LEVELS",
            "SUGGESTED_SERVICES",
            "TARGET_DIRECTIONS",
            "TARGET_MEASURES",
        ),
        ".fields": (
            "DATE_FLOOR",
            "DATE_YEARS",
            "KINDS",
            "MISSING_TOKENS",
            "MONTH",
            "MONTHLY_COUNT_CEILING",
            "NUMBER_CEILING",
            "WARD_ID",
            "Field",
            "Table",
        ),
        ".wards": (
            "BED_DAYS_TOLERANCE",
            "WARD_MONTHS",
            "WARDS",
        ),
        ".surveys": (
            "COPRODUCTION_RESPONSES",
            "COPRODUCTION_SCORES",
            "INSTRUMENT",
            "SURVEY_RETURNS",
        ),
        ".outcomes": (
            "EVENTS",
            "MEASURES",
            "RECOVERY",
            "TARGETS",
        ),
        ".sessions": (
            "CHAIRS",
            "ITEM_COLUMNS",
            "ITEM_KINDS",
            "SESSION_MINUTES_CEILING",
            "SESSION_STAFF_CEILING",
            "STAFF_COLUMNS",
            "STAFF_ROLES",
            "TALKING_GROUP_SESSIONS",
        ),
        ".incidents": ("INCIDENT_DATES",),
        ".registry": (
            "TABLES",
            "dictionary",
        ),
        ".schemas": ("schema",),
    },
)

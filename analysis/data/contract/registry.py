"""Every table of the contract by name (`TABLES`, in the order the template and the dictionary list them), and
the data dictionary made from it."""

from __future__ import annotations

import pandas as pd

from analysis.data.contract.fields import KINDS, Table
from analysis.data.contract.incidents import INCIDENT_DATES
from analysis.data.contract.outcomes import EVENTS, MEASURES, RECOVERY, TARGETS
from analysis.data.contract.sessions import TALKING_GROUP_SESSIONS
from analysis.data.contract.surveys import COPRODUCTION_RESPONSES, COPRODUCTION_SCORES, INSTRUMENT, SURVEY_RETURNS
from analysis.data.contract.wards import WARD_MONTHS, WARDS

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        WARDS,
        WARD_MONTHS,
        COPRODUCTION_RESPONSES,
        COPRODUCTION_SCORES,
        INSTRUMENT,
        SURVEY_RETURNS,
        RECOVERY,
        MEASURES,
        EVENTS,
        TARGETS,
        TALKING_GROUP_SESSIONS,
        INCIDENT_DATES,
    )
}


def dictionary() -> pd.DataFrame:
    """The data dictionary: one row per column of every table, in words."""
    rows = []
    for t in TABLES.values():
        for f in t.fields:
            rows.append(
                {
                    "table": t.name,
                    "column": f.name,
                    "required_column": "yes" if f.required else "no",
                    "blanks_allowed": "yes" if f.nullable else "no",
                    "type": KINDS[f.kind],
                    "rule": f.rule(),
                    "description": f.description,
                    "example": f.example,
                }
            )
        if t.item_columns:
            rows.append(
                {
                    "table": t.name,
                    "column": "<item>",
                    "required_column": "no",
                    "blanks_allowed": "yes",
                    "type": "whole number",
                    "rule": "within the item's scale_min to scale_max",
                    "description": "One column per item of the instrument, named by its `item`.",
                    "example": "4",
                }
            )
    return pd.DataFrame(rows)

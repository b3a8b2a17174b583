"""One problem found by the cross-table checks (`Issue`), and how a value is shown in its sentence (`show`).

A value that cannot be true is an error; one that is possible but unlikely is a warning, imported and listed for
someone who knows the ward to check."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Issue:
    table: str
    index: int | None  # position in the parsed table; None for a table-level problem
    column: str
    problem: str
    severity: str = "error"
    value: str = ""


def show(v: object) -> str:
    """A value as an issue's sentence shows it: blank for missing, dates as dd/mm/yyyy, whole floats without '.0'."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and abs(v) >= 1e15:
        return f"{v:g}"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)

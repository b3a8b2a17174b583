"""A table's column (`Field`) and the table itself (`Table`), the kinds of value a cell can hold, the limits of
what is plausible, and the two columns most tables share (`WARD_ID`, `MONTH`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.text import fmt_number

# Field kinds and how the loader turns spreadsheet cells into values.
KINDS: dict[str, str] = {
    "id": "text identifier",
    "text": "text",
    "choice": "one of a fixed list",
    "month": "month (2024-04, Apr 2024, 01/04/2024 or an Excel date)",
    "date": "date, day first (01/04/2024 is 1 April 2024), or an Excel date",
    "count": "whole number, 0 or more",
    "number": "number",
    "flag": "yes / no",
}
MISSING_TOKENS = ("", "n/a", "#n/a", "-", "–", "—")  # compared after strip().lower()

# Plausibility. A value that cannot be real (a typing slip, a value no ward could have) is an error:
# the row cannot be used until the cell is corrected or the row dropped. A value that is possible but
# unlikely is a warning: it is imported and listed for someone who knows the ward to check.
DATE_FLOOR = pd.Timestamp("1990-01-01")  # no month of data or survey return before this: a mistyped year
DATE_YEARS = (1900, 2200)  # a date outside these years is never read (a ward may have opened before 1990)
NUMBER_CEILING = 1e9  # no cell of any table is near a thousand million
MONTHLY_COUNT_CEILING = 100_000  # incidents, sessions or returns on one ward in one month


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str
    required: bool = True  # the column must be present
    nullable: bool = False  # blank cells are allowed (and counted as missing)
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] | None = None
    example: str = ""
    ceiling: float | None = None  # a number above this cannot be real: an error (NUMBER_CEILING when None)
    ceiling_words: str = ""  # what no value exceeds, for that error: "monthly count"
    happened: bool = False  # a month or date of something that happened: from DATE_FLOOR to today
    checks_note: str = ""  # plausibility checked against other columns (crosschecks.py), in words

    @property
    def limit(self) -> float | None:
        """The largest value a number or count can plausibly have; above it (or below minus it) is an error."""
        if self.kind not in ("count", "number"):
            return None
        return NUMBER_CEILING if self.ceiling is None else float(self.ceiling)

    def rule(self) -> str:
        """The field's value rule in words, for the dictionary and messages."""
        parts = [KINDS[self.kind]]
        if self.choices:
            parts = ["one of: " + ", ".join(self.choices)]
        if self.minimum is not None:
            parts.append(("above " if self.min_exclusive else "at least ") + fmt_number(self.minimum, 6))
        if self.maximum is not None:
            parts.append(f"at most {fmt_number(self.maximum, 6)}")
        if self.ceiling is not None:
            parts.append(f"above {fmt_number(self.ceiling)} is an error (far larger than any {self.ceiling_words})")
        if self.happened:
            latest = "the current month" if self.kind == "month" else "today"
            parts.append(f"from {DATE_FLOOR.strftime('%b %Y')} to {latest}; earlier or later is an error")
        if self.checks_note:
            parts.append(self.checks_note)
        return "; ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    required: bool = False  # the upload must contain this table
    item_columns: bool = False  # extra columns named by the instrument's items
    # (prefix, what its columns are): a column with the prefix that the table does not list is an error, not
    # ignored ("staff_porter": a role the contract does not know, so its count would be lost)
    column_families: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no column {name!r}")


def _count(name: str, description: str, **kw) -> Field:
    kw = {"ceiling": MONTHLY_COUNT_CEILING, "ceiling_words": "monthly count", **kw}
    return Field(name, "count", description, required=False, nullable=True, minimum=0, **kw)


WARD_ID = Field("ward_id", "id", "The ward's short code, used to link every table.", example="W01")
MONTH = Field(
    "month",
    "month",
    "The calendar month the row describes.",
    example="Apr 2024",
    happened=True,
    checks_note="before the month the ward opened or after the month it closed is a warning",
)

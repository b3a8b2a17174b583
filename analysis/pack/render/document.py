"""The steering group pack as plain data: what the renderers draw, with no content decisions."""

from __future__ import annotations

import functools
import numbers
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

FALLBACK_VERSION = "0.1.0"
SUPPRESSED = "*"
_PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


@functools.cache  # read once per process: every export stamp asks for it
def version() -> str:
    """The app's version: pyproject.toml [project].version, else the installed metadata, else a constant."""
    try:
        with _PYPROJECT.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("coproduction-dashboard")
    except metadata.PackageNotFoundError:
        return FALLBACK_VERSION


def _as_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


@dataclass
class Stamp:
    """Where the numbers came from and what was done to them; printed on every export."""

    source: str
    import_note: str
    extract_date: str
    period: str
    wards: list[str] | str
    filters: list[str] | str | None = None
    app_version: str = field(default_factory=version)
    disclosure_rule: str = ""
    synthetic: bool = False

    def lines(self) -> list[str]:
        """The stamp as short plain-English lines, synthetic-data warning first."""
        wards = _as_list(self.wards)
        filters = _as_list(self.filters)
        out = []
        if self.synthetic:
            out.append("SYNTHETIC DATA – not real patients or staff")
        source = self.source + (f" ({self.import_note})" if self.import_note else "")
        out += [
            f"Data source: {source}",
            f"Extract date: {self.extract_date}",
            f"Period: {self.period}",
            f"Wards: {', '.join(wards) if wards else 'all'}",
            f"Filters: {'; '.join(filters) if filters else 'none'}",
            f"Disclosure rule: {self.disclosure_rule or 'none applied'}",
            f"App version: {self.app_version}",
        ]
        return out

    def line(self) -> str:
        """The whole stamp on one line, for page and slide footers."""
        return " · ".join(self.lines())


@dataclass
class Figure:
    """One chart: a plotly figure plus the words a reader without the picture needs."""

    figure: Any  # plotly.graph_objects.Figure
    title: str
    alt_text: str
    caption: str = ""


@dataclass
class Table:
    """A table already protected for disclosure by the caller (cells may be '*' strings)."""

    data: pd.DataFrame
    title: str
    note: str = ""


@dataclass
class Section:
    """One part of the pack; `question` ("q1", "q2", "q3") marks the three questions."""

    title: str
    answer: str = ""
    question: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


@dataclass
class Pack:
    """The whole meeting pack."""

    title: str
    subtitle: str
    stamp: Stamp
    sections: list[Section] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    data_quality: list[str] = field(default_factory=list)

    def ordered_sections(self) -> list[Section]:
        """Question sections first (in question order), then the rest as given."""
        questions = sorted((s for s in self.sections if s.question), key=lambda s: str(s.question))
        return questions + [s for s in self.sections if not s.question]

    def keyed_figures(self) -> list[tuple[str, Figure]]:
        """Every figure with a stable key ("section.figure" by position in `sections`)."""
        return [
            (figure_key(i, j), fig) for i, section in enumerate(self.sections) for j, fig in enumerate(section.figures)
        ]

    def figure_keys(self, section: Section) -> list[str]:
        """Keys of one section's figures, matching `keyed_figures`."""
        i = next(n for n, s in enumerate(self.sections) if s is section)
        return [figure_key(i, j) for j in range(len(section.figures))]


def figure_key(section_index: int, figure_index: int) -> str:
    return f"{section_index}.{figure_index}"


def cell_text(value: object) -> tuple[str, bool]:
    """A table cell as shown (missing -> ""), and whether it aligns as a number.

    A suppressed count ("*") aligns with the numbers it stands in for.
    """
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return "", False
    if value == SUPPRESSED:
        return SUPPRESSED, True
    numeric = isinstance(value, numbers.Number) and not isinstance(value, bool)
    return str(value), numeric

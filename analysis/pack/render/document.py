"""The steering group pack as plain data: what the renderers draw, with no content decisions."""

from __future__ import annotations

import functools
import numbers
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

FALLBACK_VERSION = "0.2.0"
SUPPRESSED = "*"
_REPOSITORY = Path(__file__).resolve().parents[3]
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256 in a repository that uses it
# Refs that belong to one worktree (kept in its own git dir); every other ref is shared (the common dir).
_PER_WORKTREE = ("HEAD", "refs/bisect/", "refs/worktree/", "refs/rewritten/")


@functools.cache  # worked out once per process: every export stamp asks for it
def version() -> str:
    """The version stamped on every export: pyproject's version and, in a git checkout, the commit.

    ``0.2.0+g1a2b3c4`` is release 0.2.0 built from commit 1a2b3c4; ``.dirty`` is appended when tracked
    files differ from that commit. Outside a git checkout (or without a readable ``.git``) it is the plain
    version, ``0.2.0``.
    """
    return version_of(_REPOSITORY)


def version_of(root: Path) -> str:
    """The stamp's version for the code checked out at `root` (uncached; `version()` is the cached one)."""
    base = base_version(root / "pyproject.toml")
    commit = git_commit(root)
    if commit is None:
        return base
    return f"{base}+g{commit[:7]}" + (".dirty" if git_dirty(root) else "")


def base_version(pyproject: Path) -> str:
    """pyproject.toml's [project].version, else the installed package's metadata, else a constant."""
    try:
        with pyproject.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("coproduction-dashboard")
    except metadata.PackageNotFoundError:
        return FALLBACK_VERSION


def _git_dirs(root: Path) -> tuple[Path, Path] | None:
    """(this checkout's git dir, the common git dir): the same folder except in a linked worktree, whose
    ``.git`` is a file saying ``gitdir: <path>`` and whose git dir names the shared one in ``commondir``."""
    dot = root / ".git"
    if dot.is_file():
        text = dot.read_text(encoding="utf-8").strip()
        if not text.startswith("gitdir:"):
            return None
        git_dir = Path(text.removeprefix("gitdir:").strip())
        git_dir = git_dir if git_dir.is_absolute() else root / git_dir
    elif dot.is_dir():
        git_dir = dot
    else:
        return None
    common = git_dir
    if (git_dir / "commondir").is_file():
        shared = Path((git_dir / "commondir").read_text(encoding="utf-8").strip())
        common = shared if shared.is_absolute() else git_dir / shared
    return git_dir, common


def _read_ref(git_dir: Path, common: Path, ref: str) -> str | None:
    """A ref's content: its loose file (in the worktree's or the common git dir), else packed-refs."""
    own = ref == "HEAD" or ref.startswith(_PER_WORKTREE)
    for folder in (git_dir,) if own else (git_dir, common):
        try:
            return (folder / ref).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            continue
    try:
        packed = (common / "packed-refs").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    for line in packed.splitlines():
        sha, _, name = line.partition(" ")
        if name.strip() == ref and not line.startswith(("#", "^")):
            return sha
    return None


def _commit_from_files(root: Path) -> str | None:
    """HEAD's commit read from .git's files, following symbolic refs (no git process)."""
    dirs = _git_dirs(root)
    if dirs is None:
        return None
    value: str | None = "ref: HEAD"
    for _ in range(10):  # a chain of symbolic refs; a loop is given up on
        if value is None or not value.startswith("ref:"):
            break
        value = _read_ref(*dirs, value.removeprefix("ref:").strip())
    return value if value is not None and _SHA.fullmatch(value) else None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    # --no-optional-locks: never write the index (a status refresh would), so a commit in progress is not disturbed
    try:
        return subprocess.run(
            ["git", "--no-optional-locks", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit(root: Path) -> str | None:
    """The full hash of the commit checked out at `root`, or None when `root` is not a git checkout.

    Read from the files under .git (HEAD, loose refs, packed-refs; a linked worktree's ``.git`` file); only
    when they cannot be read (for example a reftable repository) is ``git rev-parse`` asked.
    """
    if not (root / ".git").exists():
        return None
    try:
        commit = _commit_from_files(root)
    except (OSError, UnicodeDecodeError):
        commit = None
    if commit is None:
        done = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
        out = done.stdout.strip() if done is not None and done.returncode == 0 else ""
        commit = out if _SHA.fullmatch(out) else None
    return commit


def git_dirty(root: Path) -> bool:
    """Whether tracked files at `root` differ from the checked-out commit (staged or not; untracked files
    do not count). One ``git status`` (a few milliseconds); False when git cannot say."""
    done = _git(root, "status", "--porcelain", "--untracked-files=no", "--ignore-submodules=dirty")
    return done is not None and done.returncode == 0 and bool(done.stdout.strip())


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
        """The whole stamp on one line."""
        return " · ".join(self.lines())

    def short_line(self) -> str:
        """The stamp in one short line for page and slide footers: synthetic warning, source, period, the rule's
        name, version (the extract date, wards and filters are in the full stamp at the end)."""
        rule = (self.disclosure_rule or "none applied").split(". ")[0].rstrip(".")
        parts = ["SYNTHETIC DATA"] if self.synthetic else []
        parts += [
            f"Data source: {self.source}",
            f"Period: {self.period}",
            f"Disclosure rule: {rule}",
            f"App version: {self.app_version}",
        ]
        return " · ".join(parts)


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
class VerdictLine:
    """One question on the summary page: the question, its short verdict, and the figure and how sure."""

    question: str
    verdict: str
    detail: str = ""


@dataclass
class Summary:
    """The pack's first page: a verdict per question, the signals, what changed since the previous pack,
    the decisions the group is asked for and the agenda. `facts` is what the export register keeps so the
    next pack can say what changed (verdicts and key figures; never a count)."""

    verdicts: list[VerdictLine] = field(default_factory=list)
    sure: str = ""
    signals: str = ""
    changes: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pack:
    """The whole meeting pack."""

    title: str
    subtitle: str
    stamp: Stamp
    sections: list[Section] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    data_quality: list[str] = field(default_factory=list)
    # what the pack covers, for the export register (real ward ids, first and last month, audience, rule);
    # kept inside the app, never rendered
    selection: dict[str, Any] | None = None
    summary: Summary | None = None  # the first page (executive summary); None in a bare document

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

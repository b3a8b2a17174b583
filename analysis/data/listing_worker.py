"""The incident-listing import read in a worker process, bounded as a template upload is.

The Data page's "From your incident system" reads a listing, a census or spells file and episodes with the
import engine (analysis/data/importers: DuckDB, calamine). Those files come from the browser as the template
does, so they are read the same way: each workbook measured first (what it unpacks to, its rows and cells,
within LIMITS), then read in a worker within its memory and time limits (`analysis.data.worker_process`). Only
the engine's result comes back: counts, the reconciliation (its excluded rows hold the mapped columns only), the
distinct locations and categories; never a free-text column, which the engine drops unread.
"""

from __future__ import annotations

import io
from pathlib import Path

from analysis.data.limits import LIMITS, Limits, failed_message
from analysis.data.worker_process import WorkerFailed, run_bounded

__all__ = [
    "UploadRefused",
    "import_listing_bounded",
    "inspect_listing_bounded",
    "listing_combinations_bounded",
]


class UploadRefused(Exception):
    """A file of a listing import refused before it was read (past a limit, or unreadable by the engine).

    ``file_name`` is the file's name as uploaded; ``limit`` is True when it went past one of limits.py's limits
    (the message is then limits.py's own, as for a template upload)."""

    def __init__(self, message: str, file_name: str = "", limit: bool = False) -> None:
        super().__init__(message)
        self.file_name = file_name
        self.limit = limit


def _measure_upload(name: str, data: bytes, budget) -> None:
    """What one file would unpack to, and a workbook's rows and cells, within `budget`; LimitError past them.

    A workbook (or anything packed as a zip) is measured from its zip directory and by streaming its sheets'
    XML, as the template's upload is, before anything parses it; a text file counts as its own size."""
    import zipfile

    from analysis.data.limits import LimitError
    from analysis.data.readers import _measure_workbook

    if data[:2] == b"PK" or Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                _measure_workbook(zf, budget)
        except zipfile.BadZipFile:
            return  # not a zip after all: the engine says what it is
        except zipfile.LargeZipFile as e:  # pragma: no cover - a zip64 past what zipfile reads
            raise LimitError(str(e)) from e
    else:
        from analysis.data.importers.tables import measure_text

        budget.add_unpacked(len(data))
        if data[:4] != b"PAR1" and Path(name).suffix.lower() != ".parquet":
            measure_text(data, budget)  # a CSV's rows and cells, counted before anything reads it


def _listing_job(op: str, files: dict, kwargs: dict, limits: Limits, temp_dir: str):
    """In the worker: measure every file, then run the engine's `op`; ("ok", result) or ("refused", ...)."""
    import tempfile

    from analysis.data.importers import ImportRefused, engine
    from analysis.data.limits import LimitError
    from analysis.data.readers import Budget

    tempfile.tempdir = temp_dir  # the engine's copies and DuckDB's spill files, removed by the parent
    budget = Budget(limits)
    for name, data in files.values():
        try:
            _measure_upload(name, data, budget)
        except LimitError as e:
            return ("refused", str(e), name, True)
    try:
        if op == "inspect":
            name, data = files["listing"]
            return ("ok", engine.inspect_listing(data, name))
        if op == "combinations":
            name, data = files["listing"]
            return ("ok", engine.listing_combinations(data, kwargs["profile"], name, kwargs.get("wards")))
        listing, census, episodes = (files.get(k) for k in ("listing", "census", "episodes"))
        result = engine.import_listing(
            listing[1],
            kwargs["profile"],
            census=census[1] if census else None,
            episodes=episodes[1] if episodes else None,
            wards=kwargs.get("wards"),
            bed_days=kwargs.get("bed_days"),
            listing_name=listing[0],
            census_name=census[0] if census else None,
            episodes_name=episodes[0] if episodes else None,
        )
        _materialise(result)  # the excluded rows read out here, where the engine's connection is
        return ("ok", result)
    except ImportRefused as e:
        return ("refused", str(e), "", False)
    except Exception as e:
        said = str(e).lower()
        if "duckdb" in type(e).__module__ and ("memory" in said or "allocat" in said):
            raise MemoryError from None  # DuckDB's own words for the worker's memory limit

        # the type only: an engine's message may quote a line of the file, and free text never leaves the worker
        return ("failed", type(e).__name__)


def _materialise(result) -> None:
    """The reconciliations' excluded rows as plain tables (they are read from the engine lazily), so the
    result can be sent to the app."""
    recs = [result.listing]
    if result.interventions is not None:
        recs.append(result.interventions.reconciliation)
    for rec in recs:
        rec.excluded = {k: rec.excluded[k] for k in rec.excluded}


def _run_listing(op: str, files: dict, kwargs: dict | None, limits: Limits | None):
    import shutil
    import tempfile

    from analysis.data.importers import ImportRefused

    limits = limits or LIMITS
    files = {k: (str(n), bytes(d)) for k, (n, d) in files.items() if d is not None}
    temp_dir = tempfile.mkdtemp(prefix="listing-import-")
    try:
        got = run_bounded(
            _listing_job,
            (op, files, kwargs or {}, limits, temp_dir),
            memory_bytes=limits.memory_bytes,
            seconds=limits.seconds,
        )
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    if got[0] == "ok":
        return got[1]
    if got[0] == "refused":
        _, message, name, limit = got
        if limit:
            raise UploadRefused(message, name, limit=True)
        raise ImportRefused(message)
    raise WorkerFailed(failed_message(got[1]))


def inspect_listing_bounded(data: bytes, name: str, *, limits: Limits | None = None):
    """``importers.inspect_listing`` in a worker, the file measured first.

    Raises UploadRefused (past a limit: limits.py's message, nothing parsed), ImportRefused (the engine's) or
    WorkerFailed (the worker went past its memory or time limit, or died)."""
    return _run_listing("inspect", {"listing": (name, data)}, None, limits)


def listing_combinations_bounded(data: bytes, name: str, profile, wards=None, *, limits: Limits | None = None):
    """``importers.listing_combinations`` in a worker, the file measured first (raises as
    `inspect_listing_bounded`)."""
    return _run_listing("combinations", {"listing": (name, data)}, {"profile": profile, "wards": wards}, limits)


def import_listing_bounded(
    listing: tuple[str, bytes],
    profile,
    *,
    census: tuple[str, bytes] | None = None,
    episodes: tuple[str, bytes] | None = None,
    wards=None,
    bed_days=None,
    limits: Limits | None = None,
):
    """``importers.import_listing`` in a worker: each file (name, bytes) measured first, all of them together
    within one upload's limits; the result's excluded rows read out (raises as `inspect_listing_bounded`)."""
    files = {"listing": listing}
    if census is not None:
        files["census"] = census
    if episodes is not None:
        files["episodes"] = episodes
    return _run_listing("import", files, {"profile": profile, "wards": wards, "bed_days": bed_days}, limits)

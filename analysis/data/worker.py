"""Parsing an upload in a worker process, under a memory limit and a deadline, so no file can take the server down.

The Streamlit server runs many threads, where a plain fork is unsafe; workers start from a fork server (a clean
single-threaded process that has already imported the loader, so each upload starts in milliseconds) or, where
there is none, are spawned. The worker gets the file's bytes, limits its own address space with
``resource.setrlimit(RLIMIT_AS)`` to what it started with plus ``Limits.memory_bytes``, parses, and sends the
``LoadResult`` back. Past the deadline the parent kills it. Either way the upload costs one message.

A worker never runs the caller's main script. multiprocessing would re-run it (as ``__mp_main__``) in the fork
server and in every worker, and inside a Streamlit script run the "main module" is the page script itself
(dashboard.py): each upload would run the app's page in its worker, and a page that cannot run outside Streamlit
would stop every upload. The worker's own code lives in importable modules, so it is not needed: the fork server
preloads only the loader, and each worker is started without the main module (``_Popen``).
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing as mp
import os
import time
from dataclasses import replace
from multiprocessing.connection import wait
from pathlib import Path

from analysis.data.limits import (
    FILE_LIMITS,
    LIMITS,
    Limits,
    crash_message,
    failed_message,
    memory_message,
    time_message,
)

__all__ = [
    "UploadRefused",
    "WorkerFailed",
    "import_listing_bounded",
    "inspect_listing_bounded",
    "listing_combinations_bounded",
    "load_bounded",
    "load_path_bounded",
    "run_bounded",
]

# Imported once by the fork server (never the caller's main script); the listing import's readers too, which
# start no thread on import, so a worker's memory limit is not spent loading libraries.
_PRELOAD = [
    "analysis.data.loader",
    "analysis.data.importers.engine",
    "analysis.data.importers.tables",
    "duckdb",
    "python_calamine",
]
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")  # how multiprocessing would re-run the main script
_CONTEXT = None


class WorkerFailed(Exception):
    """The worker went past its memory or time limit, or died; the message is for the user."""


def _mp_context():
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in mp.get_all_start_methods():
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)  # imported once by the server, not per upload
        else:  # pragma: no cover - Linux has a fork server
            ctx = mp.get_context("spawn")
        _CONTEXT = ctx
    return _CONTEXT


def _process_class():
    """The Process class a worker is started with: the fork server's, without the caller's main module."""
    ctx = _mp_context()
    return _Process if ctx.get_start_method() == "forkserver" else ctx.Process


try:  # the fork server's own launch (popen_forkserver.Popen._launch, Python 3.11 to 3.13), main script left out
    from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
    from multiprocessing.context import ForkServerProcess, set_spawning_popen

    class _Popen(popen_forkserver.Popen):
        def _launch(self, process_obj):
            prep_data = spawn.get_preparation_data(process_obj._name)
            for key in _MAIN_KEYS:
                prep_data.pop(key, None)
            buf = io.BytesIO()
            set_spawning_popen(self)
            try:
                reduction.dump(prep_data, buf)
                reduction.dump(process_obj, buf)
            finally:
                set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)
            parent_w = os.dup(w)
            self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = forkserver.read_signed(self.sentinel)

    class _Process(ForkServerProcess):
        @staticmethod
        def _Popen(process_obj):
            return _Popen(process_obj)

except ImportError:  # pragma: no cover - no fork server (not Linux): workers are spawned
    _Process = None


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when it cannot be read)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return 0


def _child(conn, fn, args, memory_bytes: int) -> None:
    import resource

    try:
        try:
            base = _address_space() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            cap = base + int(memory_bytes)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            conn.send(("ok", fn(*args)))
        except MemoryError:
            conn.send(("memory", None))
        except BaseException as e:  # reported to the parent, which words it
            conn.send(("error", f"{type(e).__name__}: {e}"))
    except MemoryError:  # the result itself could not be sent within the limit
        conn.send(("memory", None))
    finally:
        conn.close()


def run_bounded(fn, args: tuple = (), *, memory_bytes: int, seconds: float):
    """``fn(*args)`` in a worker process limited to `memory_bytes` more than it starts with and `seconds`.

    `fn`, its arguments and its result must pickle. Raises WorkerFailed with a message for the user when the
    worker runs out of memory, passes its deadline (it is then killed) or dies.
    """
    limits = Limits(memory_bytes=memory_bytes, seconds=seconds)
    ctx = _mp_context()
    receive, send = ctx.Pipe(duplex=False)
    proc = _process_class()(target=_child, args=(send, fn, args, memory_bytes), daemon=True, name="upload-worker")
    proc.start()
    send.close()
    deadline = time.monotonic() + seconds
    message = None
    try:
        while message is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerFailed(time_message(limits))
            ready = wait([receive, proc.sentinel], timeout=left)
            if receive in ready or (proc.sentinel in ready and receive.poll(0)):
                try:
                    message = receive.recv()
                except EOFError:  # it died without a word
                    break
            elif proc.sentinel in ready:
                break
    finally:
        if proc.is_alive() and message is None:
            proc.kill()
        proc.join(timeout=30)
        receive.close()
    if message is None:
        raise WorkerFailed(crash_message(proc.exitcode))
    kind, value = message
    if kind == "ok":
        return value
    if kind == "memory":
        raise WorkerFailed(memory_message(limits))
    raise WorkerFailed(f"{crash_message(proc.exitcode)} ({value})")


def _load(files: list[tuple[str, bytes]], context, limits: Limits):
    from analysis.data.loader import load_files, load_upload

    if len(files) == 1:
        name, data = files[0]
        result = load_upload(data, name, context, limits=limits)
    else:
        result = load_files(files, context, limits=limits)
    return replace(result, _context=None)  # the parent has it: not sent back


def _identity(files: list[tuple[str, bytes]]) -> tuple[str, str, str]:
    """(sheet, source name, content hash) as the loader would give them."""
    from analysis.data.loader import _hash

    if len(files) == 1:
        return files[0][0], files[0][0], hashlib.sha256(files[0][1]).hexdigest()
    files = sorted(files, key=lambda f: f[0])
    names = ", ".join(n for n, _ in files)
    return names, names, _hash(files)


def load_bounded(files: list[tuple[str, bytes]], context: dict | None = None, *, limits: Limits | None = None):
    """A LoadResult for one file or several read together, parsed in a worker within `limits`.

    One file is read as ``load_upload`` reads it, several as ``load_files``. When the worker goes past its memory
    or time limit the result holds that one message, and nothing from the file.
    """
    from analysis.data.loader import stopped

    limits = limits or LIMITS
    files = [(str(n), bytes(d)) for n, d in files]
    try:
        result = run_bounded(_load, (files, context, limits), memory_bytes=limits.memory_bytes, seconds=limits.seconds)
    except WorkerFailed as e:
        sheet, source_name, content_hash = _identity(files)
        return stopped(sheet, str(e), source_name, content_hash, context)
    return replace(result, _context=context)


def load_path_bounded(path: str | Path, context: dict | None = None, *, limits: Limits | None = None):
    """``load_path`` in a worker: a workbook, CSV or zip file, or a folder of CSV files, within `limits`.

    As with ``load_path``, `limits` defaults to ``FILE_LIMITS`` (a path is named by whoever runs the app, so
    national sizes pass); the worker's memory and time limits apply whichever limits are given. The command
    line's ``validate`` and ``--data`` read files this way."""
    from analysis.data.loader import load_path

    limits = FILE_LIMITS if limits is None else limits
    path = Path(path)
    if path.is_dir():
        files = [(p.name, p.read_bytes()) for p in sorted(path.glob("*.csv"))]
    elif path.is_file():
        files = [(path.name, path.read_bytes())]
    else:
        files = []
    if not files:  # nothing to read: the loader words it
        return load_path(path, context, limits=limits)
    return replace(load_bounded(files, context, limits=limits), source_name=str(path))


# ---------------------------------------------------------------- the incident-listing import, bounded alike
# The Data page's "From your incident system" reads a listing, a census or spells file and episodes with the
# import engine (analysis/data/importers: DuckDB, calamine). Those files come from the browser as the template
# does, so they are read the same way: each workbook measured first (what it unpacks to, its rows and cells,
# within LIMITS), then read in a worker within its memory and time limits. Only the engine's result comes back:
# counts, the reconciliation (its excluded rows hold the mapped columns only), the distinct locations and
# categories; never a free-text column, which the engine drops unread.


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

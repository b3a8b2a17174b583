"""Parsing an upload in a worker process, under a memory limit and a deadline, so no file can take the server down.

A template upload (one file, or several read together) or a file named on the command line is parsed by the
loader in a worker (`load_bounded`, `load_path_bounded`); past the worker's memory or time limit the result
holds that one message, and nothing from the file. The worker process itself (fork server, memory limit,
deadline: `run_bounded`, `WorkerFailed`) is `analysis.data.worker_process`; the incident-listing import read
alike (`inspect_listing_bounded`, `listing_combinations_bounded`, `import_listing_bounded`, `UploadRefused`) is
`analysis.data.listing_worker`. Both are re-exported here, where the app and the command line import them.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from analysis.data.limits import FILE_LIMITS, LIMITS, Limits
from analysis.data.listing_worker import (
    UploadRefused,
    import_listing_bounded,
    inspect_listing_bounded,
    listing_combinations_bounded,
)
from analysis.data.worker_process import WorkerFailed, run_bounded

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

"""Checked tables kept on disk, so that reading the same files again (a restart, a second server) takes a moment.

``load_path`` reads a folder or file named by whoever runs the app; once it has read, checked and found it fit to
use (nothing refused, no error), it keeps what it found here: the tables as Arrow files (Feather v2, uncompressed,
written and read by pyarrow, which comes with Streamlit) beside the problems, row numbers and sheet names, under a
key made of

* the files' names and the SHA-256 of their bytes (the loader's ``content_hash``),
* the loader's version: the source of every module of ``analysis/data`` and of ``analysis/text.py``, and the
  versions of pandas, numpy, pandera, pyarrow and openpyxl, so that a change of code never serves tables read by
  the old code,
* the limits the files were read within, and the current year (a date beside a name becomes a date of birth
  once it is old enough).

The next read of the same files opens those Arrow files instead of reading and checking again, unless a month or
date in them is now in the future (a clock set back: the check that nothing happened after today would fail).
Uploads through the browser are never kept (they are not on the server's disk to begin with).

Where: ``$COPRODUCTION_CACHE_DIR``, else ``$XDG_CACHE_HOME/coproduction/loads``, else
``~/.cache/coproduction/loads``; ``COPRODUCTION_CACHE_DIR=off`` turns it off. The folder is made readable by its
owner only, and a folder that someone else owns or can write to is not used (nothing is kept, nothing is read), so
a kept table is no more exposed than the file it was read from. Only ward-level totals are ever kept: a file
holding anything that looks like a patient identifier is refused and nothing of it is kept. The ``KEEP`` most
recently used reads are kept; older ones are removed. The ``answers`` folder inside belongs to
`analysis.data.kept` (answers worked out from the tables, kept the same way).

Arrow files rather than Parquet: they are written on the way of the first read, and for a national return
(1,000 wards x 120 months) they take 0.02 s to write against Parquet's 0.1 to 0.16 s (its encoding and compression,
which a cache on the same disk does not need), and half Parquet's time to read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.digest import code_digest
from analysis.data.folder import ENV_VAR as ENV_VAR  # where the folder is: one place (folder.py), read here too
from analysis.data.folder import OFF as OFF
from analysis.data.folder import cache_dir
from analysis.data.folder import usable as _usable

LIBRARIES = ("pandas", "numpy", "pandera", "pyarrow", "openpyxl")  # the loader's
KEEP = 8  # reads kept; the least recently used beyond this are removed
FORMAT = "2"  # how an entry is laid out on disk: meta.json, table-<i>.arrow, detail/dropped/missing.arrow, rows.npz
_VERSION: str | None = None


def code_version() -> str:
    """A hash of the code that reads and checks files (every module of analysis/data and its subpackages,
    analysis/text.py) and of the libraries it uses: when any changes, tables kept by the old code are not used."""
    global _VERSION
    if _VERSION is None:
        here = Path(__file__).resolve().parent  # subpackages too (contract/, importers/)
        _VERSION = code_digest(here.parent, [here.name, "text.py"], LIBRARIES, salt=f"format {FORMAT}")
    return _VERSION


def key(*parts: object) -> str:
    """The key of one read: what was read (names and content hashes), how (limits), the code, the year."""
    text = json.dumps([code_version(), pd.Timestamp.now().year, *[str(p) for p in parts]])
    return hashlib.sha256(text.encode()).hexdigest()


def _latest(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The latest month and date of things that happened, as kept tables hold them (for `_still_true`)."""
    from analysis.data.contract import TABLES

    latest: dict[str, pd.Timestamp] = {}
    for name, df in tables.items():
        for f in TABLES[name].fields if name in TABLES else ():
            if f.happened and f.name in df and df[f.name].notna().any():
                top = pd.Timestamp(df[f.name].max())
                latest[f.kind] = max(latest.get(f.kind, top), top)
    return {k: v.isoformat() for k, v in latest.items()}


def _still_true(latest: dict[str, str]) -> bool:
    """Would the months and dates still pass the check that they are not in the future? (Only ever more true.)"""
    today = pd.Timestamp.now().normalize()
    if "month" in latest and pd.Timestamp(latest["month"]) > today.replace(day=1):
        return False
    return not ("date" in latest and pd.Timestamp(latest["date"]) > today)


def read(k: str) -> dict | None:
    """What was kept under key `k`: tables, detail, dropped, missing, rows, sheets, content_hash; None when absent
    (or unreadable, or no longer true)."""
    root = cache_dir()
    if root is None or not _usable(root):
        return None
    entry = root / k
    meta_file = entry / "meta.json"
    if not meta_file.is_file():
        return None
    try:
        meta = json.loads(meta_file.read_text())
        if meta.get("format") != FORMAT or not _still_true(meta.get("latest", {})):
            return None
        tables = {t: pd.read_feather(entry / f"table-{i}.arrow") for i, t in enumerate(meta["tables"])}
        frames = {n: pd.read_feather(entry / f"{n}.arrow") for n in ("detail", "dropped", "missing")}
        runs = meta["runs"]  # rows numbered one after another: kept as (first, how many)
        with np.load(entry / "rows.npz", allow_pickle=False) as z:
            rows = {
                t: list(range(runs[t][0], runs[t][0] + runs[t][1])) if t in runs else z[f"r{i}"].tolist()
                for i, t in enumerate(meta["rows"])
            }
        os.utime(meta_file)  # recently used: kept longest
    except Exception:  # a damaged entry is a miss, and removed
        shutil.rmtree(entry, ignore_errors=True)
        return None
    return {**frames, "tables": tables, "rows": rows, "sheets": meta["sheets"], "content_hash": meta["content_hash"]}


def write(
    k: str,
    tables: dict[str, pd.DataFrame],
    detail: pd.DataFrame,
    dropped: pd.DataFrame,
    missing: pd.DataFrame,
    rows: dict[str, list[int]],
    sheets: dict[str, str],
    content_hash: str,
) -> None:
    """Keep one read under key `k` (written whole or not at all); never raises."""
    root = cache_dir()
    if root is None or not _usable(root):
        return
    tmp = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=root))  # owner only
        for i, df in enumerate(tables.values()):
            df.to_feather(tmp / f"table-{i}.arrow", compression="uncompressed")
        for n, df in (("detail", detail), ("dropped", dropped), ("missing", missing)):
            df.to_feather(tmp / f"{n}.arrow", compression="uncompressed")
        runs = {t: [r[0], len(r)] for t, r in rows.items() if r and r == list(range(r[0], r[0] + len(r)))}
        listed = {f"r{i}": np.asarray(r, dtype=np.int64) for i, (t, r) in enumerate(rows.items()) if t not in runs}
        np.savez(tmp / "rows.npz", **listed)
        meta = {
            "format": FORMAT,
            "tables": list(tables),
            "rows": list(rows),
            "runs": runs,
            "sheets": sheets,
            "content_hash": content_hash,
            "latest": _latest(tables),
        }
        (tmp / "meta.json").write_text(json.dumps(meta))  # last: an entry without it is never read
        for p in tmp.iterdir():
            p.chmod(0o600)
        try:
            tmp.rename(root / k)
            tmp = None
        except OSError:  # another process kept the same read first
            pass
        _prune(root)
    except Exception:  # keeping is a saving, never a reason to fail a read
        pass
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _prune(root: Path) -> None:
    """Remove all but the KEEP most recently used reads, and writes left half done (a process stopped) an hour ago."""
    import time

    def used(p: Path) -> float:
        try:
            return (p / "meta.json").stat().st_mtime
        except OSError:
            return 0.0

    entries = []
    for p in root.iterdir():
        if p.name.startswith(".writing-"):
            try:
                if p.stat().st_mtime < time.time() - 3600:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass
        elif p.is_dir() and p.name != "answers":  # analysis.data.kept's folder: it prunes its own
            entries.append(p)
    for p in sorted(entries, key=used)[: max(len(entries) - KEEP, 0)]:
        shutil.rmtree(p, ignore_errors=True)


def clear() -> None:
    """Remove every kept read (``python -m analysis`` users, tests)."""
    root = cache_dir()
    if root is not None and root.is_dir() and _usable(root):
        for p in root.iterdir():
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)

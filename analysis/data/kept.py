"""Answers kept on disk, so that a restart with unchanged data shows them without fitting a model again.

The loader keeps checked tables (`analysis.data.cache`); this module keeps what was worked out from them: the
Overview's answers, headline figures and ward table, each under a key made of

* what the data are: the content fingerprint of the whole data set and the filters on it,
* what was asked: the function's name, its file and its arguments,
* the code: the source of every module of ``analysis/`` and of the function's own file, and the versions of the
  libraries that compute (pandas, numpy, scipy, statsmodels, plotly), so a change of code never serves answers
  worked out by the old code,
* the date (an answer may count months up to today: it is worked out again once a day at most).

A restart with unchanged data then reads the answers (a few milliseconds) instead of importing statsmodels and
scipy and fitting the models (a second or more on the sample, much more at national scale).

Where: the loader's folder (``$COPRODUCTION_CACHE_DIR``, else ``~/.cache/coproduction/loads``), in its
``answers`` folder, with the same safety: nothing is kept or read when the folder is not ours or others can
write to it; files are readable by their owner only; each is written whole (a temporary file renamed into
place) or not at all; a file that cannot be read (damaged, written by another version) is removed and the
answer worked out again. What is kept is what the pages show: ward-level totals, rates and model estimates,
never a patient's row (the loader refuses files that hold patient identifiers). The files are Python pickles,
read by an unpickler that builds only the classes answers are made of (`analysis`'s own, pandas, numpy, pyarrow
and a few built-in types) and refuses anything else, so a planted file cannot run code. The ``KEEP`` most
recently used answers are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import pickle
import tempfile
from pathlib import Path

from analysis.data.digest import code_digest
from analysis.data.folder import subfolder

FOLDER = "answers"  # inside the loader's folder; `analysis.data.cache` leaves it alone
FORMAT = "1"
KEEP = 512  # answers kept; the least recently used beyond this are removed
LIBRARIES = ("pandas", "numpy", "scipy", "statsmodels", "plotly", "pyarrow")
_VERSION: str | None = None
_SOURCES: dict[str, str] = {}

# What the unpickler may build (answers are dataclasses of frames, numbers and words): `analysis`'s dataclasses and
# enums; pandas' and numpy's data types (frames, indexes, arrays, dtypes, scalars, missing values) and the private
# helpers they pickle their objects with; the three pyarrow helpers that rebuild an Arrow-backed column; a few
# built-in and standard types. Nothing that opens a file (pandas.ExcelWriter, numpy.memmap) or runs code.
_PANDAS_NAMES = frozenset(
    {
        "DataFrame", "Series", "Index", "RangeIndex", "MultiIndex", "DatetimeIndex", "TimedeltaIndex", "PeriodIndex",
        "CategoricalIndex", "IntervalIndex", "Categorical", "Timestamp", "Timedelta", "Period", "Interval", "NA", "NaT",
    }
)  # fmt: skip
_HELPER_MODULES = ("pandas._libs", "pandas.core", "numpy._core", "numpy.core")  # where the "_" helpers live
_PYARROW = frozenset({"_restore_array", "py_buffer", "type_for_alias", "chunked_array"})
_NUMPY_NAMED = frozenset({"scalar", "dtype", "ndarray"})
_BUILTINS = frozenset(
    {"set", "frozenset", "slice", "range", "complex", "bytearray", "bytes", "tuple", "list", "dict", "object"}
)
_STDLIB = {
    "datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone"}),
    "collections": frozenset({"OrderedDict", "defaultdict", "Counter"}),
    "copyreg": frozenset({"_reconstructor"}),
    "decimal": frozenset({"Decimal"}),
    "zoneinfo": frozenset({"ZoneInfo"}),
}


def _allowed(module: str, name: str, value: object) -> bool:
    """May a kept answer name `module.name` (already looked up as `value`)?"""
    import dataclasses
    import enum

    import numpy as np

    top = module.split(".", 1)[0]
    if top == "analysis":
        return isinstance(value, type) and (dataclasses.is_dataclass(value) or issubclass(value, enum.Enum))
    if top == "pyarrow":
        return module == "pyarrow.lib" and name in _PYARROW
    if module.startswith(_HELPER_MODULES) and name.startswith("_") and callable(value):
        return True
    if top == "pandas":
        if module == "pandas":
            return name in _PANDAS_NAMES or (isinstance(value, type) and name.endswith("Dtype"))
        if module in ("pandas.arrays", "pandas.api.types") or module.startswith(("pandas.core", "pandas._libs")):
            return isinstance(value, type) or not callable(value)  # data classes, NA and NaT
        return False
    if top == "numpy":
        if value is np.memmap:
            return False
        if name in _NUMPY_NAMED:
            return True
        return isinstance(value, type) and issubclass(value, (np.ndarray, np.generic, np.dtype))
    return False


def folder() -> Path | None:
    """The folder answers are kept in (made owner-only), or None when keeping is off or the folder is unsafe."""
    return subfolder(FOLDER)


def code_version() -> str:
    """A hash of every module of analysis/ and of the computing libraries' versions."""
    global _VERSION
    if _VERSION is None:
        here = Path(__file__).resolve().parents[1]
        _VERSION = code_digest(here.parent, [here.name], LIBRARIES, salt=f"format {FORMAT}")
    return _VERSION


def source_hash(path: str) -> str:
    """The SHA-256 of a source file's bytes ('' when it cannot be read), worked out once per process."""
    if path not in _SOURCES:
        try:
            _SOURCES[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            _SOURCES[path] = ""
    return _SOURCES[path]


def key(*parts: object, today: dt.date | None = None) -> str:
    """The key of one answer: the code, the date and `parts` (the data's fingerprint, filters, function, arguments)."""
    day = (today or dt.date.today()).isoformat()
    text = json.dumps([FORMAT, code_version(), day, *[str(p) for p in parts]])
    return hashlib.sha256(text.encode()).hexdigest()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module == "builtins" and name in _BUILTINS) or name in _STDLIB.get(module, ()):
            return super().find_class(module, name)
        if module.split(".", 1)[0] in ("analysis", "pandas", "numpy", "pyarrow"):
            value = super().find_class(module, name)
            if _allowed(module, name, value):
                return value
        raise pickle.UnpicklingError(f"a kept answer may not hold {module}.{name}")


def read(k: str) -> tuple[bool, object]:
    """``(True, answer)`` kept under key `k`, else ``(False, None)`` (absent, unreadable or not ours: removed)."""
    here = folder()
    if here is None:
        return False, None
    path = here / f"{k}.pickle"
    try:
        data = path.read_bytes()
    except OSError:
        return False, None
    try:
        kept = _Unpickler(io.BytesIO(data)).load()
        if not isinstance(kept, dict) or kept.get("format") != FORMAT or kept.get("key") != k:
            raise ValueError("not an answer kept under this key")
        os.utime(path)  # recently used: kept longest
    except Exception:  # a damaged or foreign file is a miss, and removed
        path.unlink(missing_ok=True)
        return False, None
    return True, kept["value"]


def write(k: str, value: object) -> None:
    """Keep `value` under key `k` (written whole or not at all); never raises."""
    here = folder()
    if here is None:
        return
    tmp = None
    try:
        data = pickle.dumps({"format": FORMAT, "key": k, "value": value}, protocol=pickle.HIGHEST_PROTOCOL)
        fd, name = tempfile.mkstemp(prefix=".writing-", dir=here)  # owner only
        tmp = Path(name)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, here / f"{k}.pickle")
        tmp = None
        _prune(here)
    except Exception:  # keeping is a saving, never a reason to fail a page
        pass
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _prune(here: Path) -> None:
    """Remove all but the KEEP most recently used answers, and writes left half done an hour ago."""
    import time

    entries = []
    for p in here.iterdir():
        try:
            used = p.stat().st_mtime
        except OSError:
            continue
        if p.name.startswith(".writing-"):
            if used < time.time() - 3600:
                p.unlink(missing_ok=True)
        else:
            entries.append((used, p))
    for _, p in sorted(entries)[: max(len(entries) - KEEP, 0)]:
        p.unlink(missing_ok=True)

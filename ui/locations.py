"""Where the app's data live (the sample folder, the store's SQLite file), known without importing pandas: the
first paint (ui/first_paint.py) checks them before any library is imported, and ui/data.py reads from them."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample"  # analysis.data.dataset.SAMPLE_DIR (tests/ui/test_locations.py)
SAMPLE_ENV = "COPRODUCTION_SAMPLE_DIR"  # lets tests point the app at another sample folder
STORE_ENV = "COPRODUCTION_DATABASE_URL"  # analysis.store.database.ENV_VAR
OTHER_DATABASE = "other"


def sample_path() -> Path:
    """The folder of the synthetic sample hospital."""
    return Path(os.environ.get(SAMPLE_ENV, "").strip() or SAMPLE_DIR)


def store_file() -> Path | str:
    """The store's SQLite file (which may not exist yet), or OTHER_DATABASE for a store that is not a file
    (a database server, SQLite in memory)."""
    url = os.environ.get(STORE_ENV, "").strip()  # the same setting as analysis.store.database.default_url
    if not url:
        return ROOT / "var" / "coproduction.sqlite"
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///").split("?", 1)[0])
    return OTHER_DATABASE


def no_store_yet() -> bool:
    """True when the store is an SQLite file that does not exist yet, so it holds no imports: the first
    page is then drawn without opening it (and without loading SQLAlchemy, a third of a second)."""
    path = store_file()
    return isinstance(path, Path) and not path.exists()

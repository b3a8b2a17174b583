"""The Overview's first paint (ui/first_paint.py): what names it, and how it is kept on disk."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.data.dataset import SAMPLE_DIR
from ui import first_paint, locations

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 12, 5)


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A sample folder of its own (a copy of two files), an absent store and a cache folder, in tmp_path."""
    sample = tmp_path / "sample"
    sample.mkdir()
    for name in ("wards.csv", "ward_months.csv"):
        (sample / name).write_bytes((SAMPLE_DIR / name).read_bytes())
    monkeypatch.setenv(locations.SAMPLE_ENV, str(sample))
    monkeypatch.setenv(locations.STORE_ENV, f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("COPRODUCTION_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_the_sample_folder_is_the_loaders():
    assert locations.SAMPLE_DIR == SAMPLE_DIR


def test_the_same_start_has_the_same_name_and_any_change_another(places, monkeypatch):
    name = first_paint.signature([], today=DAY)
    assert name == first_paint.signature([], today=DAY)
    assert first_paint.signature([], today=DAY + dt.timedelta(days=1)) != name  # answers count months to today
    assert first_paint.signature([["period", ["2024-25"]]], today=DAY) != name  # the filters in the address
    monkeypatch.setenv("COPRODUCTION_SOMETHING", "1")
    assert first_paint.signature([], today=DAY) != name  # an app setting
    monkeypatch.delenv("COPRODUCTION_SOMETHING")
    assert first_paint.signature([], today=DAY) == name
    wards = places / "sample" / "wards.csv"
    wards.write_bytes(wards.read_bytes() + b"\n")
    assert first_paint.signature([], today=DAY) != name  # the data changed


def test_a_store_counts_only_once_it_holds_data(places):
    from analysis.spc.settings import save_run_length, saved_run_length
    from analysis.store.database import Store
    from tests.store.test_database import base_tables

    url = os.environ[locations.STORE_ENV]
    absent = first_paint.signature([], today=DAY)
    saved_run_length(url)  # reading the run length makes an empty SQLite file
    assert Path(url.removeprefix("sqlite:///")).exists()
    assert first_paint.signature([], today=DAY) == absent
    store = Store(url)  # its tables, no rows
    assert first_paint.signature([], today=DAY) == absent
    store.import_tables(base_tables(), "first.xlsx", "h1")
    imported = first_paint.signature([], today=DAY)
    assert imported != absent
    store.import_tables({"wards": base_tables()["wards"].assign(beds=30)}, "second.xlsx", "h2")
    second = first_paint.signature([], today=DAY)
    assert second != imported
    store.rollback(2)
    assert first_paint.signature([], today=DAY) not in (second, imported, absent)
    rolled = first_paint.signature([], today=DAY)
    save_run_length(8, url=url)  # the hospital's SPC run length
    assert first_paint.signature([], today=DAY) != rolled


def test_a_store_on_a_database_server_has_no_first_paint(places, monkeypatch):
    monkeypatch.setenv(locations.STORE_ENV, "postgresql://user@db.example/coproduction")
    assert first_paint.signature([], today=DAY) is None


def test_kept_steps_read_back_and_a_damaged_or_foreign_file_is_dropped(places):
    steps = [["title", "A"], ["columns", [["markdown", "one"]], [["markdown", "two", "help"]]]]
    first_paint._write("abc", steps)
    folder = places / "cache" / first_paint.FOLDER
    assert first_paint._read("abc") == steps
    assert oct((folder / "abc.json").stat().st_mode & 0o777) == "0o600"  # the owner's only
    (folder / "abc.json").write_text("{not json")
    assert first_paint._read("abc") is None
    assert not (folder / "abc.json").exists()
    (folder / "other.json").write_text(json.dumps({"format": first_paint.FORMAT, "name": "abc", "steps": steps}))
    assert first_paint._read("other") is None  # kept under another name: not this start's
    assert first_paint._read("never") is None


def test_nothing_is_kept_when_keeping_is_off(places, monkeypatch):
    monkeypatch.setenv("COPRODUCTION_CACHE_DIR", "off")
    first_paint._write("abc", [["title", "A"]])
    assert first_paint._read("abc") is None
    assert not (places / "cache").exists()


def test_only_the_newest_first_paints_are_kept(places, monkeypatch):
    monkeypatch.setattr(first_paint, "KEEP", 3)
    folder = places / "cache" / first_paint.FOLDER
    for i in range(5):
        first_paint._write(f"n{i}", [["title", str(i)]])
        os.utime(folder / f"n{i}.json", (1_000_000 + i, 1_000_000 + i))
    first_paint._write("last", [["title", "last"]])
    assert sorted(p.stem for p in folder.glob("*.json")) == ["last", "n3", "n4"]


def test_drawing_before_the_libraries_imports_none_of_them():
    code = (
        "import sys; import ui.first_paint, ui.frame, ui.auth, ui.locations, analysis.text;"
        "print([m for m in ('pandas', 'numpy', 'pyarrow', 'sqlalchemy', 'scipy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

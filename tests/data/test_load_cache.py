"""Checked tables kept on disk (analysis/data/cache.py): a second read of the same files gives the same result
without reading them, and nothing stale, unfit or exposed is ever served."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest

from analysis.data import cache, loader
from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.loader import load_path


def same(a, b) -> None:
    """Two LoadResults alike in everything the app and the store use."""
    assert sorted(a.tables) == sorted(b.tables)
    for t in a.tables:
        pd.testing.assert_frame_equal(a.tables[t], b.tables[t], check_index_type=True, check_column_type=True)
    for x, y in (
        (a.problems, b.problems),
        (a._detail, b._detail),
        (a.dropped_columns, b.dropped_columns),
        (a.missing, b.missing),
    ):
        pd.testing.assert_frame_equal(x, y, check_index_type=True)
    assert (a._rows, a._sheets, a.content_hash, a.source_name, a.refused, a.ok) == (
        b._rows,
        b._sheets,
        b.content_hash,
        b.source_name,
        b.refused,
        b.ok,
    )


def no_reading(monkeypatch) -> None:
    def refuse(*a, **k):
        raise AssertionError("the files were read again")

    monkeypatch.setattr(loader, "read_many", refuse)
    monkeypatch.setattr(loader, "read_one", refuse)


def entries() -> list[Path]:
    root = cache.cache_dir()
    return [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")] if root.is_dir() else []


@pytest.fixture
def sample(tmp_path) -> Path:
    return Path(shutil.copytree(SAMPLE_DIR, tmp_path / "sample"))


def test_a_second_read_of_the_same_folder_is_the_same_result_without_reading_it(sample, monkeypatch):
    first = load_path(sample)
    assert first.ok and len(entries()) == 1
    no_reading(monkeypatch)
    second = load_path(sample)
    same(first, second)
    with_defaults = load_sample(sample)  # the app's path: the same Dataset
    assert sorted(with_defaults.tables) == sorted(set(first.tables) | {"instrument", "measures"})
    assert with_defaults.provenance["content_hash"] == first.content_hash


def test_a_kept_result_drops_bad_rows_as_a_fresh_one_does(sample):
    fresh = load_path(sample)
    kept = load_path(sample)
    same(fresh.without_bad_rows(), kept.without_bad_rows())


def test_a_single_file_is_kept_by_its_name_and_bytes(sample, tmp_path, monkeypatch):
    import zipfile

    one = tmp_path / "hospital.zip"
    with zipfile.ZipFile(one, "w") as z:
        for p in sorted(sample.glob("*.csv")):
            z.write(p, p.name)
    first = load_path(one)
    assert first.ok and len(entries()) == 1
    other = tmp_path / "copy.zip"  # the same bytes under another name: read (and kept) on its own
    other.write_bytes(one.read_bytes())
    load_path(other)
    assert len(entries()) == 2
    no_reading(monkeypatch)
    same(first, load_path(one))


def test_a_changed_byte_is_read_again(sample):
    before = load_path(sample)
    path = sample / "ward_months.csv"
    path.write_bytes(path.read_bytes().replace(b",", b",", 1).replace(b"\n", b"\n\n", 1))  # a blank line
    after = load_path(sample)
    assert after.content_hash != before.content_hash and len(entries()) == 2
    assert after._rows["ward_months"][0] == before._rows["ward_months"][0] + 1


def test_new_code_never_serves_tables_the_old_code_read(sample, monkeypatch):
    load_path(sample)
    monkeypatch.setattr(cache, "_VERSION", "another version of the loader")
    calls = []
    real = loader.read_many
    monkeypatch.setattr(loader, "read_many", lambda *a, **k: calls.append(1) or real(*a, **k))
    load_path(sample)
    assert calls and len(entries()) == 2


def test_the_code_version_covers_every_module_of_the_data_package_and_text():
    version = cache.code_version()
    assert len(version) == 64
    here = Path(cache.__file__).parent
    assert {"loader.py", "parsing.py", "readers.py", "crosschecks.py", "identifiers.py"} <= {
        p.name for p in here.glob("*.py")
    }
    assert {"contract/__init__.py", "contract/fields.py", "contract/wards.py"} <= {
        p.relative_to(here).as_posix() for p in here.rglob("*.py")
    }


def test_a_change_inside_a_subpackage_of_data_changes_the_code_version(tmp_path, monkeypatch):
    """The contract is a package (analysis/data/contract/): a change to one of its modules is a change of code."""
    data = tmp_path / "analysis" / "data"
    (data / "contract").mkdir(parents=True)
    (data / "cache.py").write_text("# the cache\n")
    (data / "contract" / "fields.py").write_text("CEILING = 1\n")
    (tmp_path / "analysis" / "text.py").write_text("# words\n")
    monkeypatch.setattr(cache, "__file__", str(data / "cache.py"))
    monkeypatch.setattr(cache, "_VERSION", None)
    before = cache.code_version()
    (data / "contract" / "fields.py").write_text("CEILING = 2\n")
    monkeypatch.setattr(cache, "_VERSION", None)
    assert cache.code_version() != before


def test_files_with_errors_refused_files_and_reads_against_stored_tables_are_not_kept(sample, tmp_path):
    bad = Path(shutil.copytree(sample, tmp_path / "bad"))
    wm = bad / "ward_months.csv"
    lines = wm.read_text().splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")
    row[head.index("occupied_bed_days")] = "lots"
    wm.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    assert load_path(bad).error_count == 1
    refused = Path(shutil.copytree(sample, tmp_path / "refused"))
    ev = refused / "events.csv"
    ev.write_text(ev.read_text().rstrip("\n") + "\nW01,2024-01-05,note,943 476 5919\n")
    assert load_path(refused).refused
    context = {"wards": load_path(sample).tables["wards"]}
    n = len(entries())
    load_path(tmp_path / "bad", context)  # checked against stored tables: read each time
    assert n == 1 and len(entries()) == 1


def test_keeping_can_be_turned_off(sample, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, "off")
    assert cache.cache_dir() is None
    load_path(sample)
    calls = []
    real = loader.read_many
    monkeypatch.setattr(loader, "read_many", lambda *a, **k: calls.append(1) or real(*a, **k))
    load_path(sample)
    assert calls


def test_the_default_folder_is_the_users_cache_not_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "coproduction" / "loads"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == Path.home() / ".cache" / "coproduction" / "loads"
    assert SAMPLE_DIR.parents[1] not in cache.cache_dir().parents


def test_kept_tables_are_readable_by_their_owner_only(sample):
    load_path(sample)
    root = cache.cache_dir()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    (entry,) = entries()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in entry.iterdir()} == {0o600}


def test_a_folder_others_can_write_to_is_never_used(sample, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv(cache.ENV_VAR, str(shared))
    load_path(sample)
    assert list(shared.iterdir()) == []  # nothing kept for others to read or replace


def test_a_damaged_entry_is_read_again_and_removed(sample):
    first = load_path(sample)
    (entry,) = entries()
    (entry / "table-0.arrow").write_bytes(b"not arrow")
    same(first, load_path(sample))
    assert len(entries()) == 1  # the damaged one removed, a good one kept in its place


def test_months_now_in_the_future_are_never_served(sample, monkeypatch):
    """The check that a month is not after the current one depends on today: a kept read whose latest month is
    after today (a clock set back) is not used; the fresh read reports it."""
    first = load_path(sample)
    latest = first.tables["ward_months"]["month"].max()
    earlier = latest - pd.DateOffset(months=2)
    real_now = pd.Timestamp.now
    monkeypatch.setattr(pd.Timestamp, "now", classmethod(lambda cls, tz=None: earlier if tz is None else real_now(tz)))
    again = load_path(sample)
    assert not again.ok
    assert again.problems["problem"].str.contains("the current month").any()


def test_only_the_most_recently_used_reads_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 2)
    folders = []
    for i in range(3):
        f = Path(shutil.copytree(SAMPLE_DIR, tmp_path / f"s{i}"))
        (f / "events.csv").write_text((f / "events.csv").read_text() + "\n" * (i + 1))
        folders.append(f)
        load_path(f)
    assert len(entries()) == 2

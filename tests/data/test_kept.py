"""Answers kept on disk (analysis/data/kept.py): keyed by data, question and code; written whole; a damaged or
planted file is a miss, removed and never run; nothing kept in a folder others can write to."""

from __future__ import annotations

import datetime as dt
import os
import pickle

import numpy as np
import pandas as pd
import pytest

from analysis.data import cache, kept
from analysis.stats.results import Headline


def _answer() -> dict:
    return {
        "table": pd.DataFrame(
            {
                "ward_id": pd.array(["W01", "W02"], dtype="string"),
                "rate": [1.5, np.nan],
                "month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
            }
        ),
        "headline": Headline(name="rate ratio", estimate=0.8, ci_low=0.6, ci_high=1.1, p_value=0.2),
        "words": ["Not a clear change."],
    }


def test_an_answer_is_read_back_as_it_was_kept():
    k = kept.key("fingerprint", "filters", "func", "[]")
    assert kept.read(k) == (False, None)
    value = _answer()
    kept.write(k, value)
    found, back = kept.read(k)
    assert found
    pd.testing.assert_frame_equal(back["table"], value["table"])
    assert back["headline"] == value["headline"] and back["words"] == value["words"]
    path = kept.folder() / f"{k}.pickle"
    assert path.stat().st_mode & 0o777 == 0o600
    assert not [p for p in kept.folder().iterdir() if p.name.startswith(".writing-")]  # renamed into place


def test_the_key_changes_with_the_data_the_question_the_code_and_the_day(monkeypatch):
    day = dt.date(2026, 12, 5)
    base = kept.key("fp", "filters", "func", "args", today=day)
    assert kept.key("fp", "filters", "func", "args", today=day) == base
    others = {
        kept.key("fp2", "filters", "func", "args", today=day),  # new data
        kept.key("fp", "other filters", "func", "args", today=day),
        kept.key("fp", "filters", "other func", "args", today=day),
        kept.key("fp", "filters", "func", "other args", today=day),
        kept.key("fp", "filters", "func", "args", today=day + dt.timedelta(days=1)),
    }
    monkeypatch.setattr(kept, "_VERSION", "code changed")
    others.add(kept.key("fp", "filters", "func", "args", today=day))
    assert base not in others and len(others) == 6


def test_the_code_version_follows_every_module_of_analysis(tmp_path, monkeypatch):
    before = kept.code_version()
    monkeypatch.setattr(kept, "_VERSION", None)
    assert kept.code_version() == before  # the same files give the same version
    real_read = kept.Path.read_bytes

    def edited(self):
        data = real_read(self)
        return data + b"# edited" if self.name == "answers.py" and self.parent.name == "overview" else data

    monkeypatch.setattr(kept.Path, "read_bytes", edited)
    monkeypatch.setattr(kept, "_VERSION", None)
    assert kept.code_version() != before


def test_a_damaged_file_is_a_miss_and_is_removed_then_rebuilt():
    k = kept.key("damaged")
    kept.write(k, _answer())
    path = kept.folder() / f"{k}.pickle"
    path.write_bytes(path.read_bytes()[:100])  # cut short
    assert kept.read(k) == (False, None)
    assert not path.exists()
    kept.write(k, {"again": 1})
    assert kept.read(k) == (True, {"again": 1})


def test_a_file_kept_under_another_key_is_not_served():
    k, other = kept.key("one"), kept.key("two")
    kept.write(k, "one's answer")
    (kept.folder() / f"{other}.pickle").write_bytes((kept.folder() / f"{k}.pickle").read_bytes())
    assert kept.read(other) == (False, None)


class _Planted:
    def __reduce__(self):
        return (os.system, ("echo planted > planted.txt",))


def test_a_planted_file_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    k = kept.key("planted")
    kept.folder()  # made
    (kept.folder() / f"{k}.pickle").write_bytes(pickle.dumps({"format": kept.FORMAT, "key": k, "value": _Planted()}))
    assert kept.read(k) == (False, None)
    assert not (tmp_path / "planted.txt").exists()
    assert not (kept.folder() / f"{k}.pickle").exists()


@pytest.mark.parametrize("name", ["eval", "exec", "getattr", "__import__"])
def test_the_unpickler_builds_no_builtin_that_runs_code(name):
    with pytest.raises(pickle.UnpicklingError):
        kept._Unpickler(__import__("io").BytesIO(b"")).find_class("builtins", name)


def test_nothing_is_kept_in_a_folder_others_can_write_to(tmp_path, monkeypatch):
    root = tmp_path / "shared"
    root.mkdir()
    root.chmod(0o777)
    monkeypatch.setenv(cache.ENV_VAR, str(root))
    k = kept.key("x")
    kept.write(k, 1)
    assert kept.folder() is None and kept.read(k) == (False, None)
    assert not (root / kept.FOLDER).exists()


def test_keeping_can_be_turned_off(monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, "off")
    kept.write(kept.key("x"), 1)
    assert kept.folder() is None and kept.read(kept.key("x")) == (False, None)


def test_only_the_most_recently_used_answers_are_kept(monkeypatch):
    monkeypatch.setattr(kept, "KEEP", 3)
    keys = [kept.key(i) for i in range(5)]
    for i, k in enumerate(keys):
        kept.write(k, i)
        os.utime(kept.folder() / f"{k}.pickle", (1000 + i, 1000 + i))
    kept.write(kept.key("newest"), "n")
    left = {p.stem for p in kept.folder().glob("*.pickle")}
    assert left == {keys[3], keys[4], kept.key("newest")}


def test_the_loaders_pruning_leaves_the_answers_alone(monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 1)
    k = kept.key("kept answer")
    kept.write(k, 1)
    root = cache.cache_dir()
    for i in range(3):  # more reads than the loader keeps
        entry = root / f"entry{i}"
        entry.mkdir()
        (entry / "meta.json").write_text("{}")
    cache._prune(root)
    assert kept.read(k) == (True, 1)
    assert len([p for p in root.iterdir() if p.name.startswith("entry")]) == 1


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("pandas", "ExcelWriter"),  # a class whose constructor writes a file
        ("pandas", "read_pickle"),
        ("numpy", "memmap"),
        ("numpy", "load"),
        ("pyarrow.lib", "OSFile"),
        ("analysis.data.cache", "_prune"),  # a private function of ours: only dataclasses and enums
        ("analysis.data.cache", "clear"),
        ("os", "system"),
    ],
)
def test_the_unpickler_builds_nothing_that_touches_files_or_runs_code(module, name):
    with pytest.raises(pickle.UnpicklingError):
        kept._Unpickler(__import__("io").BytesIO(b"")).find_class(module, name)

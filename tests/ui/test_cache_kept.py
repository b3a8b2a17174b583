"""ui.cache.analysed keeps the Overview's answers on disk (analysis.data.kept): a restart with the same data,
filters and code reads them instead of working them out; anything else works them out again."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from analysis.data import kept
from analysis.data.dataset import Dataset
from analysis.data.filters import Filters
from ui import cache
from ui.frame import View

LISTED = cache.KEPT  # before the fixture below lists this module's function instead


def _count(panel: pd.DataFrame, times: int = 1) -> dict:
    _count.calls += 1
    return {"wards": len(panel) * times, "table": panel.copy()}


def _not_kept(panel: pd.DataFrame) -> int:
    _not_kept.calls += 1
    return len(panel)


@pytest.fixture(autouse=True)
def kept_here(tmp_path, monkeypatch):
    monkeypatch.setenv("COPRODUCTION_CACHE_DIR", str(tmp_path / "kept"))
    monkeypatch.setattr(cache, "KEPT", frozenset({f"{__name__}._count"}))
    monkeypatch.setattr(cache, "panel", lambda view, months=None: view.data.table("wards"))  # no model panel here
    _count.calls = _not_kept.calls = 0
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _view(beds=(1, 2, 3), filters: Filters | None = None, source: str = "sample") -> View:
    ds = Dataset(
        tables={"wards": pd.DataFrame({"ward_id": ["W01", "W02", "W03"], "service": ["a", "a", "b"], "beds": beds})},
        source=source,
        label="t",
        synthetic=True,
    )
    return View(ds, filters or Filters(), ds)


def _restart() -> None:
    """What a new server process has: nothing in Streamlit's caches, the disk as it was."""
    st.cache_data.clear()


def test_a_restart_with_unchanged_data_reads_the_kept_answer():
    first = cache.analysed(_count, _view())
    assert _count.calls == 1 and len(list(kept.folder().glob("*.pickle"))) == 1
    _restart()
    again = cache.analysed(_count, _view())
    assert _count.calls == 1  # not worked out again
    assert again["wards"] == first["wards"] == 3
    pd.testing.assert_frame_equal(again["table"], first["table"])


def test_new_data_another_filter_other_arguments_or_new_code_work_the_answer_out_again(monkeypatch):
    cache.analysed(_count, _view())
    for view, args in (
        (_view(beds=(1, 2, 4)), ()),  # new data
        (_view(filters=Filters(services=("a",))), ()),  # another filter
        (_view(), (2,)),  # other arguments
    ):
        _restart()
        before = _count.calls
        cache.analysed(_count, view, *args)
        assert _count.calls == before + 1
    _restart()
    monkeypatch.setattr(kept, "_VERSION", "the code changed")
    cache.analysed(_count, _view())
    assert _count.calls == 5


def test_a_damaged_kept_answer_is_worked_out_again_and_kept_anew():
    cache.analysed(_count, _view())
    (path,) = kept.folder().glob("*.pickle")
    path.write_bytes(b"not a pickle")
    _restart()
    assert cache.analysed(_count, _view())["wards"] == 3 and _count.calls == 2
    _restart()
    cache.analysed(_count, _view())
    assert _count.calls == 2  # rebuilt on the way


def test_only_listed_answers_of_data_on_the_servers_disk_are_kept():
    cache.analysed(_not_kept, _view())
    cache.analysed(_count, _view(source="file"))  # a file given on the command line, not the sample or the store
    assert not list(kept.folder().glob("*.pickle"))
    _restart()
    cache.analysed(_not_kept, _view())
    cache.analysed(_count, _view(source="file"))
    assert _not_kept.calls == 2 and _count.calls == 2


def test_the_overviews_answers_are_the_ones_kept():
    from analysis.overview.answers import headline_metrics, hospital_chart, three_answers, ward_table
    from analysis.overview.assurance import assurance_summary
    from analysis.wards.change import year_on_year

    for func in (headline_metrics, three_answers, hospital_chart, ward_table, assurance_summary, year_on_year):
        assert f"{func.__module__}.{func.__qualname__}" in LISTED

"""ui.cache keys: by the content of the arguments, never a sample of them; figures kept final."""

from __future__ import annotations

import json
from types import FunctionType

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import streamlit as st

from analysis.data.dataset import Dataset
from analysis.data.filters import Filters
from ui import cache
from ui.frame import View


@pytest.fixture(autouse=True)
def fresh():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def _view(values=(1, 2, 3)) -> View:
    ds = Dataset(
        tables={"wards": pd.DataFrame({"ward_id": ["W01", "W02", "W03"], "beds": list(values)})},
        source="sample",
        label="t",
        synthetic=True,
    )
    return View(ds, Filters(), ds)


def _bar(df: pd.DataFrame, title: str) -> go.Figure:
    _bar.calls += 1
    return go.Figure(go.Bar(x=df["x"], y=df["y"]), layout={"title": title})


def test_figure_is_built_once_per_content_and_rebuilt_when_any_of_it_changes():
    _bar.calls = 0
    view = _view()
    df = pd.DataFrame({"x": ["a", "b"], "y": [1.0, 2.0]})
    first = cache.figure(_bar, view, df, "t")
    assert cache.figure(_bar, view, df.copy(), "t") is first and _bar.calls == 1
    cache.figure(_bar, view, df.assign(y=[1.0, 2.5]), "t")  # one value differs
    cache.figure(_bar, view, df.rename(columns={"y": "z"}).assign(y=[1.0, 2.0]), "t")  # extra column
    cache.figure(_bar, view, df.iloc[::-1].reset_index(drop=True), "t")  # same rows, other order
    cache.figure(_bar, view, df, "other title")
    cache.figure(_bar, _view((1, 2, 4)), df, "t")  # other data set
    assert _bar.calls == 6


def test_frames_that_differ_only_in_attrs_get_their_own_figure():
    _bar.calls = 0
    df = pd.DataFrame({"x": ["a"], "y": [1.0]})
    other = df.copy()
    other.attrs = {"improvement": "decrease"}
    cache.figure(_bar, _view(), df, "t")
    cache.figure(_bar, _view(), other, "t")
    assert _bar.calls == 2


def test_a_frozen_figure_sends_exactly_what_the_figure_would():
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3.0, 1.0, 2.0], mode="lines"), layout={"title": "x"})
    expected = pio.to_json(fig, validate=False)
    frozen = cache.freeze(fig)
    assert isinstance(frozen, cache.FrozenFigure)
    assert pio.to_json(frozen, validate=False) == expected
    assert json.loads(expected)["layout"]["title"]["text"] == frozen.layout.title.text == "x"


def test_values_whose_content_cannot_be_read_are_refused_not_guessed():
    class Opaque:
        pass

    with pytest.raises(TypeError):
        cache.figure(_bar, _view(), Opaque(), "t")


def test_functions_with_one_name_in_different_pages_are_told_apart():
    def chart():  # a page's function: every page runs as __main__
        return 1

    one = FunctionType(chart.__code__.replace(co_filename="pages/one.py"), {}, "chart")
    two = FunctionType(chart.__code__.replace(co_filename="pages/two.py"), {}, "chart")
    one.__module__ = two.__module__ = "__main__"
    assert cache._name(one) != cache._name(two)


def test_imported_data_are_one_dataset_per_store_revision(tmp_path, monkeypatch):
    from tests.store.test_database import base_tables
    from ui import data
    from ui.locations import STORE_ENV

    monkeypatch.setenv(STORE_ENV, f"sqlite:///{tmp_path / 'store.sqlite'}")
    data._store.clear()
    try:
        store = data._store(data.store_url())
        store.import_tables(base_tables(), "first.xlsx", "h1")
        first, again = data.store_dataset(data.store_state()), data.store_dataset(data.store_state())
        assert first is again  # the fingerprint behind every cache key is worked out once per import
        assert first.fingerprint() == first.__dict__["_fingerprint"]
        store.import_tables({"wards": base_tables()["wards"].assign(beds=30)}, "second.xlsx", "h2")
        second = data.store_dataset(data.store_state())
        assert second is not first and second.fingerprint() != first.fingerprint()
        assert sorted(second.provenance["files"]) == ["first.xlsx", "second.xlsx"]
        store.rollback(2)
        third = data.store_dataset(data.store_state())
        assert third.fingerprint() == first.fingerprint() and third is not second
    finally:
        data._store.clear()


def test_a_frozen_figures_json_is_made_once_and_is_what_plotly_would_send():
    import plotly
    from plotly.tools import return_figure_from_figure_or_data

    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3.0, 1.0, 2.0], mode="lines"), layout={"title": "x"})
    expected, pretty = pio.to_json(fig, validate=False), pio.to_json(fig, validate=False, pretty=True)
    frozen = cache.freeze(fig)

    def sent() -> str:  # what st.plotly_chart does with the figure it is given
        return plotly.io.to_json(return_figure_from_figure_or_data(frozen, validate_figure=True), validate=False)

    first = sent()
    assert first == expected
    assert sent() is first  # kept, not encoded again
    assert pio.to_json(frozen, validate=False, pretty=True) == pretty  # any other call: plotly's own


def test_the_panel_is_built_once_and_a_change_to_it_never_reaches_the_next_caller(monkeypatch):
    built = []

    def build(tables, carry_forward_months):
        built.append(carry_forward_months)
        return pd.DataFrame({"ward_id": ["W01", "W02"], "x": [1.0, 2.0]})

    monkeypatch.setattr(cache, "build_panel", build)
    view = _view()
    first = cache.panel(view, 3)
    first["x"] = 99.0
    first.loc[0, "ward_id"] = "changed"
    first["new"] = 1
    again = cache.panel(view, 3)
    assert built == [3]
    assert again["x"].tolist() == [1.0, 2.0] and again["ward_id"].tolist() == ["W01", "W02"] and "new" not in again


def test_the_views_tables_are_hashed_once_other_frames_every_time(monkeypatch):
    hashed = []
    real = cache._content_hash
    monkeypatch.setattr(cache, "_content_hash", lambda v: hashed.append(id(v)) or real(v))
    monkeypatch.setattr(cache, "panel", lambda view, months=None: view.data.table("wards"))
    st.cache_data.clear()
    _bar.calls = 0
    view = _view()
    wards = view.data.table("wards")
    other = pd.DataFrame({"x": ["a"], "y": [1.0]})
    for _ in range(3):  # three runs of a page
        cache.figure(_bar, view, other.assign(y=[1.0]), "t")
        cache.analysed(_count_rows, view, wards)
    assert hashed.count(id(wards)) == 1
    assert len(hashed) == 1 + 3  # the view's table once; the page's own frame on every run
    assert _bar.calls == 1


def _count_rows(panel: pd.DataFrame, wards: pd.DataFrame) -> int:
    return len(wards)


def test_a_check_of_a_finished_figure_is_made_once_per_table_it_is_checked_against():
    calls = []

    def check(fig, data, counts):
        calls.append(len(data))
        return f"{len(fig.data)} {list(counts)}"

    fig = go.Figure(go.Bar(x=["a"], y=[1.0]))
    data = pd.DataFrame({"x": ["a"], "n": [1]})
    assert cache.per_figure(fig, check, data, ("n",)) == "1 ['n']"  # not finished: worked out each time
    cache.per_figure(fig, check, data, ("n",))
    frozen = cache.freeze(fig)
    for _ in range(3):
        assert cache.per_figure(frozen, check, data.copy(), ("n",)) == "1 ['n']"
    cache.per_figure(frozen, check, data.assign(n=[2]), ("n",))  # another table
    cache.per_figure(frozen, check, data, ())
    assert len(calls) == 2 + 1 + 2

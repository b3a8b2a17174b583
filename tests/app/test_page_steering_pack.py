"""The Steering group pack page on the synthetic hospital: preview, build, downloads, audience, empty data."""

from __future__ import annotations

import pytest

from analysis.data.dataset import load_sample
from analysis.overview.answers import overview
from analysis.panel.build import build_panel
from tests.app.helpers import start, texts
from ui.show import answer_markdown

PAGE = "steering_pack"


@pytest.fixture
def sample_env(real_sample, monkeypatch, tmp_path):
    """real_sample, and no Chromium (HTML and tables only: quick)."""
    monkeypatch.setenv("COPRODUCTION_CHROMIUM", str(tmp_path / "no-chromium"))


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def _markdown(at) -> list[str]:
    return [str(m.value) for m in at.markdown]


def test_preview_answers_agree_with_the_analysis(sample_env, sample):
    at = start(page=PAGE)
    assert not at.exception
    ov = overview(
        build_panel(sample.tables, carry_forward_months=3), sample.tables["measures"], sample.tables["events"]
    )
    shown = _markdown(at)
    from analysis.pack.summary import verdict_text
    from analysis.text import literal

    for a in ov.answers:
        assert literal(a.sentence) in shown, a.question
        # the verdict first, bold, right above the figure, as on the pack's first page
        assert shown[shown.index(literal(a.sentence)) - 1] == f"**{literal(verdict_text(a))}**", a.question
    # the talking-groups answer the pack will carry, as the pack builds it
    from analysis.pack.build import talking_groups_results

    tg = talking_groups_results(build_panel(sample.tables, carry_forward_months=3))[0]
    assert answer_markdown(tg.sentence_without_caveats) in shown
    assert tg.caveats and all(c not in tg.sentence_without_caveats for c in tg.caveats)
    assert "trusted staff see the full numbers" in texts(at)
    assert not at.get("download_button")  # nothing to download before the pack is built


def test_build_for_an_external_audience_gives_downloads_without_ward_names(sample_env, sample):
    at = start(page=PAGE)
    at.radio(key="pack_audience").set_value("external").run()
    at.button(key="pack_build").click().run()
    assert not at.exception
    assert "Something went wrong" not in texts(at)
    labels = [b.proto.label for b in at.get("download_button")]
    for kind in ("HTML", "Excel", "CSV (zip)"):
        assert any(label.startswith(kind) for label in labels), labels
    assert not any(label.startswith("PDF") for label in labels)  # no Chromium here
    assert any("Chromium" in str(w.value) for w in at.warning)
    page = "\n".join(_markdown(at) + [str(c.value) for c in at.caption])
    assert "Ward A" in page
    for name in sample.tables["wards"]["ward_name"].astype(str):
        assert name not in page, name


def test_empty_data_gives_the_honest_message(monkeypatch, tmp_path):
    import streamlit as st

    folder = tmp_path / "empty_sample"
    folder.mkdir()
    (folder / "wards.csv").write_text("ward_id,ward_name,service,security_level,beds\n", encoding="utf-8")
    (folder / "ward_months.csv").write_text("ward_id,month,occupied_bed_days\n", encoding="utf-8")
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = start(page=PAGE)
    assert not at.exception
    assert "Not enough data to answer this" in texts(at)
    assert not at.button or not any(b.key == "pack_build" for b in at.button)
    st.cache_data.clear()


def test_an_external_pack_one_ward_short_of_an_earlier_one_is_refused_in_words(sample_env, sample):
    """Differencing: all wards, then all but one, would give that ward's count away; the register says no."""
    wards = list(sample.tables["wards"]["ward_id"].astype(str))
    at = start(page=PAGE)
    at.radio(key="pack_audience").set_value("external").run()
    at.button(key="pack_build").click().run()
    assert not at.exception and at.get("download_button")
    at.multiselect(key="f_wards").set_value(wards[1:]).run()
    at.radio(key="pack_audience").set_value("external").run()
    at.button(key="pack_build").click().run()
    assert not at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert errors and "Something went wrong" not in errors
    assert not at.get("download_button")  # nothing of the refused selection to download


def test_the_build_button_comes_before_the_preview(sample_env):
    """A new user found the Build button two screens down, under the preview: it now comes first."""
    at = start(page=PAGE)
    assert not at.exception
    walk = list(at.main)  # every element on the page, in the order drawn
    button = next(i for i, e in enumerate(walk) if getattr(e, "key", None) == "pack_build")
    preview = next(
        i for i, e in enumerate(walk) if type(e).__name__ == "Header" and e.value == "What the pack will say"
    )
    assert button < preview


def test_the_build_button_comes_before_the_note_on_what_leaves_the_room(sample_env):
    """At 1366 x 768 the note pushed the Build button below the first screen: the note now follows the button."""
    at = start(page=PAGE)
    assert not at.exception
    walk = list(at.main)
    button = next(i for i, e in enumerate(walk) if getattr(e, "key", None) == "pack_build")
    note = next(
        i for i, e in enumerate(walk) if "What you see here and what leaves the room" in str(getattr(e, "value", ""))
    )
    assert button < note

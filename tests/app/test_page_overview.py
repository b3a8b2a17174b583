"""The Overview page on the real synthetic hospital: its three verdicts and their words are the engine's answers on
the same filtered data, they come before the counters, the sidebar filters change them, and thin or empty data
give honest messages with no estimate."""

from __future__ import annotations

import shutil
import statistics
import time

import pytest
import streamlit as st

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.overview.answers import NEEDS_SURVEY, NEEDS_WARD_MONTHS, researcher_notes, three_answers
from analysis.panel.build import build_panel
from analysis.text import literal
from analysis.wards.change import year_on_year
from tests.app.helpers import start, texts


def _fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def sample_tables():
    return load_sample(SAMPLE_DIR).tables


def _expected(tables, filters: Filters | None = None):
    cut = (filters or Filters()).apply(tables)
    return three_answers(build_panel(cut), cut["measures"])


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    """The app on the real synthetic hospital (data/sample) with an empty throw-away store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COPRODUCTION_SAMPLE_DIR", raising=False)
        mp.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}")
        _fresh_caches()
        yield mp
        _fresh_caches()


@pytest.fixture(scope="module")
def overview_run(real_app):
    at = start()
    assert not at.exception, at.exception
    return at


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def _page_links(at) -> list:
    return [e.proto for e in at.get("page_link")]


def _keyed(at, key: str) -> list:
    """Markdown elements inside the container with `key` (its block's id ends with '-<key>')."""
    found = []

    def walk(node, inside=False):
        here = inside or str(getattr(getattr(node, "proto", None), "id", "")).endswith(f"-{key}")
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) == "markdown" and here:
                found.append(child)
            walk(child, here)

    walk(at._tree)
    return found


def test_each_card_opens_with_the_engines_verdict(overview_run, sample_tables):
    at = overview_run
    assert not at.error, [e.value for e in at.error]
    md = _markdown(at)
    for a in _expected(sample_tables):
        assert a.answered, a.sentence  # the full synthetic hospital answers all three
        assert [m.value for m in _keyed(at, f"verdict_{a.question}")] == [literal(a.verdict_text)]
        assert literal(a.figure) in md and f"How sure: **{a.level.lower()}** ({literal(a.sure)})" in md
        assert literal(a.caveat) in [c.value for c in at.caption]
        for note in researcher_notes(a):  # the exact figures and the method, in "For researchers"
            assert literal(note) in md, note
        assert a.title in texts(at)
    assert sum(e.label.startswith("For researchers") for e in at.expander) == 1
    # the method words are explained there
    glossary = next(m for m in md if m.startswith("- **"))
    assert "- **Rate ratio**: " in glossary and "\n- **Degrees of freedom**: " in glossary


def test_the_answers_come_before_the_counters(overview_run):
    """Above the fold: the title, one data line and the answers; the five counters come after the answers."""
    headers = [h.value for h in overview_run.header]
    assert headers.index("Today's answers") < headers.index("The data behind these answers")
    assert headers[:2] == ["Today's answers", "For the steering group"]


def test_headline_strip_says_what_is_loaded(overview_run, sample_tables):
    at = overview_run
    wm = sample_tables["ward_months"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == str(sample_tables["wards"]["ward_id"].nunique())
    assert metrics["Months"] == str(wm["month"].nunique())
    rate = wm["assaults_on_staff"].sum() / wm["occupied_bed_days"].sum() * 1000
    assert metrics["Assaults on staff per 1,000 occupied bed days"] == f"{rate:.2f}"
    assert f"{int(wm['assaults_on_staff'].sum()):,} assaults on staff" in texts(at)
    assert "Synthetic sample hospital" in texts(at)
    assert f"{wm['month'].min():%b %Y} to {wm['month'].max():%b %Y}" in texts(at)


def test_steering_summary_leads_with_the_verdicts(overview_run, sample_tables):
    at = overview_run
    md = _markdown(at)
    start = next(i for i, m in enumerate(md) if m.startswith("This covers"))
    verdicts, after = md[start + 1], " ".join(md[start + 2 : start + 4])
    answers = _expected(sample_tables)
    for a in answers:  # one bullet per question, its verdict first, then its key figure
        assert literal(a.verdict.text) in verdicts
    assert verdicts.count("\n- ") == 2 and verdicts.startswith("- Can co-production exist")
    assert literal(answers[1].key_figure.replace(" (95% CI", ", 95% CI")) in verdicts
    assert "not proof" in after
    # the hospital-level chart's special-cause month, not only a ward's
    assert "Whole hospital: the assault rate in Mar 2026 was unusually high" in after


def test_every_ward_links_to_its_profile(overview_run, sample_tables):
    links = [p for p in _page_links(overview_run) if p.page == "ward_profile"]
    wards = sample_tables["wards"]
    assert len(links) == len(wards)
    assert {p.query_string for p in links} == {f"profile_ward={w}" for w in wards["ward_id"]}
    # each ward's row says in words whether its assaults are improving and its co-production rising
    md = "\n".join(_markdown(overview_run))
    assert md.count("No significant change") + md.count("Concern") + md.count("Improving") >= 2 * len(wards)


def test_each_ward_says_how_its_last_year_compares_with_the_year_before(overview_run, sample_tables):
    yoy = year_on_year(build_panel(sample_tables))
    captions = [c.value for c in overview_run.caption]
    for row in yoy.itertuples(index=False):
        assert any(c.endswith(f"Patients: {row.score_words}") for c in captions), row.ward_id
        assert any(c.endswith(f". {row.assaults_words}") for c in captions), row.ward_id
    assert any(yoy.attrs["later"] in c and yoy.attrs["earlier"] in c for c in captions)
    # the ward table's download does not carry them (a rate ratio and its interval can give back a count)
    assert not any("rate_ratio" in str(c) for c in overview_run.dataframe[0].value.columns)


def test_choosing_a_service_changes_the_answers(real_app, sample_tables):
    wards = sample_tables["wards"]
    service = min(wards["service"].unique())
    at = start()
    before = _expected(sample_tables)
    at.sidebar.multiselect(key="f_services").select(service).run()
    assert not at.exception and not at.error
    after = _expected(sample_tables, Filters(services=(service,)))
    md = _markdown(at)
    for a in after:
        assert literal(a.sentence) in md, a.sentence
        assert [m.value for m in _keyed(at, f"verdict_{a.question}")] == [literal(a.verdict_text)]
    assert [a.sentence for a in after] != [a.sentence for a in before]
    assert not any(literal(b.sentence) in md for b in before if b.sentence not in {a.sentence for a in after})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == str(int((wards["service"] == service).sum()))


def test_a_filter_matching_nothing_gives_honest_messages(real_app, sample_tables):
    wards = sample_tables["wards"]
    ward = wards["ward_id"].iloc[0]
    other = next(s for s in wards["service"].unique() if s != wards["service"].iloc[0])
    at = start()
    at.sidebar.multiselect(key="f_wards").select(ward).run()
    at.sidebar.multiselect(key="f_services").select(other).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == "0"
    info = " ".join(i.value for i in at.info)
    assert "No ward-months match the filters" in info and "No wards match the filters" in info
    empty = _expected(sample_tables, Filters(wards=(ward,), services=(other,)))
    assert all(a.needs == NEEDS_WARD_MONTHS and a.sentence in info for a in empty)
    assert any("nothing to report yet" in m for m in _markdown(at))


def test_without_survey_returns_q1_says_what_it_needs(real_app, monkeypatch, tmp_path):
    folder = shutil.copytree(SAMPLE_DIR, tmp_path / "sample")
    (folder / "coproduction_responses.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    _fresh_caches()
    at = start()
    assert not at.exception and not at.error, [e.value for e in at.error]
    info = [i.value for i in at.info]
    expected = _expected(load_sample(folder).tables)
    assert expected[0].needs == NEEDS_SURVEY
    assert "co-production survey returns" in expected[0].sentence
    shown = info + _markdown(at)
    assert all(a.sentence in shown for a in expected)
    assert expected[0].sentence in info  # the unanswerable question is flagged, not shown as an answer
    assert any(p.page == "data" and p.label == "Add data on the Data page" for p in _page_links(at))
    _fresh_caches()


def test_warm_rerun_after_a_widget_change_is_quick(real_app, sample_tables):
    """Prints the median server-side re-run time after a filter change (every choice already cached)."""
    services = sorted(sample_tables["wards"]["service"].unique())[:2]
    at = start()
    for s in services:  # warm the cache for both choices
        at.sidebar.multiselect(key="f_services").set_value([s]).run()
    times = []
    for i in range(5):
        at.sidebar.multiselect(key="f_services").set_value([services[i % 2]])
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    assert not at.exception
    print(f"overview warm re-run: median {statistics.median(times):.3f} s")
    assert statistics.median(times) < 5


def test_ward_table_gives_the_recovery_measures_scale_and_direction(overview_run, sample_tables):
    cat = sample_tables.get("measures", None)
    from analysis.data.reference import builtin_measures

    cat = builtin_measures() if cat is None or not len(cat) else cat
    qpr = cat[cat["measure"] == "QPR-15"].iloc[0]
    captions = " ".join(c.value for c in overview_run.caption)
    better = "higher" if bool(qpr["higher_is_better"]) else "lower"
    assert f"mean QPR-15 score ({qpr['min']:.0f} to {qpr['max']:.0f}; {better} is better)" in captions
    assert "attending per session" in captions


def test_a_small_hospital_gets_not_yet_known_and_no_estimate(real_app, monkeypatch, tmp_path, sample_tables):
    """A hospital of 3 wards and 12 months: each card says not enough data and prints no estimate (no rate ratio
    with a 0 to 5,791 interval); recovery, measured quarterly, is counted in quarterly measurements."""
    import pandas as pd

    cut = Filters(wards=("W01", "W02", "W03"), start=pd.Timestamp("2025-04-01")).apply(sample_tables)
    for name, table in cut.items():
        if (SAMPLE_DIR / f"{name}.csv").exists():
            table.to_csv(tmp_path / f"{name}.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(tmp_path))
    _fresh_caches()
    at = start()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Wards"] == "3"
    for q in ("q1", "q2", "q3"):
        (verdict,) = [m.value for m in _keyed(at, f"verdict_{q}")]
        assert verdict.startswith("Not yet known: too few wards"), verdict
    md = _markdown(at)
    assert md.count("With this little data any figure would mislead, so none is shown yet.") == 3
    assert any("only 4 quarterly measurements of the 12 needed" in m for m in md)
    assert not any("4 months" in m for m in md)
    shown = " ".join(md + [c.value for c in at.caption if "Patients" not in c.value])  # ward rows aside
    for estimate in ("rate ratio", "For completeness", "per 10 points", "out of 100 on average"):
        assert estimate not in shown, estimate
    _fresh_caches()


# ---------------------------------------------------------------- assurance against targets
def test_assurance_section_follows_the_ward_table_with_the_engines_grid(overview_run, sample_tables):
    """After the ward table, the variation-by-assurance grid of every ward and measure against the sample's
    targets: its sentence is the engine's on the same data, the grid is drawn with its icons, and the data download
    goes through disclosure control."""
    from analysis.overview.assurance import assurance_table, grid_sentence

    at = overview_run
    headers = [h.value for h in at.header]
    assert headers.index("Wards at a glance") < headers.index("Assurance against targets") < headers.index("And next")
    assert headers[:2] == ["Today's answers", "For the steering group"]  # the answers stay first
    table = assurance_table(
        build_panel(sample_tables),
        sample_tables["targets"],
        sample_tables["measures"],
        sample_tables["events"],
    )
    sentence = grid_sentence(table)
    assert sentence.startswith("Of 153 ward and measure pairs, 81 have a target: 15 consistently meet it")
    assert literal(sentence) in _markdown(at)
    (grid,) = [m for m in _markdown(at) if 'class="assurance-grid"' in m]
    assert "Consistently misses the target" in grid and ">F</text>" in grid and "Tìr nan Òg" in grid
    assert "dl_overview_assurance" in {b.key for b in at.download_button}
    assert "Set a target" in [e.label for e in at.get("expander")]
    # the sample's targets come with its files: shown, not edited here
    assert "8 targets in force in the latest month" in texts(at)  # 9 rows: QPR-15 has two versions
    (now,) = [d.value for d in at.dataframe if "Since" in d.value.columns]
    assert now["Ward"].tolist() == ["Every ward"] * 7 + ["W01 Iona"]
    assert now["Measure"].iloc[0] == "Assaults on staff per 1,000 occupied bed days" and now["Target"].iloc[0] == "4"
    assert "whose targets come with its files" in texts(at) and not [b for b in at.button if b.key == "target_save"]


def _store_with_a_small_hospital(monkeypatch, tmp_path) -> str:
    """A throw-away store holding a small imported hospital (5 wards, 12 months), and the app pointed at it."""
    import pandas as pd

    from analysis.data.loader import load_files
    from analysis.store.database import Store
    from tests.conftest import csv_bytes, mini_tables

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", url)
    tables = mini_tables(months=pd.period_range("2023-01", "2023-12", freq="M"))
    loaded = load_files([(f"{t}.csv", csv_bytes(df)) for t, df in tables.items()])
    store = Store(url)
    store.import_tables(loaded.tables, "small_hospital.xlsx", loaded.content_hash)
    store.close()
    _fresh_caches()
    return url


def _set_target(at, ward: str, measure: str, value: float, direction: str = ""):
    at.selectbox(key="target_ward").set_value(ward)
    at.selectbox(key="target_measure").set_value(measure)
    at.number_input(key="target_value").set_value(value)
    at.radio(key="target_direction").set_value(direction)
    at.button(key="target_save").click().run()
    assert not at.exception, at.exception
    return at


def test_setting_a_target_is_an_import_with_history_and_roll_back(real_app, monkeypatch, tmp_path):
    """A target saved on the Overview is a new version of the targets table in the store: the history has a new
    import (audited), the grid uses it, a second value for the same ward, measure and month replaces it, and
    rolling that back restores the first."""
    import pandas as pd

    from analysis.store.database import Store

    url = _store_with_a_small_hospital(monkeypatch, tmp_path)
    at = start()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Imported data" in texts(at)
    assert any(m.startswith("Of 5 ward and measure pairs, none has a target yet") for m in _markdown(at))
    _set_target(at, "", "assaults_on_staff", 2.5)
    assert not at.error, [e.value for e in at.error]
    store = Store(url)
    history = store.history()
    assert len(history) == 2 and history["rows"].iloc[0] == "targets 1"
    assert history["file_name"].iloc[0].startswith("Target set on the Overview: Assaults on staff per 1,000")
    saved = store.load()["targets"]
    assert saved[["measure", "target"]].values.tolist() == [["assaults_on_staff", 2.5]]
    # from April of the latest month's financial year (the form's default)
    assert saved["ward_id"].isna().all() and saved["valid_from"].iloc[0] == pd.Timestamp("2023-04-01")
    assert store.audit()["action"].tolist()[:1] == ["import"]
    assert any(f"Saved as import {history['import_id'].iloc[0]}" in s.value for s in at.success)
    assert any(m.startswith("Of 5 ward and measure pairs, 5 have a target") for m in _markdown(at))
    assert "1 target in force in the latest month" in texts(at)

    _set_target(at, "", "assaults_on_staff", 1.5)  # the same ward, measure and month: a new version
    history = store.history()
    assert len(history) == 3 and history["replaced"].iloc[0] == "targets 1"
    assert store.load()["targets"]["target"].tolist() == [1.5]
    store.rollback(int(history["import_id"].iloc[0]))
    assert store.load()["targets"]["target"].tolist() == [2.5]  # rolled back: the first version is back
    store.close()
    at.run()
    shown = [d.value for d in at.dataframe if "Target" in d.value.columns]
    assert shown and shown[0]["Target"].tolist() == ["2.5"]


def test_a_target_the_rules_refuse_is_not_saved(real_app, monkeypatch, tmp_path):
    from analysis.store.database import Store

    url = _store_with_a_small_hospital(monkeypatch, tmp_path)
    at = start()
    _set_target(at, "", "attendance_per_session", 6.0)  # no better direction of its own, none given
    assert any("Nothing was saved" in e.value and "no better direction" in e.value for e in at.error)
    _set_target(at, "W01", "coproduction_patient_overall", 120.0)
    assert any("must be between 0 and 100" in e.value for e in at.error)
    store = Store(url)
    assert len(store.history()) == 1 and "targets" not in store.load()
    store.close()


def test_only_a_data_steward_may_set_a_target_checked_again_on_the_server(real_app, monkeypatch, tmp_path):
    """An analyst is told the role it needs and gets no form; a form drawn for a data steward whose session is a
    viewer's by the click saves nothing (ui.auth's check runs right before the import)."""
    from streamlit.testing.v1 import AppTest

    from analysis.store.database import Store
    from tests.app.helpers import ENTRY
    from tests.auth.test_app_roles import SECRETS, user

    url = _store_with_a_small_hospital(monkeypatch, tmp_path)
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    at.secrets = SECRETS
    at.user = user("analyst")
    at.run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "target_save"]
    assert any("needs the data steward role" in c.value for c in at.caption)
    at.user = user("data_steward")
    at.run()
    assert [b for b in at.button if b.key == "target_save"]
    at.selectbox(key="target_measure").set_value("assaults_on_staff")
    at.number_input(key="target_value").set_value(2.0)
    button = at.button(key="target_save")
    at.user = user("viewer")
    button.click().run()
    store = Store(url)
    assert len(store.history()) == 1 and "targets" not in store.load()
    store.close()


def test_the_target_form_lives_in_ui_and_shares_the_event_forms_checks():
    """The page stays thin: the "Set a target" form is ui/targets.py, and it and the ward profile's event forms use
    one helper for "imported data only, with the right role" and one for "check the role again, then save as an
    import" (ui/store_edits.py), not a copy each."""
    import inspect
    from pathlib import Path

    from ui import annotations, store_edits, targets

    for module in (targets, annotations):
        assert module.editable is store_edits.editable and module.save_as_import is store_edits.save_as_import
        source = inspect.getsource(module)
        assert "auth.permitted(" not in source and "dataset.source" not in source
    page = (Path(__file__).resolve().parents[2] / "pages" / "overview.py").read_text()
    assert "st.form(" not in page and "import_tables(" not in page

"""Disclosure control on everything that can leave the app: every download button on every page.

Each page is run on the real synthetic hospital with st.download_button wrapped so that the bytes
each button would hand over are captured (a lazy button's producer is called as a click would).
Every CSV and JSON is parsed and checked: no count cell shows a true small number, each count
follows the session's rule (NHS England: 0, * or a multiple of 5; Scotland: never 1 to 4), and the
rule is named on the file. The rule comes from the session key "disclosure_rule", so running the
same pages under the Scottish setting must change what is downloaded.

Chart pictures (PNG, SVG) are checked on the figure handed to Chromium (the drawing itself is replaced by a
recorder, so the sweep stays fast; tests/charts/test_export.py draws real pictures): it carries the stamp with
the rule, no series of counts in it breaks the rule, and no rate made from a hidden count is drawn.

Which cells are counts is decided here from the column names (incidents, sessions, attendances,
patients, survey returns, 'count', 'observed'), independently of what the pages declare, so a page
that forgets to declare a count column fails. Bed days are denominators, not counts about people
(as analysis/disclosure/protect.py treats a denominator not listed among the counts), and counts of wards,
months and ward-months are not counts of people.
"""

from __future__ import annotations

import html
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
import streamlit
from plotly.utils import PlotlyJSONEncoder
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

import analysis.charts.export as chart_export
from analysis.disclosure.rules import RULES
from analysis.disclosure.safe_tables import read_csv_bytes
from tests.app.helpers import ENTRY, PAGES

# Downloads that carry no data about wards or people: the empty template and the data dictionary.
NO_DATA = {"coproduction_template.xlsx", "data_dictionary.csv", "model_spec.json"}
# Files printed through Chromium, checked where they are made rather than here (each print takes seconds): the
# one-page ward summary, drawn from the counts as published (tests/wards/test_one_page.py plants small counts).
CHECKED_ELSEWHERE = re.compile(r"^ward_summary_\w+\.(pdf|html)$")
COUNT_NAME = re.compile(
    r"assault|restraint|seclusion|self_harm|transfers|incident|sessions|_held|attendance"
    r"|n_patients|returns|^count$|^observed$|_count$"
)
NOT_COUNT = re.compile(
    r"rate|per_|mean|ratio|pct|percent|share|pearson|expected|ci_|score|estimate|std|p_value"
    r"|minutes|hours|months|wards|n_obs|n_wards|zeros|lag|is_|_z$|icon|label"
)


def is_count(name: str) -> bool:
    return bool(COUNT_NAME.search(name)) and not NOT_COUNT.search(name)


RATE_NAME = re.compile(r"rate|per_")
DRAWN_KEYS = ("x", "y", "z", "text", "customdata", "base")


@pytest.fixture
def captured(monkeypatch) -> list[dict]:
    """Every download button the runs create: file name, key and the data (a producer is kept uncalled).

    A picture's producer, when called, hands back (as JSON) the figure it would draw and the raw table behind
    the chart, instead of starting Chromium."""
    seen: list[dict] = []
    original_plan = chart_export.plan
    behind: list[tuple[pd.DataFrame, dict]] = []

    def plan(fig, data, *args, **kw):
        behind.append((data, fig.to_plotly_json()))
        return original_plan(fig, data, *args, **kw)

    def render(fig, fmt, width, height, *args, **kw):
        data, shown = behind.pop()
        drawn = {"figure": fig.to_plotly_json(), "format": fmt, "on_screen": shown}
        drawn["data"] = data.to_json(orient="split", date_format="iso")
        return json.dumps(drawn, cls=PlotlyJSONEncoder).encode()

    monkeypatch.setattr(chart_export, "plan", plan)
    monkeypatch.setattr(chart_export, "render", render)
    original = DeltaGenerator.download_button
    main_button = streamlit.download_button

    def record(label, data, file_name=None, **kw):
        seen.append({"label": label, "data": data, "file_name": file_name, "key": kw.get("key")})

    def dg_button(self, label, data, file_name=None, *args, **kw):
        record(label, data, file_name, **kw)
        return original(self, label, data, file_name, *args, **kw)

    def st_button(label, data, file_name=None, *args, **kw):
        record(label, data, file_name, **kw)
        return main_button(label, data, file_name, *args, **kw)

    monkeypatch.setattr(DeltaGenerator, "download_button", dg_button)
    monkeypatch.setattr(streamlit, "download_button", st_button)
    return seen


def run_page(page: str, rule: str | None = None, widgets: dict | None = None, captured: list | None = None) -> AppTest:
    """The app on `page` (under `rule` when given); `captured` keeps only that page's buttons."""
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    if rule:
        at.session_state["disclosure_rule"] = rule
    at.run()
    if captured is not None:
        captured.clear()  # the entry run shows the default page too
    at.switch_page(f"pages/{page}.py").run()
    for key, value in (widgets or {}).items():
        at.selectbox(key=key).select(value).run()
    assert not at.exception, (page, at.exception)
    return at


def payload(item: dict) -> bytes:
    data = item["data"]
    data = data() if callable(data) else data
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _bad_count(value, rule) -> bool:
    """True when a published count cell breaks `rule` (the symbol and missing cells are fine)."""
    if value is None or value == rule.symbol or (isinstance(value, float) and pd.isna(value)):
        return False
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return False
    if isinstance(value, bool) or float(value) % 1:
        return False  # not a whole number, so not a count (a mean or a rate in a column named like one)
    if rule.hides(value):
        return True
    return bool(rule.round_to) and value % rule.round_to != 0


def csv_problems(data: bytes, rule) -> list[str]:
    table, stamp = read_csv_bytes(data)
    problems = (
        []
        if stamp.get("Disclosure control") == rule.description
        else [f"rule line: {stamp.get('Disclosure control')!r}"]
    )
    for col in (c for c in table.columns if is_count(str(c))):
        bad = [v for v in table[col].tolist() if _bad_count(v, rule)]
        if bad:
            problems.append(f"{col}: {bad[:5]}")
    return problems


def json_problems(data: bytes, rule) -> list[str]:
    doc = json.loads(data)
    about = doc.get("about", {}) if isinstance(doc, dict) else {}
    problems = [] if about.get("Disclosure control") == rule.description else ["no disclosure rule named"]

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if is_count(str(k)) and isinstance(v, (int, float)) and _bad_count(v, rule):
                    problems.append(f"{path}.{k} = {v}")
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(doc, "")
    return problems


def keys(node) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(node, dict):
        return set(node) | set().union(*(keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(keys(v) for v in node))
    return set()


def _drawn_arrays(figure: dict):
    """(trace name, key, values as floats) for every array a picture draws."""
    for trace in figure.get("data", []):
        for key in DRAWN_KEYS:
            values = trace.get(key)
            if isinstance(values, dict) and "bdata" in values:
                import base64

                values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
            if isinstance(values, (list, tuple)):
                yield trace.get("name"), key, pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")


def image_problems(data: bytes, rule) -> list[str]:
    """What a recorded picture breaks: no stamp naming the rule; a drawn series of counts with a count the rule
    would not publish; a rate made from a count the rule hides drawn where the chart on screen draws it."""
    drawn = json.loads(data)
    figure, raw = drawn["figure"], pd.read_json(io.StringIO(drawn["data"]), orient="split")
    words = " ".join(a.get("text", "") for a in figure.get("layout", {}).get("annotations", []))
    words = html.unescape(words.replace("<br>    ", " ").replace("<br>", " "))
    problems = [] if f"Disclosure control: {rule.description}" in words else ["no stamp naming the rule"]
    count_cols = [c for c in raw.columns if is_count(str(c))]
    rate_cols = [c for c in raw.columns if RATE_NAME.search(str(c)) and pd.api.types.is_numeric_dtype(raw[c])]
    small = np.zeros(len(raw), dtype=bool)
    for c in count_cols:
        small |= pd.to_numeric(raw[c], errors="coerce").map(lambda v: bool(v == v and rule.hides(v))).to_numpy()
    secret_rates = raw.loc[small, rate_cols].to_numpy(dtype=float).ravel()
    secret_rates = secret_rates[np.isfinite(secret_rates) & (secret_rates != 0)]
    # a rate column rounded to 2 decimals (as some pages show them) is matched within half a unit of the last one
    places = max((len(f"{v:.12g}".partition(".")[2]) for v in secret_rates), default=0)
    tolerance = 0.5 * 10.0**-places + 1e-12
    count_values = {float(v) for c in count_cols for v in pd.to_numeric(raw[c], errors="coerce").dropna()}
    on_screen = {(n, k): v for n, k, v in _drawn_arrays(drawn["on_screen"])}
    for name, key, values in _drawn_arrays(figure):
        shown = values.dropna().to_numpy(dtype=float)
        if not len(shown):
            continue
        whole = bool((shown % 1 == 0).all())
        if count_cols and whole and set(shown) <= count_values | {0.0} and set(shown) - {0.0}:
            bad = [v for v in shown if _bad_count(v, rule)]
            if bad:
                problems.append(f"{name} {key}: counts {bad[:5]}")
        before = on_screen.get((name, key))
        if before is None or len(before) != len(values) or not len(secret_rates):
            continue
        was = before.to_numpy(dtype=float)
        now = values.to_numpy(dtype=float)
        secret = np.array([bool((np.abs(secret_rates - v) <= tolerance).any()) for v in was])
        leaked = now[secret & np.isclose(now, was)]  # drawn unchanged where the screen draws a hidden rate
        if len(leaked):
            problems.append(f"{name} {key}: rates of hidden counts {leaked[:5].tolist()}")
    return problems


def problems_in(item: dict, rule) -> list[str]:
    name = item["file_name"] or ""
    if name.endswith((".png", ".svg")):
        return image_problems(payload(item), rule)
    if name.endswith(".csv"):
        return csv_problems(payload(item), rule)
    if name.endswith(".json"):
        return json_problems(payload(item), rule)
    return [f"unchecked file type: {name}"]


def sweep(captured: list[dict], rule_name: str) -> dict[str, bytes]:
    rule = RULES[rule_name]
    failures, files = {}, {}
    for item in captured:
        if item["file_name"] in NO_DATA or CHECKED_ELSEWHERE.match(item["file_name"] or ""):
            continue
        found = problems_in(item, rule)
        files[item["file_name"]] = payload(item)
        if found:
            failures[item["file_name"]] = found
    assert not failures, "\n".join(f"{name}: {found}" for name, found in failures.items())
    return files


def test_the_checker_catches_unprotected_counts():
    """The checks can fail: raw counts, a missing rule line and per-row residual counts are all caught."""
    rule = RULES["nhs_england"]
    raw = pd.DataFrame({"ward_id": ["W01", "W02"], "assaults_on_staff": [3, 12], "occupied_bed_days": [612, 580]})
    from analysis.disclosure.safe_tables import to_csv_bytes

    assert csv_problems(to_csv_bytes(raw, stamp={"Disclosure control": rule.description}), rule)
    assert csv_problems(to_csv_bytes(raw.assign(assaults_on_staff=["*", 10]), stamp={}), rule) == [
        "rule line: 'None applied: this table may contain small numbers and is for use inside the organisation only.'"
    ]
    resid = {
        "about": {"Disclosure control": rule.description},
        "results": [{"diagnostics": {"residuals_by_month": [{"month": "2021-04-01", "n": 12, "observed": 36}]}}],
    }
    assert json_problems(json.dumps(resid).encode(), rule) == [
        ".results[0].diagnostics.residuals_by_month[0].observed = 36"
    ]
    assert is_count("talking_group_attendances") and is_count("coproduction_staff_n_returns")
    assert not is_count("attendance_per_session") and not is_count("occupied_bed_days")


# Gaps in pages this audit does not own (reported to the lead with the exact fix). strict: once a page is
# fixed, its case passes and pytest says so (XPASS fails), so the mark is removed with the fix.
KNOWN_GAPS: dict[str, str] = {}  # page -> the export that still leaks (none today)
# Pages that draw some charts with their own wrapper instead of ui.show.chart (their picture buttons come with
# ui.show.chart_images, called by those wrappers): the count of pictures is not checked there.
OWN_CHART_WRAPPERS: set[str] = set()
SWEEP = [
    pytest.param(p, marks=pytest.mark.xfail(reason=KNOWN_GAPS[p], strict=True)) if p in KNOWN_GAPS else p for p in PAGES
]


@pytest.mark.slow  # one page of the app on the real sample hospital (2-15 s each on 2 busy cores)
@pytest.mark.usefixtures("real_sample")
@pytest.mark.parametrize("page", SWEEP)
def test_every_download_on_the_page_passes_the_rule_and_names_it(page, captured):
    at = run_page(page, captured=captured)
    for fig in at.get("plotly_chart"):  # the toolbar's PNG download would carry the unprotected figure out
        config = json.loads(fig.proto.config or "{}")
        assert "toImage" in config.get("modeBarButtonsToRemove", []), (page, fig.proto.id)
    pictures = [c["file_name"] for c in captured if (c["file_name"] or "").endswith((".png", ".svg"))]
    assert sorted(n for n in pictures if n.endswith(".svg")) == sorted(
        n[:-3] + "svg" for n in pictures if n.endswith(".png")
    )
    if page not in OWN_CHART_WRAPPERS:  # every chart on the page offers its picture (or says why it cannot)
        why_not = [c for c in at.caption if c.value.startswith("No picture of this chart can leave the app:")]
        assert len(pictures) == 2 * (len(at.get("plotly_chart")) - len(why_not)), (page, pictures)
    if page == "talking_groups":  # the incident outcome brings count columns into three more tables
        run_page(page, widgets={"tg_outcome": "Assaults on staff (per 1,000 occupied bed days)"})
    files = sweep(captured, "nhs_england")
    expected = {
        "talking_groups": {"talking_groups_attendance.csv", "talking_groups_attendance_by_ward.csv"},
        "model_builder": {"model_results.json", "model_estimates.csv"},
        "overview": {"overview_wards.csv"},
    }
    assert expected.get(page, set()) <= set(files)  # the sweep reached them


@pytest.mark.usefixtures("real_sample")
def test_model_builder_results_json_holds_no_per_row_data(captured):
    run_page("model_builder")
    (item,) = [c for c in captured if c["file_name"] == "model_results.json"]
    assert json_problems(payload(item), RULES["nhs_england"]) == []
    doc = json.loads(payload(item))
    (result,) = doc["results"]
    assert {"estimates", "formula", "family", "n_obs", "n_wards", "warnings", "headline"} <= set(result)
    assert result["estimates"] and all("ci_low" in row for row in result["estimates"])
    assert not {"residuals_by_ward", "residuals_by_month"} & set(result["diagnostics"])
    assert {"observed", "ward_id", "month"}.isdisjoint(keys(result))  # no record of a ward or a month
    assert doc["withheld"]


@pytest.mark.slow  # the pages with count downloads, twice over (two rules)
@pytest.mark.usefixtures("real_sample")
def test_the_scottish_setting_changes_every_download(captured):
    pages = ["overview", "talking_groups", "ward_profile", "model_builder", "recovery"]
    scottish, english = {}, {}
    for page in pages:
        run_page(page, rule="scotland", captured=captured)
        scottish |= sweep(captured, "scotland")
        run_page(page, captured=captured)
        english |= sweep(captured, "nhs_england")
    assert set(scottish) == set(english)
    # the rule line differs on every file; the counts themselves differ where there are counts to round
    assert all(scottish[n] != english[n] for n in english)
    for name in ("talking_groups_attendance.csv", "model_results.json"):
        assert scottish[name] != english[name]
    # each month's attendances over the wards in view are totals over a selection: rounded to 5 under both presets
    # (published exactly, two selections' files would subtract to a hidden ward's count)
    t_s, stamp = read_csv_bytes(scottish["talking_groups_attendance.csv"])
    shown = [float(v) for v in t_s["attendances"].astype(str) if v != RULES["scotland"].symbol]
    assert shown and all(v % 5 == 0 for v in shown) and "Totals" in stamp
    # a single ward-month (each ward's latest month in the assurance CSV) is not rounded under the Scottish preset
    a_s, stamp = read_csv_bytes(scottish["overview_assurance.csv"])
    a_e, _ = read_csv_bytes(english["overview_assurance.csv"])
    assert not a_s["latest_count"].astype(str).equals(a_e["latest_count"].astype(str)) and "Totals" not in stamp
    assert any(v != RULES["scotland"].symbol and float(v) % 5 for v in a_s["latest_count"].astype(str))


@pytest.mark.usefixtures("real_sample")
def test_the_data_page_sets_the_rule_for_every_other_page(captured):
    at = run_page("data")
    assert any(RULES["nhs_england"].description in c.value for c in at.caption)  # the default, explained
    at.radio(key="disclosure_rule_choice").set_value("scotland").run()
    assert at.session_state["disclosure_rule"] == "scotland"
    captured.clear()
    at.switch_page("pages/talking_groups.py").run()  # the choice outlives the Data page's widget
    assert not at.exception
    (item,) = [c for c in captured if c["file_name"] == "talking_groups_attendance.csv"]
    assert read_csv_bytes(payload(item))[1]["Disclosure control"] == RULES["scotland"].description

"""The pack a chair would put on the screen: the summary first (PDF page 1, slide 2, the HTML's first section),
what changed since the previous pack, no nearly blank page, real slide titles, no table running off its slide,
ward names not clipped, rates that say they come from the published counts, talking groups led by co-production.

Two packs are built in sequence from the synthetic hospital into one throw-away register (tests/pack/conftest.py):
the first to Feb 2026, the second to Mar 2026, so the second has something to say changed.
"""

from __future__ import annotations

import io
import re
import subprocess

import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.pack.build import build_pack, export_pack, pack_tables, talking_groups_results
from analysis.pack.render.pptx import FOOTER_TOP, MAX_TABLE_ROWS
from analysis.pack.sections import PUBLISHED, fit_labels, model_details
from analysis.panel.build import build_panel

MIN_BODY_CHARS = 400  # a page with less text than this (outside its header and footer) is nearly blank
A4_POINTS = (595, 842)
MARGIN_POINTS = 43  # the PDF's 0.6 in top and bottom margins hold the header and footer
MAX_PDF_PAGES = 14  # the sample's pack (16 pages before its tables' columns were sized by their words)
BODY_WORD_HEIGHT = 11.0  # points: a word's box in 10 pt text (the pack's print size) is about 11.2 to 11.4


@pytest.fixture(scope="module")
def sample():
    return load_sample(SAMPLE_DIR)


@pytest.fixture(scope="module")
def packs(sample, tmp_path_factory):
    """(first pack, second pack, the second's files): built one after the other into the same register."""
    url = f"sqlite:///{tmp_path_factory.mktemp('register') / 'register.sqlite'}"
    from analysis.disclosure.register import ExportRegister

    register = ExportRegister(url)
    first = build_pack(sample, Filters(end=pd.Timestamp("2026-02-01")))
    export_pack(first, ["html"], register=register)
    second = build_pack(sample, Filters())
    files = export_pack(second, ["html", "pdf", "pptx"], register=register).files
    return first, second, files


def _file(files: dict, kind: str) -> bytes:
    return next(data for name, data in files.items() if name.endswith(f".{kind}"))


def _pdf_pages(pdf: bytes, tmp_path, body_only: bool = False) -> list[str]:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    crop = []
    if body_only:  # leave out the header and footer bands
        w, h = A4_POINTS
        crop = ["-r", "72", "-x", "0", "-y", str(MARGIN_POINTS), "-W", str(w), "-H", str(h - 2 * MARGIN_POINTS)]
    text = subprocess.run(
        ["pdftotext", *crop, str(path), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_first_pack_says_it_is_the_first_and_the_second_names_what_changed(packs):
    first, second, _ = packs
    assert first.summary.changes == [
        "This is the first pack for an internal audience: there is no earlier pack to compare with."
    ]
    changed = second.summary.changes
    assert changed[0].startswith("Since the pack of ")
    assert "Period: now Apr 2021 to Mar 2026 (was Apr 2021 to Feb 2026)." in changed


def test_pdf_page_one_is_the_executive_summary(packs, tmp_path):
    _, pack, files = packs
    page = _flat(_pdf_pages(_file(files, "pdf"), tmp_path)[0])
    assert "Summary" in page and "Decisions for the group" in page and "Agenda" in page
    for v in pack.summary.verdicts:
        assert _flat(v.question) in page, v.question
        assert " ".join(v.verdict.split()[:3]) in page, v.verdict
    assert "What changed since the last pack" in page and "Period: now Apr 2021 to Mar 2026" in page
    # the provenance box is at the end, not on the first page (the footer keeps a one-line stamp)
    for provenance in ("About these figures", "Extract date:", "Filters:", "Wards: W01"):
        assert provenance not in page
    last = _flat(_pdf_pages(_file(files, "pdf"), tmp_path)[-1])
    assert "About these figures" in last and "Extract date:" in last


def test_no_pdf_page_but_the_last_is_nearly_blank(packs, tmp_path):
    _, _, files = packs
    bodies = _pdf_pages(_file(files, "pdf"), tmp_path, body_only=True)
    assert len(bodies) >= 4
    short = {
        n: len(_flat(t).strip()) for n, t in enumerate(bodies[:-1], start=1) if len(_flat(t).strip()) < MIN_BODY_CHARS
    }
    assert short == {}


def test_html_opens_with_the_summary_and_ends_with_the_provenance(packs):
    _, _, files = packs
    html = _file(files, "html").decode("utf-8")
    main = html[html.index("<main>") :]
    first_section = re.search(r"<section[^>]*>", main).group(0)
    assert 'class="summary"' in first_section
    assert main.index("Decisions for the group") < main.index('<section class="part"')
    assert html.index("Extract date:") > html.rindex('<section class="part"')


def test_slides_have_real_titles_an_agenda_and_actions(packs):
    from pptx import Presentation

    _, pack, files = packs
    deck = Presentation(io.BytesIO(_file(files, "pptx")))
    slides = list(deck.slides)
    titles = [s.shapes.title.text if s.shapes.title is not None else None for s in slides]
    assert all(titles), titles  # every slide's title is in its title placeholder
    assert titles[0] == pack.title and titles[1] == "Summary"
    summary_text = " ".join(sh.text_frame.text for sh in slides[1].shapes if sh.has_text_frame)
    for v in pack.summary.verdicts:
        assert v.verdict in summary_text
    assert "Agenda" in titles and "Decisions and actions" in titles
    actions = slides[titles.index("Decisions and actions")]
    actions_text = " ".join(sh.text_frame.text for sh in actions.shapes if sh.has_text_frame)
    for decision in pack.summary.decisions:
        assert decision in actions_text
    assert titles[-1] == "About these figures"
    assert titles.index("Agenda") < min(titles.index(s.title) for s in pack.sections)


def test_every_table_fits_its_slides_and_none_loses_a_row(packs):
    from pptx import Presentation

    _, pack, files = packs
    deck = Presentation(io.BytesIO(_file(files, "pptx")))
    rows: dict[str, int] = {}
    for slide in deck.slides:
        title = slide.shapes.title.text.removesuffix(" (continued)")
        for shape in slide.shapes:
            if shape.has_table:
                body = len(shape.table.rows) - 1
                assert 1 <= body <= MAX_TABLE_ROWS, title
                assert shape.top + shape.height <= FOOTER_TOP, title
                declared = sum(row.height for row in shape.table.rows)
                assert declared <= FOOTER_TOP - shape.top, title
                rows[title] = rows.get(title, 0) + body
    assert rows == {name: len(df) for name, df in pack_tables(pack).items()}


def test_model_details_take_at_most_two_slides_per_question_and_keep_every_model(packs):
    """The researchers' "Model details" ran to five slides of one table (a method of 300 to 600 characters on each
    of ten rows); now a table per question, each on at most two slides, with every model in it."""
    from pptx import Presentation

    _, pack, files = packs
    deck = Presentation(io.BytesIO(_file(files, "pptx")))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title.text.startswith("Model details")]
    per_question: dict[str, int] = {}
    for t in titles:
        key = t.removesuffix(" (continued)")
        per_question[key] = per_question.get(key, 0) + 1
    questions = ("Question 1", "Question 2", "Question 3", "Talking groups")
    assert list(per_question) == [f"Model details: {q}" for q in questions]
    assert max(per_question.values()) <= 2, per_question
    assert len(titles) < 5, titles
    tables = pack_tables(pack)
    details = {name: df for name, df in tables.items() if name.startswith("Model details")}
    assert sum(len(df) for df in details.values()) == len(tables["Model results"])  # a row for every model
    for name, df in details.items():
        assert list(df.columns) == ["Model", "Formula", "Method"]
        for i, method in enumerate(df["Method"]):  # a shortened method points at a row above that has it in full
            if method.startswith("As for "):
                earlier = method.removeprefix("As for ").removesuffix(" above.")
                assert earlier in list(df["Model"].iloc[:i]), (name, method)


def test_model_details_say_each_method_in_full_once_per_question():
    long = "Linear mixed model, ward random intercept, REML, Satterthwaite degrees of freedom. " * 4
    how = [
        {"label": "Question 3: QPR-15", "outcome": "recovery_qpr_15", "formula": "recovery_qpr_15 ~ x", "method": long},
        {"label": "Question 3: HoNOS", "outcome": "recovery_honos", "formula": "recovery_honos ~ x", "method": long},
        {"label": "Question 3: transfers", "outcome": "transfers", "formula": "transfers ~ x", "method": "Poisson"},
        {"label": "Question 1: co-production", "outcome": "cp", "formula": "mean of ward means", "method": long},
    ]
    q3, q1 = model_details(how)
    assert q3.title == "Model details: Question 3" and q1.title == "Model details: Question 1"
    assert q3.data.to_dict("list") == {
        "Model": ["QPR-15", "HoNOS", "transfers"],  # the formula names the data column
        "Formula": ["recovery_qpr_15 ~ x", "recovery_honos ~ x", "transfers ~ x"],
        "Method": [long, "As for QPR-15 above.", "Poisson"],
    }
    # another question says its method in full again; a formula that does not name the column: beside the model
    assert q1.data.to_dict("list") == {
        "Model": ["co-production (cp)"],
        "Formula": ["mean of ward means"],
        "Method": [long],
    }


def test_long_ward_names_get_room_on_a_bar_chart():
    name = "W01 Tigh na Mara Rehabilitation and Recovery"
    fig = go.Figure(go.Bar(x=[1, 2], y=[name, "W02 Skye"], orientation="h"))
    fit_labels(fig)
    assert fig.layout.yaxis.automargin is True
    assert fig.layout.margin.l >= len(name) * 12 * 0.55


def test_rates_in_tables_say_they_come_from_the_published_counts(packs):
    _, pack, _ = packs
    rate_columns = [
        c
        for df in pack_tables(pack).values()
        for c in df.columns
        if str(c).startswith(("Rate", "Assaults on staff per"))
    ]
    assert rate_columns and all(PUBLISHED in c for c in rate_columns)


def test_talking_groups_lead_on_co_production_as_patients_rate_it(sample, packs):
    _, pack, _ = packs
    panel = build_panel(Filters().apply(sample.tables))
    results = talking_groups_results(panel)
    assert results[0].outcome == "coproduction_patient_overall"
    assert results[1].outcome == "assaults_on_staff"
    section = next(s for s in pack.sections if s.title.startswith("Talking groups"))
    assert section.answer == results[0].sentence_without_caveats


def test_the_printed_pack_takes_at_most_fourteen_pages_at_full_size(packs, tmp_path):
    """It was 16 pages: table columns squeezed to a letter or two ("Sta rted", "Sess ions") stretched every row over
    several lines. Now a column is as wide as its longest word, and the text is not shrunk to fit (Chromium scales
    every page down when a table is wider than the paper)."""
    _, _, files = packs
    pdf = _file(files, "pdf")
    assert len(_pdf_pages(pdf, tmp_path)) <= MAX_PDF_PAGES
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    heights = [
        round(float(y1) - float(y0), 1)
        for y0, y1 in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)
    ]
    assert max(set(heights), key=heights.count) >= BODY_WORD_HEIGHT  # the commonest size: body and table text
    flat = _flat(" ".join(_pdf_pages(pdf, tmp_path)))
    for header in ("Started", "Sessions", "Attendances"):
        assert header in flat, header

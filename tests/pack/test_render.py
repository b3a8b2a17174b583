"""The steering group pack renderers: offline HTML, PDF with stamp and fonts, PPTX, fallback."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.pack.render import (
    Figure,
    ImageExportUnavailable,
    Pack,
    Section,
    Stamp,
    Table,
    build_outputs,
    render_html,
    render_images,
    render_pptx,
)
from analysis.pack.render.browser import CHROMIUM_ENV, DEFAULT_CHROMIUM

CHROMIUM = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
# Chromium is part of the test setup (`make test` installs Debian's package): its absence is a
# failure to set up, never a reason to skip. The no-Chromium fallback is tested by pointing
# COPRODUCTION_CHROMIUM at a missing path.
needs_chromium = pytest.mark.usefixtures("chromium_present")


@pytest.fixture
def chromium_present():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"needs Chromium at {CHROMIUM}: run `make browser` (part of `make test`)")


GAELIC = "Tìr nan Òg"
ANSWERS = {
    "q1": "Yes: every ward ran talking groups in at least 40 of 52 weeks.",
    "q2": "Assaults on staff fell from 9.1 to 6.4 per 1,000 occupied bed days – a drop ≥ 25%.",
    "q3": "Recovery scores rose on 4 of 6 wards; the change costs under £1 per bed day.",
}


def _figure(seed: int, title: str) -> Figure:
    ys = [(seed * 7 + k * 3) % 11 for k in range(12)]
    fig = go.Figure(go.Scatter(x=list(range(12)), y=ys, mode="lines+markers"))
    fig.update_layout(title=f"{title} – {GAELIC}")
    return Figure(
        fig, title=title, alt_text=f"Line chart of {title.lower()} over 12 months.", caption="Monthly values."
    )


def make_pack() -> Pack:
    stamp = Stamp(
        source="Sample hospital workbook",
        import_note="imported 2026-05-02 09:14",
        extract_date="01/05/2026",
        period="April 2024 – March 2026",
        wards=["Birch", GAELIC, "Rowan"],
        filters=["adult wards only"],
        app_version="9.8.7",
        disclosure_rule="counts 1–4 shown as *",
        synthetic=True,
    )
    wards = Table(
        pd.DataFrame(
            {
                "Ward": ["Birch", GAELIC, "Rowan"],
                "Assaults on staff": [12, "*", 7],
                "Rate per 1,000 OBD": [6.1, "*", 4.2],
                "SPC": ["▲ improving", "● common cause", "▼ concern"],
            }
        ),
        title="Assaults on staff by ward",
        note="* fewer than 5 events: hidden to protect identities.",
    )
    sections = [
        Section("Talking groups", answer="", paragraphs=["Talking groups met weekly."], tables=[wards]),
        Section(
            "Can co-production reduce assaults on staff?",
            question="q2",
            answer=ANSWERS["q2"],
            paragraphs=["We compared rates before and after."],
            figures=[_figure(2, "Assault rate"), _figure(3, "SPC chart")],
            caveats=["Small numbers on some wards."],
        ),
        Section(
            "Can co-production exist in secure settings?",
            question="q1",
            answer=ANSWERS["q1"],
            paragraphs=["Attendance was recorded by ward staff."],
            figures=[_figure(1, "Weeks with a talking group")],
        ),
        Section(
            "Can co-production enhance recovery?",
            question="q3",
            answer=ANSWERS["q3"],
            figures=[_figure(4, "Recovery scores")],
            caveats=["Scores are self-reported."],
        ),
    ]
    return Pack(
        title="Steering group pack",
        subtitle="Co-production in secure care",
        stamp=stamp,
        sections=sections,
        methods=["Rates are per 1,000 occupied bed days.", "Charts use SPC rules."],
        data_quality=["3% of incident rows had no ward and were left out."],
    )


N_FIGURES = 4


class _Refs(HTMLParser):
    """Every src/href attribute on a real tag (script bodies are not tags)."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append((tag, name, value))


@pytest.fixture(scope="module")
def pack() -> Pack:
    return make_pack()


@pytest.fixture(scope="module")
def html(pack) -> str:
    return render_html(pack)


@pytest.fixture(scope="module")
def outputs(pack):
    """One build with Chromium: charts drawn once, PDF printed in the same browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"needs Chromium at {CHROMIUM}: run `make browser` (part of `make test`)")
    return build_outputs(pack, chromium=CHROMIUM)


def test_html_is_self_contained(html, pack):
    parser = _Refs()
    parser.feed(html)
    assert "link" not in parser.tags
    assert [r for r in parser.refs if r[0] == "script"] == []
    external = [r for r in parser.refs if re.match(r"(?i)\s*(https?:)?//", r[2])]
    assert external == []
    # plotly.js inlined exactly once
    assert len(re.findall(r"\* plotly\.js v\d", html)) == 1
    assert html.count("Plotly.newPlot(") == N_FIGURES
    assert not re.search(
        r"""(?i)\b(src|href)\s*=\s*["']?https?://""", re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    )
    assert '<meta charset="utf-8">' in html


def test_html_carries_stamp_answers_and_accessibility(html, pack):
    for line in pack.stamp.lines()[1:]:
        assert html.count(_esc(line)) == 1, line  # once, at the end ("About these figures")
        assert html.index(_esc(line)) > html.index("<footer>")
    assert html.index(_esc(pack.stamp.lines()[0])) < html.index("<h1>")  # the synthetic warning stays on top
    for answer in ANSWERS.values():
        assert _esc(answer) in html
    for _, fig in pack.keyed_figures():
        assert _esc(fig.alt_text) in html
    assert "<table>" in html and '<td class="num">*</td>' in html
    # question sections first, in order, before the talking-groups section
    order = [html.index(_esc(ANSWERS[q])) for q in ("q1", "q2", "q3")]
    assert order == sorted(order)
    assert order[-1] < html.index("Talking groups met weekly.")


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


@needs_chromium
@pytest.mark.browser
def test_html_renders_offline_in_chromium(html, tmp_path, browser):
    page_file = tmp_path / "pack.html"
    page_file.write_text(html, encoding="utf-8")
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/*", guard)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {N_FIGURES}",
            timeout=60_000,
        )
        graphs = page.eval_on_selector_all(
            ".plotly-graph-div", "els => els.filter(e => e.querySelector('.main-svg')).length"
        )
        traces = page.eval_on_selector_all(".scatterlayer .trace", "els => els.length")
    finally:
        context.close()
    assert outside == []
    assert errors == []
    assert graphs == N_FIGURES
    assert traces == N_FIGURES


@needs_chromium
@pytest.mark.browser
def test_pdf_renders_with_stamp_and_fonts(outputs, pack, tmp_path):
    assert outputs.messages == []
    pdf = outputs.files["steering-group-pack.pdf"]
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    # no forced page breaks: the parts run on, each chart kept whole
    assert len(pages) >= 3
    assert all(p.stat().st_size > 2_000 for p in pages)
    keep = os.environ.get("REPORT_RENDER_ARTIFACTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for p in [path, *pages]:
            shutil.copy(p, keep)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    for answer in ANSWERS.values():
        assert answer in flat
    assert GAELIC in flat and "≥" in flat and "£" in flat and "–" in flat
    assert "SYNTHETIC DATA" in flat and "App version: 9.8.7" in flat
    # the stamp footer is on every page
    per_page = text.split("\f")
    per_page = [t for t in per_page if t.strip()]
    assert len(per_page) == len(pages)
    assert all("Disclosure rule" in re.sub(r"\s+", " ", t) for t in per_page)


@needs_chromium
@pytest.mark.browser
def test_pptx_has_a_slide_per_question_and_stamp_everywhere(outputs, pack):
    from pptx import Presentation

    deck = Presentation(io.BytesIO(outputs.files["steering-group-pack.pptx"]))
    slides = list(deck.slides)
    texts = [" ".join(s.text_frame.text for s in sl.shapes if s.has_text_frame) for sl in slides]
    # title + 4 sections + the talking groups' table + methods + data quality + about these figures
    # (a bare document has no summary, so no summary, agenda or actions slides)
    assert len(slides) == 1 + len(pack.sections) + 1 + 3
    for q, answer in ANSWERS.items():
        assert sum(answer in t for t in texts) == 1, q
    # question slides come first, in order, right after the title slide
    assert [next(q for q, a in ANSWERS.items() if a in t) for t in texts[1:4]] == ["q1", "q2", "q3"]
    for t in texts:
        assert "SYNTHETIC DATA" in t and "Disclosure rule: counts 1–4 shown as *" in t
    pictures = [sum(s.shape_type == 13 for s in sl.shapes) for sl in slides]
    assert pictures[1:4] == [1, 1, 1]
    assert slides[2].notes_slide.notes_text_frame.text.count("We compared rates") == 1
    assert [s.shapes.title.text for s in slides[4:6]] == ["Talking groups", "Assaults on staff by ward"]
    assert any(s.has_table for s in slides[5].shapes)
    for sl in slides:  # nothing spills off the slide
        for s in sl.shapes:
            assert s.left >= 0 and s.left + s.width <= deck.slide_width, s.name
            assert s.top >= 0 and s.top + s.height <= deck.slide_height, s.name


def test_pptx_without_images_says_why(pack):
    from pptx import Presentation

    deck = Presentation(io.BytesIO(render_pptx(pack, images=None)))
    slides = list(deck.slides)
    texts = [" ".join(s.text_frame.text for s in sl.shapes if s.has_text_frame) for sl in slides]
    assert all(sum(s.shape_type == 13 for s in sl.shapes) == 0 for sl in slides)
    assert sum("Charts need Chromium; see the HTML pack" in t for t in texts) == 3


def test_no_chromium_falls_back_to_html_with_a_message(pack, monkeypatch, tmp_path):
    missing = tmp_path / "no-such-chromium"
    monkeypatch.setenv(CHROMIUM_ENV, str(missing))
    result = build_outputs(pack)
    assert set(result.files) == {"steering-group-pack.html", "steering-group-pack.pptx"}
    assert len(result.messages) == 1
    message = result.messages[0]
    assert str(missing) in message and "HTML" in message and "PDF" in message
    assert _esc(ANSWERS["q1"]).encode() in result.files["steering-group-pack.html"]
    with pytest.raises(ImageExportUnavailable):
        render_images([pack.sections[1].figures[0]])

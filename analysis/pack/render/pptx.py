"""The pack as a PowerPoint deck.

Slides, in order: the title; the summary (a verdict per question, what changed, the decisions asked for); the
agenda; a slide per section (its answer and chart), each of its tables on slides of their own (a long table split
across slides, "continued", at most `MAX_TABLE_SLIDES` of them: the rest is in the pack's spreadsheet); the decisions and actions; methods; data quality; and where the figures come from.
Every slide's title is in the layout's title placeholder, so PowerPoint's outline, the slide sorter and screen
readers name each slide. python-pptx cannot measure text, so table rows are given heights from an estimate of
their wrapped lines (`row_lines`) and a table is split before it would reach the footer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from analysis.text import fmt_number, plural, plural_word

from .document import Pack, Section, Table, cell_text

NO_CHARTS_NOTE = "Charts need Chromium; see the HTML pack."
MAX_TABLE_ROWS = 14  # body rows on one slide at most, whatever their height
MAX_TABLE_SLIDES = 3  # slides for one table at most; the rest of a longer table is in the spreadsheet
CONTINUED = " (continued)"
BLUE = RGBColor(0x00, 0x5E, 0xB8)
GREY = RGBColor(0x42, 0x55, 0x63)
RED = RGBColor(0x8A, 0x15, 0x38)
FONT = "Arial"  # PowerPoint substitutes a font with the same metrics where Arial is absent
TITLE_LAYOUT, TITLE_ONLY_LAYOUT = 0, 5  # the default template's "Title Slide" and "Title Only"

WIDE, TALL = Inches(13.333), Inches(7.5)
LEFT = Inches(0.5)
INNER = WIDE - 2 * LEFT
FOOTER_TOP = TALL - Inches(0.65)
TABLE_TOP = Inches(1.45)
TABLE_FONT = 10  # points
CHAR_WIDTH = Inches(0.085)  # a generous average character width at TABLE_FONT (Arial, digits and capitals)
LINE_HEIGHT = Pt(TABLE_FONT * 1.25)
CELL_PAD = Inches(0.1)  # top and bottom cell margins together
MIN_COLUMN = Inches(0.7)


def _text(slide, left, top, width, height, paragraphs, size, bold=False, color=None):
    """A word-wrapped text box; `paragraphs` is a str or a list of str (one per paragraph)."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    items = [paragraphs] if isinstance(paragraphs, str) else list(paragraphs)
    for n, text in enumerate(items or [""]):
        para = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT
        if color is not None:
            run.font.color.rgb = color
        para.space_after = Pt(size * 0.4)
    return box


def _footer(slide, pack: Pack) -> None:
    _text(slide, LEFT, TALL - Inches(0.55), INNER, Inches(0.45), pack.stamp.short_line(), 9, color=GREY)


def _style_title(shape, text: str, size: int, color=BLUE) -> None:
    frame = shape.text_frame
    frame.word_wrap = True
    frame.text = text
    for para in frame.paragraphs:
        para.alignment = PP_ALIGN.LEFT
        for run in para.runs:
            run.font.size = Pt(size)
            run.font.bold = True
            run.font.name = FONT
            run.font.color.rgb = color


def _slide(prs, pack: Pack, title: str):
    """A "Title Only" slide with `title` in its title placeholder (placed for 16:9) and the footer."""
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = LEFT, Inches(0.25), INNER, Inches(0.9)
    _style_title(shape, title, 28 if len(title) <= 60 else 22)
    _footer(slide, pack)
    return slide


def _bullets(items: list[str]) -> list[str]:
    return [f"• {i}" for i in items]


def _numbered(items: list[str]) -> list[str]:
    return [f"{n}. {i}" for n, i in enumerate(items, start=1)]


def _fit(items: list[str], big: int = 18) -> int:
    """A font size that keeps a list on one slide (python-pptx cannot measure text)."""
    chars = sum(len(i) for i in items) + 60 * len(items)
    return min(big, 18 if chars < 900 else 14 if chars < 1700 else 11)


# --- tables ------------------------------------------------------------------------------------------------


def _texts(table: Table) -> list[list[str]]:
    """Every body cell of `table` as shown, row by row (worked out once per table)."""
    return [[cell_text(v)[0] for v in rec] for rec in table.data.itertuples(index=False, name=None)]


def column_widths(table: Table, width: int = INNER, texts: list[list[str]] | None = None) -> list[int]:
    """Widths (EMU) summing to `width`: each column's natural width (its longest cell, up to 60 characters, or
    its header's longest word) scaled to fit, never below `MIN_COLUMN`. `texts`: the body cells as shown, when
    the caller has them already."""
    rows = _texts(table) if texts is None else texts
    natural = []
    for j, name in enumerate(table.data.columns):
        words = max((len(w) for w in str(name).split()), default=1)
        cells = min(max((len(row[j]) for row in rows), default=0), 60)
        natural.append(max(words, cells, 4) * CHAR_WIDTH + CELL_PAD * 2)
    total = sum(natural) or 1
    widths = [max(MIN_COLUMN, int(n * width / total)) for n in natural]
    scale = width / sum(widths)
    return [int(w * scale) for w in widths]


def row_lines(values: list[str], widths: list[int]) -> int:
    """How many lines the tallest cell of a row wraps to (an estimate: characters of average width, words kept
    whole unless one is longer than a line)."""
    lines = 1
    for text, w in zip(values, widths):
        per_line = max(1, int((w - CELL_PAD * 2) / CHAR_WIDTH))
        if len(text) <= per_line:  # fits on one line whatever its words
            continue
        n, used = 1, 0
        for word in str(text).split():
            if used and used + 1 + len(word) <= per_line:
                used += 1 + len(word)
                continue
            if used:
                n += 1
            n += (len(word) - 1) // per_line
            used = len(word) % per_line or per_line
        lines = max(lines, n)
    return lines


def row_height(lines: int) -> int:
    return int(LINE_HEIGHT * lines + CELL_PAD)


@dataclass
class _Layout:
    """A table as the deck draws it: its cells as shown, column widths and row heights (header first)."""

    header: list[str]
    rows: list[list[str]]
    widths: list[int]
    heights: list[int]


def _layout(table: Table) -> _Layout:
    rows = _texts(table)
    widths = column_widths(table, texts=rows)
    header = [str(c) for c in table.data.columns]
    heights = [row_height(row_lines(row, widths)) for row in [header, *rows]]
    return _Layout(header, rows, widths, heights)


def table_pages(
    table: Table, top: int = TABLE_TOP, bottom: int = FOOTER_TOP, layout: _Layout | None = None
) -> list[tuple[int, int]]:
    """(first, last) body rows (end exclusive) for each slide of `table`: as many rows as fit between `top`
    and `bottom` under the header row, and never more than `MAX_TABLE_ROWS`."""
    layout = layout or _layout(table)
    header, heights = layout.heights[0], layout.heights[1:]
    pages, start, used = [], 0, header
    for i, h in enumerate(heights):
        if i > start and (used + h > bottom - top or i - start >= MAX_TABLE_ROWS):
            pages.append((start, i))
            start, used = i, header
        used += h
    pages.append((start, len(heights)))
    return pages


def _table_shape(slide, layout: _Layout, first: int, last: int, top: int) -> None:
    texts = [layout.header, *layout.rows[first:last]]
    heights = [layout.heights[0], *layout.heights[1 + first : 1 + last]]
    widths = layout.widths
    frame = slide.shapes.add_table(len(texts), max(1, len(layout.header)), LEFT, top, INNER, Emu(sum(heights)))
    shape = frame.table
    for c, w in enumerate(widths):
        shape.columns[c].width = Emu(w)
    margin = Emu(int(CELL_PAD / 2))
    for r, (row, h) in enumerate(zip(texts, heights)):
        shape.rows[r].height = Emu(h)
        for c, text in enumerate(row):
            cell = shape.cell(r, c)
            cell.text = text
            cell.margin_top = cell.margin_bottom = margin
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(TABLE_FONT)
                    run.font.name = FONT
                    run.font.bold = r == 0
    frame.width, frame.height = Emu(sum(widths)), Emu(sum(heights))


def _rows_line(first: int, last: int, n: int, shown_to: int) -> str:
    """The line above a table that spans slides: which rows, and where the rest are when not all are shown."""
    where = f"Rows {fmt_number(first + 1)} to {fmt_number(last)} of {fmt_number(n)}."
    if shown_to < n and last == shown_to:
        rest = n - shown_to
        where += f" The other {plural(rest, 'row')} {plural_word(rest, 'is', 'are')} in the pack's spreadsheet."
    return where


def _table_slides(prs, pack: Pack, table: Table) -> None:
    """`table` on as many slides as it needs, at most `MAX_TABLE_SLIDES` (a national table of 1,000 wards would
    be dozens of slides nobody reads: the rest are in the spreadsheet, and the last slide says so); from the
    second, the title says "(continued)"."""
    if not len(table.data.columns):
        return
    layout = _layout(table)
    pages = table_pages(table, layout=layout)
    shown = pages[:MAX_TABLE_SLIDES]
    shown_to = shown[-1][1]
    for n, (first, last) in enumerate(shown):
        slide = _slide(prs, pack, table.title + (CONTINUED if n else ""))
        if len(pages) > 1:
            where = _rows_line(first, last, len(table.data), shown_to)
            _text(slide, LEFT, Inches(1.05), INNER, Inches(0.35), where, 11, color=GREY)
        _table_shape(slide, layout, first, last, TABLE_TOP)
        if table.note:
            slide.notes_slide.notes_text_frame.text = table.note


# --- slides ------------------------------------------------------------------------------------------------


def _section_slide(prs, pack: Pack, section: Section, images: dict[str, bytes] | None) -> None:
    slide = _slide(prs, pack, section.title)
    if section.answer:
        size = 22 if len(section.answer) <= 130 else 18 if len(section.answer) <= 220 else 15
        _text(slide, LEFT, Inches(1.15), INNER, Inches(1.4), section.answer, size, bold=True)
    top = Inches(2.6) if section.answer else Inches(1.3)
    keys = pack.figure_keys(section)
    png = next((images[k] for k in keys if images and k in images), None)
    main_width = Inches(8.0)
    if png is not None:
        pic = slide.shapes.add_picture(io.BytesIO(png), LEFT, top, height=Inches(3.7))
        if pic.width > main_width:  # keep wide charts inside the main area
            pic.height = Emu(int(pic.height * main_width / pic.width))
            pic.width = main_width
    elif section.paragraphs:
        shown = section.paragraphs[:3]
        _text(slide, LEFT, top, main_width, Inches(3.8), shown, _fit(shown, 16))
    side = []
    if section.figures and png is None:
        side.append(NO_CHARTS_NOTE)
        side += [f"Chart not shown – {f.title}: {f.alt_text}" for f in section.figures[:1]]
    if section.caveats:
        side += ["Caveats:"] + _bullets(section.caveats)
    if side:
        side_left = LEFT + main_width + Inches(0.3)
        _text(slide, side_left, top, WIDE - LEFT - side_left, Inches(3.8), side, _fit(side, 12), color=GREY)
    notes = [section.answer, *section.paragraphs, *(f.caption for f in section.figures)]
    slide.notes_slide.notes_text_frame.text = "\n\n".join(n for n in notes if n)
    for table in section.tables:
        _table_slides(prs, pack, table)


def _list_slide(prs, pack: Pack, title: str, items: list[str], style: str = "bullets") -> None:
    slide = _slide(prs, pack, title)
    shown = _bullets(items) if style == "bullets" else _numbered(items) if style == "numbers" else items
    _text(slide, LEFT, Inches(1.3), INNER, Inches(5.3), shown, _fit(shown))
    slide.notes_slide.notes_text_frame.text = "\n\n".join(items)


def _summary_slide(prs, pack: Pack) -> None:
    """The executive summary: a column per question (question, verdict, figure and how sure), then what changed
    and the decisions asked for."""
    summary = pack.summary
    slide = _slide(prs, pack, "Summary")
    n = max(1, len(summary.verdicts))
    gap = Inches(0.25)
    width = int((INNER - gap * (n - 1)) / n)
    for i, v in enumerate(summary.verdicts):
        left = LEFT + i * (width + gap)
        _text(slide, left, Inches(1.15), width, Inches(0.45), v.question, 13, color=GREY)
        _text(slide, left, Inches(1.55), width, Inches(0.9), v.verdict, 18 if len(v.verdict) < 70 else 15, True)
        _text(slide, left, Inches(2.5), width, Inches(1.5), v.detail, 11 if len(v.detail) < 260 else 10)
    half = int((INNER - gap) / 2)
    changed = _bullets(summary.changes)
    decide = _numbered(summary.decisions)
    _text(slide, LEFT, Inches(4.15), half, Inches(0.4), "What changed since the last pack", 14, True, BLUE)
    _text(slide, LEFT, Inches(4.55), half, Inches(2.2), changed, min(13, _fit(changed, 13)))
    right = LEFT + half + gap
    _text(slide, right, Inches(4.15), half, Inches(0.4), "Decisions for the group", 14, True, BLUE)
    _text(slide, right, Inches(4.55), half, Inches(2.2), decide, min(13, _fit(decide, 13)))
    notes = [f"{v.question} {v.verdict}. {v.detail}" for v in summary.verdicts]
    slide.notes_slide.notes_text_frame.text = "\n\n".join([*notes, summary.sure, summary.signals])


def _title_slide(prs, pack: Pack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = LEFT, Inches(1.6), INNER, Inches(1.3)
    _style_title(title, pack.title, 40)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = LEFT, Inches(3.0), INNER, Inches(1.2)
    subtitle.text_frame.text = pack.subtitle or " "
    for para in subtitle.text_frame.paragraphs:
        para.alignment = PP_ALIGN.LEFT
        for run in para.runs:
            run.font.size, run.font.name, run.font.color.rgb = Pt(20), FONT, GREY
    if pack.stamp.synthetic:
        _text(slide, LEFT, Inches(4.4), INNER, Inches(0.5), pack.stamp.lines()[0], 18, bold=True, color=RED)
    _footer(slide, pack)


def render_pptx(pack: Pack, images: dict[str, bytes] | None = None) -> bytes:
    """A 16:9 deck; charts appear when `images` (from `pack_images`) are given."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, TALL
    _title_slide(prs, pack)
    if pack.summary is not None:
        _summary_slide(prs, pack)
        _list_slide(prs, pack, "Agenda", pack.summary.agenda, style="numbers")
    for section in pack.ordered_sections():
        _section_slide(prs, pack, section, images)
    if pack.summary is not None:
        _list_slide(prs, pack, "Decisions and actions", pack.summary.decisions, style="numbers")
    if pack.methods:
        _list_slide(prs, pack, "Methods and caveats", pack.methods, style="plain")
    if pack.data_quality:
        _list_slide(prs, pack, "Data quality", pack.data_quality)
    _list_slide(prs, pack, "About these figures", pack.stamp.lines(), style="plain")
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()

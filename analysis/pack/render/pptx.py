"""The pack as a PowerPoint deck: a title slide, a slide per section, methods, data quality."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from .document import Pack, Section, Table, cell_text

NO_CHARTS_NOTE = "Charts need Chromium; see the HTML pack."
MAX_TABLE_ROWS = 14
BLUE = RGBColor(0x00, 0x5E, 0xB8)
GREY = RGBColor(0x42, 0x55, 0x63)
RED = RGBColor(0x8A, 0x15, 0x38)
FONT = "Arial"  # PowerPoint substitutes a font with the same metrics where Arial is absent

WIDE, TALL = Inches(13.333), Inches(7.5)
LEFT = Inches(0.5)
INNER = WIDE - 2 * LEFT
FOOTER_TOP = TALL - Inches(0.65)
ROW_HEIGHT = Inches(0.26)


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
    _text(slide, LEFT, TALL - Inches(0.62), INNER, Inches(0.55), pack.stamp.line(), 8, color=GREY)


def _title(slide, text: str) -> None:
    _text(slide, LEFT, Inches(0.3), INNER, Inches(0.8), text, 28, bold=True, color=BLUE)


def _bullets(items: list[str]) -> list[str]:
    return [f"• {i}" for i in items]


def _fit(items: list[str], big: int = 18) -> int:
    """A font size that keeps a list on one slide (python-pptx cannot measure text)."""
    chars = sum(len(i) for i in items) + 60 * len(items)
    return min(big, 18 if chars < 900 else 14 if chars < 1700 else 11)


def _table(slide, table: Table, left, top, width) -> None:
    fit = int((FOOTER_TOP - top) / ROW_HEIGHT) - 1
    max_rows = max(1, min(MAX_TABLE_ROWS, fit))
    df = table.data.head(max_rows)
    rows, cols = len(df) + 1, max(1, len(df.columns))
    height = Emu(int(ROW_HEIGHT) * rows)
    shape = slide.shapes.add_table(rows, cols, left, top, width, height).table
    for c, name in enumerate(df.columns):
        shape.cell(0, c).text = str(name)
    for r, record in enumerate(df.itertuples(index=False, name=None), start=1):
        for c, value in enumerate(record):
            shape.cell(r, c).text = cell_text(value)[0]
    for row in shape.rows:
        for cell in row.cells:
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(10)
                    run.font.name = FONT
    note = table.title
    if len(table.data) > max_rows:
        note += f" (first {max_rows} of {len(table.data)} rows; the full table is in the HTML pack)"
    _text(slide, left, top - Inches(0.4), width, Inches(0.4), note, 11, bold=True)


def _section_slide(prs, pack: Pack, section: Section, images: dict[str, bytes] | None) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _title(slide, section.title)
    if section.answer:
        size = 24 if len(section.answer) <= 130 else 20 if len(section.answer) <= 200 else 16
        _text(slide, LEFT, Inches(1.1), INNER, Inches(1.4), section.answer, size, bold=True)
    top = Inches(2.6) if section.answer else Inches(1.3)
    keys = pack.figure_keys(section)
    png = next((images[k] for k in keys if images and k in images), None)
    main_width = Inches(8.0)
    if png is not None:
        pic = slide.shapes.add_picture(io.BytesIO(png), LEFT, top, height=Inches(3.7))
        if pic.width > main_width:  # keep wide charts inside the main area
            pic.height = Emu(int(pic.height * main_width / pic.width))
            pic.width = main_width
    elif section.tables:
        _table(slide, section.tables[0], LEFT, top + Inches(0.4), main_width)
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
    _footer(slide, pack)


def _list_slide(prs, pack: Pack, title: str, items: list[str], bullets: bool) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _title(slide, title)
    shown = _bullets(items) if bullets else items
    _text(slide, LEFT, Inches(1.2), INNER, Inches(5.5), shown, _fit(shown))
    slide.notes_slide.notes_text_frame.text = "\n\n".join(items)
    _footer(slide, pack)


def render_pptx(pack: Pack, images: dict[str, bytes] | None = None) -> bytes:
    """A 16:9 deck; charts appear when `images` (from `pack_images`) are given."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, TALL
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text(slide, LEFT, Inches(1.2), INNER, Inches(1.2), pack.title, 36, bold=True, color=BLUE)
    if pack.subtitle:
        _text(slide, LEFT, Inches(2.3), INNER, Inches(0.7), pack.subtitle, 20, color=GREY)
    lines = pack.stamp.lines()
    if pack.stamp.synthetic:
        _text(slide, LEFT, Inches(3.1), INNER, Inches(0.5), lines[0], 18, bold=True, color=RED)
        lines = lines[1:]
    _text(slide, LEFT, Inches(3.7), INNER, Inches(2.8), lines, 13)
    _footer(slide, pack)
    for section in pack.ordered_sections():
        _section_slide(prs, pack, section, images)
    if pack.methods:
        _list_slide(prs, pack, "Methods and caveats", pack.methods, bullets=False)
    if pack.data_quality:
        _list_slide(prs, pack, "Data quality", pack.data_quality, bullets=True)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()

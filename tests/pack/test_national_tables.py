"""A national pack (1,000 wards) keeps its slides and pages readable: a table longer than a few slides shows its
first rows on at most `MAX_TABLE_SLIDES` slides and `PRINT_TABLE_ROWS` printed rows, and says the rest are in the
spreadsheet; the HTML pack and the spreadsheet keep every row. A table that fits (every table of the sample) is
drawn exactly as before."""

from __future__ import annotations

import io

import pandas as pd
from pptx import Presentation

from analysis.pack.render import Section, Table, render_html, render_pptx
from analysis.pack.render.pdf import PRINT_TABLE_ROWS, static_html
from analysis.pack.render.pptx import MAX_TABLE_ROWS, MAX_TABLE_SLIDES, _layout, column_widths, table_pages

from .test_render import make_pack

N = 1000


def national_table() -> Table:
    return Table(
        pd.DataFrame(
            {
                "Ward": [f"W{i:04d} Ward number {i}" for i in range(N)],
                "Assaults on staff": [("*" if i % 7 == 0 else 10 + i % 40) for i in range(N)],
                "Rate per 1,000 OBD": [round(3 + (i % 50) / 10, 2) for i in range(N)],
            }
        ),
        title="Wards: assaults on staff",
        note="Counts of 1 to 7 are shown as *.",
    )


def _pack_with(table: Table):
    pack = make_pack()
    pack.sections.append(Section("Wards at a glance", answer="Every ward.", tables=[table]))
    return pack


def _slides_titled(deck: bytes, title: str) -> list:
    prs = Presentation(io.BytesIO(deck))
    return [s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text.startswith(title)]


def test_a_national_table_takes_a_few_slides_and_says_where_the_rest_are():
    table = national_table()
    slides = _slides_titled(render_pptx(_pack_with(table)), table.title)
    assert len(slides) == MAX_TABLE_SLIDES
    rows = [len(next(sh for sh in s.shapes if sh.has_table).table.rows) - 1 for s in slides]
    shown = sum(rows)
    assert shown <= MAX_TABLE_SLIDES * MAX_TABLE_ROWS
    texts = [sh.text_frame.text for sh in slides[-1].shapes if sh.has_text_frame]
    rest = N - shown
    assert (
        f"Rows {shown - rows[-1] + 1} to {shown} of 1,000. The other {rest} rows are in the pack's spreadsheet."
        in texts
    )
    first = [sh.text_frame.text for sh in slides[0].shapes if sh.has_text_frame]
    assert f"Rows 1 to {rows[0]} of 1,000." in first  # the rest are named on the last slide only


def test_the_printed_pack_shows_the_first_rows_and_the_html_pack_all():
    pack = _pack_with(national_table())
    printed = static_html(pack, {})
    body = printed.split("Wards: assaults on staff</caption>")[1].split("</table>")[0]
    assert body.count("<tr>") == 1 + PRINT_TABLE_ROWS  # the header and the first rows
    assert f"Rows 1 to {PRINT_TABLE_ROWS} of 1,000 are printed here. The other {N - PRINT_TABLE_ROWS} rows" in printed
    assert "W0999 Ward number 999" not in printed
    html = render_html(pack)
    assert "W0999 Ward number 999" in html and "are printed here" not in html


def test_a_table_that_fits_is_drawn_as_before():
    """Tables of the sample's size (up to 24 rows) keep every row, on slides and on paper, with no extra line."""
    table = Table(national_table().data.head(24), "Wards: assaults on staff", "note")
    slides = _slides_titled(render_pptx(_pack_with(table)), table.title)
    assert sum(len(next(sh for sh in s.shapes if sh.has_table).table.rows) - 1 for s in slides) == 24
    assert not any("spreadsheet" in sh.text_frame.text for s in slides for sh in s.shapes if sh.has_text_frame)
    assert "are printed here" not in static_html(_pack_with(table), {})


def test_the_layout_is_worked_out_once_per_table_and_matches_the_helpers():
    table = national_table()
    layout = _layout(table)
    assert layout.widths == column_widths(table)
    assert table_pages(table, layout=layout) == table_pages(table)
    assert len(layout.heights) == N + 1

"""The pack as one self-contained HTML file that opens offline (plotly.js inlined once)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from analysis.text import fmt_number, plural, plural_word

from .document import Figure, Pack, Section, Summary, Table, cell_text

FigureHtml = Callable[[str, Figure], str]

# DejaVu Sans (Debian's fonts-dejavu-core) covers "–", "£", "≥" and Gaelic accents; the
# names before it are what Windows and macOS machines in a meeting room will have.
FONT_STACK = "'Segoe UI', 'Helvetica Neue', Arial, 'DejaVu Sans', 'Noto Sans', sans-serif"

CSS = f"""
:root {{ color-scheme: light; }}
*, *::before, *::after {{ box-sizing: border-box; }}
body {{ font-family: {FONT_STACK}; color: #1d2733; max-width: 60rem; margin: 1.5rem auto;
  padding: 0 1rem; line-height: 1.45; font-size: 11pt; }}
h1 {{ font-size: 1.8rem; margin: 0.8rem 0 0.2rem; }}
h2 {{ font-size: 1.35rem; border-bottom: 2px solid #005eb8; padding-bottom: 0.2rem; }}
h3 {{ font-size: 1.05rem; margin-bottom: 0.3rem; }}
.subtitle {{ color: #425563; margin-top: 0; }}
.stamp {{ border: 1px solid #aeb7bd; background: #f4f6f7; padding: 0.5rem 0.8rem;
  font-size: 0.8rem; margin: 0.8rem 0; }}
.stamp ul {{ margin: 0; padding-left: 1.1rem; }}
.synthetic {{ background: #8a1538; color: #fff; font-weight: bold; padding: 0.25rem 0.6rem;
  display: inline-block; margin-bottom: 0.3rem; letter-spacing: 0.03em; }}
.answer {{ font-size: 1.2rem; font-weight: 600; background: #e8f1fa;
  border-left: 5px solid #005eb8; padding: 0.6rem 0.9rem; }}
figure {{ margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }}
figure img {{ width: 100%; height: auto; }}
figcaption {{ font-size: 0.9rem; color: #425563; }}
.alt {{ font-size: 0.8rem; color: #425563; margin: 0.2rem 0 0; }}
table {{ border-collapse: collapse; margin: 0.6rem 0; font-size: 0.85rem; width: 100%; }}
caption {{ text-align: left; font-weight: 600; padding-bottom: 0.3rem; }}
th, td {{ border: 1px solid #c8cfd3; padding: 0.25rem 0.45rem; text-align: left; }}
/* a long word (a formula's column name) wraps inside its cell: a table wider than the page made Chromium shrink
   every page of the PDF to fit it, by as much as a third */
th, td {{ overflow-wrap: anywhere; }}
th {{ background: #e8edee; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
.note {{ font-size: 0.8rem; color: #425563; }}
.caveats {{ font-size: 0.85rem; border-top: 1px dashed #aeb7bd; margin-top: 0.8rem; }}
.banner {{ background: #8a1538; color: #fff; font-weight: bold; padding: 0.2rem 0.6rem; font-size: 0.85rem;
  letter-spacing: 0.03em; }}
.summary h2 {{ margin-top: 0.6rem; }}
.summary h3 {{ margin: 0.7rem 0 0.2rem; color: #005eb8; }}
.summary ul, .summary ol {{ margin: 0.2rem 0; padding-left: 1.3rem; }}
.verdicts {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.5rem; }}
.verdict {{ border: 1px solid #c8cfd3; border-top: 5px solid #005eb8; padding: 0.4rem 0.6rem; }}
.verdict .q {{ font-size: 0.85rem; color: #425563; margin: 0; }}
.verdict .v {{ font-size: 1.1rem; font-weight: 700; margin: 0.2rem 0; }}
.verdict .d {{ font-size: 0.8rem; margin: 0; }}
.decisions li {{ font-weight: 600; }}
.columns {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
/* printing: keep a card, a chart, a table's caption with its rows, caveats and headings with what follows them
   together; no forced breaks, so a short section never leaves a page nearly blank */
figure, .verdict, .answer, .caveats, .stamp, .summary li, table caption {{ break-inside: avoid;
  page-break-inside: avoid; }}
table {{ break-inside: auto; }}
h1, h2, h3, caption {{ break-after: avoid; page-break-after: avoid; }}
h1, h2, h3 {{ break-inside: avoid; page-break-inside: avoid; }}  /* a two-line heading never split over two pages */
@media print {{
  body {{ max-width: none; margin: 0; padding: 0 2px; font-size: 10pt; }}
  /* on paper a column is as wide as its longest word (a word breaks only where it would not fit at all): "anywhere"
     let Chromium squeeze short columns to a letter or two ("Sta rted") and stretch each row over several lines */
  th, td {{ overflow-wrap: break-word; padding: 0.15rem 0.3rem; }}
  .plotly-graph-div {{ break-inside: avoid; }}
  section.summary {{ break-after: page; page-break-after: always; }}
  /* the summary is page 1 on its own: three verdicts, the changes, the decisions and the agenda fit A4 at 9pt */
  section.summary {{ font-size: 9pt; }}
  .summary h3 {{ font-size: 0.95rem; margin: 0.5rem 0 0.15rem; }}
  .verdict .q {{ font-size: 0.72rem; }}
  .verdict .v {{ font-size: 0.95rem; }}
  .verdict .d {{ font-size: 0.7rem; }}
}}
"""


def _list(items: list[str], cls: str = "") -> str:
    if not items:
        return ""
    attr = f' class="{cls}"' if cls else ""
    return f"<ul{attr}>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def stamp_html(pack: Pack, where: str) -> str:
    """The stamp box; `where` is "top" or "bottom" (for the landmark label)."""
    stamp = pack.stamp
    lines = stamp.lines()
    banner = ""
    if stamp.synthetic:
        banner = f'<div class="synthetic">{escape(lines[0])}</div>'
        lines = lines[1:]
    label = "About these figures"
    return f'<div class="stamp stamp-{where}" role="note" aria-label="{label}">{banner}{_list(lines)}</div>'


def table_html(table: Table, max_rows: int | None = None) -> str:
    """A plain accessible HTML table; cells are shown exactly as given ('*' stays '*'). With `max_rows` (the
    printed pack), a longer table shows its first `max_rows` rows and says where the rest are."""
    df = table.data if max_rows is None else table.data.iloc[:max_rows]
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in df.columns)
    rows = []
    for record in df.itertuples(index=False, name=None):
        cells = []
        for value in record:
            text, numeric = cell_text(value)
            text = escape(text)
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    if len(df) < len(table.data):
        rest = len(table.data) - len(df)
        where = (
            f"Rows 1 to {fmt_number(len(df))} of {fmt_number(len(table.data))} are printed here. The other "
            f"{plural(rest, 'row')} {plural_word(rest, 'is', 'are')} in the pack's spreadsheet and the HTML pack."
        )
        note = f'<p class="note rows-cut">{escape(where)}</p>{note}'
    return (
        f"<table><caption>{escape(table.title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{note}"
    )


def figure_frame(key: str, fig: Figure, body: str) -> str:
    """A <figure> with title, caption and a visible text description of the chart."""
    alt_id = f"alt-{key.replace('.', '-')}"
    caption = f" {escape(fig.caption)}" if fig.caption else ""
    return (
        f'<figure aria-describedby="{alt_id}"><figcaption><strong>{escape(fig.title)}</strong>'
        f"{caption}</figcaption>{body}"
        f'<p class="alt" id="{alt_id}">Chart description: {escape(fig.alt_text)}</p></figure>'
    )


def interactive_figure(key: str, fig: Figure) -> str:
    """A live plotly chart; relies on plotly.js being inlined once in the page head."""
    div = fig.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"fig-{key.replace('.', '-')}",
        default_width="100%",
        default_height="450px",
        config={"displaylogo": False, "responsive": True},
    )
    return figure_frame(key, fig, f'<div role="presentation">{div}</div>')


def summary_html(summary: Summary) -> str:
    """The executive summary: a verdict card per question, then what changed, the decisions and the agenda."""
    cards = "".join(
        f'<div class="verdict"><p class="q">{escape(v.question)}</p><p class="v">{escape(v.verdict)}</p>'
        f'<p class="d">{escape(v.detail)}</p></div>'
        for v in summary.verdicts
    )
    parts = ['<h2 id="summary-title">Summary</h2>', f'<div class="verdicts">{cards}</div>']
    if summary.sure:
        parts.append(f'<p class="note">{escape(summary.sure)}</p>')
    if summary.signals:
        parts.append(f"<h3>Signals</h3><p>{escape(summary.signals)}</p>")
    left = f'<h3>Decisions for the group</h3><ol class="decisions">{_items(summary.decisions)}</ol>'
    changed = f"<h3>What changed since the last pack</h3>{_list(summary.changes)}" if summary.changes else ""
    right = f"{changed}<h3>Agenda</h3><ol>{_items(summary.agenda)}</ol>"
    parts.append(f'<div class="columns"><div>{left}</div><div>{right}</div></div>')
    return (
        '<section class="summary" data-part="summary" aria-labelledby="summary-title">' + "".join(parts) + "</section>"
    )


def _items(items: list[str]) -> str:
    return "".join(f"<li>{escape(i)}</li>" for i in items)


def section_html(pack: Pack, section: Section, figure_html: FigureHtml, max_rows: int | None = None) -> str:
    parts = [f"<h2>{escape(section.title)}</h2>"]
    if section.answer:
        parts.append(f'<p class="answer">{escape(section.answer)}</p>')
    parts += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
    for key, fig in zip(pack.figure_keys(section), section.figures, strict=True):
        parts.append(figure_html(key, fig))
    parts += [table_html(t, max_rows) for t in section.tables]
    if section.caveats:
        parts.append(f'<div class="caveats"><h3>Caveats</h3>{_list(section.caveats)}</div>')
    attr = f' data-question="{escape(section.question)}"' if section.question else ""
    return f'<section class="part"{attr}>{"".join(parts)}</section>'


def page_html(pack: Pack, figure_html: FigureHtml, head_extra: str = "", max_rows: int | None = None) -> str:
    """The whole document; renderers differ only in how a figure is drawn, the head and how many rows of a table
    they show (`max_rows`: all when None)."""
    banner = pack.stamp.lines()[0] if pack.stamp.synthetic else ""
    body = [
        f'<div class="banner" role="note">{escape(banner)}</div>' if banner else "",
        f"<h1>{escape(pack.title)}</h1>",
        f'<p class="subtitle">{escape(pack.subtitle)}</p>' if pack.subtitle else "",
        summary_html(pack.summary) if pack.summary is not None else "",
    ]
    sections = [section_html(pack, s, figure_html, max_rows) for s in pack.ordered_sections()]
    if pack.methods:
        sections.append(
            '<section class="part"><h2>Methods and caveats</h2>'
            + "".join(f"<p>{escape(m)}</p>" for m in pack.methods)
            + "</section>"
        )
    if pack.data_quality:
        sections.append(f'<section class="part"><h2>Data quality</h2>{_list(pack.data_quality)}</section>')
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(pack.title)}</title><style>{CSS}</style>{head_extra}</head>"
        f"<body><main>{''.join(body)}{''.join(sections)}</main>"
        f'<footer><h2 id="about">About these figures</h2>{stamp_html(pack, "bottom")}</footer></body></html>'
    )


def render_html(pack: Pack) -> str:
    """One self-contained HTML file: inline CSS, plotly.js inlined once, no network use."""
    from plotly.offline import get_plotlyjs

    script = f'<script type="text/javascript">{get_plotlyjs()}</script>'
    return page_html(pack, interactive_figure, head_extra=script)

"""The variation-by-assurance grid as an HTML table: rows are the Making Data Count variation, columns the
assurance against the target, each cell the measures and wards in it (`analysis.overview.assurance` fills it).

Row and column headers carry their icons and words, so colour is never the only signal; the cell where a
measure consistently misses its target and shows special cause concern, the first place to look, has a thick
orange edge and says so to a screen reader. Every name from the data is escaped.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from analysis.spc.icons import ASSURANCE, assurance_svg, icon_svg, variation_colour
from analysis.spc.mdc import MDC_COLOURS
from analysis.text import listed, plural

ROW_ICONS = {  # a variation row's icons: (key, letter)
    "improvement": (("improvement_high", "H"), ("improvement_low", "L")),
    "common": (("common_cause", ""),),
    "concern": (("concern_high", "H"), ("concern_low", "L")),
    "neither": (("neither_high", "H"), ("neither_low", "L")),
}
LOOK_FIRST = ("concern", "consistently_failing")
ICON_PX = 32
MOST_NAMED = 6  # wards named in a cell before "and N more"
STYLE = f"""<style>
.assurance-grid {{border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.85rem;}}
.assurance-grid th, .assurance-grid td {{border: 1px solid #D8DDE0; padding: 0.35rem 0.45rem; vertical-align: top;
  text-align: left;}}
.assurance-grid thead th {{background: #F0F4F5; font-weight: 600;}}
.assurance-grid th[scope=row] {{background: #F0F4F5; font-weight: 600; width: 17%;}}
.assurance-grid .icons {{display: flex; gap: 0.2rem; margin-bottom: 0.2rem;}}
.assurance-grid .n {{font-weight: 700; font-size: 1rem;}}
.assurance-grid ul {{margin: 0.15rem 0 0 0; padding-left: 1rem;}}
.assurance-grid li {{margin: 0; line-height: 1.3;}}
.assurance-grid td.look-first {{border: 3px solid {MDC_COLOURS["special_cause_concern"]};}}
.assurance-grid .empty {{color: #768692;}}
.assurance-grid .visually-hidden {{position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);}}
</style>"""


def _sized(svg: str) -> str:
    return svg.replace('width="48" height="48"', f'width="{ICON_PX}" height="{ICON_PX}"', 1)


def _row_head(key: str, title: str) -> str:
    icons = "".join(_sized(icon_svg(title, variation_colour(k), letter, k)) for k, letter in ROW_ICONS.get(key, ()))
    return f'<th scope="row"><div class="icons">{icons}</div>{escape(title)}</th>'


def _col_head(key: str, title: str) -> str:
    icon = _sized(assurance_svg(key, ASSURANCE[key][0])) if key in ASSURANCE and key != "not_applicable" else ""
    return f'<th scope="col"><div class="icons">{icon}</div>{escape(title)}</th>'


def _cell(items: pd.DataFrame, look_first: bool) -> str:
    cls = ' class="look-first"' if look_first else ""
    if not len(items):
        return f'<td{cls}><span class="empty">none</span></td>'
    n = int(items["n"].sum())
    lines = []
    for r in items.itertuples(index=False):
        wards = f"every ward ({len(r.wards)})" if r.every_ward else listed(r.wards, most=MOST_NAMED, rest="more")
        lines.append(f"<li><strong>{escape(str(r.measure_title))}</strong>: {escape(wards)}</li>")
    note = '<span class="visually-hidden"> (look here first)</span>' if look_first else ""
    return f'<td{cls}><span class="n">{escape(plural(n, "pair"))}</span>{note}<ul>{"".join(lines)}</ul></td>'


def grid_html(grid: pd.DataFrame, rows: dict[str, str], columns: dict[str, str], caption: str = "") -> str:
    """The grid as one line of HTML (a table; its look is `STYLE`, drawn once per page): `grid` from
    `analysis.overview.assurance.assurance_grid`, `rows` and `columns` its row and column keys with their titles,
    in order; `caption` read out first. One line, so Markdown passes it through whole."""
    head = "".join(_col_head(k, t) for k, t in columns.items())
    body = []
    for rk, rt in rows.items():
        cells = "".join(
            _cell(grid[(grid["row"] == rk) & (grid["column"] == ck)], (rk, ck) == LOOK_FIRST) for ck in columns
        )
        body.append(f"<tr>{_row_head(rk, rt)}{cells}</tr>")
    cap = f'<caption style="caption-side: top; text-align: left;">{escape(caption)}</caption>' if caption else ""
    return (
        f'<table class="assurance-grid">{cap}<thead><tr><th scope="col">Variation (rows) by assurance (columns)</th>'
        + head
        + f"</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )

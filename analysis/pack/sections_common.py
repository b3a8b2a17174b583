"""What every section of the steering group pack shares: the words for rates worked out from the published
counts (`PUBLISHED`, `RATE`, `FROM_PUBLISHED`), the ward table's window counts and the headers that hold counts
(`COUNT_HEADERS`, which tests and checks read), a result's caveats cut to what a slide has room for, a ward's
label, and a chart made ready for the pack (`_figure`: hover boxes emptied of counts, axis labels given room by
`fit_labels`; a chart that cannot be drawn becomes a caveat in `_with_figure`).
"""

from __future__ import annotations

import logging

from analysis.data.reference import INSTRUMENT_STATUS
from analysis.overview.wards import WINDOW_MONTHS
from analysis.pack.protect import quiet_figure
from analysis.pack.render import Figure, Section
from analysis.stats.results import ModelResult
from analysis.text import plural, rate_label

log = logging.getLogger(__name__)
PUBLISHED = "from published counts"  # in the header of every rate worked out from the protected counts
RATE = f"Assaults on staff {rate_label()}, {PUBLISHED}"
SHORT_RATE = f"Rate {rate_label()}, {PUBLISHED}"
FROM_PUBLISHED = (
    f"Rates '{PUBLISHED}' are worked out from the rounded counts in this table, so they can differ a little from "
    "the dashboard's, which uses the exact counts. The exact rate is not printed: beside the published bed days "
    "it would give back the exact count that the rounding protects."
)
MAX_CAVEATS = 3  # a slide has room for about three
# the ward table's counts over its window (the last 12 months, or every month of a shorter period chosen)
WINDOW_COUNTS = ("Assaults on staff", "Occupied bed days", "Sessions", "Attendances")


def over(label: str, months: int = WINDOW_MONTHS) -> str:
    """A ward-table header naming the months its count covers: 'Assaults on staff (6 months)'."""
    return f"{label} ({plural(months, 'month')})"


# display headers that hold counts (protected); tests and checks use this list
COUNT_HEADERS = (
    *(over(c, n) for n in range(1, WINDOW_MONTHS + 1) for c in WINDOW_COUNTS),
    "Sessions held",
    "Attendances",
    "Assaults on staff before",
    "Assaults on staff after",
    "Assaults on staff",
    "Occupied bed days",
    "Survey returns",
)


def _caveats(result: ModelResult, said: str = "") -> list[str]:
    """Warnings first, then caveats not already said (in the answer or the methods page), at most three."""
    skip = {INSTRUMENT_STATUS}
    out = [c for c in dict.fromkeys([*result.warnings, *result.caveats]) if c not in skip and c not in said]
    return out[:MAX_CAVEATS]


def fit_labels(fig, char_width: float = 0.62):
    """Room for the longest category label on the y axis (ward names on a bar or timeline chart): the left
    margin is set from that label's length at the axis's font size, and both axes grow to fit their labels."""
    labels = []
    for trace in fig.data:
        ys = getattr(trace, "y", None)
        if ys is not None and len(ys) and all(isinstance(y, str) for y in ys):
            labels += [str(y) for y in ys]
    labels += [str(t) for t in (fig.layout.yaxis.ticktext or ())]
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    longest = max((len(label) for label in labels), default=0)
    if longest:
        size = fig.layout.yaxis.tickfont.size or fig.layout.font.size or 12
        need = int(longest * size * char_width) + 30
        if fig.layout.margin.l is None or fig.layout.margin.l < need:
            fig.update_layout(margin_l=need)
    return fig


def _figure(make, title: str, caption: str = "") -> Figure | None:
    """A Figure from `make()` -> (plotly figure, alt text), or None when it cannot be drawn; its axis labels
    given room (`fit_labels`)."""
    try:
        fig, alt = make()
    except Exception:
        log.exception("pack chart failed: %s", title)
        return None
    return Figure(fit_labels(quiet_figure(fig)), title, alt, caption)


def _with_figure(section: Section, figure: Figure | None, what: str) -> Section:
    if figure is None:
        section.caveats.append(f"The chart of {what} could not be drawn for this selection.")
    else:
        section.figures.append(figure)
    return section


def _ward(row) -> str:
    name = row.get("ward_name")
    return f"{row['ward_id']} {name}".strip() if isinstance(name, str) and name else str(row["ward_id"])

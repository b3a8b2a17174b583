"""Assurance against targets: every ward and measure's variation and assurance, and the summary grid NHS boards use.

For each ward and each measure it has values for (the ward profile's measures: the six incident rates per 1,000
occupied bed days, co-production as patients and as staff see it, each recovery measure, talking group attendance
per session), the latest point of its SPC chart gives a Making Data Count variation icon and, when a target is in
force in that month (`analysis.data.targets`: the ward's own, else a hospital-wide one), an assurance icon
(`analysis.spc.assurance`: the target against that month's process limits).

The charts are drawn as the Overview's ward table draws them (`analysis.overview.wards`): incident rates are
u-charts over every month, with new limits from each rebase event (talking groups started, an intervention, a
change; the ward's own and hospital-wide); co-production and recovery are XmR charts of the survey occasions taken
as consecutive points, not rebased; attendance per session is an XmR chart of the months from the first to the last
with sessions. A series with fewer than `MIN_POINTS` points is "not enough data". Better is the measure's own
direction; for a measure without one (talking group attendance, a recovery measure the catalogue gives no
direction), the target's; a target's stated direction decides its assurance.

The grid: rows are the variation (special cause improving, common cause, special cause concerning, and special
cause neither better nor worse for a measure with no better direction), columns the assurance (consistently meets
the target, hit and miss, consistently misses it, no target); each cell lists its ward and measure pairs. Pairs with
too few points to judge are listed under the grid, not in it.

Speed: one chart per ward and measure would take seconds (about 15 ms each); the series of one chart type and
direction are charted and classified all at once (analysis.spc.vectorised, the ward table's method), each keeping
its own centre, limits and run rules exactly as if charted alone.

Here lives what the Overview's assurance section shows, worked out once (`assurance_summary`, kept on disk by its
full name: `ui.cache.KEPT`). Its parts live beside it: the table's columns and the grid's keys and titles in
`assurance_keys`, each ward and measure's series and its chart's latest point in `assurance_series`, the table in
`assurance_pairs`, the grid, its counts and its sentence in `assurance_cells`, the measures shown by default in
`assurance_measures`; their names are re-exported here, where the app imports them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from analysis.charts.assurance import grid_html
from analysis.data.targets import in_force, target_measures
from analysis.overview.assurance_cells import assurance_grid, grid_sentence, not_judged
from analysis.overview.assurance_cells import grid_counts as grid_counts
from analysis.overview.assurance_cells import ward_label as ward_label
from analysis.overview.assurance_keys import ASSURANCE_COLUMNS, VARIATION_ROWS
from analysis.overview.assurance_keys import COLUMNS as COLUMNS
from analysis.overview.assurance_keys import COUNT_COLUMNS as COUNT_COLUMNS
from analysis.overview.assurance_keys import EXPOSURE as EXPOSURE
from analysis.overview.assurance_keys import MIN_POINTS as MIN_POINTS
from analysis.overview.assurance_keys import NO_DATA as NO_DATA
from analysis.overview.assurance_keys import NO_TARGET as NO_TARGET
from analysis.overview.assurance_keys import RATES as RATES
from analysis.overview.assurance_keys import SEP as SEP
from analysis.overview.assurance_measures import default_measures as default_measures
from analysis.overview.assurance_pairs import _empty as _empty
from analysis.overview.assurance_pairs import _rows as _rows
from analysis.overview.assurance_pairs import assurance_table
from analysis.overview.assurance_series import _better as _better
from analysis.overview.assurance_series import _month_number as _month_number
from analysis.overview.assurance_series import _rebase_months as _rebase_months
from analysis.overview.assurance_series import _series as _series
from analysis.overview.assurance_series import stacked_latest as stacked_latest
from analysis.spc.rules import RUN_LENGTH


@dataclass(frozen=True)
class AssuranceSummary:
    """Everything the Overview's assurance section shows, worked out once per data, filters and measures."""

    table: pd.DataFrame  # `assurance_table`: one row per ward and measure
    grid: pd.DataFrame  # `assurance_grid`
    sentence: str  # `grid_sentence`
    not_judged: pd.DataFrame  # `not_judged`
    html: str  # the grid drawn (`analysis.charts.assurance.grid_html`)
    in_force: pd.DataFrame  # the targets in force in the panel's latest month (`analysis.data.targets.in_force`)


GRID_CAPTION = "Wards and measures by variation and assurance"


def assurance_summary(
    panel: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    measures: Iterable[str] | None = None,
    run_length: int = RUN_LENGTH,
) -> AssuranceSummary:
    """`assurance_table` and everything made from it for the page (the arguments are `assurance_table`'s)."""
    table = assurance_table(panel, targets, catalogue, events, measures, run_length)
    grid = assurance_grid(table)
    latest = panel["month"].max() if panel is not None and len(panel) else None
    return AssuranceSummary(
        table=table,
        grid=grid,
        sentence=grid_sentence(table),
        not_judged=not_judged(table),
        html=grid_html(grid, VARIATION_ROWS, ASSURANCE_COLUMNS, caption=GRID_CAPTION),
        in_force=in_force(targets, latest, target_measures(catalogue)),
    )

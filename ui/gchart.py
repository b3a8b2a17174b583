"""The g-chart section (days or bed days between assaults) shown beside a u-chart for a ward with few assaults.

The dates come from the store's ``incident_dates`` table (written by an import from an incident listing on the
Data page); on the synthetic sample hospital, from its raw incident listing (data/sample/raw/) read through the
import engine with the shipped profile. Individual dates never leave the app: the section has no download.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.charts.gchart import g_chart_figure
from analysis.spc.gchart import G_CHART_RULE, G_CONVENTION, MIN_EVENTS, daily_bed_days, describe_g_chart, g_chart
from analysis.spc.gchart import prefer_g_chart as prefer
from analysis.text import literal
from ui import show
from ui.frame import View

ASSAULTS = {  # measure -> (one, many): the g-chart is offered for assaults
    "assaults_on_staff": ("assault on staff", "assaults on staff"),
    "assaults_on_patients": ("assault on a patient", "assaults on patients"),
}
MEASURE_KEY = "gchart_measure_{}"
ENABLE = (
    "This ward had fewer than one {noun} a month, so the time between them says more than the monthly rate, "
    "but that chart needs the date of each one. Import your incident system's listing on the Data page "
    "(**From your incident system**) and the days between {nouns} are charted here."
)


@st.cache_resource(show_spinner="Reading the sample hospital's incident listing...")
def _sample_dates(raw: str) -> pd.DataFrame | None:
    """The sample hospital's incident dates, from its raw listing through the shipped profile (None if absent)."""
    folder = Path(raw)
    listing, census, profile = folder / "incident_listing.csv", folder / "census.csv", folder / "profile.json"
    if not (listing.exists() and census.exists() and profile.exists()):
        return None
    from analysis.data.importers import import_listing, load_profile

    result = import_listing(listing, load_profile(profile), census=census)
    return incident_date_table(result.incidents)


def incident_date_table(incidents: pd.DataFrame) -> pd.DataFrame:
    """The engine's counted incidents (ward_id, measure, date) as the contract's ``incident_dates`` table:
    one row per ward, day and measure with how many were counted; no reference, no text."""
    cols = ["ward_id", "date", "measure", "incidents"]
    if incidents is None or incidents.empty:
        return pd.DataFrame(columns=cols)
    d = incidents.copy()
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    if "incidents" not in d:  # one row per incident
        d["incidents"] = 1
    out = d.groupby(["ward_id", "date", "measure"], as_index=False)["incidents"].sum()
    return out[cols].sort_values(["ward_id", "date", "measure"], kind="stable").reset_index(drop=True)


def dates_for(view: View) -> pd.DataFrame | None:
    """The view's incident dates (cut to its wards and months), or None when none are loaded."""
    table = view.data.table("incident_dates")
    if len(table):
        return table
    if view.dataset.source != "sample":
        return None
    from ui.locations import sample_path

    try:
        dates = _sample_dates(str(Path(sample_path()) / "raw"))
    except Exception:  # the engine could not read the sample's listing: say what would enable the chart
        return None
    if dates is None or dates.empty:
        return None
    cut = view.filters.apply({"wards": view.dataset.table("wards"), "incident_dates": dates})  # wards: to cut by
    return cut["incident_dates"]


def section(view: View, ward_id: str | None, ward_name: str, measure: str, counts: pd.Series, level: int = 4) -> None:
    """Below a u-chart of ``measure`` for one ward (``ward_id``; None for every ward in view): when the months'
    ``counts`` average under one a month, the g-chart with a plain sentence, or what would enable it. ``level``:
    the heading level of the section (one below the u-chart's)."""
    if measure not in ASSAULTS or not prefer(counts):
        return
    one, nouns = ASSAULTS[measure]
    st.markdown(f"{'#' * level} Days between {nouns}")  # one level under the u-chart's heading
    st.caption(G_CHART_RULE)
    dates = dates_for(view)
    if dates is None:
        st.info(ENABLE.format(noun=one, nouns=nouns), icon=":material/info:")
        return
    d = dates[dates["measure"] == measure]
    if ward_id is not None:
        d = d[d["ward_id"].astype(str) == str(ward_id)]
    events = d.loc[d.index.repeat(pd.to_numeric(d["incidents"]).fillna(1).astype(int)), "date"]
    if len(events) < MIN_EVENTS:
        st.markdown(literal(describe_g_chart(g_chart(events), ward_name)))
        return
    months = view.data.table("ward_months")
    if ward_id is not None:
        months = months[months["ward_id"].astype(str) == str(ward_id)]
    monthly = months.groupby("month", as_index=False)["occupied_bed_days"].sum() if len(months) else months
    end = pd.Timestamp(monthly["month"].max()) + pd.offsets.MonthEnd(0) if len(monthly) else None
    by = st.radio(
        "Measure the time between them in",
        ["days", "bed_days"],
        format_func={"days": "Days", "bed_days": "Occupied bed days"}.get,
        horizontal=True,
        key=MEASURE_KEY.format(f"{measure}_{ward_id}"),
        help="Occupied bed days allow for a ward that was emptier in some months: each month's bed days are "
        "spread evenly over its days.",
    )
    daily = daily_bed_days(monthly) if by == "bed_days" else None
    chart = g_chart(events, measure=by, daily=daily, end=end)
    unit = "Days" if by == "days" else "Occupied bed days"
    fig, alt = g_chart_figure(chart, f"{unit} between {nouns}: {ward_name}")
    st.markdown(f"**{literal(describe_g_chart(chart, ward_name))}**")
    st.plotly_chart(fig, width="stretch", key=f"gchart_{measure}_{ward_id}", config=show.CHART_CONFIG)
    st.caption(literal(alt))
    st.caption(
        literal(G_CONVENTION.format(run=chart.attrs["run_length"]))
        + " The dates of single incidents stay in the app: this chart has no download."
    )

"""How the Ward profile page draws what `analysis.wards` works out: the ward from a link, the ward's facts, the
strip of icons, each measure's chart with its icons and target, the survey by aspect, the charts' tabs, the
year-on-year lines and the one-page summary's buttons. Nothing is computed here; pages/ward_profile.py reads the
widgets and calls these."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from html import escape

import pandas as pd
import streamlit as st

from analysis.charts.published import Rechart
from analysis.charts.ward_profile import aspects_figure, measure_figure
from analysis.spc.icons import assurance_icon
from analysis.spc.mdc import MDC_LABELS
from analysis.text import literal
from analysis.wards import profile_page as words
from analysis.wards.profile import EXPOSURE, target_help, ward_label
from analysis.wards.survey import aspects_sentence, has_survey, survey_aspects
from ui import gchart, show
from ui import one_page as one_page_files
from ui.cache import analysed, carry_forward, data_key, freeze
from ui.cache import panel as panel_of
from ui.frame import View
from ui.safe import guarded

WARD_KEY = "profile_ward"  # widget key, and the query parameter it is shared as
SEEN_KEY = "_profile_ward_seen"  # the ward last shown: kept across page switches, and the URL value acted on
TARGET_KEY = "profile_target_{}"
TODO = words.TODO


class Run:
    """The view this run draws and its export stamp: the same for every chart on the page, so made once per run
    (when first asked for)."""

    def __init__(self, view: View) -> None:
        self.view = view
        self._stamps: list[dict[str, str]] = []

    def stamp(self) -> dict[str, str]:
        if not self._stamps:
            self._stamps.append(show.stamp(self.view))
        return self._stamps[0]


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(key: str, measure: str, target: float | None, _series, _ward_name: str, _events):
    """A measure's chart and alt text, built once per data, ward, rebase and target.

    cache_resource keeps the Figure itself: st.plotly_chart re-validates a figure given as a dict,
    which costs as much as building it. The figure is never changed after it is built.
    """
    fig, alt = measure_figure(_series, _ward_name, _events, target)
    return freeze(fig), alt


@st.cache_resource(max_entries=64, show_spinner=False)
def _aspects_figure(key: str, _aspects: pd.DataFrame, name: str):
    fig, alt = aspects_figure(_aspects, name)
    return freeze(fig), alt


SPC_COLUMNS = {
    "average": "centre",
    "lower_limit": "lower",
    "upper_limit": "upper",
    "trial_limits": "trial_limits",
    "variation": "variation",
    "rule": "rule",
}


def _drawn(series, ward_name: str, events, target, classified: pd.DataFrame):
    """A measure's chart drawn from a classified chart (for its picture, from the published counts)."""
    return measure_figure(replace(series, classified=classified), ward_name, events, target)[0]


def _chart(run: Run, fig, alt: str, data: pd.DataFrame, name: str, counts=(), rates=None, spc=None) -> None:
    """ui.show.chart with this run's stamp (made once for the page's 13 charts). A measure's chart (`spc`): a
    month whose count is hidden shows none of its other figures, and the average, limits and colours that leave
    are worked out again from the published counts (analysis.charts.published)."""
    keep = ("month", "trial_limits") if spc is not None else None
    one = spc is not None  # a measure's months on one ward are single ward-months; the survey's returns are totals
    show.chart(fig, alt, data, name, run.view, counts, rates, keep=keep, spc=spc, provenance=run.stamp(), units=one)


def ward_from_url(options: list[str]) -> None:
    """Set the ward widget from a link (?profile_ward=W03) when it asks for a ward not yet acted on;
    otherwise keep the widget, or the ward last shown (widget state is dropped on a page switch)."""
    asked = st.query_params.get(WARD_KEY)
    last = st.session_state.get(SEEN_KEY)
    if asked in options and asked != last:
        st.session_state[WARD_KEY] = asked
    elif st.session_state.get(WARD_KEY) not in options:
        st.session_state[WARD_KEY] = last if last in options else options[0]


def icon_block(icon: dict, size: int = 56) -> str:
    """An icon beside its label in bold, as HTML."""
    svg = icon["svg"].replace('width="48" height="48"', f'width="{size}" height="{size}"')
    return (
        f'<div style="display:flex;gap:0.75rem;align-items:center;margin:0.25rem 0">'
        f'<div style="flex-shrink:0">{svg}</div>'
        f'<div style="font-size:1.05rem;line-height:1.35"><strong>{escape(icon["label"])}</strong></div></div>'
    )


def strip(profile) -> None:
    """One icon per measure with its plain label, in a wrapped grid."""
    cells = []
    for s in profile.series:
        svg = s.icon["svg"].replace('width="48" height="48"', 'width="44" height="44"')
        title, _, said = s.strip_label.partition(": ")
        cells.append(
            f'<div style="display:flex;gap:0.6rem;align-items:center;padding:0.5rem 0.6rem;border:1px solid #E8EDEE;'
            f'border-radius:6px;background:#FFFFFF"><div style="flex-shrink:0">{svg}</div>'
            f'<div style="font-size:1.05rem;line-height:1.3">'
            f"<strong>{escape(title)}</strong><br>{escape(said)}</div></div>"
        )
    st.markdown(
        '<div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:0.6rem">'
        + "".join(cells)
        + "</div>",
        unsafe_allow_html=True,
    )


def header(profile) -> None:
    """The ward's name, then its facts on one line."""
    st.header(literal(ward_label(profile.ward)))
    st.markdown(words.facts_line(profile.ward))


def measure(run: Run, s, profile, key: str) -> None:
    """One measure: its chart beside its variation icon, a target box and, with a target, the assurance icon."""
    m = s.measure
    st.markdown(f"### {literal(m.title)}")  # h3 under the page's h2 (accessibility: no skipped level)
    chart_col, side = st.columns([3, 1], gap="medium")
    with side:
        st.markdown(icon_block(s.icon), unsafe_allow_html=True)
        st.caption(literal(s.icon["description"]))
        target = st.number_input(
            "Target (optional)",
            value=None,
            key=TARGET_KEY.format(m.key),
            placeholder="No target",
            help=target_help(m),
            step=0.1,
            format="%.2f",
        )
        if target is not None:
            a = assurance_icon(s.classified, float(target))
            st.markdown(icon_block(a), unsafe_allow_html=True)
            st.caption(literal(a["description"]))
    with chart_col:
        fig, alt = _figure(
            key, m.key, None if target is None else float(target), s, ward_label(profile.ward), profile.events
        )
        spc = Rechart(
            s.classified,
            SPC_COLUMNS,
            draw=partial(_drawn, s, ward_label(profile.ward), profile.events, target),
            count=m.key if m.chart == "u" else None,
            exposure=EXPOSURE if m.chart == "u" else None,
            value=m.key if m.chart != "u" else None,
            labels=MDC_LABELS,
        )
        _chart(run, fig, alt, s.table, f"ward_{profile.ward['ward_id']}_{m.key}", s.counts, s.rates, spc=spc)
    if m.key in gchart.ASSAULTS and "count" in s.classified:  # few assaults: the days between them (issue 12)
        with guarded("charting the days between assaults", TODO):
            gchart.section(run.view, profile.ward["ward_id"], ward_label(profile.ward), m.key, s.classified["count"])


def survey(run: Run, ward_id: str, name: str) -> None:
    """The ward's co-production survey by aspect: the sentence, the table with each aspect's trend, the chart."""
    st.subheader("Co-production survey by aspect: patients and staff")
    aspects = analysed(survey_aspects, run.view, ward_id)
    if not has_survey(aspects):
        show.needs(*words.no_survey_words(name))
        return
    st.markdown(f"**{literal(aspects_sentence(aspects, name))}**")
    trend_cols = {
        f"{g}_trend": st.column_config.LineChartColumn(f"{g.capitalize()}: every survey", y_min=0, y_max=100)
        for g in ("patients", "staff")
    }
    st.dataframe(
        aspects[words.SURVEY_SHOWN],
        hide_index=True,
        width="stretch",
        column_config={
            "aspect": "Aspect",
            "patients_latest": st.column_config.NumberColumn("Patients: latest", format="%.1f"),
            "patients_change_over_year": st.column_config.NumberColumn(
                "Patients: latest survey minus one a year before", format="%+.1f"
            ),
            "staff_latest": st.column_config.NumberColumn("Staff: latest", format="%.1f"),
            "staff_change_over_year": st.column_config.NumberColumn(
                "Staff: latest survey minus one a year before", format="%+.1f"
            ),
            "gap_patients_minus_staff": st.column_config.NumberColumn("Gap (patients minus staff)", format="%+.1f"),
            **trend_cols,
        },
    )
    st.caption(words.survey_caption(aspects))
    fig, alt = _aspects_figure(f"{data_key(run.view)}|{carry_forward()}|{ward_id}", aspects, name)
    table = aspects.drop(columns=words.SURVEY_TRENDS)
    _chart(run, fig, alt, table, f"ward_{ward_id}_survey_aspects", counts=["patients_returns", "staff_returns"])


def chart_tabs(run: Run, profile, fig_key: str) -> None:
    """The charts in tabs: the four key charts first, every other measure one click away (13 charts one
    under another made the page about 12,000 pixels long)."""
    key, groups = words.chart_groups(profile)
    tabs = st.tabs(words.tab_labels(groups))
    with tabs[0]:
        st.caption(words.KEY_CHARTS_NOTE)
        for s in key:
            with guarded(f"drawing {s.measure.title}", TODO):
                measure(run, s, profile, fig_key)
    for tab, (_group, members) in zip(tabs[1:], groups):
        with tab:
            for s in members:
                with guarded(f"drawing {s.measure.title}", TODO):
                    measure(run, s, profile, fig_key)
    with tabs[-1], guarded("summarising the survey", TODO):
        survey(run, profile.ward["ward_id"], ward_label(profile.ward))


def one_page_buttons(run: Run, profile) -> None:
    """Download the one-page summary (A4 landscape PDF, or HTML): protected like every export, made on click."""
    view = run.view
    ward_id = profile.ward["ward_id"]
    args = (
        panel_of(view),
        profile,
        show.disclosure_rule(),
        view.data.table("measures"),
        analysed(survey_aspects, view, ward_id),
        run.stamp(),
    )
    c1, c2, _ = st.columns([1, 1, 2])
    help_text = words.ONE_PAGE_HELP + show.inside_and_outside()
    for where, label, make, ext, mime in (
        (c1, "One-page summary (PDF)", one_page_files.pdf_bytes, "pdf", "application/pdf"),
        (c2, "One-page summary (HTML)", one_page_files.html_bytes, "html", "text/html"),
    ):
        show.download_button(
            label,
            partial(make, *args),
            file_name=f"ward_summary_{ward_id}.{ext}",
            where=where,
            mime=mime,
            key=f"one_page_{ext}",
            icon=":material/print:",
            on_click="ignore",
            help=help_text,
        )


def year_on_year(said: tuple[str, str] | None) -> None:
    """The year-on-year lines and their caption (nothing when the ward is not in the comparison)."""
    if said is None:
        return
    block, caption = said
    st.markdown(block)
    st.caption(caption)

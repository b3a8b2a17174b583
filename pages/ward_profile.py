"""Ward profile: one ward on one page, for the screen in a ward meeting.

Every measure as an SPC chart (events marked, limits recalculated at events), a strip of variation
icons with plain labels, an optional target per measure for the assurance icon, and the ward's
co-production survey by aspect (patients against staff).

Shareable link: the ward is the query parameter ``profile_ward`` (``?profile_ward=W03``). The
sidebar's ``ward`` parameter is the wards *filter*, so it is not reused here; a link with
``?ward=W03`` still opens W03, because the filter then leaves only that ward to choose.
"""

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
from analysis.text import literal, plural
from analysis.wards.change import comparison_sentence, interval_methods, year_on_year
from analysis.wards.one_page import key_series
from analysis.wards.profile import (
    EXPOSURE,
    GROUPS,
    convention_text,
    summary_table,
    target_help,
    ward_label,
    ward_profile,
)
from analysis.wards.survey import aspects_sentence, has_survey, survey_aspects
from ui import annotations, gchart, settings, show
from ui import one_page as one_page_files
from ui.cache import analysed, carry_forward, data_key, freeze
from ui.cache import panel as panel_of
from ui.filters import chosen_period, every_month
from ui.frame import current_view, filter_caption
from ui.safe import guarded

WARD_KEY = "profile_ward"  # widget key, and the query parameter it is shared as
SEEN_KEY = "_profile_ward_seen"  # the ward last shown: kept across page switches, and the URL value acted on
REBASE_KEY = "profile_rebase"
TARGET_KEY = "profile_target_{}"
TODO = "Choose another ward, or check this ward's figures on the Data page."


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


def _chart(fig, alt: str, data: pd.DataFrame, name: str, counts=(), rates=None, spc=None) -> None:
    """ui.show.chart with this run's stamp (made once for the page's 13 charts). A measure's chart (`spc`): a
    month whose count is hidden shows none of its other figures, and the average, limits and colours that leave
    are worked out again from the published counts (analysis.charts.published)."""
    keep = ("month", "trial_limits") if spc is not None else None
    show.chart(fig, alt, data, name, view, counts, rates, keep=keep, spc=spc, provenance=_stamp())


_STAMPS: list[dict[str, str]] = []  # this run's export stamp (the page's module runs afresh on every rerun)


def _stamp() -> dict[str, str]:
    """The export stamp of this run: the same for every chart on the page, so made once per run."""
    if not _STAMPS:
        _STAMPS.append(show.stamp(view))
    return _STAMPS[0]


def _summary(panel: pd.DataFrame, ward_id: str, events, rebase: bool, catalogue, run_length: int = 7):
    """The profile's summary table (cached with the profile's own arguments)."""
    return summary_table(
        ward_profile(panel, ward_id, events=events, rebase=rebase, catalogue=catalogue, run_length=run_length)
    )


def _ward_from_url(options: list[str]) -> None:
    """Set the ward widget from a link (?profile_ward=W03) when it asks for a ward not yet acted on;
    otherwise keep the widget, or the ward last shown (widget state is dropped on a page switch)."""
    asked = st.query_params.get(WARD_KEY)
    last = st.session_state.get(SEEN_KEY)
    if asked in options and asked != last:
        st.session_state[WARD_KEY] = asked
    elif st.session_state.get(WARD_KEY) not in options:
        st.session_state[WARD_KEY] = last if last in options else options[0]


def _icon_block(icon: dict, size: int = 56) -> str:
    svg = icon["svg"].replace('width="48" height="48"', f'width="{size}" height="{size}"')
    return (
        f'<div style="display:flex;gap:0.75rem;align-items:center;margin:0.25rem 0">'
        f'<div style="flex-shrink:0">{svg}</div>'
        f'<div style="font-size:1.05rem;line-height:1.35"><strong>{escape(icon["label"])}</strong></div></div>'
    )


def _strip(profile) -> None:
    """One icon per measure with its plain label, in a wrapped grid."""
    cells = []
    for s in profile.series:
        svg = s.icon["svg"].replace('width="48" height="48"', 'width="44" height="44"')
        title, _, words = s.strip_label.partition(": ")
        cells.append(
            f'<div style="display:flex;gap:0.6rem;align-items:center;padding:0.5rem 0.6rem;border:1px solid #E8EDEE;'
            f'border-radius:6px;background:#FFFFFF"><div style="flex-shrink:0">{svg}</div>'
            f'<div style="font-size:1.05rem;line-height:1.3">'
            f"<strong>{escape(title)}</strong><br>{escape(words)}</div></div>"
        )
    st.markdown(
        '<div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:0.6rem">'
        + "".join(cells)
        + "</div>",
        unsafe_allow_html=True,
    )


def _header(profile) -> None:
    w = profile.ward
    st.header(literal(ward_label(w)))
    # one line, not four big counters: at 900 px the counters cut "Admission" to "Admi..." (a new user's walk)
    n = (w["last_month"].year - w["first_month"].year) * 12 + w["last_month"].month - w["first_month"].month + 1
    facts = [
        f"{literal(str(w['service']).capitalize())} service" if w["service"] else "service not given",
        f"{literal(str(w['security_level']).capitalize())} secure" if w["security_level"] else "security not given",
        plural(int(w["beds"]), "bed") if w["beds"] is not None else "beds not given",
        f"{plural(n, 'month')} ({w['first_month']:%b %Y} to {w['last_month']:%b %Y})",
    ]
    st.markdown(" · ".join(facts))


def _measure(s, profile, key: str) -> None:
    m = s.measure
    st.markdown(f"### {literal(m.title)}")  # h3 under the page's h2 (accessibility: no skipped level)
    chart_col, side = st.columns([3, 1], gap="medium")
    with side:
        st.markdown(_icon_block(s.icon), unsafe_allow_html=True)
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
            st.markdown(_icon_block(a), unsafe_allow_html=True)
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
        _chart(fig, alt, s.table, f"ward_{profile.ward['ward_id']}_{m.key}", s.counts, s.rates, spc=spc)
    if m.key in gchart.ASSAULTS and "count" in s.classified:  # few assaults: the days between them (issue 12)
        with guarded("charting the days between assaults", TODO):
            gchart.section(view, profile.ward["ward_id"], ward_label(profile.ward), m.key, s.classified["count"])


def _survey(ward_id: str, name: str) -> None:
    st.subheader("Co-production survey by aspect: patients and staff")
    aspects = analysed(survey_aspects, view, ward_id)
    if not has_survey(aspects):
        show.needs(
            "co-production survey returns (or a co-production scores table) for this ward.",
            f"There are no co-production survey scores for {literal(name)} in the months shown.",
        )
        return
    st.markdown(f"**{literal(aspects_sentence(aspects, name))}**")
    trend_cols = {
        f"{g}_trend": st.column_config.LineChartColumn(f"{g.capitalize()}: every survey", y_min=0, y_max=100)
        for g in ("patients", "staff")
    }
    shown = [
        "aspect",
        "patients_latest",
        "patients_change_over_year",
        "patients_trend",
        "staff_latest",
        "staff_change_over_year",
        "staff_trend",
        "gap_patients_minus_staff",
    ]
    st.dataframe(
        aspects[shown],
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
    st.caption(
        "Scores are out of 100 on the working instrument (not a validated scale). Latest survey: patients "
        f"{aspects['patients_latest_month'].iloc[0] or 'none'}, staff {aspects['staff_latest_month'].iloc[0] or 'none'}. "
        "The change compares the latest survey with the one nearest to 12 months before it: one survey each, "
        "so it moves a lot from survey to survey. Whether scores are rising is answered at the top of the "
        "page, from every survey in the two years, with its 95% confidence interval."
    )
    fig, alt = _aspects_figure(f"{data_key(view)}|{carry_forward()}|{ward_id}", aspects, name)
    table = aspects.drop(columns=["patients_trend", "staff_trend"])
    _chart(fig, alt, table, f"ward_{ward_id}_survey_aspects", counts=["patients_returns", "staff_returns"])


def _chart_tabs(profile, fig_key: str) -> None:
    """The charts in tabs: the four key charts first, every other measure one click away (13 charts one
    under another made the page about 12,000 pixels long)."""
    key = key_series(profile)
    keys = {s.measure.key for s in key}
    groups = [(g, [s for s in profile.series if s.measure.group == g and s.measure.key not in keys]) for g in GROUPS]
    groups = [(g, members) for g, members in groups if members]
    labels = ["Key charts"] + [f"{g} ({len(members)})" for g, members in groups] + ["Survey by aspect"]
    tabs = st.tabs(labels)
    with tabs[0]:
        st.caption(
            "Assaults on staff, restraints, co-production as patients see it and the main recovery measure. "
            "The other measures are in the next tabs."
        )
        for s in key:
            with guarded(f"drawing {s.measure.title}", TODO):
                _measure(s, profile, fig_key)
    for tab, (_group, members) in zip(tabs[1:], groups):
        with tab:
            for s in members:
                with guarded(f"drawing {s.measure.title}", TODO):
                    _measure(s, profile, fig_key)
    with tabs[-1], guarded("summarising the survey", TODO):
        _survey(profile.ward["ward_id"], ward_label(profile.ward))


def _one_page_buttons(view, profile) -> None:
    """Download the one-page summary (A4 landscape PDF, or HTML): protected like every export, made on click."""
    ward_id = profile.ward["ward_id"]
    args = (
        panel_of(view),
        profile,
        show.disclosure_rule(),
        view.data.table("measures"),
        analysed(survey_aspects, view, ward_id),
        _stamp(),
    )
    c1, c2, _ = st.columns([1, 1, 2])
    help_text = (
        "One A4 landscape page for the ward meeting: the three answers, this ward's icons, four key charts, "
        "talking groups and the survey by aspect. " + show.inside_and_outside()
    )
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


def _year_on_year(view, ward_id: str) -> None:
    """Rising? Improving? The ward's chosen period against a year earlier, with their intervals.

    The earlier months are usually outside the chosen period, so the comparison reads every month of the
    chosen wards (`every_month`) and is told the period (`chosen_period`)."""
    wide, period = every_month(view), chosen_period(view)
    patients = analysed(year_on_year, wide, **period).set_index("ward_id")  # assaults and patient-rated
    staff = analysed(
        year_on_year, wide, score="coproduction_staff_overall", carried="coproduction_staff_months_carried", **period
    ).set_index("ward_id")
    if ward_id not in patients.index:
        return
    lines = [
        f"- **Assaults on staff:** {patients.at[ward_id, 'assaults_words']}",
        f"- **Patient-rated co-production:** {patients.at[ward_id, 'score_words']}",
    ]
    if ward_id in staff.index:
        lines.append(f"- **Staff-rated co-production:** {staff.at[ward_id, 'score_words']}")
    st.markdown(f"**Year on year: {literal(patients.attrs['compared'])}**\n\n" + "\n".join(lines))
    st.caption(
        literal(comparison_sentence(patients)) + " 'Not a clear change' means the interval includes no change. "
        "One ward on its own: anything that changed on the ward could be the reason. "
        + literal(interval_methods(patients.loc[ward_id]))
    )


view = current_view()
st.title("Ward profile")
filter_caption(view)

with guarded("choosing the ward", TODO):
    wards = view.data.table("wards")
    months = view.data.table("ward_months")
    with_data = set(months["ward_id"].astype(str).unique()) if len(months) else set()  # each ward once, not each row
    options = [str(w) for w in sorted(wards["ward_id"].astype(str)) if str(w) in with_data]
    names = {
        str(r.ward_id): f"{r.ward_id} {r.ward_name}" if pd.notna(r.ward_name) else str(r.ward_id)
        for r in wards.itertuples(index=False)
    }
    if not options:
        show.needs(
            "monthly figures (the ward months table) for at least one ward.",
            "No ward in the current filters has monthly figures.",
        )
        st.stop()
    _ward_from_url(options)
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    ward_id = c1.selectbox(
        "Ward",
        options,
        key=WARD_KEY,
        format_func=lambda w: names.get(w, w),
        help=f"A link to this page can choose the ward: ?{WARD_KEY}=W01",
    )
    st.query_params[WARD_KEY] = ward_id
    st.session_state[SEEN_KEY] = ward_id
    rebase = c2.toggle(
        "Recalculate limits at events",
        value=True,
        key=REBASE_KEY,
        help="Start new limits from the month a change happened on the ward (talking groups "
        "started, an intervention, a change such as a refurbishment or a new manager).",
    )

profile = None
with guarded("building the ward profile", TODO):
    profile = analysed(
        ward_profile,
        view,
        ward_id,
        events=view.data.table("events"),
        rebase=rebase,
        catalogue=view.data.table("measures"),
        run_length=settings.run_length(),
    )

if profile is not None:
    _header(profile)
    st.markdown(show.answer_markdown(literal(profile.sentence)))
    with guarded("comparing with a year earlier", TODO):
        _year_on_year(view, ward_id)
    _strip(profile)
    with st.expander("How to read these charts"):
        st.markdown(convention_text(shift=settings.run_length()))
        st.markdown(
            "Icons: **H** / **L** mean the latest month is unusually high / low; blue is improvement, "
            "orange is concern, purple is neither, grey is no significant change. With a target, "
            "**P** means it is consistently met, **F** consistently missed, **?** hit and miss."
        )
        if len(profile.events):
            ev = profile.events.assign(date=profile.events["date"].map(lambda d: f"{d.day} {d:%b %Y}"))
            st.markdown("**Events marked on the charts** (hospital-wide events included):")
            st.dataframe(ev, hide_index=True, width="stretch")
        st.dataframe(
            analysed(
                _summary,
                view,
                ward_id,
                events=view.data.table("events"),
                rebase=rebase,
                catalogue=view.data.table("measures"),
                run_length=settings.run_length(),
            ),
            hide_index=True,
            width="stretch",
        )
    annotations.events_section(view.dataset, ward_id)
    if profile.not_recorded:
        st.caption("Not recorded on this ward: " + ", ".join(literal(m) for m in profile.not_recorded) + ".")
    fig_key = f"{data_key(view)}|{carry_forward()}|{profile.ward['ward_id']}|{rebase}"
    with guarded("preparing the one-page summary", TODO):
        _one_page_buttons(view, profile)
    _chart_tabs(profile, fig_key)

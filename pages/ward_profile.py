"""Ward profile: one ward on one page, for the screen in a ward meeting.

Every measure as an SPC chart (events marked, limits recalculated at events), a strip of variation
icons with plain labels, an optional target per measure for the assurance icon, and the ward's
co-production survey by aspect (patients against staff).

Shareable link: the ward is the query parameter ``profile_ward`` (``?profile_ward=W03``). The
sidebar's ``ward`` parameter is the wards *filter*, so it is not reused here; a link with
``?ward=W03`` still opens W03, because the filter then leaves only that ward to choose.
"""

from __future__ import annotations

import streamlit as st

from analysis.text import literal
from analysis.wards.change import year_on_year
from analysis.wards.profile import convention_text, ward_profile
from analysis.wards.profile_page import (
    ICONS_TEXT,
    NO_MONTHS,
    TODO,
    events_shown,
    not_recorded_words,
    profile_summary,
    ward_choices,
    year_on_year_words,
)
from ui import annotations, settings, show
from ui import ward_profile as draw
from ui.cache import analysed, carry_forward, data_key
from ui.filters import chosen_period, every_month
from ui.frame import current_view, filter_caption
from ui.safe import guarded
from ui.ward_profile import SEEN_KEY, WARD_KEY

REBASE_KEY = "profile_rebase"

view = current_view()
run = draw.Run(view)
st.title("Ward profile")
filter_caption(view)

with guarded("choosing the ward", TODO):
    options, names = ward_choices(view.data.table("wards"), view.data.table("ward_months"))
    if not options:
        show.needs(*NO_MONTHS)
        st.stop()
    draw.ward_from_url(options)
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
    draw.header(profile)
    st.markdown(show.answer_markdown(literal(profile.sentence)))
    with guarded("comparing with a year earlier", TODO):
        # Rising? Improving? The chosen period against a year earlier, with their intervals. The earlier months are
        # usually outside the chosen period: every month of the chosen wards (`every_month`), told the period.
        wide, period = every_month(view), chosen_period(view)
        patients = analysed(year_on_year, wide, **period).set_index("ward_id")  # assaults and patient-rated
        staff = analysed(
            year_on_year,
            wide,
            score="coproduction_staff_overall",
            carried="coproduction_staff_months_carried",
            **period,
        ).set_index("ward_id")
        draw.year_on_year(year_on_year_words(patients, staff, ward_id))
    draw.strip(profile)
    with st.expander("How to read these charts"):
        st.markdown(convention_text(shift=settings.run_length()))
        st.markdown(ICONS_TEXT)
        if len(profile.events):
            st.markdown("**Events marked on the charts** (hospital-wide events included):")
            st.dataframe(events_shown(profile.events), hide_index=True, width="stretch")
        st.dataframe(
            analysed(
                profile_summary,
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
        st.caption(not_recorded_words(profile.not_recorded))
    fig_key = f"{data_key(view)}|{carry_forward()}|{profile.ward['ward_id']}|{rebase}"
    with guarded("preparing the one-page summary", TODO):
        draw.one_page_buttons(run, profile)
    draw.chart_tabs(run, profile, fig_key)

"""The dashboard's entry: page settings, sign-in, the shared frame (banner, filters) and the navigation.

Run with `make app` (or `streamlit run dashboard.py`). Pages are listed here with st.navigation;
the pages/ folder's automatic page list is therefore off.
"""

import streamlit as st

# Only Streamlit and the standard library until the Overview's first paint (ui/first_paint.py): on a session's
# first run its answers are on screen before pandas and the rest are imported, below.
from ui import auth, first_paint, frame

frame.configure_page()
if not first_paint.first_run():  # a first run's address is its filters already
    from ui.filters import keep_filters_in_url

    keep_filters_in_url()  # before st.navigation writes the page's address: a page switch keeps the filters in it

OVERVIEW = st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True)
PAGES = {
    "": [OVERVIEW],  # a link of its own
    "Questions": [
        st.Page("pages/coproduction.py", title="Co-production (Q1)", icon=":material/handshake:"),
        st.Page("pages/assaults.py", title="Assaults on staff (Q2)", icon=":material/health_and_safety:"),
        st.Page("pages/recovery.py", title="Recovery (Q3)", icon=":material/trending_up:"),
        st.Page("pages/talking_groups.py", title="Talking groups", icon=":material/forum:"),
        st.Page("pages/social_distance.py", title="Reduced social distance", icon=":material/diversity_3:"),
    ],
    "Wards": [st.Page("pages/ward_profile.py", title="Ward profile", icon=":material/bed:")],
    "Research": [
        st.Page("pages/model_builder.py", title="Model builder", icon=":material/functions:"),
        st.Page("pages/study_planner.py", title="Study planner", icon=":material/event_note:"),
    ],
    "Meeting": [st.Page("pages/steering_pack.py", title="Steering group pack", icon=":material/description:")],
    "Data": [st.Page("pages/data.py", title="Data", icon=":material/database:")],
}
# Signed out (when sign-in is set up): the sign-in screen only, at every page's address, before any data are read.
identity = auth.gate(PAGES)
# The pages in the header, a menu per section: the sidebar then holds only the filters, so the period control is
# in view without scrolling on a 900 px screen (ten page links above it pushed it below the fold).
page = st.navigation(PAGES, position="top")
early = first_paint.early(page is OVERVIEW)
frame.set_icon()

from analysis.data.filters import Filters  # noqa: E402
from ui import settings  # noqa: E402
from ui.data import current_dataset  # noqa: E402
from ui.filters import apply_filters, sidebar_filters  # noqa: E402
from ui.safe import guarded  # noqa: E402

with guarded("preparing the data", "Open the Data page to check which data the app is using."):
    dataset = current_dataset()
    if not early:  # drawn early with the Overview's answers
        frame.banner(dataset)
    filters = Filters()
    with st.sidebar, guarded("drawing the filters", "Clear the filters or reload the page."):
        filters = sidebar_filters(dataset)
    frame.set_view(frame.View(dataset, filters, apply_filters(dataset, filters)))
with st.sidebar, guarded("reading the settings", "Reload the page."):
    settings.sidebar_settings()  # the SPC run length, saved for the hospital (ui/settings.py)
with st.sidebar:
    auth.sidebar(identity)  # who is signed in and the sign-out button, or that sign-in is off

page.run()

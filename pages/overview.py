"""The landing page: which data are loaded, and the three questions as the way in."""
import streamlit as st

from ui.frame import APP_TITLE, current_view, filter_caption, period_text
from ui.safe import guarded

QUESTIONS = (
    ("pages/coproduction.py", "1. Can co-production exist in secure settings?",
     "How much co-production there is on each ward, as patients and as staff see it."),
    ("pages/assaults.py", "2. Can co-production reduce assaults on staff?",
     "Assaults per 1,000 occupied bed days against each ward's co-production."),
    ("pages/recovery.py", "3. Can co-production enhance recovery?",
     "Ward recovery measures against co-production over time."),
)

view = current_view()
st.title(APP_TITLE)
st.markdown(
    "Co-production is the sharing of power and trust between staff and detained patients. This dashboard "
    "asks whether it can work under compulsion, using ward-level figures only."
)

with guarded("summarising the data", "Check the data on the Data page."):
    data = view.data
    wards = data.table("wards")
    st.subheader("The data")
    filter_caption(view)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Wards", len(wards))
    c2.metric("Months", data.table("ward_months")["month"].nunique())
    c3.metric("Ward months", len(data.table("ward_months")))
    c4.metric("Survey returns", len(data.table("coproduction_responses")))
    if len(wards):
        services = ", ".join(sorted(wards["service"].dropna().astype(str).unique()))
        st.markdown(f"**{view.dataset.label}**: {len(wards)} wards ({services}), **{period_text(data)}**.")
        with st.expander("Wards in view"):
            cols = [c for c in ("ward_id", "ward_name", "service", "security_level", "beds") if c in wards]
            st.dataframe(wards[cols], hide_index=True, width="stretch")
    else:
        st.info("No wards match the filters. Clear the filters in the sidebar to see every ward.")

st.subheader("The three questions")
for path, question, line in QUESTIONS:
    st.page_link(path, label=question)
    st.caption(line)
st.subheader("And next")
st.page_link("pages/talking_groups.py", label="Talking groups (ward community meetings)")
st.caption("What happened on wards after talking groups began, and the reduced social distance they ask of staff.")
st.page_link("pages/data.py", label="Data: upload your hospital's figures, check them, import them")

"""Question 1: can co-production exist in secure settings?"""

import pandas as pd
import streamlit as st

from analysis.charts import coproduction as C
from analysis.charts.style import alt_text
from analysis.data.reference import INSTRUMENT_STATUS
from analysis.overview.confidence import confidence_parts
from analysis.panel.scoring import carry_forward_rule
from analysis.questions.coproduction import existence as E
from analysis.questions.coproduction import view as V
from analysis.questions.coproduction.groups import group_differences
from analysis.questions.glossary import terms_in
from analysis.questions.verdicts import figure_words, presence_verdict, shortfall
from analysis.stats.reliability import item_total, reliability_table
from analysis.stats.results import LevelsDiagnostics
from analysis.text import fmt_number, literal, plural, uk_months
from ui import cache, show
from ui.frame import current_view, filter_caption
from ui.safe import guarded

WHO = {"patient": "Patients", "staff": "Staff", "both": "Both (combined)"}
BY = {"ward": "Ward", "service": "Service", "security_level": "Security level"}
NEEDS = (
    "co-production survey returns (coproduction_responses, one row per return with the instrument's items) "
    "or ward scores (coproduction_scores), for the wards and months in view."
)


def _store_carry_forward() -> None:
    st.session_state[cache.CARRY_FORWARD_KEY] = int(st.session_state["cp_carry_forward"])


@st.cache_data(max_entries=32, show_spinner=False)
def _reliability(key: str, _responses: pd.DataFrame, _instrument: pd.DataFrame):
    return reliability_table(_responses, _instrument), item_total(_responses, _instrument)


def show_glossary(words: dict[str, str]) -> None:
    """The glossary entries a section's words use (analysis.questions.glossary), as a short list."""
    if words:
        st.markdown("**Words used here**")
        st.markdown("\n".join(f"- **{literal(t)}**: {literal(m)}" for t, m in words.items()))


def _round(df: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    num = df.select_dtypes("number").columns
    return df.assign(**{c: df[c].round(digits) for c in num if not c.startswith("n_")})


st.title("Co-production (Q1)")
view = current_view()
filter_caption(view)

panel = None
with guarded("building the ward-month panel", "Check the data on the Data page."):
    panel = cache.panel(view)
if panel is None:
    st.stop()
score_cols = [c for c in ("coproduction_patient_overall", "coproduction_staff_overall") if c in panel.columns]
if not len(panel) or not any(panel[c].notna().any() for c in score_cols):
    show.needs(NEEDS, "There are no co-production scores for the wards and months in view.")
    st.stop()

# ---------------------------------------------------------------- the answer first: the Overview's verdict
with guarded("answering the question"):
    res = cache.analysed(E.answer_q1, view)
    h = res.headline
    levels_found = res.diagnostics_as(LevelsDiagnostics)
    counts = levels_found.band_counts if levels_found else {}
    who = "staff" if h is not None and "staff" in h.name else "patient"
    col = f"coproduction_{who}_overall"
    months = int(panel.loc[panel[col].notna(), "month"].nunique()) if col in panel.columns else None
    level, sure, _ = confidence_parts(res, months)
    verdict = presence_verdict(res, level, shortfall(res.n_wards, months), counts)
    with st.container(key="verdict_q1"):
        st.markdown(f"**{literal(verdict.text)}.** Can co-production exist in secure settings?")
    st.markdown(f"How sure: **{literal(level.lower())}**" + (f" ({literal(sure)})" if sure else ""))
    plain = " ".join(p for p in (V.band_figure_words(counts, who), figure_words(res, "co-production")) if p)
    if plain and level != "Not enough data":
        st.markdown(literal(plain.rstrip(".") + "."))
    # said once, here, where the score is first shown
    st.caption(
        "The scores come from this product's working instrument, not validated: a questionnaire written for "
        "this dashboard from the four core aspects of co-production. Its reliability is checked below from "
        "your own returns, but it has not been tested against other measures, so read the scores as a guide."
    )
    for w in res.warnings:
        st.warning(literal(w), icon=":material/warning:")
    with st.expander("For researchers: the exact figures, the model and the words used"):
        notes = [res.sentence]
        if h is not None and pd.notna(h.ci_low) and pd.notna(h.ci_high):
            notes.append(
                f"{h.name[:1].upper()}{h.name[1:]}: {fmt_number(h.estimate)} "
                f"(95% CI {fmt_number(h.ci_low)} to {fmt_number(h.ci_high)})."
            )
        notes += [c for c in res.caveats if c not in (INSTRUMENT_STATUS, E.BAND_NOTE) and c not in res.sentence]
        notes.append(f"How sure: {level} by the rule in the methods document.")
        for note in notes:
            st.markdown(literal(note))
        st.markdown(
            f"**Model:** {literal(res.family or 'summary')}. **Method:** {literal(res.method.rstrip('.'))}.  \n"
            f"**Data:** {plural(res.n_wards, 'ward')}, {plural(res.n_obs, 'observation')}."
        )
        if len(res.estimates):
            st.dataframe(res.estimates, hide_index=True, width="stretch")
        show_glossary(terms_in(*notes, res.method))
st.markdown(
    "How much co-production there is on each ward, as patients and as staff see it, how steady the measure is, "
    "and whether patients and staff agree."
)

# ---------------------------------------------------------------- controls
st.header("Explore the scores")
c1, c2, c3 = st.columns([1.6, 1.4, 1.4])
respondent = c1.radio("Whose view", list(WHO), format_func=WHO.get, horizontal=True, key="cp_respondent")
aspect = c2.selectbox("Aspect", list(V.ASPECT_LABELS), format_func=V.ASPECT_LABELS.get, key="cp_aspect")
months = c3.slider(
    "Carry a survey's scores forward for (months)",
    0,
    6,
    value=cache.carry_forward(),
    key="cp_carry_forward",
    on_change=_store_carry_forward,
    help="How long a survey stands for the months after it. The same setting is used on every page.",
)
st.caption(
    f"**Carry-forward rule:** {carry_forward_rule(months)} Levels, bands and agreement on this page use "
    "survey months only, so a survey is never counted twice; the carried months fill the monthly panel "
    "(and the combined patients-and-staff score) that the models on other pages use."
)
if respondent == "both" and aspect != "overall":
    st.info(
        "The combined patients-and-staff score exists for the overall index only, so the overall index is "
        "shown. Choose Patients or Staff to see one aspect.",
        icon=":material/info:",
    )
    aspect = "overall"
what = f"{V.ASPECT_LABELS[aspect].lower()}, as {V.WHO[respondent]} rate it"

# ---------------------------------------------------------------- levels over time
st.header("Levels over time")
by = st.radio("Show by", list(BY), format_func=BY.get, horizontal=True, key="cp_by")
with guarded("drawing the levels over time"):
    tidy = cache.analysed(V.levels_over_time, view, respondent, aspect, by)
    if not len(tidy):
        st.info(f"No survey scores for {what}.", icon=":material/info:")
    else:
        fig = cache.figure(C.levels_over_time_figure, view, tidy, respondent, aspect, by)
        table = _round(tidy).assign(quarter=uk_months(tidy["quarter"])).rename(columns={"group": BY[by].lower()})
        show.chart(fig, alt_text(fig), table, f"coproduction_over_time_by_{by}", view)
        if by != "ward":
            diff = cache.analysed(group_differences, view, by=by, respondent=respondent, aspect=aspect)
            st.markdown(literal(diff.sentence))
            for w in diff.warnings:
                st.warning(literal(w), icon=":material/warning:")
            if diff.caveats:
                st.caption(literal(" ".join(diff.caveats)))
            if diff.headline is not None:
                show.details(diff)  # the F test's degrees of freedom and the all-pairs interval, for researchers
        lv = cache.analysed(E.levels, view, respondent, aspect, by)
        with st.expander(f"Average per {BY[by].lower()} over all survey months, with 95% CI"):
            st.caption(
                "By ward: the ward's mean over its survey months (CI across those months). By service or "
                "security level: each ward's mean, then the mean across the wards (CI across wards)."
            )
            lv_table = _round(lv)
            st.dataframe(lv_table, hide_index=True, width="stretch")
            show.download(lv_table, f"coproduction_levels_by_{by}", view)

# ---------------------------------------------------------------- the four aspects
st.header("The four core aspects, patients and staff side by side")
with guarded("comparing the four aspects"):
    aspects = cache.analysed(V.aspect_levels, view)
    if not len(aspects):
        st.info("No aspect scores in view.", icon=":material/info:")
    else:
        fig = cache.figure(C.aspects_figure, view, aspects)
        show.chart(fig, alt_text(fig), _round(aspects), "coproduction_aspects", view)
        st.markdown(literal(cache.analysed(V.social_distance_sentence, view, aspects)))

# ---------------------------------------------------------------- bands
st.header("How much co-production: 'lite', 'mid' or 'ultra'")
with guarded("banding the wards"):
    banded = cache.analysed(E.bands, view, respondent=respondent, aspect=aspect)
    if not len(banded):
        st.info(f"No survey scores for {what}, so no ward can be banded.", icon=":material/info:")
    else:
        counts = E.band_counts(banded)
        cols = st.columns(len(counts))
        for col, (band, n) in zip(cols, counts.items()):
            col.metric(f"Wards '{band}'", int(n))
        fig = cache.figure(C.bands_figure, view, banded, what=what)
        show.chart(fig, alt_text(fig), _round(banded), "coproduction_bands", view)
    st.info(V.bands_explained(), icon=":material/info:")

# ---------------------------------------------------------------- reliability
st.header("Is the measure reliable?")
st.markdown(
    "**What alpha tells you.** Cronbach's alpha says whether the four items of an aspect hang together: whether "
    "people who agree with one item tend to agree with the others, so that adding them up into one score makes "
    "sense. It runs from 0 to 1; 0.70 or above is usually called acceptable and 0.80 or above good. A high alpha "
    "does not prove the aspect measures what it is meant to: that needs a validation study. The words (acceptable, "
    "good) are the usual rule of thumb (George and Mallery), not a test."
)
with guarded("checking the instrument's reliability"):
    responses = view.data.table("coproduction_responses")
    if not len(responses):
        st.info(
            "Reliability needs the item-level survey returns (coproduction_responses). Scores supplied as "
            "ward totals cannot show whether the items hang together.",
            icon=":material/info:",
        )
        st.page_link(show.DATA_PAGE, label="Add survey returns on the Data page", icon=":material/database:")
    else:
        rel, items = _reliability(cache.data_key(view), responses, view.data.table("instrument"))
        st.markdown(literal(V.reliability_sentence(rel)))
        fig = cache.figure(C.reliability_figure, view, rel)
        show.chart(fig, alt_text(fig), _round(rel, 3), "coproduction_reliability", view, counts=["n_returns"])
        with st.expander("Each item against the rest of its aspect (corrected item-total correlation)"):
            st.caption(
                "How well each item goes with the other items of its aspect (0 = not at all, 1 = perfectly). "
                "An item much lower than its neighbours (say under 0.3) may be read differently from the "
                "others and is worth rewording."
            )
            it = _round(items, 3)
            st.dataframe(it, hide_index=True, width="stretch")
            show.download(it, "coproduction_item_total", view, counts=["n_returns"])

# ---------------------------------------------------------------- agreement
st.header("Do patients and staff see it the same way?")
pair_aspect = "overall" if respondent == "both" else aspect
with guarded("comparing patients and staff"):
    dis = cache.analysed(E.disagreement, view, aspect=pair_aspect)
    summary = cache.analysed(V.agreement_overview, view, pair_aspect)
    pair_what = "co-production" if pair_aspect == "overall" else f"'{V.ASPECT_LABELS[pair_aspect].lower()}'"
    st.markdown(literal(V.agreement_sentence(summary, dis, pair_what)))
    st.caption(f"Shown for: {literal(V.ASPECT_LABELS[pair_aspect].lower())}.")
    with st.expander("For researchers: how agreement is measured"):
        agree = V.agreement_notes(summary)
        for note in agree:
            st.markdown(literal(note))
        show_glossary(terms_in(*agree))
    if len(dis):
        wards = view.data.table("wards")
        names = dict(zip(wards["ward_id"].astype(str), wards["ward_name"].astype(str))) if "ward_name" in wards else {}
        fig = cache.figure(C.agreement_figure, view, dis, names)
        show.chart(fig, alt_text(fig), _round(dis), "coproduction_agreement", view)

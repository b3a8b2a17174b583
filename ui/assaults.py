"""How the assaults page (Q2) renders what `analysis.questions.assaults` works out: the verdict and plain answer,
the two questions, the notes for researchers, the chart over time with its icon, the wards outside the funnel's
limits, and the model's diagnostics. Nothing is computed here; pages/assaults.py reads the widgets and calls
these."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from analysis.charts import assaults as charts
from analysis.charts.published import Rechart
from analysis.charts.spc import spc_figure
from analysis.overview.page_verdict import PageVerdict
from analysis.questions.assaults import direction, funnel, page
from analysis.questions.assaults import view as words
from analysis.spc.rules import run_length_words
from analysis.stats.results import ModelResult
from analysis.text import literal
from ui import cache, show
from ui.frame import View

SPC_COUNTS, SPC_RATES = ("count",), {"rate": ("count", "occupied_bed_days", 1000)}
SPC_COLUMNS = {c: c for c in ("centre", "lower", "upper", "variation", "rule")}


def verdict_block(verdict: PageVerdict) -> None:
    """The verdict as the Overview's Q2 card gives it (`analysis.overview.page_verdict`), then how sure."""
    with st.container(key="verdict_q2"):
        st.markdown(f"**{literal(verdict.verdict)}.** Can co-production reduce {literal(verdict.noun)}?")
    sure = verdict.sure
    st.markdown(f"How sure: **{literal(verdict.level.lower())}**" + (f" ({literal(sure)})" if sure else ""))


def literal_answer(markdown: str) -> str:
    """The plain answer as markdown: its bold stays bold, the words inside (ward and score names) are literal."""
    return "**".join(literal(part) for part in markdown.split("**"))


def answer(result: ModelResult) -> None:
    """The big number beside the plain answer (the answer alone when there is no number), then any warnings."""
    figure = words.key_figure(result)
    if figure:
        big, said = st.columns([1, 2.6], vertical_alignment="center")
        label, value, under, per = figure
        big.metric(label, value, help=f"{per.capitalize()} (scores run from 0 to 100).")
        big.caption(under)
    else:
        said = st.container()
    said.markdown(literal_answer(words.plain_answer(result)))
    for w in result.warnings:
        st.warning(literal(w), icon=":material/warning:")


def two_questions(result: ModelResult) -> None:
    """Within a ward over time, and between wards, side by side (or what data the model needs)."""
    if not result.ok:
        show.needs("at least 5 wards and 12 months with occupied bed days, incident counts and co-production scores.")
        return
    claims = words.claim_texts(result)
    with st.container(border=True):
        st.markdown("**Two different questions.** Do not read one as the other.")
        left, right = st.columns(2)
        with left:
            st.markdown("**Within a ward, over time**")
            st.markdown(claims.get("within") or claims.get("single", ""))
        with right:
            st.markdown("**Between wards**")
            if claims.get("between"):
                st.markdown(claims["between"])
            else:
                st.markdown("Not estimated in this model (ward fixed effects, or one ward).")


def for_researchers(result: ModelResult) -> None:
    """The rate ratios, the model and the words used, in an expander."""
    with st.expander("For researchers: rate ratios, the model and the words used"):
        notes = words.researcher_notes(result)
        for note in notes:
            st.markdown(literal(note))
        st.markdown(page.model_lines(result))
        if len(result.estimates):
            st.dataframe(result.estimates, hide_index=True, width="stretch")
        used = page.words_used(result, notes)
        st.markdown("**Words used on this page**")
        st.markdown(used)


def expected_rates(sentence: str, beyond: str, table: pd.DataFrame) -> None:
    """The expected rates at the two chosen scores: the sentence, the extrapolation warning, the table."""
    if sentence:
        st.markdown(sentence)
    if beyond:
        st.caption(beyond)
    st.dataframe(table, hide_index=True, width="stretch")


def which_first(first, outcome: str) -> None:
    """Which comes first: the sentence, then the two directions' table in words."""
    st.markdown(literal(first.sentence))
    if len(first.table):
        st.dataframe(direction.table_in_words(first.table, outcome), hide_index=True, width="stretch")


def social_distance(fits: dict[str, ModelResult], table: pd.DataFrame, noun: str, view: View) -> None:
    """Patient- and staff-rated reduced social distance against incidents: each finding, then their rate ratios."""
    if table.empty:
        st.info("Neither rating of reduced social distance could be related to incidents with these data.")
        return
    for label, r in fits.items():
        st.markdown(f"**{label}:** {literal(page.finding(r))}")
    title = f"{noun.capitalize()}: reduced social distance"
    fig, alt = cache.figure(charts.rate_ratio_figure, view, table, title, group="comparison")
    show.chart(fig, alt, table, "assaults_social_distance", view)


def residual_chart(fig, alt: str, data: pd.DataFrame, name: str, view: View) -> None:
    """A residual chart inside an expander (expanders cannot hold another 'Show the data' expander).

    Staff see observed and expected counts; the download keeps the observed count under the disclosure
    rule and leaves out the expected count, which with the residual would give the hidden count back.
    """
    screen_only = [c for c in data.columns if c.startswith("expected") or "resid" in c]
    counts = [c for c in ("observed",) if c in data]
    show.chart(fig, alt, data, name, view, counts=counts, screen_only=screen_only, expander=False)


def _spc_drawn(title: str, y_label: str, events, classified: pd.DataFrame):
    """The chart over time drawn from a classified chart (for its picture, from the published counts)."""
    return spc_figure(classified, title, y_label, events=events)[0]


def spc_chart(fig, alt: str, data: pd.DataFrame, name: str, view: View, classified, title: str, y_label: str, events):
    """ui.show.chart for the chart over time: its CSV and pictures say nothing of a month whose count is hidden
    (not its limits, its centre or whether it was unusual: analysis.disclosure.rows), and its average, limits
    and colours are worked out again from the published counts only (analysis.charts.published), so no hidden
    count can be worked back from them."""
    spc = Rechart(
        classified,
        SPC_COLUMNS,
        draw=partial(_spc_drawn, title, y_label, events),
        count="count",
        exposure="occupied_bed_days",
        digits=None,
    )
    show.chart(fig, alt, data, name, view, counts=SPC_COUNTS, rates=SPC_RATES, keep=("month",), spc=spc)


def variation(icon: dict, run_length: int) -> None:
    """The chart over time's variation icon with its words, and the run the rules use."""
    i1, i2 = st.columns([1, 12], vertical_alignment="center")
    i1.markdown(icon["svg"], unsafe_allow_html=True)
    i2.markdown(f"**{icon['label']}.** {icon['description']}")
    st.caption(run_length_words(run_length) + " Change the run in the sidebar's Settings.")


def outside_limits(compared: funnel.WardFunnel) -> None:
    """The wards outside their limits, the furthest out first (a static table, so the sentences wrap)."""
    st.subheader("Wards outside the limits")
    table = funnel.outside(compared)
    if table.empty:
        st.markdown("No ward is outside its limits.")
        return
    shown, more = page.outside_on_screen(table)
    st.table(shown)
    if more:
        st.caption(more)


def positions_download(compared: funnel.WardFunnel, view: View) -> None:
    """The download of where each ward lies, its position blank wherever its count is hidden."""
    rule, provenance = show.disclosure_rule(), show.stamp(view)
    provenance = show.with_totals_line(provenance, rule, False, ["count"])  # each ward's count over the period
    show.download_button(
        "Download where each ward lies (CSV)",
        partial(funnel.positions_csv, funnel.positions_download(compared), show.leaving_rule(rule), provenance),
        file_name="assaults_funnel_positions.csv",
        mime="text/csv",
        key="dl_assaults_funnel_positions",
        icon=":material/download:",
        on_click="ignore",
        help=show.inside_and_outside(rule) + " Where a count is hidden, so is whether that ward is outside "
        "its limits; the limits themselves stay on screen.",
    )


def diagnostics(result: ModelResult, view: View, ward_labels: dict[str, str]) -> None:
    """How well the count model fits: the family chosen, months with none, Poisson against negative binomial,
    over-dispersion, and the residuals by ward and by month."""
    x = result.diagnostics
    st.markdown(f"**Model family.** {x.family_choice}")
    zeros = x.zeros or {}
    if zeros:
        st.markdown(f"**Months with none.** {zeros.get('sentence', '')}")
        st.caption(zeros.get("note", ""))
    comp = x.comparison
    st.markdown(f"**Model comparison.** {comp['note']}")
    st.dataframe(page.model_comparison(comp), hide_index=True)
    st.caption(page.dispersion_words(x.dispersion))
    (fw, tw), (fm, tm) = cache.figure(
        charts.residual_figures, view, x.residuals_by_ward, x.residuals_by_month, ward_labels
    )
    by_ward, by_month = page.residual_tables(x.residuals_by_ward, x.residuals_by_month)
    residual_chart(fw, tw, by_ward, "assaults_resid_ward", view)
    residual_chart(fm, tm, by_month, "assaults_resid_month", view)

"""Reduced social distance: the staff side. The seeds' three tensions, each with the measures that speak to it."""

import streamlit as st

from analysis.charts import social_distance as charts
from analysis.overview.confidence import assess
from analysis.panel.instruments import SUBSCALE_LABELS, builtin_instruments
from analysis.questions.assaults.view import plain_answer
from analysis.questions.glossary import terms_in
from analysis.questions.social_distance import model as M
from analysis.questions.social_distance.view import ratings_by_ward
from analysis.stats.reliability import ALPHA_NOTE
from analysis.stats.results import OBSERVATIONAL_CAVEAT
from analysis.text import literal
from ui.cache import analysed, figure
from ui.frame import current_view, filter_caption
from ui.safe import guarded
from ui.show import chart, disclosure_rule, needs

RELIABILITY_COLUMNS = {
    "instrument": "Instrument",
    "subscale": "Subscale",
    "respondent": "Who answered",
    "alpha": "Alpha",
    "alpha_low": "Alpha, 95% low",
    "alpha_high": "Alpha, 95% high",
    "omega": "Omega",
    "omega_low": "Omega, 95% low",
    "omega_high": "Omega, 95% high",
    "n_returns": "Complete returns",
    "n_items": "Items",
    "in_words": "In words",
}


def _waves(p, survey_returns, instrument):
    return M.wave_table(p, survey_returns, instrument)


def _links(p, survey_returns, instrument):
    waves = M.wave_table(p, survey_returns, instrument)
    links = {o: M.closeness_link(waves, o) for o in M.MEASURES if o != M.CLOSENESS}
    return waves, links


def _reliability(p, survey_returns, instrument):
    return M.instrument_reliability_table(survey_returns, instrument)


def _assaults(p):
    return M.assaults_link(p)


def _boundary(p):
    return M.boundary_link(p)


def _boundary_status(p):
    return M.boundary_status(p)


def _scatter(points, outcome, link, withheld):
    fig = charts.against_closeness_figure(points, outcome, link, withheld)
    return fig, charts.against_closeness_alt(points, outcome, link, withheld)


def literal_answer(markdown: str) -> str:
    """Plain-answer markdown: its bold stays bold, the words inside are literal (as on the Assaults page)."""
    return "**".join(literal(part) for part in markdown.split("**"))


def assault_answer(result) -> str:
    """The Assaults page's plain answer, without the caveat this page already gives once and without the
    p-value and the between-ward comparison (those are for researchers, below)."""
    if not result.ok:
        return M.assaults_sentence(result)
    return plain_answer(result).replace(OBSERVATIONAL_CAVEAT, "").strip()


def boundary_answer(result, status: str) -> str:
    """Boundary-related incidents in the same plain words as assaults, or what is missing and how to get it."""
    if status != "ok" or result is None or not result.ok:
        return M.boundary_sentence(result, status)
    return plain_answer(result).replace(OBSERVATIONAL_CAVEAT, "").strip()


def _ratings(by_ward):
    return charts.ratings_figure(by_ward), charts.ratings_alt(by_ward)


st.title("Reduced social distance: the staff side")
view = current_view()
filter_caption(view)

with guarded("preparing the social distance measures", "Check the survey returns on the Data page."):
    survey_returns = view.data.table("survey_returns")
    instrument = view.data.tables.get("instrument")
    waves, links = analysed(_links, view, survey_returns, instrument)
    if not len(waves) or waves["patient_rsd"].notna().sum() == 0:
        needs(
            "co-production survey returns (patients' and staff's questionnaires, which include reduced social "
            "distance) and, for the staff side, EssenCES returns and the staff boundaries survey (the "
            "survey_returns table).",
            "The data in view hold no patient-rated reduced social distance.",
        )
    else:
        assault_result = analysed(_assaults, view)
        assault_link = M.assaults_as_link(assault_result)
        assault_level, assault_why = assess(assault_result)  # why: only a reason it was downgraded
        boundary_status = analysed(_boundary_status, view)
        boundary_result = analysed(_boundary, view) if boundary_status == "ok" else None
        boundary_link = M.boundary_as_link(boundary_result)
        level, why = M.how_sure(
            [links["staff_safety"], links["staff_boundaries"]],
            assault_level,
            assault_why,
            waves["quarter"].nunique(),
            (assess(boundary_result),) if boundary_result is not None else (),
        )
        with st.container(key="verdict_social_distance"):
            verdict = M.verdict(links["staff_safety"], links["staff_boundaries"], assault_link, boundary_link)
            st.markdown(f"**{literal(verdict)}**")
        st.markdown(f"How sure: **{literal(level.lower())}** ({literal(why)})")
        st.markdown(
            "Closeness here is reduced social distance as **patients** rate it on the co-production survey. "
            + literal(M.link_sentence(links["staff_safety"]))
        )
        if survey_returns is None or not len(survey_returns):
            st.info(
                "No EssenCES or staff boundaries returns are in view (the survey_returns table), so the staff side "
                "(experienced safety, confidence with professional boundaries) cannot be measured here. The "
                "co-production ratings and assaults on staff below still speak to the tensions."
            )
        st.caption(
            OBSERVATIONAL_CAVEAT + " Wards that are closer may differ in other ways (case mix, staffing, how "
            "settled the ward is), and feeling safe may make closeness possible as much as the other way round."
        )

        for i, tension in enumerate(M.TENSIONS, start=1):
            st.header(f"{i}. {tension['title']}")
            st.markdown(literal(tension["question"]))
            for outcome in tension["measures"]:
                if outcome == "assault_rate":
                    st.markdown(
                        "**Assaults on staff** (the Assaults page's count model, within each ward): "
                        + literal_answer(assault_answer(assault_result))
                    )
                    continue
                if outcome == "boundary_rate":
                    if boundary_status == "missing":
                        with st.container(key="boundary_missing"):
                            st.info(literal(M.BOUNDARY_MISSING))
                        continue
                    with st.container(key="boundary_incidents"):
                        st.markdown(
                            "**Boundary-related incidents per 1,000 occupied bed days** (the same count model as "
                            "assaults, within each ward): "
                            + literal_answer(boundary_answer(boundary_result, boundary_status))
                        )
                    continue
                st.markdown(f"**{literal(M.MEASURES[outcome])}.** {literal(M.link_sentence(links[outcome]))}")
            first = tension["measures"][0]
            if first == "staff_boundaries" or first == "staff_safety" or first == "staff_rsd":
                shown = first if first != "staff_rsd" else "rsd_gap"
                if shown == "rsd_gap":
                    # Whole quarters only, each resting on enough returns: see ratings_by_ward.
                    by_ward = ratings_by_ward(waves, disclosure_rule())
                    partial = M.partial_note(M.partial_quarters(waves.dropna(subset=["staff_rsd"]), "staff_rsd"))
                    if not len(by_ward):  # nothing to draw: say so rather than an empty chart and download
                        st.caption(literal(charts.ratings_alt(by_ward)))
                        if partial:
                            st.caption(literal(partial))
                        continue
                    fig, alt = figure(_ratings, view, by_ward)
                    chart(fig, alt, by_ward, "social_distance_ratings_by_ward", view)
                    if partial:
                        st.caption(literal(partial))
                else:
                    # A mean of too few returns (one staff member's is their answer) is withheld on screen and
                    # in everything that leaves the app; the fitted line still uses every return.
                    rule = disclosure_rule()
                    points, withheld = M.scatter_points(waves, shown, rule)
                    note = " ".join(
                        n
                        for n in (M.withheld_note(withheld, rule), M.partial_note(M.partial_quarters(waves, shown)))
                        if n
                    )
                    if not len(points):
                        st.caption(literal(charts.against_closeness_alt(points, shown, links[shown], withheld)))
                        if note:
                            st.caption(literal(note))
                        continue
                    fig, alt = figure(_scatter, view, points, shown, links[shown], withheld)
                    data = points[["ward_name", "quarter", M.CLOSENESS, shown, "n_returns"]]
                    data = data.assign(quarter=data["quarter"].dt.strftime("%b %Y"))
                    chart(fig, alt, data, f"social_distance_{shown}", view, counts=("n_returns",))
                    if note:
                        st.caption(literal(note))

        st.header("The instruments behind these measures")
        b = builtin_instruments()
        st.markdown(
            f"- **{literal(b['essences'].title)}**: {literal(b['essences'].status)}  \n"
            f"- **{literal(b['staff_boundaries'].title)}**: {literal(b['staff_boundaries'].status)}"
        )
        with st.expander("How reliable are the scales here (alpha and omega, from your own returns)"):
            rel = analysed(_reliability, view, survey_returns, instrument)
            if len(rel):
                table = rel.assign(subscale=rel["subscale"].map(SUBSCALE_LABELS).fillna(rel["subscale"]))
                table = table[list(RELIABILITY_COLUMNS)].rename(columns=RELIABILITY_COLUMNS)
                st.dataframe(table.round(2), hide_index=True, width="stretch")
                st.caption(
                    "Alpha's interval is Feldt's; omega (one factor, maximum likelihood) has a bootstrap interval "
                    "(1,000 resamples of the returns). Patients and staff are pooled ('all') only where both "
                    "answered the same items. " + ALPHA_NOTE
                )
            else:
                st.markdown("No EssenCES or staff boundaries returns are in view.")

        with st.expander("For researchers: the assaults model in full, and the words used on this page"):
            st.markdown(literal(M.assaults_sentence(assault_result)))
            if boundary_result is not None:
                st.markdown(
                    "**Boundary-related incidents:** " + literal(M.boundary_sentence(boundary_result, boundary_status))
                )
            shown = [M.link_sentence(links[o]) for o in links] + [M.MEASURES[o] for o in M.MEASURES]
            used = terms_in(*shown, M.assaults_sentence(assault_result), OBSERVATIONAL_CAVEAT, "EssenCES")
            used[M.WARD_QUARTER[0]] = M.WARD_QUARTER[1]
            st.markdown("**Words used on this page**")
            st.markdown("\n".join(f"- **{literal(term)}:** {literal(meaning)}" for term, meaning in used.items()))

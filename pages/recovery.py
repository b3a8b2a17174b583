"""Question 3: can co-production enhance recovery? Each recovery measure over time and against co-production."""

import streamlit as st

from analysis.charts import recovery as charts
from analysis.overview.answers import NEGLIGIBLE_SHARE
from analysis.overview.confidence import confidence_parts
from analysis.questions.glossary import terms_in
from analysis.questions.recovery import imputed
from analysis.questions.recovery import view as V
from analysis.questions.recovery.model import (
    PER,
    answer_q3,
    higher_is_better,
    measure_column,
    measure_range,
    measurement_spacing,
    measures_in_panel,
)
from analysis.questions.verdicts import caveat_words, figure_words, link_verdict, shortfall
from analysis.stats.results import OBSERVATIONAL_CAVEAT
from analysis.text import literal, plural, uk_months
from ui.cache import analysed, figure, panel
from ui.frame import current_view, filter_caption
from ui.safe import guarded
from ui.show import chart, needs

KEYS = {"measure": "q3_measure", "predictor": "q3_predictor", "lag": "q3_lag", "weighted": "q3_weighted", "by": "q3_by"}
WEIGHTING_HELP = (
    "Each ward's monthly score is the mean of its patients' scores, and a mean of 14 patients is more precise "
    "than a mean of 3. Weighting gives months with more patients more say (weighted least squares with errors "
    "that allow for repeated months on the same ward). Without weighting the answer comes from a mixed model, "
    "which allows for each ward's own usual level but counts every ward-month equally: the mixed model used "
    "here cannot take a weight for each ward-month, so the two are shown side by side."
)


def keep_valid(key: str, options: list) -> None:
    """Forget a remembered choice the current data no longer offer (after a filter or data change)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def other_measures(results, selected_outcome: str) -> None:
    """One sentence per other measure (and transfers to lower security), the shared caveat said once."""
    others = [r for r in results if r.outcome != selected_outcome]
    if not others:
        return
    st.markdown("**The other measures**")
    lines = [f"- {literal(r.sentence_without_caveats)}" for r in others]
    st.markdown("\n".join(lines))
    st.caption(OBSERVATIONAL_CAVEAT)
    method = [c for r in others for c in r.caveats if c != OBSERVATIONAL_CAVEAT]
    if method:  # the method caveats (intervals with few wards) are for researchers
        with st.expander("For researchers: notes on the other measures"):
            for c in dict.fromkeys(method):
                st.markdown(literal(c))


def verdict_block(p, result, measure: str, hib: bool | None, catalogue) -> None:
    """The answer first, as the Overview's Q3 card gives it for the same choice: the verdict (the same rule,
    `link_verdict`, and the same "how sure" rule), how sure, the figure in plain words, one caveat line."""
    occasions, every = measurement_spacing(p, result.outcome)
    span = measure_range(measure, catalogue)
    negligible = NEGLIGIBLE_SHARE * (span[1] - span[0]) if span else None
    level, sure, _ = confidence_parts(result, occasions, negligible, every)
    better = None if hib is None else "higher" if hib else "lower"
    why = shortfall(result.n_wards, occasions, every)
    verdict = link_verdict(result, level, f"{measure} scores", better, why, negligible, scores=True)
    with st.container(key="verdict_q3"):
        st.markdown(f"**{literal(verdict.text)}.** Can co-production enhance recovery?")
    st.markdown(f"How sure: **{literal(level.lower())}**" + (f" ({literal(sure)})" if sure else ""))
    figure_text = figure_words(result, f"{measure} scores", better, PER) if level != "Not enough data" else ""
    if figure_text:
        st.markdown(literal(figure_text[:1].upper() + figure_text[1:] + "."))
    elif level == "Not enough data":
        st.markdown("With this little data any figure would mislead, so none is shown yet.")
    if result.ok and result.headline is not None:
        st.caption(literal(caveat_words(result)))
    for w in result.warnings:
        st.warning(literal(w), icon=":material/warning:")


def researchers(result, measure: str, direction: str) -> None:
    """The exact figures, the model (its intervals and degrees of freedom) and the words they use."""
    with st.expander("For researchers: the exact figures, the model and the words used"):
        h = result.headline
        notes = [result.sentence]
        if h is not None:
            notes.append(
                f"{h.name[:1].upper()}{h.name[1:]} ({direction}): {V.key_figure(h.estimate, h.ci_low, h.ci_high)}."
            )
        notes += [c for c in result.caveats if c not in result.sentence]
        for note in notes:
            st.markdown(literal(note))
        st.markdown(
            f"**Model:** {literal(result.family)}. **Method:** {literal(result.method.rstrip('.'))}.  \n"
            f"**Formula:** `{result.formula}`  \n"
            f"**Data:** {plural(result.n_wards, 'ward')}, {plural(result.n_obs, 'observation')}."
        )
        if len(result.estimates):
            st.dataframe(result.estimates, hide_index=True, width="stretch")
        words = terms_in(*notes, result.method)
        if words:
            st.markdown("**Words used here**")
            st.markdown("\n".join(f"- **{literal(t)}**: {literal(m)}" for t, m in words.items()))


def _fitted_lines(panel, sd, estimates, predictor):
    """Each ward's fitted line through its dots (cached with ui.cache.analysed: a national chart has 1,000)."""
    return V.fitted_lines(sd, estimates, predictor)


def _over_time(data, measure: str, hib: bool, by: str):
    """The chart over time and its alt text (cached with ui.cache.figure)."""
    return charts.over_time_figure(data, measure, hib, by), charts.over_time_alt(data, measure, hib, by)


def _scatter(sd, lines, measure: str, predictor: str, hib: bool, within: float, lag: int):
    """The chart against co-production, with each ward's fitted line, and its alt text."""
    return (
        charts.scatter_figure(sd, lines, measure, predictor, hib, within, lag),
        charts.scatter_alt(sd, measure, predictor, hib, within, lag),
    )


st.title("Recovery (Q3)")
view = current_view()
filter_caption(view)
answer_box = st.container()  # the answer first, above the choices it follows (filled once they are made)

with guarded("preparing the recovery data", "Check the recovery data on the Data page."):
    p = panel(view)
    catalogue = view.data.table("measures")
    listed = [str(m) for m in catalogue.get("measure", [])]
    measures = sorted(measures_in_panel(p, catalogue), key=lambda m: listed.index(m) if m in listed else len(listed))
    predictors = V.predictor_options(p)

    if not measures:
        needs(
            "recovery scores: for each ward and month, the ward's mean score on a recovery measure (such as "
            "QPR-15 or DUNDRUM-4) and the number of patients behind it (the recovery table).",
            "The data in view hold no recovery scores.",
        )
    else:
        keep_valid(KEYS["measure"], measures)
        keep_valid(KEYS["predictor"], predictors)
        c1, c2, c3, c4 = st.columns([1.2, 1.6, 1, 1.2])
        measure = c1.selectbox("Recovery measure", measures, key=KEYS["measure"])
        predictor = (
            c2.selectbox(
                "Co-production score",
                predictors,
                key=KEYS["predictor"],
                format_func=V.predictor_label,
                help="The overall index or one aspect, as patients or as staff rated it.",
            )
            if predictors
            else None
        )
        lag = c3.slider(
            "Co-production measured months earlier",
            0,
            12,
            0,
            key=KEYS["lag"],
            help="0 compares each month's score with that month's co-production; 3 with "
            "co-production three months before.",
        )
        weighted = c4.toggle("Weight by patients", key=KEYS["weighted"], help=WEIGHTING_HELP)
        hib = higher_is_better(measure, catalogue)
        direction = V.direction_words(measure, hib)

        if predictor is None:
            needs(
                "co-production survey returns (patients' and staff's questionnaires) for the wards in view.",
                f"There are {literal(measure)} scores but no co-production scores to compare them with.",
            )
        else:
            results = analysed(
                answer_q3, view, catalogue, predictor=predictor, lag=lag, weights="n_patients" if weighted else "none"
            )
            selected = next(r for r in results if r.outcome == measure_column(measure))
            h = selected.headline
            with answer_box:
                verdict_block(p, selected, measure, hib, catalogue)
                st.caption(
                    "Ward recovery scores against co-production, month by month; the answer follows the measure "
                    "and score chosen below."
                )
            if h is not None:
                main = f"{predictor}_within"  # answer_q3 uses the within/between split (the headline term)
                compare = V.weighting_comparison(selected.diagnostics, main, measure)
                st.markdown(
                    f"**Which way is better:** {literal(direction)}.  \n**Weighting:** "
                    + (
                        "on, by the number of patients behind each ward's score. "
                        if weighted
                        else "off: a mixed model in which every ward-month counts equally. "
                    )
                    + literal(compare)
                )
                with st.expander("What the weighting does"):
                    st.markdown(WEIGHTING_HELP)
            other_measures(results, selected.outcome)
            researchers(selected, measure, direction)
            with (
                st.expander("Months without a score: would imputing them change the answer?"),
                guarded("imputing scores"),
            ):
                st.caption(
                    f"Months with a {literal(measure)} score but no co-production score are left out of the model "
                    "above. This check gives each of them a score drawn from the ward's surveys before and after and "
                    "its recovery score, 20 times over, and pools the 20 answers (multiple imputation with Rubin's "
                    "rules)."
                )
                if st.toggle("Run the check (it refits the model 20 times)", key="q3_impute"):
                    sensitivity = analysed(
                        imputed.imputed_sensitivity,
                        view,
                        measure,
                        predictor=predictor,
                        lag=lag,
                        weights="n_patients" if weighted else "none",
                        measures_catalogue=catalogue,
                    )
                    st.markdown(literal(sensitivity.sentence))
            if lag:
                st.caption(
                    "The transfers to lower security model compares each month with that month's "
                    "co-production (the lag applies to the recovery measures)."
                )

        st.header(f"{literal(measure)} over time")
        by = st.radio(
            "Show",
            list(V.BY),
            key=KEYS["by"],
            horizontal=True,
            format_func=lambda b: "each ward" if b == "ward" else "each service (mean over its patients)",
        )
        data = analysed(V.over_time_data, view, measure, by)
        fig, alt = figure(_over_time, view, data, measure, hib, by)
        shown = data.assign(month=uk_months(data["month"]))
        chart(fig, alt, shown, f"recovery_{measure}_by_{by}", view, counts=["n_patients"])

        if predictor is not None and selected.headline is not None:
            st.header(f"{literal(measure)} against co-production")
            st.caption(
                "Each dot is one ward-month. The short solid line through each ward's dots is the fitted "
                "change within that ward (the answer above); the dashed line compares wards with each other, "
                "which differences in case mix or staffing could explain. "
                f"On this chart {literal(direction)}."
            )
            sd = analysed(V.scatter_data, view, measure, predictor, lag)
            within = selected.headline.estimate
            lines = analysed(_fitted_lines, view, sd, selected.estimates, predictor)
            fig, alt = figure(_scatter, view, sd, lines, measure, predictor, hib, within, lag)
            shown = sd.assign(month=uk_months(sd["month"])).drop(columns=["ward_id"])
            chart(fig, alt, shown, f"recovery_{measure}_against_coproduction", view, counts=["n_patients"])

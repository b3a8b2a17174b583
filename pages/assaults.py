"""Question 2: can co-production reduce assaults on staff?"""

import pandas as pd
import streamlit as st

from analysis.charts import assaults as charts
from analysis.charts.funnel import funnel_figure
from analysis.charts.spc import spc_figure
from analysis.data.contract import ADJUSTMENTS, MODELLED_INCIDENTS
from analysis.overview.page_verdict import assaults_verdict
from analysis.questions.assaults import direction, funnel, imputed, page
from analysis.questions.assaults import view as words
from analysis.spc.icons import variation_icon
from analysis.stats.counts import fit_all_incidents, fit_counts
from analysis.stats.counts.describe import outcome_words
from analysis.text import literal, rate_label
from ui import assaults as render
from ui import cache, gchart, settings, show
from ui.frame import current_view, filter_caption
from ui.safe import guarded

ERRORS = {
    "cluster": "Cluster-robust by ward (recommended)",
    "gee": "GEE, exchangeable correlation within ward",
    "fixed_effects": "Ward fixed effects (each ward compared only with itself)",
}
PRED_KEY = "a_predictor"
MEASURE_KEY = "a_measure"
RATE_COLS = {"rate_per_1000_obd": ("count", "occupied_bed_days", 1000)}
FUNNEL_RATES = {funnel.RATE: ("count", "occupied_bed_days", funnel.PER)}

view = current_view()
st.title("Assaults on staff (Q2)")
filter_caption(view)
answer_box = st.container()  # the verdict first, above the choices it follows (filled once they are made)
INTRO = (
    "Assaults per 1,000 occupied bed days on each ward, against its co-production survey scores, allowing for the "
    "small number of wards. The answer above follows the choices below."
)

panel = pd.DataFrame()
with guarded("building the ward-month figures", "Check the data on the Data page."):
    panel = cache.panel(view)

if panel.empty or "occupied_bed_days" not in panel:
    show.needs(
        "ward months with occupied bed days and incident counts (the ward_months table).",
        "There are no ward-months in view.",
    )
    st.stop()

WARD_LABELS = page.ward_labels(panel)
incidents = words.incident_options(panel, MODELLED_INCIDENTS)
predictors = words.predictor_options(panel)

c1, c2 = st.columns([1, 2.3])
outcome = c1.selectbox(
    "Incident type",
    list(incidents),
    format_func=incidents.get,
    key="a_incident",
    help="Assaults on staff is the question; the other incident types are for comparison.",
)
noun = outcome_words(outcome)
predictor = None
if predictors:
    quick = words.quick_predictor_options(predictors)
    if st.session_state.get(MEASURE_KEY) not in quick:
        st.session_state[MEASURE_KEY] = next(iter(quick))
    measure = c2.radio(
        "Co-production score to set against incidents",
        list(quick),
        format_func=quick.get,
        key=MEASURE_KEY,
        horizontal=True,
        help=words.PREDICTOR_HELP,
    )
    if measure == words.OTHER_PREDICTOR:
        others = page.other_predictors(predictors, quick)
        if st.session_state.get(PRED_KEY) not in others:
            st.session_state[PRED_KEY] = next(iter(others))
        predictor = c2.selectbox(
            "Another score",
            list(others),
            format_func=others.get,
            key=PRED_KEY,
            help="One of the four core aspects, as patients or as staff rate it, or both raters combined.",
        )
    else:
        predictor = measure
    c4, c5 = st.columns([1, 2])
    lag = c4.select_slider(
        "Time lag (months)",
        options=list(range(7)),
        value=0,
        key="a_lag",
        help="Relate each month's incidents to the co-production score this many months earlier.",
    )
    adjust = c5.multiselect(
        "Adjust for",
        list(ADJUSTMENTS),
        format_func=ADJUSTMENTS.get,
        key="a_adjust",
        placeholder="No adjustment",
        help="Other things that differ between wards or months and may affect incidents.",
    )
    with st.expander("Advanced: how uncertainty allows for wards"):
        errors = st.radio(
            "Standard errors",
            list(ERRORS),
            format_func=ERRORS.get,
            key="a_errors",
            help="Months on the same ward are alike, so the uncertainty must allow for wards.",
        )
    model = {"lag": lag, "adjust": list(adjust), "errors": errors}  # the settings every model below shares

result = None
if predictor is None:
    show.needs(
        "co-production survey returns (coproduction_responses) for the wards and months in view.",
        "There are no co-production scores to relate to incidents.",
    )
else:
    with guarded("fitting the model", "Try fewer adjustments or a wider choice of wards and months."):
        lo_hi = st.session_state.get("a_scores", (40, 60))
        grid = words.score_grid(panel, predictor, extra=lo_hi)
        result = cache.analysed(fit_counts, view, outcome=outcome, predictor=predictor, **model, at=grid)
        with answer_box:
            render.verdict_block(assaults_verdict(result, outcome))
            st.caption(INTRO)
        render.answer(result)
        render.two_questions(result)
        render.for_researchers(result)

if result is not None and result.ok:
    with st.expander("Which comes first?"), guarded("fitting both directions"):
        st.caption(
            f"Do {noun} fall after co-production rises, or does co-production fall after {noun}? Each ward is "
            "compared only with itself, with each measure set against the other one month earlier."
        )
        if direction.fits_at_once(result.n_wards) or st.toggle(direction.ON_REQUEST, key="a_direction"):
            first = cache.analysed(direction.which_comes_first, view, predictor=predictor, outcome=outcome)
            render.which_first(first, outcome)
    with st.expander("Months without a score: would imputing them change the answer?"), guarded("imputing scores"):
        st.caption(
            "Months with no co-production score are left out of the model above. This check gives each of them a "
            "score drawn from the ward's surveys before and after and its incidents, 20 times over, and pools the "
            "20 answers (multiple imputation with Rubin's rules)."
        )
        if st.toggle("Run the check (it refits the model 20 times)", key="a_impute"):
            sensitivity = cache.analysed(
                imputed.imputed_sensitivity, view, outcome=outcome, predictor=predictor, **model
            )
            st.markdown(literal(sensitivity.sentence))
            st.caption("How long a survey's scores stand for is set on the Co-production page.")

if result is not None and result.ok:
    with guarded("working out expected rates"):
        st.header("Expected rates at two scores")
        seen = page.score_range(panel, predictor)
        st.slider(
            "Compare co-production scores",
            0,
            100,
            value=(40, 60),
            step=5,
            key="a_scores",
            help=page.scores_seen(seen),
        )
        lo, hi = st.session_state["a_scores"]
        expected = words.expected_at(result, (lo, hi))
        sentence = words.expected_sentence(expected, outcome, lo, hi)
        render.expected_rates(sentence, page.extrapolation_note(lo, hi, seen), page.expected_table(expected))

    with guarded("drawing the scatter chart"):
        st.header(f"Co-production and {noun}, ward by ward")
        b1, b2 = st.columns(2)
        by = b1.radio(
            "Each marker is a", ["month", "quarter"], format_func=lambda b: f"ward-{b}", horizontal=True, key="a_by"
        )
        points = cache.analysed(words.scatter_points, view, outcome, predictor, lag=lag, by=by)
        shown_wards = page.ward_choices(points)
        highlight = b2.selectbox(
            "Pick out a ward",
            [None, *sorted(shown_wards)],
            key="a_highlight",
            format_func=lambda w: "No ward picked out" if w is None else shown_wards[w],
            help="Draws the chosen ward in blue and the others in grey.",
        )
        fig, alt = cache.figure(
            charts.scatter_figure,
            view,
            points,
            result.diagnostics.expected_rates,
            outcome,
            predictor,
            by,
            highlight=highlight,
        )
        month = by == "month"  # a ward-month each (a quarter sums three months)
        show.chart(fig, alt, points, "assaults_scatter", view, counts=["count"], rates=RATE_COLS, units=month)

with guarded("comparing wards fairly"):
    st.header("Compare wards fairly")
    st.markdown(
        f"Each ward's {noun} {rate_label()} over the period in view, against its occupied bed days. A small "
        "ward's rate swings more by chance, so the limits are wide for it and narrow for a large one: a ward "
        "outside them differs from its peers by more than chance."
    )
    f1, f2, f3 = st.columns([1, 1.2, 1])
    peers = f1.radio(
        "Compare each ward with",
        list(funnel.COMPARATORS),
        format_func=funnel.COMPARATORS.get,
        key="a_funnel_peers",
        help="Its peers: every ward in view, or only the wards of its own service or security level, whose "
        "patients and routines are more alike.",
    )
    widen = f2.radio(
        "Allow for wards differing anyway",
        list(funnel.OVERDISPERSION_LABELS),
        format_func=funnel.OVERDISPERSION_LABELS.get,
        key="a_funnel_widen",
        help="Wards differ for reasons no comparison removes. By a factor: the limits are widened by the square "
        "root of phi (Spiegelhalter 2005). Add the spread: the variance between wards, tau², is added to "
        "chance (additive random effects, Spiegelhalter 2012). Neither widens when the wards differ no more "
        "than chance allows. Do not widen: exact Poisson limits.",
    )
    compared = cache.analysed(funnel.compare_wards, view, outcome, peers, widen)
    st.markdown(f"**{literal(funnel.funnel_sentence(compared))}**")
    if compared.ok:
        groups = page.group_choices(compared)
        group = f3.selectbox(
            "Peer group to draw",
            list(groups),
            format_func=groups.get,
            key=f"a_funnel_group_{peers}",
            disabled=len(groups) == 1,
            help="The chart shows one peer group's funnel; the table below lists every ward outside its own limits.",
        )
        points = funnel.chart_points(compared, group)
        fig, alt = cache.figure(
            funnel_figure,
            view,
            points,
            funnel.funnel_curve(compared, group),
            noun,
            funnel.method_words(compared.groups[group]),
            funnel.group_name(peers, group),
            page.better(outcome),
        )
        show.chart(fig, alt, funnel.chart_data(points), "assaults_funnel", view, counts=["count"], rates=FUNNEL_RATES)
        render.outside_limits(compared)
        render.positions_download(compared, view)
        st.caption(literal(funnel.method_sentence(compared)))
        with st.expander("Every ward against its limits (for researchers)"):
            st.dataframe(funnel.every_ward(compared), hide_index=True, width="stretch")
    for line in page.left_out_words(compared):
        st.caption(literal(line))

with guarded("drawing the chart over time"):
    st.header(f"{noun.capitalize()} over time")
    ward_opts = page.spc_ward_options(WARD_LABELS)
    start = page.spc_start(ward_opts, view.filters.wards)  # one ward chosen in the filters: its own chart
    ward = st.selectbox("Ward", list(ward_opts), format_func=ward_opts.get, key="a_ward", index=start)
    classified, events = cache.analysed(
        words.incident_spc, view, outcome, ward, events=view.data.table("events"), run_length=settings.run_length()
    )
    title, y_label = page.spc_labels(noun, ward_opts[ward])
    fig, alt = cache.figure(spc_figure, view, classified, title, y_label, events=events)
    render.variation(variation_icon(classified, f"rate of {noun}"), settings.run_length())
    table = page.spc_table(classified)
    render.spc_chart(fig, alt, table, "assaults_spc", view, classified, title, y_label, events)
    if ward != words.WHOLE_HOSPITAL:  # few assaults on this ward: the days between them (issue 12)
        gchart.section(view, ward, ward_opts[ward], outcome, classified["count"], level=3)

if predictor is not None:
    with guarded("comparing patient- and staff-rated social distance"):
        st.header("Boundaries and humanised relationships: reduced social distance")
        st.markdown(
            "Secure care asks staff to keep therapeutic boundaries while co-production asks for humanised "
            "relationships, with less social and professional distance between staff and patients. Here are "
            f"both ratings of reduced social distance against {noun}, with the model settings above."
        )
        sd = page.social_distance_options(predictors)
        fits = {
            label: cache.analysed(fit_counts, view, outcome=outcome, predictor=p, **model, zeros=False)
            for label, p in sd.items()
        }
        render.social_distance(fits, words.claims_table(fits), noun, view)

    with guarded("comparing incident types"):
        st.header("Every incident type, side by side")
        st.caption(
            "The same model for each incident type: how many times as many incidents per 10-point rise within a "
            "ward (1 means no change; below 1, fewer)."
        )
        every = cache.analysed(fit_all_incidents, view, predictor=predictor, **model, zeros=False)
        table = words.incidents_table(every)
        fig, alt = cache.figure(
            charts.rate_ratio_figure,
            view,
            table,
            f"Incidents against {words.predictor_label(predictor)}",
            label="incident",
        )
        show.chart(fig, alt, table, "assaults_all_incidents", view)

if result is not None and result.ok:
    with st.expander("Diagnostics: how well the model fits (for researchers)"), guarded("showing the diagnostics"):
        render.diagnostics(result, view, WARD_LABELS)

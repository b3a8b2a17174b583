"""Question 2: can co-production reduce assaults on staff?"""

from functools import partial

import pandas as pd
import streamlit as st

from analysis.charts import assaults as charts
from analysis.charts.funnel import funnel_figure
from analysis.charts.published import Rechart
from analysis.charts.spc import spc_figure
from analysis.data.contract import ADJUSTMENTS, MODELLED_INCIDENTS, MORE_IS_BETTER
from analysis.overview.confidence import confidence_parts, result_months
from analysis.questions.assaults import direction, funnel, imputed
from analysis.questions.assaults import view as words
from analysis.questions.glossary import terms_in
from analysis.questions.verdicts import link_verdict, shortfall
from analysis.spc.icons import variation_icon
from analysis.spc.rules import run_length_words
from analysis.stats.counts import fit_all_incidents, fit_counts
from analysis.stats.counts.describe import outcome_words
from analysis.text import literal, plural, plural_word, rate_label, uk_months
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
OUTSIDE_SHOWN = 25  # rows of the wards-outside-the-limits table on screen (a national panel has hundreds)
RATE_COLS = {"rate_per_1000_obd": ("count", "occupied_bed_days", 1000)}


def verdict_block(result, outcome: str) -> None:
    """The verdict as the Overview's Q2 card gives it (the same `link_verdict` and "how sure" rule; for the
    default choices the same words), then how sure."""
    noun = outcome_words(outcome)
    level, sure, _ = confidence_parts(result)
    why = shortfall(result.n_wards, result_months(result))
    better = "higher" if outcome in MORE_IS_BETTER else "lower"
    verdict = link_verdict(result, level, noun, better, why)
    with st.container(key="verdict_q2"):
        st.markdown(f"**{literal(verdict.text)}.** Can co-production reduce {literal(noun)}?")
    st.markdown(f"How sure: **{literal(level.lower())}**" + (f" ({literal(sure)})" if sure else ""))


def literal_answer(markdown: str) -> str:
    """The plain answer as markdown: its bold stays bold, the words inside (ward and score names) are literal."""
    return "**".join(literal(part) for part in markdown.split("**"))


def _residual_chart(fig, alt: str, data: pd.DataFrame, name: str, view) -> None:
    """A residual chart inside an expander (expanders cannot hold another 'Show the data' expander).

    Staff see observed and expected counts; the download keeps the observed count under the disclosure
    rule and leaves out the expected count, which with the residual would give the hidden count back.
    """
    screen_only = [c for c in data.columns if c.startswith("expected") or "resid" in c]
    counts = [c for c in ("observed",) if c in data]
    show.chart(fig, alt, data, name, view, counts=counts, screen_only=screen_only, expander=False)


SPC_COUNTS, SPC_RATES = ("count",), {"rate": ("count", "occupied_bed_days", 1000)}
SPC_COLUMNS = {c: c for c in ("centre", "lower", "upper", "variation", "rule")}


def _spc_drawn(title: str, y_label: str, events, classified: pd.DataFrame):
    """The chart over time drawn from a classified chart (for its picture, from the published counts)."""
    return spc_figure(classified, title, y_label, events=events)[0]


def _spc_chart(fig, alt: str, data: pd.DataFrame, name: str, view, classified, title: str, y_label: str, events):
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

wards = panel.drop_duplicates("ward_id").set_index("ward_id")
# "W01 Iona" per ward, made at once: a national panel has 1,000 wards and every run draws the list
WARD_LABELS = dict(
    zip(wards.index, (wards.index.astype(str) + " " + wards["ward_name"].fillna("").astype(str)).str.strip())
)
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
        others = {p: label for p, label in predictors.items() if p not in quick}
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
        result = cache.analysed(
            fit_counts, view, outcome=outcome, predictor=predictor, lag=lag, adjust=list(adjust), errors=errors, at=grid
        )
        with answer_box:
            verdict_block(result, outcome)
            st.caption(INTRO)
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
        if result.ok:
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
        else:
            show.needs(
                "at least 5 wards and 12 months with occupied bed days, incident counts and co-production scores."
            )
        with st.expander("For researchers: rate ratios, the model and the words used"):
            notes = words.researcher_notes(result)
            for note in notes:
                st.markdown(literal(note))
            st.markdown(
                f"**Model:** {literal(result.family)}. **Method:** {literal(result.method.rstrip('.'))}.  \n"
                f"**Formula:** `{result.formula}`  \n"
                f"**Data:** {plural(result.n_wards, 'ward')}, {plural(result.n_obs, 'observation')}."
            )
            if len(result.estimates):
                st.dataframe(result.estimates, hide_index=True, width="stretch")
            used = terms_in(*notes, result.method, result.family, words.plain_answer(result), "funnel over-dispersion")
            st.markdown("**Words used on this page**")
            st.markdown("\n".join(f"- **{literal(term)}:** {literal(meaning)}" for term, meaning in used.items()))

if result is not None and result.ok:
    with st.expander("Which comes first?"), guarded("fitting both directions"):
        st.caption(
            f"Do {noun} fall after co-production rises, or does co-production fall after {noun}? Each ward is "
            "compared only with itself, with each measure set against the other one month earlier."
        )
        if direction.fits_at_once(result.n_wards) or st.toggle(direction.ON_REQUEST, key="a_direction"):
            first = cache.analysed(direction.which_comes_first, view, predictor=predictor, outcome=outcome)
            st.markdown(literal(first.sentence))
            if len(first.table):
                st.dataframe(direction.table_in_words(first.table, outcome), hide_index=True, width="stretch")
    with st.expander("Months without a score: would imputing them change the answer?"), guarded("imputing scores"):
        st.caption(
            "Months with no co-production score are left out of the model above. This check gives each of them a "
            "score drawn from the ward's surveys before and after and its incidents, 20 times over, and pools the "
            "20 answers (multiple imputation with Rubin's rules)."
        )
        if st.toggle("Run the check (it refits the model 20 times)", key="a_impute"):
            sensitivity = cache.analysed(
                imputed.imputed_sensitivity,
                view,
                outcome=outcome,
                predictor=predictor,
                lag=lag,
                adjust=list(adjust),
                errors=errors,
            )
            st.markdown(literal(sensitivity.sentence))
            st.caption("How long a survey's scores stand for is set on the Co-production page.")

if result is not None and result.ok:
    with guarded("working out expected rates"):
        st.header("Expected rates at two scores")
        s = pd.to_numeric(panel[predictor], errors="coerce").dropna()
        st.slider(
            "Compare co-production scores",
            0,
            100,
            value=(40, 60),
            step=5,
            key="a_scores",
            help=f"Scores seen in these data run from {s.min():.0f} to {s.max():.0f}.",
        )
        lo, hi = st.session_state["a_scores"]
        expected = words.expected_at(result, (lo, hi))
        sentence = words.expected_sentence(expected, outcome, lo, hi)
        if sentence:
            st.markdown(sentence)
        if lo < s.min() or hi > s.max():
            st.caption(
                f"A chosen score lies outside the scores seen ({s.min():.0f} to {s.max():.0f}): "
                "that expected rate is an extrapolation."
            )
        st.dataframe(
            expected.round(2).rename(
                columns={
                    "score": "co-production score",
                    "basis": "reading",
                    "rate_per_1000_obd": f"expected rate {rate_label()}",
                    "ci_low": "95% CI from",
                    "ci_high": "95% CI to",
                }
            ),
            hide_index=True,
            width="stretch",
        )

    with guarded("drawing the scatter chart"):
        st.header(f"Co-production and {noun}, ward by ward")
        b1, b2 = st.columns(2)
        by = b1.radio(
            "Each marker is a", ["month", "quarter"], format_func=lambda b: f"ward-{b}", horizontal=True, key="a_by"
        )
        points = cache.analysed(words.scatter_points, view, outcome, predictor, lag=lag, by=by)
        named = points[["ward_id", "ward_label"]].drop_duplicates()  # a ward's months share its name
        shown_wards = {str(w): str(lab) for w, lab in zip(named["ward_id"], named["ward_label"])}
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
        show.chart(fig, alt, points, "assaults_scatter", view, counts=["count"], rates=RATE_COLS)

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
        groups = list(compared.groups)
        sizes = compared.wards.groupby("peer_group").size()
        group = f3.selectbox(
            "Peer group to draw",
            groups,
            format_func=lambda g: f"{funnel.group_name(peers, g).capitalize()} ({plural(int(sizes[g]), 'ward')})",
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
            "higher" if outcome in MORE_IS_BETTER else "lower",
        )
        show.chart(
            fig,
            alt,
            funnel.chart_data(points),
            "assaults_funnel",
            view,
            counts=["count"],
            rates={funnel.RATE: ("count", "occupied_bed_days", funnel.PER)},
        )
        st.subheader("Wards outside the limits")
        table = funnel.outside(compared)
        if table.empty:
            st.markdown("No ward is outside its limits.")
        else:
            st.table(table.head(OUTSIDE_SHOWN).set_index("ward"))  # a static table, so the sentences wrap
            if len(table) > OUTSIDE_SHOWN:
                more = len(table) - OUTSIDE_SHOWN
                st.caption(
                    f"The {OUTSIDE_SHOWN} furthest out are shown; {plural(more, 'more ward')} "
                    f"{plural_word(more, 'is', 'are')} outside {plural_word(more, 'its', 'their')} limits "
                    "(every ward is in the table for researchers below)."
                )
        rule, provenance = show.disclosure_rule(), show.stamp(view)
        show.download_button(
            "Download where each ward lies (CSV)",
            partial(funnel.positions_csv, funnel.positions_download(compared), rule, provenance),
            file_name="assaults_funnel_positions.csv",
            mime="text/csv",
            key="dl_assaults_funnel_positions",
            icon=":material/download:",
            on_click="ignore",
            help=show.inside_and_outside(rule) + " Where a count is hidden, so is whether that ward is outside "
            "its limits; the limits themselves stay on screen.",
        )
        st.caption(literal(funnel.method_sentence(compared)))
        with st.expander("Every ward against its limits (for researchers)"):
            st.dataframe(funnel.every_ward(compared), hide_index=True, width="stretch")
    for r in compared.left_out.itertuples(index=False):
        st.caption(literal(f"{r.ward_label} is not compared: {r.reason}."))

with guarded("drawing the chart over time"):
    st.header(f"{noun.capitalize()} over time")
    ward_opts = {words.WHOLE_HOSPITAL: "Whole hospital (wards in view)"}
    ward_opts.update(WARD_LABELS)
    chosen = view.filters.wards
    start = list(ward_opts).index(chosen[0]) if len(chosen) == 1 and chosen[0] in ward_opts else 0  # one ward: its own
    ward = st.selectbox("Ward", list(ward_opts), format_func=ward_opts.get, key="a_ward", index=start)
    classified, events = cache.analysed(
        words.incident_spc, view, outcome, ward, events=view.data.table("events"), run_length=settings.run_length()
    )
    title = f"{noun.capitalize()} {rate_label()}: {ward_opts[ward]}"
    fig, alt = cache.figure(spc_figure, view, classified, title, f"Rate {rate_label()}", events=events)
    icon = variation_icon(classified, f"rate of {noun}")
    i1, i2 = st.columns([1, 12], vertical_alignment="center")
    i1.markdown(icon["svg"], unsafe_allow_html=True)
    i2.markdown(f"**{icon['label']}.** {icon['description']}")
    st.caption(run_length_words(settings.run_length()) + " Change the run in the sidebar's Settings.")
    shown = classified.assign(month=uk_months(classified["period"]))[
        ["month", "count", "exposure", "rate", "centre", "lower", "upper", "variation", "rule"]
    ]
    shown.attrs = {}  # chart settings (timestamps) that the table view cannot serialise
    table = shown.rename(columns={"exposure": "occupied_bed_days"})
    _spc_chart(fig, alt, table, "assaults_spc", view, classified, title, f"Rate {rate_label()}", events)
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
        sd = {
            label: p
            for p, label in (
                (words.PATIENT_SOCIAL_DISTANCE, "Patient-rated"),
                (words.STAFF_SOCIAL_DISTANCE, "Staff-rated"),
            )
            if p in predictors
        }
        fits = {
            label: cache.analysed(
                fit_counts, view, outcome=outcome, predictor=p, lag=lag, adjust=list(adjust), errors=errors, zeros=False
            )
            for label, p in sd.items()
        }
        table = words.claims_table(fits)
        if table.empty:
            st.info("Neither rating of reduced social distance could be related to incidents with these data.")
        else:
            for label, r in fits.items():
                st.markdown(f"**{label}:** {literal(r.sentence.split(' This is an association')[0])}")
            fig, alt = cache.figure(
                charts.rate_ratio_figure,
                view,
                table,
                f"{noun.capitalize()}: reduced social distance",
                group="comparison",
            )
            show.chart(fig, alt, table, "assaults_social_distance", view)

    with guarded("comparing incident types"):
        st.header("Every incident type, side by side")
        st.caption(
            "The same model for each incident type: how many times as many incidents per 10-point rise within a "
            "ward (1 means no change; below 1, fewer)."
        )
        every = cache.analysed(
            fit_all_incidents, view, predictor=predictor, lag=lag, adjust=list(adjust), errors=errors, zeros=False
        )
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
        x = result.diagnostics
        st.markdown(f"**Model family.** {x.family_choice}")
        zeros = x.zeros or {}
        if zeros:
            st.markdown(f"**Months with none.** {zeros.get('sentence', '')}")
            st.caption(zeros.get("note", ""))
        comp = x.comparison
        st.markdown(f"**Model comparison.** {comp['note']}")
        st.dataframe(
            pd.DataFrame(
                [
                    {"model": "Poisson", "AIC": comp["aic_poisson"], "log-likelihood": comp["llf_poisson"]},
                    {"model": "Negative binomial", "AIC": comp["aic_negbin"], "log-likelihood": comp["llf_negbin"]},
                ]
            ),
            hide_index=True,
        )
        d = x.dispersion
        st.caption(
            f"Over-dispersion: alpha {d['alpha']:.3f}, Pearson ratio {d['pearson_ratio']:.2f}, "
            f"likelihood-ratio statistic {d['lr_statistic']:.1f} ({d['test']})."
        )
        (fw, tw), (fm, tm) = cache.figure(
            charts.residual_figures, view, x.residuals_by_ward, x.residuals_by_month, WARD_LABELS
        )
        _residual_chart(fw, tw, x.residuals_by_ward.round(3), "assaults_resid_ward", view)
        by_month = x.residuals_by_month
        by_month = by_month.assign(month=uk_months(by_month["month"])).round(3)
        _residual_chart(fm, tm, by_month, "assaults_resid_month", view)

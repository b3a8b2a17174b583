"""Question 2: can co-production reduce assaults on staff?"""

import pandas as pd
import streamlit as st

from analysis.charts import assaults as charts
from analysis.charts.spc import spc_figure
from analysis.data.contract import ADJUSTMENTS, MODELLED_INCIDENTS
from analysis.questions.assaults import view as words
from analysis.spc.icons import variation_icon
from analysis.stats.counts import fit_all_incidents, fit_counts
from analysis.stats.counts.describe import outcome_words
from analysis.text import literal, rate_label, uk_month
from ui import cache, show
from ui.frame import current_view, filter_caption
from ui.safe import guarded

ERRORS = {
    "cluster": "Cluster-robust by ward (recommended)",
    "gee": "GEE, exchangeable correlation within ward",
    "fixed_effects": "Ward fixed effects (each ward compared only with itself)",
}
PRED_KEY = "a_predictor"
RATE_COLS = {"rate_per_1000_obd": ("count", "occupied_bed_days", 1000)}


def _staff_social_distance() -> None:
    st.session_state[PRED_KEY] = words.STAFF_SOCIAL_DISTANCE


def _residual_chart(fig, alt: str, data: pd.DataFrame, name: str, view) -> None:
    """A residual chart inside an expander (expanders cannot hold another 'Show the data' expander).

    Staff see observed and expected counts; the download keeps the observed count under the disclosure
    rule and leaves out the expected count, which with the residual would give the hidden count back.
    """
    st.plotly_chart(fig, width="stretch", key=f"chart_{name}", config=show.CHART_CONFIG)
    st.caption(literal(alt))
    st.dataframe(data, hide_index=True, width="stretch")
    leaving = data.drop(columns=[c for c in data.columns if c.startswith("expected") or "resid" in c])
    show.download(leaving, name, view, counts=[c for c in ("observed",) if c in leaving])


view = current_view()
st.title("Assaults on staff (Q2)")
st.markdown(
    "**Can co-production reduce assaults on staff?** Assaults per 1,000 occupied bed days on each ward, "
    "against its co-production survey scores, allowing for the small number of wards."
)
filter_caption(view)

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

c1, c2, c3 = st.columns([1, 1.3, 0.9], vertical_alignment="bottom")
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
    if st.session_state.get(PRED_KEY) not in predictors:
        st.session_state[PRED_KEY] = next(iter(predictors))
    predictor = c2.selectbox(
        "Co-production measure",
        list(predictors),
        format_func=predictors.get,
        key=PRED_KEY,
        help="The overall index or one of its four core aspects, as patients or as staff rate it.",
    )
    if words.STAFF_SOCIAL_DISTANCE in predictors:
        c3.button(
            "Staff-rated reduced social distance",
            key="a_staff_sd",
            on_click=_staff_social_distance,
            help="One click: do wards where staff report less social distance from patients have fewer "
            "assaults on staff? (The tension between therapeutic boundaries and humanised relationships.)",
        )
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
        h = result.headline
        show.answer(
            result,
            "Rate ratio per 10 points (within ward)",
            words.rate_ratio_text(h.estimate, h.ci_low, h.ci_high) if h else None,
        )
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
                    b = result.diagnostics.between
                    if b:
                        st.metric(
                            "Rate ratio per 10 points (between wards)",
                            words.rate_ratio_text(b["rate_ratio"], b["ci_low"], b["ci_high"]),
                        )
                        st.markdown(claims["between"])
                    else:
                        st.markdown("Not estimated in this model (ward fixed effects, or one ward).")
        else:
            show.needs(
                "at least 5 wards and 12 months with occupied bed days, incident counts and co-production scores."
            )

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
        shown_wards = {str(w): str(lab) for w, lab in zip(points["ward_id"], points["ward_label"])}
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

with guarded("drawing the chart over time"):
    st.header(f"{noun.capitalize()} over time")
    ward_opts = {words.WHOLE_HOSPITAL: "Whole hospital (wards in view)"}
    ward_opts.update(WARD_LABELS)
    chosen = view.filters.wards
    start = list(ward_opts).index(chosen[0]) if len(chosen) == 1 and chosen[0] in ward_opts else 0  # one ward: its own
    ward = st.selectbox("Ward", list(ward_opts), format_func=ward_opts.get, key="a_ward", index=start)
    classified, events = cache.analysed(words.incident_spc, view, outcome, ward, events=view.data.table("events"))
    title = f"{noun.capitalize()} {rate_label()}: {ward_opts[ward]}"
    fig, alt = cache.figure(spc_figure, view, classified, title, f"Rate {rate_label()}", events=events)
    icon = variation_icon(classified, f"rate of {noun}")
    i1, i2 = st.columns([1, 12], vertical_alignment="center")
    i1.markdown(icon["svg"], unsafe_allow_html=True)
    i2.markdown(f"**{icon['label']}.** {icon['description']}")
    shown = classified.assign(month=classified["period"].map(uk_month))[
        ["month", "count", "exposure", "rate", "centre", "lower", "upper", "variation", "rule"]
    ]
    shown.attrs = {}  # chart settings (timestamps) that the table view cannot serialise
    show.chart(
        fig,
        alt,
        shown.rename(columns={"exposure": "occupied_bed_days"}),
        "assaults_spc",
        view,
        counts=["count"],
        rates={"rate": ("count", "occupied_bed_days", 1000)},
    )

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
        st.caption("The same model for each incident type: rate ratio per 10-point rise within a ward.")
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
        by_month = by_month.assign(month=by_month["month"].map(uk_month)).round(3)
        _residual_chart(fm, tm, by_month, "assaults_resid_month", view)

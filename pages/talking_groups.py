"""Talking groups (ward community meetings): what changed when wards started them, and reduced social distance."""

from functools import partial

import pandas as pd
import streamlit as st

from analysis.charts import talking_groups as charts
from analysis.charts import talking_groups_sessions as session_charts
from analysis.charts.published import Rechart
from analysis.disclosure.periods import before_after_counts
from analysis.disclosure.repeated import hidden_keys, hide_with
from analysis.overview.confidence import confidence_parts
from analysis.panel.own_instruments import is_own
from analysis.questions import specs
from analysis.questions.glossary import terms_in
from analysis.questions.talking_groups import sessions as S
from analysis.questions.talking_groups import view as V
from analysis.questions.talking_groups.model import start_dates
from analysis.questions.verdicts import shortfall, talking_groups_figure_words, talking_groups_verdict
from analysis.text import literal, plural, uk_months
from ui.cache import analysed, figure, panel
from ui.frame import current_view, filter_caption
from ui.instruments import own_measures
from ui.safe import guarded
from ui.show import chart, download, inside_and_outside, needs

# Sessions held and attendances are counts that leave the app under the small-number rule; attendance per session
# is made from them (so hidden when either is). Wards running groups and months before/after are not counts of people.
ATTENDANCE_COUNTS = ("sessions_held", "attendances")
ATTENDANCE_RATES = {"attendance_per_session": ("attendances", "sessions_held", 1)}
NEEDS_STARTS = (
    "an events table with one 'talking_groups_started' row per ward (the date its talking groups "
    "began), and the ward months with talking group sessions held and attendances."
)

st.title("Talking groups")
view = current_view()
filter_caption(view)
INTRO = (
    "Talking groups are ward community meetings where patients and staff talk together as equals. Wards started "
    "them at different times. This page asks what changed once a ward started, compared with wards that had not "
    "started yet, and what reduced social distance asks of staff."
)


def _verdict(res, outcome: str, kind: str, key: str | None = None) -> None:
    """The verdict (analysis.questions.verdicts.talking_groups_verdict), how sure and the figure in plain words."""
    noun = V.outcome_noun(outcome)
    better = V.outcome_better(outcome)
    negligible = V.NEGLIGIBLE_POINTS if outcome.startswith("coproduction_") else None
    level, sure, _ = confidence_parts(res, negligible=negligible)
    why = shortfall(res.n_wards, res.diagnostics.months)
    verdict = talking_groups_verdict(res, level, noun, better, why, negligible, scores=kind != "count")
    box = st.container(key=key) if key else st.container()
    box.markdown(f"**{literal(verdict.text)}.**")
    st.markdown(f"How sure: **{literal(level.lower())}**" + (f" ({literal(sure)})" if sure else ""))
    figure_text = talking_groups_figure_words(res, noun, better) if level != "Not enough data" else ""
    if figure_text:
        st.markdown(literal(figure_text + "."))


def _researchers(res, kind: str) -> None:
    """The exact sentence, the slope change, the method (its t reference's degrees of freedom) and the words."""
    with st.expander("For researchers: the exact figures, the model and the words used"):
        notes = [res.sentence]
        figure_exact = V.key_figure(res, kind)
        if figure_exact:
            notes.append(f"{res.headline.name[:1].upper()}{res.headline.name[1:]}: {figure_exact}.")
        slope = V.slope_words(res, kind)
        if slope:
            notes.append(slope)
        adjust = V.adjustment_words(res)
        if adjust:
            notes.append(adjust)
        for note in notes:
            st.markdown(literal(note))
        st.markdown(
            f"**Model:** {literal(res.family)}. **Method:** {literal(res.method.rstrip('.'))}.  \n"
            f"**Data:** {plural(res.n_wards, 'ward')}, {plural(res.n_obs, 'observation')}."
        )
        if len(res.estimates):
            st.dataframe(res.estimates, hide_index=True, width="stretch")
        words = terms_in(*notes, res.method)
        if words:
            st.markdown("**Words used here**")
            st.markdown("\n".join(f"- **{literal(t)}**: {literal(m)}" for t, m in words.items()))


def _months(df: pd.DataFrame, cols=("month",)) -> pd.DataFrame:
    """UK month labels for the tables shown and downloaded."""
    return df.assign(**{c: uk_months(pd.to_datetime(df[c])) for c in cols if c in df.columns})


STAFF_COUNTS = ("staff_attendances", "meetings")
STAFF_RATES = {"staff_per_meeting": ("staff_attendances", "meetings", 1)}


def _staff_table(spc: pd.DataFrame) -> pd.DataFrame:
    """The table behind the chart of staff per meeting (what its CSV is made from), UK months."""
    return _months(
        spc[["period", "count", "exposure", "value", "centre", "lower", "upper", "variation"]].rename(
            columns={
                "period": "month",
                "count": "staff_attendances",
                "exposure": "meetings",
                "value": "staff_per_meeting",
            }
        )
    )


def _meetings_hidden_as(key, source, column, counts, rates, keep, table, rule):
    """`ui.show.chart`'s `prepare` for a table that repeats each month's or ward's meetings on several rows: hidden
    on every row of each month or ward whose meetings `source` (the page's own table of them) hides, so a reader
    cannot set the total against the months or wards published (`analysis.disclosure.repeated`)."""
    return hide_with(table, key, "meetings", hidden_keys(source, key, column, counts, rule, rates, keep), rule)


def _staff_drawn(where: str, classified: pd.DataFrame):
    """The chart of staff per meeting drawn from a classified chart (for its picture, from the published counts)."""
    return session_charts.staff_spc_figure(classified, where)[0]


def _dose_download(table: pd.DataFrame, p: pd.DataFrame, outcome: str, kind: str):
    """The attendance-per-ward table as it leaves the app: sessions and attendances are counts; for an incident
    outcome the mean monthly rates give way to the counts before and after and rates made from the published counts."""
    counts, rates = list(ATTENDANCE_COUNTS), dict(ATTENDANCE_RATES)
    if kind != "count":
        return table, counts, rates
    by_period, period_counts, period_rates = before_after_counts(p, outcome)
    rate_cols = [c for c in table.columns if c.startswith(f"{outcome}_rate_per_1000_obd_")]
    out = table.drop(columns=rate_cols).merge(by_period, on="ward_id", how="left")
    return out, counts + period_counts, rates | period_rates


NO_LOG = (
    "The talking group session log is not loaded, so how the meetings run cannot be shown. It needs "
    + S.NEEDS
    + ". Coded fields only: no names and no minutes. The template on the Data page has a talking_group_sessions "
    "sheet; the sample hospital ships one."
)
LAGS = {1: "1 month later", 0: "the same month", 2: "2 months later", 3: "3 months later"}


def _how_meetings_run(p: pd.DataFrame) -> None:
    """How the meetings run: shown when the session log is loaded, with what it needs when it is not."""
    st.header("How the meetings run")
    log = view.data.table(S.TABLE)
    if not S.has_log(view.dataset.table(S.TABLE)):  # loaded at all (the filters may leave no meeting in view)
        st.info(NO_LOG, icon=":material/info:")
        return
    if not S.has_log(log):
        st.info("No talking group meetings are recorded for the wards and months in view.", icon=":material/info:")
        return
    m = analysed(S.how_meetings_run, view, log, view.data.table("wards"))
    if not len(m.summary):
        st.info("No talking group meetings are recorded for the wards and months in view.", icon=":material/info:")
        return
    st.markdown(f"**{literal(m.answer)}**")
    st.markdown(literal(m.overall))
    st.caption(
        "Staff attendance fell where the latest month of its SPC chart (staff per meeting) is a special cause "
        "below the ward's usual level. An item resolved by the next meeting waited at most the days until it."
    )
    table = S.ward_table(m.summary)
    with st.expander("Each ward's meetings"):
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(inside_and_outside())
        download(table, "talking_groups_meetings_by_ward", view, counts=S.WARD_TABLE_COUNTS, rates=S.WARD_TABLE_RATES)

    st.subheader("Who comes")
    with guarded("drawing staff attendance by role"):
        fig, alt = figure(session_charts.staff_roles_figure, view, m.by_role)
        every_ward = _staff_table(S.staff_chart(m.month_rows))  # each month's meetings as its SPC chart leaves
        chart(
            fig,
            alt,
            _months(m.by_role),
            "talking_groups_staff_by_role",
            view,
            counts=S.BY_ROLE_COUNTS,
            rates=S.BY_ROLE_RATES,
            prepare=partial(
                _meetings_hidden_as, "month", every_ward, "meetings", STAFF_COUNTS, STAFF_RATES, ("month",)
            ),
        )
    names = dict(zip(m.summary["ward_id"], m.summary.get("ward", m.summary["ward_id"])))
    options = ["", *m.summary["ward_id"].astype(str)]
    ward = st.selectbox(
        "Staff per meeting on",
        options,
        key="tg_meetings_ward",
        format_func=lambda w: "All wards in view" if w == "" else f"{w} {names.get(w, '')}",
        help="The SPC chart of staff per meeting for one ward, or the wards in view together.",
    )
    with guarded("drawing the SPC chart of staff per meeting", "Choose another ward."):
        spc = S.staff_chart(m.month_rows, ward or None)
        where = "all wards in view" if not ward else str(names.get(ward, ward))
        fig, alt = figure(session_charts.staff_spc_figure, view, spc, where)
        data = _staff_table(spc)
        counts, rates = STAFF_COUNTS, STAFF_RATES
        # a month's limits give its meetings back (upper = centre + 3 * sqrt(centre / meetings)), a lone month's
        # centre is its figure, its variation says which side of a limit it fell, and the average over the months
        # gives a hidden month back from the others: what leaves shows none of a hidden month's figures and is
        # worked out again from the published counts (ui.show.chart with `keep` and `spc`)
        spc = Rechart(
            spc,
            {c: c for c in ("centre", "lower", "upper", "variation")},
            draw=partial(_staff_drawn, where),
            count="staff_attendances",
            exposure="meetings",
            digits=None,
        )
        name = f"talking_groups_staff_spc_{ward or 'all'}"
        one = bool(ward)  # one ward's months are single ward-months; all wards' are totals over the wards
        chart(fig, alt, data, name, view, counts=counts, rates=rates, keep=("month",), spc=spc, units=one)

    st.subheader("What is raised, and what becomes of it")
    with guarded("drawing the items raised"):
        fig, alt = figure(session_charts.items_figure, view, m.by_kind, names)
        by_ward = table.assign(ward_id=m.summary["ward_id"].astype(str).to_numpy())  # each ward's meetings, as its CSV
        hide = partial(
            _meetings_hidden_as, "ward_id", by_ward, "Meetings", S.WARD_TABLE_COUNTS, S.WARD_TABLE_RATES, None
        )
        chart(
            fig,
            alt,
            m.by_kind,
            "talking_groups_items_by_kind",
            view,
            counts=S.BY_KIND_COUNTS,
            rates=S.BY_KIND_RATES,
            prepare=hide,
        )
        fig, alt = figure(session_charts.resolution_figure, view, m.summary)
        resolved = ("Items raised", "Items resolved", "Items carried over")
        shown = table[["Ward", *resolved, "Resolved by the next meeting (%)", "Carried over (%)"]]
        chart(fig, alt, shown, "talking_groups_items_resolved", view, counts=resolved, rates=S.WARD_TABLE_RATES)

    st.subheader("Do busier or more responsive months come before better ones?")
    lag = st.selectbox(
        "Compare with the outcome",
        list(LAGS),
        key="tg_meetings_lag",
        format_func=LAGS.get,
        help="How long after a month's meetings the outcome is taken.",
    )
    with guarded("fitting the dose-response models", "Try another lag or widen the filters."):
        dose = analysed(S.dose_response, view, log, lag)
        for line in dose.sentences[:-1]:
            st.markdown(literal(line))
        st.caption(literal(dose.sentences[-1]))
        if len(dose.table):
            fig, alt = figure(session_charts.dose_figure, view, dose.table, lag)
            people = S.dose_table_for_people(dose.table, lag)
            chart(fig, alt, people, f"talking_groups_dose_lag{lag}", view)
            with st.expander("For researchers: the models"):
                for (outcome, predictor), res in dose.results.items():
                    if res.headline is not None:
                        st.markdown(
                            f"**{literal(S.OUTCOMES[outcome])} and {literal(S.PREDICTORS[predictor][0])}:** "
                            f"{literal(res.family)}; {literal(res.method.rstrip('.'))}. "
                            f"{plural(res.n_wards, 'ward')}, {plural(res.n_obs, 'observation')}."
                        )


def _timeline(p: pd.DataFrame, starts) -> pd.DataFrame:
    """V.timeline_table of the panel with the start dates kept (cached with ui.cache.analysed: 1.6 s at 1,000 wards)."""
    return V.timeline_table(V.with_starts(p, starts))


def _dose_table(p: pd.DataFrame, starts, outcome: str) -> pd.DataFrame:
    """V.dose_table of the panel with the start dates kept (cached with ui.cache.analysed: 1.8 s at 1,000 wards)."""
    return V.dose_table(V.with_starts(p, starts), outcome)


def _page() -> None:
    p = panel(view)
    if not len(p):
        needs(
            "ward months (occupied bed days, talking group sessions) for the wards and months chosen.",
            "No ward months match the filters.",
        )
        return
    # A period filter drops start events before the period; the start is a fact about the ward, so keep it.
    starts = start_dates(view.dataset.table("events")) if view.filters.start is not None else None
    p = V.with_starts(p, starts)
    timeline = analysed(_timeline, view, starts)
    if not timeline["talking_groups_start"].notna().any():
        needs(NEEDS_STARTS, "No ward in view has a talking-groups start date.")
        _how_meetings_run(p)  # the session log says how the meetings run without a start date
        return

    # ---- the primary outcome first: patient-rated co-production (V.PRIMARY_WHY says why)
    with guarded("working out the answer for patient-rated co-production", "Widen the filters."):
        primary = analysed(V.pooled, view, V.PRIMARY, "linear", starts)
        _verdict(primary, V.PRIMARY, "linear", key="verdict_talking_groups")
        if not primary.ok:
            needs(
                "survey returns (for co-production) in months both before and after wards started talking groups.",
                literal(primary.sentence),
            )
        else:
            st.caption(literal(" ".join(primary.caveats)))
            _researchers(primary, "linear")
    st.markdown(INTRO)
    st.caption(V.PRIMARY_WHY)

    st.header("Other outcomes")
    measures = view.data.table("recovery").get("measure", pd.Series(dtype="str")).dropna().unique()
    own = [m.column for m in specs.MEASURES.values() if is_own(m.column)]  # the instrument table's, in its order
    choices = V.outcome_choices(p.columns, measures, specs.instrument_outcomes(p))
    label = st.selectbox(
        "Outcome",
        list(choices),
        key="tg_outcome",
        help="What to compare before and after talking groups started. The first is the answer above; the "
        "one-ward chart and attendance below follow this choice.",
    )
    outcome, kind, axis = choices[label]
    for line in specs.not_offered(p, own, what="outcomes"):  # an own instrument with no returns, in its own words
        st.caption(literal(line))

    if outcome == V.PRIMARY:
        st.markdown("This is the outcome answered at the top of the page. Choose another to compare.")
    else:
        with guarded("working out the pooled before-and-after", "Try another outcome or widen the filters."):
            res = analysed(V.pooled, view, outcome, kind, starts)
            if not res.ok:
                needs(
                    "survey returns (for co-production and social distance), the ward months (for assaults) or "
                    "recovery scores, in months both before and after wards started talking groups.",
                    literal(res.sentence),
                )
            else:
                _verdict(res, outcome, kind)
                _researchers(res, kind)

    st.header("When each ward started")
    with guarded("drawing the timeline"):
        first, last = p["month"].min(), p["month"].max()
        fig, alt = figure(charts.timeline_figure, view, timeline, first, last)
        chart(fig, alt, _months(timeline, ("talking_groups_start",)), "talking_groups_timeline", view)

    st.header("Before and after on one ward")
    started = timeline[timeline["talking_groups_start"].notna()]
    wards = dict(
        zip(started["ward_id"], started["ward"] + " (started " + uk_months(started["talking_groups_start"]) + ")")
    )
    ward = st.selectbox(
        "Ward",
        list(wards),
        key="tg_ward",
        format_func=wards.get,
        help="Only wards that started talking groups have a before and after.",
    )
    with guarded("drawing the ward's before and after", "Choose another ward or outcome."):
        w_res, data = analysed(V.one_ward, view, ward, outcome, kind, starts)
        if not len(data):
            st.info(literal(w_res.sentence), icon=":material/info:")
        else:
            fig, alt = figure(
                charts.before_after_figure, view, data, wards[ward].split(" (")[0], axis, w_res.diagnostics.start
            )
            counts, rates = (), None
            if kind == "count":
                raw = p[p["ward_id"].astype(str) == str(ward)][["month", outcome, "occupied_bed_days"]]
                data = data.merge(raw, on="month", how="left")
                counts, rates = [outcome], {"observed": (outcome, "occupied_bed_days", 1000)}
            name = f"talking_groups_before_after_{ward}"  # one ward's months: single ward-months
            chart(fig, alt, _months(data), name, view, counts=counts, rates=rates, units=True)
            st.markdown(literal(w_res.sentence))
            st.caption(
                "The dashed line carries the ward's trend before the start on, as a guide to what might "
                "have happened without talking groups; a single ward cannot rule out other changes at "
                "the same time, which is why the answer at the top compares wards."
            )

    st.header("Sessions and attendance")
    with guarded("summarising attendance"):
        monthly = analysed(V.attendance_by_month, view)
        if not len(monthly) or not monthly["sessions_held"].fillna(0).gt(0).any():
            st.info("No talking group sessions are recorded in the ward months in view.", icon=":material/info:")
        else:
            fig, alt = figure(charts.attendance_figure, view, monthly)
            chart(
                fig,
                alt,
                _months(monthly),
                "talking_groups_attendance",
                view,
                counts=ATTENDANCE_COUNTS,
                rates=ATTENDANCE_RATES,
            )
            dose = analysed(V.dose, view, outcome, kind, starts)
            st.markdown(literal(dose.sentence))
            with st.expander("Attendance per ward, and the outcome before and after"):
                table = analysed(
                    _dose_table, view, starts, outcome if kind == "linear" else f"{outcome}_rate_per_1000_obd"
                )
                st.dataframe(table, hide_index=True, width="stretch")
                st.caption(inside_and_outside())
                out, counts, rates = _dose_download(table, p, outcome, kind)
                download(out, "talking_groups_attendance_by_ward", view, counts=counts, rates=rates)

    _how_meetings_run(p)

    st.header("What reduced social distance asks of staff")
    st.markdown(
        "Reduced social distance means staff and patients relating as people, not only as roles. In secure "
        "care it pulls against therapeutic boundaries and security, so it matters whether staff and "
        "patients see it the same way."
    )
    with guarded("comparing staff and patient views of social distance"):
        rsd = V.social_distance_table(p)
        fits = {r: analysed(V.pooled, view, col, "linear", starts) for r, col in V.RSD.items() if col in p.columns}
        for line in V.social_distance_words(rsd, fits.get("patients"), fits.get("staff")):
            st.markdown(line)
        if len(rsd):
            with st.expander("Show the data"):
                st.dataframe(rsd, hide_index=True, width="stretch")
                download(rsd, "talking_groups_social_distance", view)


own_scores = own_measures(view)  # a hospital's own instruments' scores join the outcomes, as on the Model builder
if own_scores is not None:
    with (
        own_scores,
        guarded("showing the talking groups page", "Widen the filters or check the data on the Data page."),
    ):
        _page()

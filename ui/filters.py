"""The shared sidebar filters (wards, service, security level, period), kept in the URL.

The filters themselves are `analysis.data.filters.Filters`; this module draws the widgets, reads a
shared link's query parameters on a session's first load, and writes the current choice back to
the URL so the view can be shared.

The period is a span of months, chosen by month, by financial-year quarter or by financial year ("Period
by"). The chosen span lives in session state under ``f_period`` as ("YYYY-MM", "YYYY-MM"), not in a widget:
each way of choosing has its own slider, drawn from that span, so switching the way of choosing, a page or
the data keeps the span. (A range slider must be built as a range, ``value=(a, b)``; one left to take its
range from session state reads every value the browser sends back as a single month and snapped back to
the first month after a page switch or a drag.)

Streamlit's browser code keeps only widget-bound query parameters when the user switches page, so a page
switch first shows the bare page address and the filters came back only when the new page's sidebar was
drawn: a reload in between lost them, and the extra history entry made Back land on the same page.
`keep_filters_in_url`, called by dashboard.py before `st.navigation`, puts them back in one message before
the new page's address is written, so the address never drops them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from analysis.data.contract import SECURITY_LEVELS
from analysis.data.dataset import Dataset
from analysis.data.filters import Filters, PeriodChoice, period_choices, snap
from analysis.text import PERIODS_BY
from ui.frame import View

# widget keys (and the session-state key of the chosen span of months), and the query parameter each is shared as
KEYS = {
    "wards": "f_wards",
    "services": "f_services",
    "security_levels": "f_security",
    "period": "f_period",
    "period_by": "f_period_by",
}
SLIDER = "f_period_{by}"  # one period slider per way of choosing
PARAMS = {"wards": "ward", "services": "service", "security_levels": "security"}
START, END, BY = "from", "to", "by"
BY_LABELS = {"months": "Months", "quarters": "Quarters", "years": "Financial years"}
_READ_URL = "_filters_read_from_url"
_CURRENT = "_filters_current"  # the Filters the last run drew: carried into the URL before the next page draws
_RANGE = "_filters_months"  # the data's (first, last) month when the filters were last drawn


@dataclass(frozen=True)
class FilterOptions:
    """What can be chosen in a data set."""

    wards: dict[str, str]  # ward_id -> "W01 Iona"
    services: list[str]
    security_levels: list[str]
    months: list[str]  # "YYYY-MM", in order

    @classmethod
    def of(cls, dataset: Dataset) -> FilterOptions:
        """The choices in `dataset` (worked out once per data set: every run draws the sidebar)."""
        return _options(dataset.fingerprint(), dataset)

    def choices(self, by: str) -> list[PeriodChoice]:
        """The period slider's steps: months, financial-year quarters or financial years."""
        return _choices(tuple(self.months), by)


@st.cache_data(max_entries=16, show_spinner=False)
def _options(fingerprint: str, _dataset: Dataset) -> FilterOptions:
    w = _dataset.table("wards")
    wards = {}
    for row in w.sort_values("ward_id").itertuples(index=False) if len(w) else ():
        name = str(row.ward_name) if pd.notna(row.ward_name) else ""
        wards[str(row.ward_id)] = f"{row.ward_id} {name}".strip()
    services = sorted({str(s) for s in w["service"].dropna()}) if len(w) else []
    present = {str(s) for s in w["security_level"].dropna()} if len(w) else set()
    levels = [s for s in SECURITY_LEVELS if s in present] + sorted(present - set(SECURITY_LEVELS))
    wm = _dataset.table("ward_months")
    # distinct months first: a national table has 1,000 rows for each month
    months = sorted({m.strftime("%Y-%m") for m in pd.to_datetime(wm["month"]).dropna().unique()}) if len(wm) else []
    return FilterOptions(wards, services, levels, months)


@st.cache_data(max_entries=64, show_spinner=False)
def _choices(months: tuple[str, ...], by: str) -> list[PeriodChoice]:
    return period_choices(list(months), by)


def month_label(m: str) -> str:
    return pd.Timestamp(m + "-01").strftime("%b %Y")


def _listed(values, allowed) -> list[str]:
    allowed = list(allowed)
    return [v for v in dict.fromkeys(str(x) for x in values) if v in allowed]


def _within(start: str | None, end: str | None, months: list[str]) -> tuple[str, str]:
    """A span of months clipped to the data's months (each end moved to the nearest month the data have)."""
    start = start if isinstance(start, str) else months[0]
    end = end if isinstance(end, str) else months[-1]
    if start > end:
        start, end = end, start
    first = next((m for m in months if m >= start), months[-1])
    last = next((m for m in reversed(months) if m <= end), months[0])
    return (first, last) if first <= last else (last, first)


def _from_url(options: FilterOptions) -> None:
    """On a session's first run, set the filters from a shared link's query parameters."""
    qp = st.query_params
    ss = st.session_state
    ss[KEYS["wards"]] = _listed(qp.get_all(PARAMS["wards"]), options.wards)
    ss[KEYS["services"]] = _listed(qp.get_all(PARAMS["services"]), options.services)
    ss[KEYS["security_levels"]] = _listed(qp.get_all(PARAMS["security_levels"]), options.security_levels)
    by = qp.get(BY)
    ss[KEYS["period_by"]] = by if by in PERIODS_BY else "months"
    if options.months:
        ss[KEYS["period"]] = _within(_month_param(qp.get(START)), _month_param(qp.get(END)), options.months)


def _month_param(value: str | None) -> str | None:
    """'2025-04' from a link's from= or to= ('2025-4' and '2025-04-01' too); None when it is not a month."""
    if not value:
        return None
    try:
        return pd.Timestamp(str(value)).strftime("%Y-%m")
    except ValueError:
        return None


def _keep_valid(options: FilterOptions) -> None:
    """Drop choices the current data set does not have (after switching data source); a widget value Streamlit
    no longer holds falls back to the last run's filters rather than to "all"."""
    ss = st.session_state
    last = ss.get(_CURRENT) or Filters()
    for field, allowed in (
        ("wards", options.wards),
        ("services", options.services),
        ("security_levels", options.security_levels),
    ):
        key = KEYS[field]
        ss[key] = _listed(ss[key] if key in ss else getattr(last, field), allowed)
    by = ss.get(KEYS["period_by"], last.period_by)
    ss[KEYS["period_by"]] = by if by in PERIODS_BY else "months"
    period = ss.get(KEYS["period"])
    if options.months:
        ok = isinstance(period, tuple | list) and len(period) == 2 and all(isinstance(p, str) for p in period)
        ss[KEYS["period"]] = _within(*period, options.months) if ok else (options.months[0], options.months[-1])


def _follow_new_months(options: FilterOptions) -> None:
    """When the data's first or last month changes within a session (an import widened one stored month to 60,
    another data source), the period becomes the new full range: a span clipped from the old months would
    otherwise hide the new ones. Only a from= or to= the link (the URL) names within the new range is kept."""
    ss = st.session_state
    span = (options.months[0], options.months[-1]) if options.months else None
    was = ss.get(_RANGE)
    ss[_RANGE] = span
    if was is None or span is None or tuple(was) == span:
        return
    qp = st.query_params
    first, last = span
    start, end = _month_param(qp.get(START)), _month_param(qp.get(END))
    start = start if start is not None and first <= start <= last else first
    end = end if end is not None and first <= end <= last else last
    ss[KEYS["period"]] = _within(start, end, options.months)
    for by in PERIODS_BY:  # each slider starts afresh from the new span
        ss.pop(SLIDER.format(by=by), None)


def _period_slider(options: FilterOptions, by: str) -> None:
    """The slider for `by`, starting from the chosen span; what it shows becomes the chosen span."""
    ss = st.session_state
    for other in PERIODS_BY:  # the other ways' sliders start afresh from the chosen span when chosen again
        if other != by:
            ss.pop(SLIDER.format(by=other), None)
    choices = options.choices(by)
    if not choices:
        return
    i, j = snap(*ss[KEYS["period"]], choices)
    if len(choices) > 1:
        firsts = [c.first for c in choices]
        labels = {c.first: c.label for c in choices}
        a, b = st.sidebar.select_slider(
            "Period",
            firsts,
            value=(firsts[i], firsts[j]),  # a range slider, started at the chosen span
            key=SLIDER.format(by=by),
            format_func=labels.get,
            label_visibility="collapsed",
        )
        i, j = firsts.index(a), firsts.index(b)
    ss[KEYS["period"]] = (choices[i].first, choices[j].last)


def filters_from_state(options: FilterOptions) -> Filters:
    """The Filters the sidebar holds now (all-inclusive choices become "all")."""
    ss = st.session_state
    start = end = None
    period = ss.get(KEYS["period"])
    if options.months and period:
        if period[0] != options.months[0]:
            start = pd.Timestamp(period[0] + "-01")
        if period[1] != options.months[-1]:
            end = pd.Timestamp(period[1] + "-01")
    by = ss.get(KEYS["period_by"], "months")
    return Filters(
        wards=tuple(ss.get(KEYS["wards"], ())),
        services=tuple(ss.get(KEYS["services"], ())),
        security_levels=tuple(ss.get(KEYS["security_levels"], ())),
        start=start,
        end=end,
        period_by=by if by in PERIODS_BY else "months",
    )


def query_params_for(filters: Filters) -> dict[str, list[str] | str]:
    """The query parameters that share these filters (nothing for "all", by month)."""
    qp: dict[str, list[str] | str] = {}
    for field, name in PARAMS.items():
        values = list(getattr(filters, field))
        if values:
            qp[name] = values
    if filters.start is not None:
        qp[START] = filters.start.strftime("%Y-%m")
    if filters.end is not None:
        qp[END] = filters.end.strftime("%Y-%m")
    if filters.period_by != "months":
        qp[BY] = filters.period_by
    return qp


def _write_url(filters: Filters) -> None:
    """Make the URL's filter parameters match `filters` in one change (one history entry), keeping any other
    parameter (the ward profile's ward) as it is."""
    qp = st.query_params
    ours = {*PARAMS.values(), START, END, BY}
    now = {name: qp.get_all(name) for name in qp if name in ours}
    want = {k: [v] if isinstance(v, str) else v for k, v in query_params_for(filters).items()}
    if now == want:
        return
    others = {name: qp.get_all(name) for name in qp if name not in ours}
    qp.from_dict({**others, **want})


def keep_filters_in_url() -> None:
    """Put the session's filters back in the URL before the page's address is written (dashboard.py calls this
    before st.navigation): a page switch sends no query string, and without this the new address would show
    the bare page until its sidebar was drawn. Does nothing on a session's first run (the link is the filters).
    """
    current = st.session_state.get(_CURRENT)
    if isinstance(current, Filters):
        _write_url(current)


def sidebar_filters(dataset: Dataset) -> Filters:
    """Draw the filters in the sidebar and return them; the URL follows every change."""
    options = FilterOptions.of(dataset)
    if not st.session_state.get(_READ_URL):
        _from_url(options)
        st.session_state[_READ_URL] = True
    _keep_valid(options)
    _follow_new_months(options)
    sb = st.sidebar
    sb.subheader("Filters")
    sb.caption("Every page shows only the wards and months chosen here. Leave a box empty for all.")
    sb.multiselect(
        "Wards", list(options.wards), key=KEYS["wards"], format_func=options.wards.get, placeholder="All wards"
    )
    sb.multiselect("Service", options.services, key=KEYS["services"], placeholder="All services")
    sb.multiselect(
        "Security level",
        options.security_levels,
        key=KEYS["security_levels"],
        format_func=str.capitalize,
        placeholder="All levels",
    )
    if len(options.months) > 1:
        by = sb.radio(
            "Period by",
            PERIODS_BY,
            key=KEYS["period_by"],
            format_func=BY_LABELS.get,
            horizontal=True,
            help="Choose the months one by one, by financial-year quarter (Q1 is April to June) or by "
            "financial year (April to March).",
        )
        _period_slider(options, by)
    filters = filters_from_state(options)
    st.session_state[_CURRENT] = filters
    _write_url(filters)
    return filters


def every_month(view: View) -> View:
    """The view's wards over every month of the data: comparisons with a year earlier reach outside the period."""
    wide = view.filters.without_period()
    if wide == view.filters:
        return view
    return View(view.dataset, wide, apply_filters(view.dataset, wide))


def chosen_period(view: View) -> dict[str, str | None]:
    """The chosen period as year_on_year takes it: start and end ("YYYY-MM", None for the data's first or last
    month) and how it is named (`by`)."""
    f = view.filters
    month = lambda t: t.strftime("%Y-%m") if t is not None else None
    return {"start": month(f.start), "end": month(f.end), "by": f.period_by}


def apply_filters(dataset: Dataset, filters: Filters) -> Dataset:
    """The data set cut to the filters (tables without wards or dates are kept whole).

    Cut once per data content and filters, and shared: the cut tables must never be changed."""
    tables = _cut(dataset.fingerprint(), json.dumps(filters.to_dict(), sort_keys=True), dataset, filters)
    return replace(dataset, tables=tables)


@st.cache_resource(max_entries=16, show_spinner=False)
def _cut(fingerprint: str, filters_key: str, _dataset: Dataset, _filters: Filters) -> dict[str, pd.DataFrame]:
    return _filters.apply(_dataset.tables)

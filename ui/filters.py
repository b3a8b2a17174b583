"""The shared sidebar filters (wards, service, security level, period), kept in the URL.

The filters themselves are `analysis.data.filters.Filters`; this module draws the widgets, reads a
shared link's query parameters on a session's first load, and writes the current choice back to
the URL so the view can be shared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from analysis.data.contract import SECURITY_LEVELS
from analysis.data.dataset import Dataset
from analysis.data.filters import Filters

# widget keys, and the query parameter each is shared as
KEYS = {"wards": "f_wards", "services": "f_services", "security_levels": "f_security", "period": "f_period"}
PARAMS = {"wards": "ward", "services": "service", "security_levels": "security"}
START, END = "from", "to"
_READ_URL = "_filters_read_from_url"


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


def month_label(m: str) -> str:
    return pd.Timestamp(m + "-01").strftime("%b %Y")


def _listed(values, allowed) -> list[str]:
    allowed = list(allowed)
    return [v for v in dict.fromkeys(str(x) for x in values) if v in allowed]


def _from_url(options: FilterOptions) -> None:
    """On a session's first run, set the widgets from a shared link's query parameters."""
    qp = st.query_params
    st.session_state[KEYS["wards"]] = _listed(qp.get_all(PARAMS["wards"]), options.wards)
    st.session_state[KEYS["services"]] = _listed(qp.get_all(PARAMS["services"]), options.services)
    st.session_state[KEYS["security_levels"]] = _listed(qp.get_all(PARAMS["security_levels"]), options.security_levels)
    if options.months:
        start, end = qp.get(START, options.months[0]), qp.get(END, options.months[-1])
        start = start if start in options.months else options.months[0]
        end = end if end in options.months else options.months[-1]
        if start > end:
            start, end = end, start
        st.session_state[KEYS["period"]] = (start, end)


def _keep_valid(options: FilterOptions) -> None:
    """Drop choices the current data set does not have (after switching data source)."""
    for field, allowed in (
        ("wards", options.wards),
        ("services", options.services),
        ("security_levels", options.security_levels),
    ):
        key = KEYS[field]
        st.session_state[key] = _listed(st.session_state.get(key, []), allowed)
    period = st.session_state.get(KEYS["period"])
    if options.months and not (
        isinstance(period, tuple | list) and len(period) == 2 and all(p in options.months for p in period)
    ):
        st.session_state[KEYS["period"]] = (options.months[0], options.months[-1])


def filters_from_state(options: FilterOptions) -> Filters:
    """The Filters the widgets hold now (all-inclusive choices become "all")."""
    ss = st.session_state
    start = end = None
    period = ss.get(KEYS["period"])
    if options.months and period:
        if period[0] != options.months[0]:
            start = pd.Timestamp(period[0] + "-01")
        if period[1] != options.months[-1]:
            end = pd.Timestamp(period[1] + "-01")
    return Filters(
        wards=tuple(ss.get(KEYS["wards"], ())),
        services=tuple(ss.get(KEYS["services"], ())),
        security_levels=tuple(ss.get(KEYS["security_levels"], ())),
        start=start,
        end=end,
    )


def query_params_for(filters: Filters) -> dict[str, list[str] | str]:
    """The query parameters that share these filters (nothing for "all")."""
    qp: dict[str, list[str] | str] = {}
    for field, name in PARAMS.items():
        values = list(getattr(filters, field))
        if values:
            qp[name] = values
    if filters.start is not None:
        qp[START] = filters.start.strftime("%Y-%m")
    if filters.end is not None:
        qp[END] = filters.end.strftime("%Y-%m")
    return qp


def _write_url(filters: Filters) -> None:
    wanted = query_params_for(filters)
    qp = st.query_params
    for name in [*PARAMS.values(), START, END]:
        now = qp.get_all(name)
        want = wanted.get(name)
        want = [want] if isinstance(want, str) else (want or [])
        if now != want:
            if want:
                qp[name] = want if len(want) > 1 else want[0]
            elif name in qp:
                del qp[name]


def sidebar_filters(dataset: Dataset) -> Filters:
    """Draw the filters in the sidebar and return them; the URL follows every change."""
    options = FilterOptions.of(dataset)
    if not st.session_state.get(_READ_URL):
        _from_url(options)
        st.session_state[_READ_URL] = True
    _keep_valid(options)
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
        sb.select_slider("Period (months)", options.months, key=KEYS["period"], format_func=month_label)
    filters = filters_from_state(options)
    _write_url(filters)
    return filters


def apply_filters(dataset: Dataset, filters: Filters) -> Dataset:
    """The data set cut to the filters (tables without wards or dates are kept whole).

    Cut once per data content and filters, and shared: the cut tables must never be changed."""
    tables = _cut(dataset.fingerprint(), json.dumps(filters.to_dict(), sort_keys=True), dataset, filters)
    return replace(dataset, tables=tables)


@st.cache_resource(max_entries=16, show_spinner=False)
def _cut(fingerprint: str, filters_key: str, _dataset: Dataset, _filters: Filters) -> dict[str, pd.DataFrame]:
    return _filters.apply(_dataset.tables)

"""One measure's SPC chart for one ward: which rows it is drawn from, where its limits start again, its
variation icon and the tidy table behind it (`analysis.wards.profile` puts the ward's measures together).

Survey measures (co-production and recovery) are charted on the months they were recorded,
taken as consecutive points (the usual XmR for quarterly data, as on the Overview): on a monthly
axis every month between two surveys would be a gap and there would be no moving ranges. Rebase
dates (talking groups started, interventions, changes; the ward's own and hospital-wide) start a
new segment at the first month, or first survey, on or after the date; a rebase that would leave
fewer than ``MIN_SEGMENT`` values on either side is not applied. A measure with fewer than
``MIN_POINTS`` values gets the "not enough data" icon.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.spc.chart import u_chart, xmr
from analysis.spc.icons import variation_icon
from analysis.spc.mdc import MDC_LABELS
from analysis.spc.rules import RUN_LENGTH, classify
from analysis.text import uk_month

MIN_POINTS = 6
MIN_SEGMENT = 2
EXPOSURE = "occupied_bed_days"
STRIP = {
    "common_cause": "no significant change",
    "improvement_high": "improving, unusually high in recent months",
    "improvement_low": "improving, unusually low in recent months",
    "concern_high": "concern, unusually high in recent months",
    "concern_low": "concern, unusually low in recent months",
    "neither_high": "unusually high in recent months (neither better nor worse)",
    "neither_low": "unusually low in recent months (neither better nor worse)",
    "no_data": "not enough data to judge",
}
RARE_STRIP = " (rare events)"


@dataclass(frozen=True)
class Measure:
    """One charted measure: its panel column, words, chart type and direction of improvement."""

    key: str  # panel column: the count (u-chart) or the value (XmR)
    title: str  # "Assaults on staff"
    noun: str  # used in the icon's sentence: "assault rate"
    chart: str  # "u" or "xmr"
    improvement: str  # "increase", "decrease" or "neither"
    y_label: str
    group: str  # one of GROUPS
    survey_mask: str | None = None  # a months_carried column: charted where it is 0
    occasions: bool = False  # recorded occasions as consecutive points
    sizes: tuple[str, ...] = ()  # count columns shown beside the value (returns, patients, sessions)


@dataclass
class MeasureSeries:
    """A measure's classified chart for one ward, its icon and the tidy table behind it."""

    measure: Measure
    classified: pd.DataFrame
    table: pd.DataFrame
    counts: list[str]
    rates: dict
    icon: dict
    n_points: int
    rebased_from: list[pd.Timestamp] = field(default_factory=list)

    @property
    def rare_events(self) -> bool:
        """True when the latest limits treat the count as rare (only months above the upper limit count)."""
        return bool(self.icon.get("rare_events", False))

    @property
    def strip_label(self) -> str:
        return strip_label(self.measure.title, self.icon["key"], self.rare_events)


def strip_label(title: str, icon_key: str, rare_events: bool = False) -> str:
    """'Assaults on staff: improving, unusually low in recent months' (a note added for a rare count)."""
    return f"{title}: {STRIP.get(icon_key, STRIP['no_data'])}{RARE_STRIP if rare_events else ''}"


def ward_events(events: pd.DataFrame | None, ward_id: str) -> pd.DataFrame:
    """The ward's own events and hospital-wide ones (blank ward), by date."""
    cols = ["date", "kind", "label"]
    if events is None or not len(events) or not {"date", "kind", "label"} <= set(events.columns):
        return pd.DataFrame(
            {"date": pd.Series(dtype="datetime64[ns]"), "kind": pd.Series(dtype="str"), "label": pd.Series(dtype="str")}
        )
    wid = events["ward_id"] if "ward_id" in events else pd.Series(pd.NA, index=events.index)
    blank = wid.isna() | (wid.astype("str").str.strip() == "")
    e = events.loc[blank | (wid.astype("str") == str(ward_id)), cols].copy()
    e["date"] = pd.to_datetime(e["date"])
    return e.dropna(subset=["date"]).sort_values("date", kind="stable").reset_index(drop=True)


def _month(x) -> pd.Timestamp:
    return pd.Timestamp(x).to_period("M").to_timestamp()


def usable_rebases(months: pd.Series, dates, min_segment: int = MIN_SEGMENT) -> list[pd.Timestamp]:
    """Rebase months (first month on or after each date) leaving >= min_segment values on each side."""
    m = np.sort(pd.to_datetime(months).to_numpy(dtype="datetime64[ns]"))
    kept, last = [], 0
    for d in sorted({_month(x) for x in dates if pd.notna(x)}):
        pos = int(np.searchsorted(m, np.datetime64(d, "ns"), side="left"))
        if pos - last >= min_segment and len(m) - pos >= min_segment:
            kept.append(pd.Timestamp(m[pos]))
            last = pos
    return kept


def _rows(panel: pd.DataFrame, ward_id: str, m: Measure) -> pd.DataFrame:
    """The ward's rows that carry this measure, first to last recorded value."""
    w = panel[panel["ward_id"].astype(str) == str(ward_id)].sort_values("month")
    if m.survey_mask and m.survey_mask in w:
        w = w[w[m.survey_mask] == 0]
    has = w[m.key].notna() & (w[EXPOSURE] > 0 if m.chart == "u" else True)
    if m.occasions:
        return w[has]
    if not has.any():
        return w.iloc[0:0]
    idx = w.index[has]
    return w.loc[idx[0] : idx[-1]]


def measure_series(
    panel: pd.DataFrame, ward_id: str, m: Measure, rebase_at=(), run_length: int = RUN_LENGTH
) -> MeasureSeries:
    """One measure's SPC chart for one ward, classified (shift and trend runs of `run_length`), with its
    variation icon and data table."""
    rows = _rows(panel, ward_id, m)
    present = rows[m.key].notna()
    starts = usable_rebases(rows.loc[present, "month"], rebase_at)
    if m.chart == "u":
        chart = u_chart(rows, m.key, EXPOSURE, rebase_at=starts)
    elif m.occasions:
        fake = pd.date_range("2000-01-01", periods=len(rows), freq="MS")
        pos = {mo: fake[i] for i, mo in enumerate(rows["month"])}
        chart = xmr(
            pd.DataFrame({"period": fake, "value": rows[m.key].to_numpy(float)}),
            "value",
            period="period",
            rebase_at=[pos[s] for s in starts],
        )
        chart["period"] = rows["month"].to_numpy()
    else:
        chart = xmr(rows, m.key, rebase_at=starts)
    classified = classify(chart, m.improvement, run_length=run_length)
    n = int(classified["value"].notna().sum())
    icon = variation_icon(classified if n >= MIN_POINTS else classified.iloc[0:0], m.noun)
    table, counts, rates = _table(classified, rows, m)
    return MeasureSeries(m, classified, table, counts, rates, icon, n, starts)


def _table(c: pd.DataFrame, rows: pd.DataFrame, m: Measure) -> tuple[pd.DataFrame, list[str], dict]:
    """The data behind a chart, in words and UK months; counts and rates named for disclosure control."""
    t = pd.DataFrame({"month": [uk_month(p) for p in c["period"]]})
    if m.chart == "u":
        rate = f"{m.key}_rate_per_1000_obd"
        t[m.key], t[EXPOSURE], t[rate] = c["count"].to_numpy(), c["exposure"].to_numpy(), c["rate"].round(2).to_numpy()
        counts, rates = [m.key], {rate: (m.key, EXPOSURE, 1000)}
    else:
        t[m.key] = c["value"].round(2).to_numpy()
        by_month = rows.set_index("month")
        counts = [s for s in m.sizes if s in by_month]
        for s in counts:
            t[s] = by_month[s].reindex(pd.to_datetime(c["period"])).to_numpy(float)
        rates = (
            {m.key: ("talking_group_attendances", "talking_groups_held", 1)}
            if m.key == "attendance_per_session" and len(counts) == 2
            else {}
        )
    for col, name in (("centre", "average"), ("lower", "lower_limit"), ("upper", "upper_limit")):
        t[name] = c[col].round(2).to_numpy()
    t["trial_limits"] = c["trial_limits"].to_numpy(bool)
    t["variation"] = [MDC_LABELS.get(v, v) if pd.notna(x) else "" for v, x in zip(c["variation"], c["value"])]
    t["rule"] = c["rule"].to_numpy()
    return t, counts, rates

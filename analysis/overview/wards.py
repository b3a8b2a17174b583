"""The Overview's ward table: one row per ward with its latest figures and Making Data Count icons.

Icons (analysis.spc.icons keys, with a plain label beside each):

* co-production: XmR chart of the ward's patient-rated overall index on its survey months only
  (carried-forward months repeat a survey). Survey occasions are taken as consecutive points,
  the usual XmR for quarterly data: the chart code would otherwise see every month between two
  surveys as a gap and find no moving ranges. Improvement is an increase.
* assaults on staff: u-chart of assaults per 1,000 occupied bed days over every month, rebased
  at the ward's rebase events (talking groups started, interventions, changes; hospital-wide
  events too). Without an events table the ward's talking-groups start from the panel is used.
  Improvement is a decrease. A rare count (fewer than one assault a month on average, or none
  in most months) is judged only on months above its Poisson upper limit: a run of zero months
  is not special cause (see analysis.spc.chart.u_chart).
* recovery: XmR of the primary measure's ward mean on the months it was recorded (consecutive
  points, as above); improvement from the catalogue's higher_is_better ("neither" when unknown).

The survey-based series (co-production, recovery) are short, so they are not rebased: splitting
them would leave a handful of points per segment. A series with fewer than `MIN_POINTS` values
gets the "no_data" icon: with fewer points no run rule can fire and the limits rest on a few
moving ranges. "Last 12 months" means the panel's last 12 calendar months, the same for every ward; when
the panel (the chosen period) is shorter, every month of it (`window_words` says which).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.data.contract import REBASE_EVENT_KINDS
from analysis.questions.recovery.model import higher_is_better, measure_column, measures_in_panel
from analysis.spc.chart import rebase_dates, u_chart, xmr
from analysis.spc.icons import VARIATION, icon_svg, variation_colour, variation_icon
from analysis.spc.rules import classify
from analysis.text import month_range, plural, uk_month

MIN_POINTS = 6
WINDOW_MONTHS = 12
VARIATION_KEYS = tuple(VARIATION)
DEFAULT_IMPROVEMENT = {"coproduction": "increase", "assaults": "decrease"}
COUNT_COLUMNS = ("assaults_on_staff_12m", "occupied_bed_days_12m", "talking_groups_sessions_12m")
NOT_STARTED = "not started"
LIST_LIMIT = 30  # wards listed one by one on the Overview; a national table lists the ones needing a look


def primary_measure(panel: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> str | None:
    """The headline recovery measure: QPR-15 when it has scores, else the first measure present."""
    present = measures_in_panel(panel, catalogue)
    if not present:
        return None
    return next((m for m in present if measure_column(m) == "recovery_qpr_15"), present[0])


def improvement_for(measure: str | None, catalogue: pd.DataFrame | None) -> str:
    """'increase' / 'decrease' from the catalogue's higher_is_better; 'neither' when unknown."""
    hib = higher_is_better(measure, catalogue) if measure else None
    return "neither" if hib is None else "increase" if hib else "decrease"


def icon_markup(key: str, label: str) -> str:
    """The SVG for an icon key from this table (the label becomes its accessible title)."""
    letter = {"high": "H", "low": "L"}.get(key.rsplit("_", 1)[-1], "")
    return icon_svg(label, variation_colour(key), letter, key)


def _no_icon(measure: str) -> dict:
    return variation_icon(pd.DataFrame({"value": [], "centre": []}), measure)


def _month_number(s: pd.Series) -> np.ndarray:
    m = pd.to_datetime(s)
    return (m.dt.year * 12 + m.dt.month - 1).to_numpy(dtype="int64")


def stacked_icons(
    long: pd.DataFrame, chart: str, improvement: str, measure: str, rebase: Mapping | None = None
) -> dict:
    """Variation icons for many wards from a few charts and classifications.

    Speed: the chart code's per-call cost dominates, so 12 wards x 3 charts one by one take most of a
    second. `long` has ward_id, `pos` (month offset from the ward's first point, unique within a ward)
    and `value` (XmR) or `count` and `exposure` (u-chart); `rebase` maps a ward to offsets where a new
    segment starts. Wards are laid end to end on one timeline, each starting a new segment, so every
    ward keeps its own centre, limits and run rules exactly as if charted alone. The timeline is made of
    pandas nanosecond months, which end in April 2262: wards are stacked in batches of at most
    `STACK_MONTHS` months, one chart per batch (a national panel of 1,000 wards x 120 months is 20).
    """
    if not len(long):
        return {}
    span = long.groupby("ward_id", sort=True)["pos"].max() + 1
    out: dict = {}
    for batch in _batches(span):
        part = long[long["ward_id"].isin(batch)] if len(batch) < len(span) else long
        out.update(_stack(part, span.loc[batch], chart, improvement, measure, rebase))
    return out


STACK_MONTHS = 6000  # months on one stacked timeline: EPOCH + 6000 months stays before 2262
EPOCH = np.datetime64("1680-01", "M")  # nanosecond timestamps start in Sept 1677


def _batches(span: pd.Series) -> list[list]:
    """Consecutive wards whose spans add up to at most STACK_MONTHS (a longer ward alone)."""
    batches, current, total = [], [], 0
    for w, n in span.items():
        if current and total + int(n) > STACK_MONTHS:
            batches.append(current)
            current, total = [], 0
        current.append(w)
        total += int(n)
    return [*batches, current] if current else batches


def _stack(
    long: pd.DataFrame, span: pd.Series, chart: str, improvement: str, measure: str, rebase: Mapping | None
) -> dict:
    """One stacked chart for the wards in `span` (their months end to end from EPOCH)."""
    offset = span.cumsum() - span
    pos = long["pos"].to_numpy("int64") + long["ward_id"].map(offset).to_numpy("int64")
    starts = list(offset.iloc[1:])
    for w, rs in (rebase or {}).items():
        if w in offset.index:
            starts += [offset[w] + int(r) for r in rs if 0 < int(r) < span[w]]
    to_ts = lambda p: (EPOCH + np.asarray(p, dtype="int64")).astype("datetime64[ns]")
    stack = long.drop(columns=["ward_id", "pos"]).assign(period=to_ts(pos))
    at = list(pd.DatetimeIndex(to_ts(sorted(starts))))
    c = (
        u_chart(stack, "count", "exposure", period="period", rebase_at=at)
        if chart == "u"
        else xmr(stack, "value", period="period", rebase_at=at)
    )
    classified = classify(c, improvement)
    row_pos = _month_number(classified["period"]) - (int(EPOCH.astype("int64")) + 1970 * 12)
    ward_of_row = offset.index.to_numpy()[np.searchsorted(offset.to_numpy(), row_pos, side="right") - 1]
    has = classified["value"].notna().to_numpy()
    n_points = pd.Series(has).groupby(ward_of_row).sum()
    last = classified.loc[has].groupby(ward_of_row[has], sort=False).tail(1)
    out = {}
    for i, w in zip(last.index, ward_of_row[last.index]):
        out[w] = variation_icon(last.loc[[i]], measure) if n_points[w] >= MIN_POINTS else _no_icon(measure)
    return out


def _occasions(frame: pd.DataFrame, col: str | None) -> pd.DataFrame:
    """Recorded occasions of `col` as consecutive points per ward (pos 0, 1, 2, ...)."""
    if not col or col not in frame:
        return pd.DataFrame(columns=["ward_id", "pos", "value"])
    d = frame.loc[frame[col].notna(), ["ward_id", "month", col]].sort_values(["ward_id", "month"])
    return pd.DataFrame(
        {
            "ward_id": d["ward_id"].to_numpy(),
            "pos": d.groupby("ward_id").cumcount().to_numpy(),
            "value": d[col].to_numpy(float),
        }
    )


def _rebase_offsets(panel: pd.DataFrame, first: pd.Series, events: pd.DataFrame | None) -> dict:
    if events is not None:
        e = events[events["kind"].isin(REBASE_EVENT_KINDS)] if "kind" in events else events.iloc[0:0]
        dates = {w: rebase_dates(e, w) for w in first.index}
    elif "talking_groups_start" in panel:
        s = panel.dropna(subset=["talking_groups_start"]).groupby("ward_id")["talking_groups_start"].first()
        dates = {w: [v] for w, v in s.items()}
    else:
        dates = {}
    return {
        w: list(_month_number(pd.Series(pd.to_datetime(list(ds)))) - first[w]) for w, ds in dates.items() if len(ds)
    }


def _assaults_long(panel: pd.DataFrame, events: pd.DataFrame | None) -> tuple[pd.DataFrame, dict]:
    if "assaults_on_staff" not in panel or not panel["assaults_on_staff"].notna().any():
        return pd.DataFrame(columns=["ward_id", "pos", "count", "exposure"]), {}
    n = pd.Series(_month_number(panel["month"]), index=panel.index)
    first = n.groupby(panel["ward_id"]).min()
    long = pd.DataFrame(
        {
            "ward_id": panel["ward_id"].to_numpy(),
            "pos": (n - panel["ward_id"].map(first)).to_numpy(),
            "count": panel["assaults_on_staff"].to_numpy(float),
            "exposure": panel["occupied_bed_days"].to_numpy(float),
        }
    )
    return long, _rebase_offsets(panel, first, events)


def _latest(panel: pd.DataFrame, col: str, carried: str | None = None) -> pd.DataFrame:
    """Each ward's latest recorded value of `col` (survey months only when `carried` is given) and its month."""
    if not col or col not in panel:
        return pd.DataFrame({"value": pd.Series(dtype=float), "month": pd.Series(dtype="str")})
    mask = panel[col].notna()
    if carried and carried in panel:
        mask &= panel[carried] == 0
    last = panel.loc[mask].sort_values(["ward_id", "month"]).groupby("ward_id").tail(1)
    return pd.DataFrame(
        {"value": last[col].to_numpy(float), "month": [uk_month(m) for m in last["month"]]},
        index=pd.Index(last["ward_id"], name="ward_id"),
    )


def ward_table(
    panel: pd.DataFrame,
    measures_catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    improvement: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per ward: latest co-production, assault rate over the last 12 months (count and bed days
    kept), primary recovery measure, talking groups, each with its variation icon key and label.

    `improvement` overrides the icon directions by "coproduction", "assaults" or "recovery".
    `events` (the events table) gives the rebase dates for the assault chart.
    """
    measure = primary_measure(panel, measures_catalogue)
    rec_col = measure_column(measure) if measure else None
    imp = {**DEFAULT_IMPROVEMENT, "recovery": improvement_for(measure, measures_catalogue), **(improvement or {})}
    wards = sorted(panel["ward_id"].unique())
    out = pd.DataFrame({"ward_id": wards})
    if not len(panel):
        return pd.DataFrame(columns=_COLUMNS)
    info = panel.groupby("ward_id", sort=True).first()
    for c in ("ward_name", "service", "security_level"):
        out[c] = out["ward_id"].map(info[c]) if c in info else np.nan

    for who in ("patient", "staff"):
        last = _latest(panel, f"coproduction_{who}_overall", f"coproduction_{who}_months_carried")
        out[f"coproduction_{who}_latest"] = out["ward_id"].map(last["value"]).astype(float)
        out[f"coproduction_{who}_latest_month"] = _text(out["ward_id"], last["month"])
    survey = panel[panel.get("coproduction_patient_months_carried", pd.Series(np.nan, index=panel.index)) == 0]
    icons = stacked_icons(
        _occasions(survey, "coproduction_patient_overall"), "xmr", imp["coproduction"], "co-production score"
    )
    _put(out, "coproduction", icons, "co-production score")

    end = panel["month"].max()
    start = max(end - pd.DateOffset(months=WINDOW_MONTHS - 1), panel["month"].min())
    sums = [
        c
        for c in ("assaults_on_staff", "occupied_bed_days", "talking_groups_held", "talking_group_attendances")
        if c in panel
    ]
    win = panel.loc[panel["month"] >= start].groupby("ward_id")[sums].sum(min_count=1).reindex(wards)
    col = lambda c: out["ward_id"].map(win[c]).astype(float) if c in win else pd.Series(np.nan, index=out.index)
    out["assaults_on_staff_12m"], out["occupied_bed_days_12m"] = col("assaults_on_staff"), col("occupied_bed_days")
    obd = out["occupied_bed_days_12m"]
    out["assaults_on_staff_rate_per_1000_obd_12m"] = out["assaults_on_staff_12m"] / obd.where(obd > 0) * 1000
    long, rebase = _assaults_long(panel, events)
    _put(out, "assaults", stacked_icons(long, "u", imp["assaults"], "assault rate", rebase), "assault rate")

    name = f"{measure} score" if measure else "recovery score"
    out["recovery_measure"] = measure or ""
    last = _latest(panel, rec_col)
    out["recovery_latest"] = out["ward_id"].map(last["value"]).astype(float)
    out["recovery_latest_month"] = _text(out["ward_id"], last["month"])
    icons = stacked_icons(_occasions(panel, rec_col), "xmr", imp["recovery"], name)
    _put(out, "recovery", icons, name)

    starts = (
        panel.dropna(subset=["talking_groups_start"]).groupby("ward_id")["talking_groups_start"].first()
        if "talking_groups_start" in panel
        else pd.Series(dtype="datetime64[ns]")
    )
    out["talking_groups_started"] = _text(out["ward_id"], {w: uk_month(v) for w, v in starts.items()}, NOT_STARTED)
    held, att = col("talking_groups_held"), col("talking_group_attendances")
    out["talking_groups_sessions_12m"] = held
    out["talking_groups_attendance_per_session_12m"] = att / held.where(held > 0)
    out = out[_COLUMNS]
    out.attrs = {
        "window_start": start,
        "window_end": end,
        "window_label": month_range(start, end),
        "window_months": (end.year - start.year) * 12 + end.month - start.month + 1,
        "recovery_measure": measure,
        "improvement": imp,
        "count_columns": list(COUNT_COLUMNS),
        "icon_rule": __doc__.split("\n\n", 1)[1].strip(),
    }
    return out


def window_words(attrs: Mapping) -> str:
    """Which months the table's counts cover, from `ward_table(...).attrs`: 'the last 12 months (Apr 2025 to
    Mar 2026)', or 'the 6 months shown (Oct 2025 to Mar 2026)' when the chosen period is shorter.

    >>> window_words({"window_months": 6, "window_label": "Oct 2025 to Mar 2026"})
    'the 6 months shown (Oct 2025 to Mar 2026)'
    """
    n = int(attrs.get("window_months") or WINDOW_MONTHS)
    label = attrs.get("window_label", "")
    if n >= WINDOW_MONTHS:
        return f"the last {plural(n, 'month')} ({label})"
    return f"the {plural(n, 'month')} shown ({label})"


def window_length(attrs: Mapping) -> str:
    """'12 months', or '6 months' when the chosen period is shorter (for "sessions in 12 months")."""
    return plural(int(attrs.get("window_months") or WINDOW_MONTHS), "month")


def wards_to_list(wards: pd.DataFrame, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """The rows of `ward_table` to list one by one: every ward, in ward order, up to `limit`; beyond it
    the `limit` wards that most need a look, first those with the most concern icons, then the most
    other signals (improvement or unusual), then the highest assault rate over the last 12 months.
    attrs["listed_of"] says how many wards there were; the full table stays with the caller."""
    if len(wards) <= limit:
        out = wards
    else:
        icons = wards[[f"{n}_icon" for n in ("coproduction", "assaults", "recovery") if f"{n}_icon" in wards]].astype(
            str
        )
        rank = pd.DataFrame(
            {
                "concern": icons.apply(lambda c: c.str.startswith("concern")).sum(axis=1),
                "signal": icons.apply(lambda c: c.str.startswith(("improvement", "neither"))).sum(axis=1),
                "rate": wards.get(
                    "assaults_on_staff_rate_per_1000_obd_12m", pd.Series(np.nan, index=wards.index)
                ).fillna(-1.0),
                "ward_id": wards["ward_id"].astype(str),
            },
            index=wards.index,
        )
        order = rank.sort_values(["concern", "signal", "rate", "ward_id"], ascending=[False, False, False, True]).index
        out = wards.loc[order[:limit]]
    out = out.copy()
    out.attrs = {**wards.attrs, "listed_of": len(wards)}
    return out


def _text(ids: pd.Series, by_ward: pd.Series | dict, default: str = "") -> pd.Series:
    lookup = dict(by_ward)
    return pd.Series([lookup.get(w, default) for w in ids], index=ids.index, dtype="str")


def _put(out: pd.DataFrame, name: str, icons: dict, measure: str) -> None:
    none = _no_icon(measure)
    got = [icons.get(w, none) for w in out["ward_id"]]
    out[f"{name}_icon"] = pd.Series([i["key"] for i in got], index=out.index, dtype="str")
    out[f"{name}_icon_label"] = pd.Series([i["label"] for i in got], index=out.index, dtype="str")


_COLUMNS = [
    "ward_id",
    "ward_name",
    "service",
    "security_level",
    "coproduction_patient_latest",
    "coproduction_patient_latest_month",
    "coproduction_staff_latest",
    "coproduction_staff_latest_month",
    "coproduction_icon",
    "coproduction_icon_label",
    "assaults_on_staff_12m",
    "occupied_bed_days_12m",
    "assaults_on_staff_rate_per_1000_obd_12m",
    "assaults_icon",
    "assaults_icon_label",
    "recovery_measure",
    "recovery_latest",
    "recovery_latest_month",
    "recovery_icon",
    "recovery_icon_label",
    "talking_groups_started",
    "talking_groups_sessions_12m",
    "talking_groups_attendance_per_session_12m",
]

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
from analysis.spc.icons import VARIATION, icon_svg, variation_colour, variation_icon
from analysis.spc.rules import RUN_LENGTH
from analysis.spc.vectorised import charts, classify_all, latest_icons
from analysis.text import month_range, plural, uk_months

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


def _names(s: pd.Series):
    """A column's values for a new frame: pandas' own string array as it is (the column an object array of the
    same strings would make, without converting each value twice), anything else as a NumPy array."""
    return s.array if s.dtype == "str" else s.to_numpy()


def _month_number(s: pd.Series) -> np.ndarray:
    m = pd.to_datetime(s)
    return (m.dt.year * 12 + m.dt.month - 1).to_numpy(dtype="int64")


def stacked_icons(
    long: pd.DataFrame,
    chart: str,
    improvement: str,
    measure: str,
    rebase: pd.DataFrame | Mapping | None = None,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """Variation icons for many wards at once: one row per ward with a value, indexed by ward_id, columns
    ``key`` and ``label`` (as `variation_icon` gives them for the ward charted alone; "no_data" under
    `MIN_POINTS` values).

    `long` has ward_id, `pos` (month offset from the ward's first point, unique within a ward) and `value`
    (XmR) or `count` and `exposure` (u-chart); `rebase` gives the offsets where a ward's new segment starts
    (ward_id and pos, one row per start; or a mapping of ward to offsets). Every ward keeps its own centre,
    limits and run rules: analysis.spc.vectorised charts and classifies all wards in one pass, identical to
    charting each alone (tests/spc/test_vectorised.py).
    """
    if not len(long):
        return pd.DataFrame({"key": pd.Series(dtype="str"), "label": pd.Series(dtype="str")})
    classified = classify_all(charts(long, chart, rebase=rebase), improvement, run_length=run_length)
    return latest_icons(classified, measure, min_points=MIN_POINTS)[["key", "label"]]


def _occasions(frame: pd.DataFrame, col: str | None) -> pd.DataFrame:
    """Recorded occasions of `col` as consecutive points per ward (pos 0, 1, 2, ...)."""
    if not col or col not in frame:
        return pd.DataFrame(columns=["ward_id", "pos", "value"])
    d = frame.loc[frame[col].notna(), ["ward_id", "month", col]].sort_values(["ward_id", "month"])
    return pd.DataFrame(
        {
            "ward_id": _names(d["ward_id"]),
            "pos": d.groupby("ward_id").cumcount().to_numpy(),
            "value": d[col].to_numpy(float),
        }
    )


def _rebase_offsets(panel: pd.DataFrame, first: pd.Series, events: pd.DataFrame | None) -> pd.DataFrame:
    """Each ward's rebase months as offsets from its first month (columns ward_id and pos, one row per start):
    its own and hospital-wide events (as `rebase_dates` gives them for one ward), else the panel's talking-groups
    start."""
    if events is not None:
        e = events[events["kind"].isin(REBASE_EVENT_KINDS)] if "kind" in events else events.iloc[0:0]
        e = e.assign(date=pd.to_datetime(e["date"])).dropna(subset=["date"])
        month = _month_number(e["date"]) if len(e) else np.zeros(0, "int64")
        ward = e["ward_id"].to_numpy(object) if "ward_id" in e else np.full(len(e), None, dtype=object)
        everywhere = pd.isna(ward)
        shared = np.unique(month[everywhere])
        starts = pd.concat(
            [
                pd.DataFrame({"ward_id": ward[~everywhere], "month": month[~everywhere]}),
                pd.DataFrame(
                    {
                        "ward_id": np.repeat(first.index.to_numpy(object), len(shared)),
                        "month": np.tile(shared, len(first)),
                    }
                ),
            ],
            ignore_index=True,
        )
    elif "talking_groups_start" in panel:
        s = panel.dropna(subset=["talking_groups_start"]).groupby("ward_id")["talking_groups_start"].first()
        starts = pd.DataFrame({"ward_id": s.index.to_numpy(object), "month": _month_number(s) if len(s) else []})
    else:
        starts = pd.DataFrame({"ward_id": [], "month": []})
    starts = starts[starts["ward_id"].isin(first.index)]
    pos = starts["month"].to_numpy("int64") - starts["ward_id"].map(first).to_numpy("int64")
    return pd.DataFrame({"ward_id": starts["ward_id"].to_numpy(object), "pos": pos})


def _assaults_long(panel: pd.DataFrame, events: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if "assaults_on_staff" not in panel or not panel["assaults_on_staff"].notna().any():
        return pd.DataFrame(columns=["ward_id", "pos", "count", "exposure"]), None
    n = pd.Series(_month_number(panel["month"]), index=panel.index)
    by_ward = n.groupby(panel["ward_id"])
    first = by_ward.min()
    long = pd.DataFrame(
        {
            "ward_id": _names(panel["ward_id"]),
            "pos": (n - by_ward.transform("min")).to_numpy(),  # each ward's first month, without a string lookup
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
    # each ward's latest row: a stable sort by month keeps the old tie order; then the few rows in ward order
    d = panel.loc[mask, ["ward_id", "month", col]]
    last = d.sort_values("month", kind="stable").groupby("ward_id").tail(1).sort_values("ward_id", kind="stable")
    return pd.DataFrame(
        {"value": last[col].to_numpy(float), "month": uk_months(last["month"]).to_numpy()},
        index=pd.Index(last["ward_id"], name="ward_id"),
    )


def ward_table(
    panel: pd.DataFrame,
    measures_catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    improvement: Mapping[str, str] | None = None,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """One row per ward: latest co-production, assault rate over the last 12 months (count and bed days
    kept), primary recovery measure, talking groups, each with its variation icon key and label.

    `improvement` overrides the icon directions by "coproduction", "assaults" or "recovery".
    `events` (the events table) gives the rebase dates for the assault chart. `run_length` is the shift and trend
    rules' run (`analysis.spc.rules.classify`), kept in ``attrs["run_length"]``.
    """
    measure = primary_measure(panel, measures_catalogue)
    rec_col = measure_column(measure) if measure else None
    imp = {**DEFAULT_IMPROVEMENT, "recovery": improvement_for(measure, measures_catalogue), **(improvement or {})}
    wards = sorted(panel["ward_id"].unique())
    out = pd.DataFrame({"ward_id": wards})
    if not len(panel):
        return pd.DataFrame(columns=_COLUMNS)
    info = panel.groupby("ward_id", sort=True)[[c for c in ("ward_name", "service", "security_level") if c in panel]]
    info = info.first()  # only the columns it shows, not every column of the panel
    for c in ("ward_name", "service", "security_level"):
        out[c] = out["ward_id"].map(info[c]) if c in info else np.nan

    for who in ("patient", "staff"):
        last = _latest(panel, f"coproduction_{who}_overall", f"coproduction_{who}_months_carried")
        out[f"coproduction_{who}_latest"] = out["ward_id"].map(last["value"]).astype(float)
        out[f"coproduction_{who}_latest_month"] = _text(out["ward_id"], last["month"])
    on_survey = panel.get("coproduction_patient_months_carried", pd.Series(np.nan, index=panel.index)) == 0
    survey = panel.loc[on_survey, [c for c in ("ward_id", "month", "coproduction_patient_overall") if c in panel]]
    icons = stacked_icons(
        _occasions(survey, "coproduction_patient_overall"),
        "xmr",
        imp["coproduction"],
        "co-production score",
        run_length=run_length,
    )
    _put(out, "coproduction", icons, "co-production score")

    end = panel["month"].max()
    start = max(end - pd.DateOffset(months=WINDOW_MONTHS - 1), panel["month"].min())
    sums = [
        c
        for c in ("assaults_on_staff", "occupied_bed_days", "talking_groups_held", "talking_group_attendances")
        if c in panel
    ]
    win = panel.loc[panel["month"] >= start, ["ward_id", *sums]].groupby("ward_id")[sums].sum(min_count=1)
    win = win.reindex(wards)
    col = lambda c: out["ward_id"].map(win[c]).astype(float) if c in win else pd.Series(np.nan, index=out.index)
    out["assaults_on_staff_12m"], out["occupied_bed_days_12m"] = col("assaults_on_staff"), col("occupied_bed_days")
    obd = out["occupied_bed_days_12m"]
    out["assaults_on_staff_rate_per_1000_obd_12m"] = out["assaults_on_staff_12m"] / obd.where(obd > 0) * 1000
    long, rebase = _assaults_long(panel, events)
    _put(out, "assaults", stacked_icons(long, "u", imp["assaults"], "assault rate", rebase, run_length), "assault rate")

    name = f"{measure} score" if measure else "recovery score"
    out["recovery_measure"] = measure or ""
    last = _latest(panel, rec_col)
    out["recovery_latest"] = out["ward_id"].map(last["value"]).astype(float)
    out["recovery_latest_month"] = _text(out["ward_id"], last["month"])
    icons = stacked_icons(_occasions(panel, rec_col), "xmr", imp["recovery"], name, run_length=run_length)
    _put(out, "recovery", icons, name)

    starts = (
        panel.dropna(subset=["talking_groups_start"]).groupby("ward_id")["talking_groups_start"].first()
        if "talking_groups_start" in panel
        else pd.Series(dtype="datetime64[ns]")
    )
    out["talking_groups_started"] = _text(out["ward_id"], uk_months(starts), NOT_STARTED)
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
        "run_length": run_length,
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
    lookup = dict(zip(by_ward.index, by_ward.to_numpy(object))) if isinstance(by_ward, pd.Series) else dict(by_ward)
    return pd.Series([lookup.get(w, default) for w in ids.to_numpy(object)], index=ids.index, dtype="str")


def _put(out: pd.DataFrame, name: str, icons: pd.DataFrame, measure: str) -> None:
    none = _no_icon(measure)
    key, label = out["ward_id"].map(icons["key"]), out["ward_id"].map(icons["label"])
    # object first: with no icons at all the mapped columns are float NaN, which a string cannot fill
    out[f"{name}_icon"] = key.astype(object).fillna(none["key"]).astype("str")
    out[f"{name}_icon_label"] = label.astype(object).fillna(none["label"]).astype("str")


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

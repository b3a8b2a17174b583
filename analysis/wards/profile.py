"""One ward on one page: every measure as an SPC chart with its variation icon, rebased at events.

Measures (each only when the ward has values for it):

* incident rates per 1,000 occupied bed days (u-charts over every month): assaults on staff and
  on patients, self-harm, restraints and seclusions (improvement: a decrease), transfers to lower
  security (improvement: an increase, as a transfer is a step on in recovery);
* co-production overall, as patients and as staff rate it (XmR, improvement: an increase);
* each recovery measure (XmR, direction from the measures catalogue, "neither" when unknown);
* talking group attendance per session (XmR over the months with sessions, "neither").

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

from analysis.data.contract import INCIDENTS as CONTRACT_INCIDENTS
from analysis.data.contract import MORE_IS_BETTER
from analysis.questions.recovery.model import higher_is_better, measure_column, measures_in_panel
from analysis.spc.chart import CONVENTION, RARE_CONVENTION, RARE_EVENTS_PER_MONTH, rebase_dates, u_chart, xmr
from analysis.spc.icons import variation_icon
from analysis.spc.mdc import MDC_LABELS
from analysis.spc.rules import RUN_LENGTH, classify
from analysis.text import listed, plural, rate_label, uk_month

MIN_POINTS = 6
MIN_SEGMENT = 2
EXPOSURE = "occupied_bed_days"
ICON_NOUNS = {  # count column -> the rate's name beside its variation icon
    "assaults_on_staff": "assault rate",
    "assaults_on_patients": "rate of assaults on patients",
    "self_harm": "self-harm rate",
    "restraints": "restraint rate",
    "seclusions": "seclusion rate",
    "transfers_to_lower_security": "transfer rate",
}
# count column -> (title, noun for the icon, improvement), in the contract's order and words
INCIDENTS = {
    col: (title, ICON_NOUNS[col], "increase" if col in MORE_IS_BETTER else "decrease")
    for col, title in CONTRACT_INCIDENTS.items()
}
GROUPS = ("Incidents", "Co-production", "Recovery", "Talking groups")
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
RULES_TEXT = (
    "A month is special cause variation when it lies outside the limits, is one of a run of {shift} or more "
    "months all above or all below the average, one of a run of {trend} or more months each higher (or each "
    "lower) than the one before, or one of two out of three months close to a limit (beyond two sigma) on "
    "the same side. A missing month breaks any run. The icons read the latest month."
)


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


@dataclass
class WardProfile:
    """Everything the ward profile shows for one ward."""

    ward: dict  # ward_id, ward_name, service, security_level, beds, first_month, last_month
    series: list[MeasureSeries]
    not_recorded: list[str]  # measure titles with no values on this ward
    events: pd.DataFrame  # the ward's events (own and hospital-wide): date, kind, label
    rebase: bool
    sentence: str


def strip_label(title: str, icon_key: str, rare_events: bool = False) -> str:
    """'Assaults on staff: improving, unusually low in recent months' (a note added for a rare count)."""
    return f"{title}: {STRIP.get(icon_key, STRIP['no_data'])}{RARE_STRIP if rare_events else ''}"


def convention_text(min_points: int = 12, shift: int = RUN_LENGTH, trend: int | None = None) -> str:
    """The SPC convention in words: limits, rules, run lengths, trial limits, survey occasions."""
    return " ".join(
        [
            CONVENTION.format(min_points=min_points),
            RULES_TEXT.format(shift=shift, trend=shift if trend is None else trend),
            RARE_CONVENTION.format(per_month=RARE_EVENTS_PER_MONTH),
            (
                "Co-production and recovery are charted on the months they were recorded, taken as consecutive points. "
                f"A measure with fewer than {MIN_POINTS} values is not judged."
            ),
        ]
    )


def measures_for(panel: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> list[Measure]:
    """The measures the panel can chart, in page order."""
    out = []
    for count, (title, noun, imp) in INCIDENTS.items():
        if count in panel and EXPOSURE in panel:
            out.append(Measure(count, title, noun, "u", imp, f"{title} {rate_label()}", "Incidents"))
    for who, label in (("patient", "patients"), ("staff", "staff")):
        col = f"coproduction_{who}_overall"
        if col in panel:
            out.append(
                Measure(
                    col,
                    f"Co-production as {label} see it",
                    f"co-production score ({label})",
                    "xmr",
                    "increase",
                    "Co-production index (0 to 100)",
                    "Co-production",
                    survey_mask=f"coproduction_{who}_months_carried",
                    occasions=True,
                    sizes=(f"coproduction_{who}_n_returns",),
                )
            )
    for name in measures_in_panel(panel, catalogue):
        hib = higher_is_better(name, catalogue)
        imp = "neither" if hib is None else "increase" if hib else "decrease"
        col = measure_column(name)
        out.append(
            Measure(
                col,
                name,
                f"{name} score",
                "xmr",
                imp,
                f"{name} ward mean score",
                "Recovery",
                occasions=True,
                sizes=tuple(c for c in (f"{col}_n_patients",) if c in panel),
            )
        )
    if "attendance_per_session" in panel:
        out.append(
            Measure(
                "attendance_per_session",
                "Talking group attendance",
                "attendance per session",
                "xmr",
                "neither",
                "Attendances per talking group session",
                "Talking groups",
                sizes=("talking_groups_held", "talking_group_attendances"),
            )
        )
    return out


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


def ward_profile(
    panel: pd.DataFrame,
    ward_id: str,
    events: pd.DataFrame | None = None,
    rebase: bool = True,
    catalogue: pd.DataFrame | None = None,
    run_length: int = RUN_LENGTH,
) -> WardProfile:
    """Every measure's SPC chart and icon for one ward, rebased at its events when `rebase`, its shift and trend
    rules using runs of `run_length` months."""
    w = panel[panel["ward_id"].astype(str) == str(ward_id)]
    if not len(w):
        raise ValueError(f"Ward {ward_id} has no months in the data shown.")
    first = w.iloc[0]
    ward = {"ward_id": str(ward_id), "first_month": w["month"].min(), "last_month": w["month"].max()}
    for c in ("ward_name", "service", "security_level", "beds"):
        ward[c] = first[c] if c in w and pd.notna(first[c]) else None
    evs = ward_events(events, ward_id)
    at = rebase_dates(events, ward_id) if rebase and events is not None and len(events) else []
    series, missing = [], []
    for m in measures_for(panel, catalogue):
        if m.key not in w or not w[m.key].notna().any():
            missing.append(m.title)
            continue
        series.append(measure_series(panel, ward_id, m, at, run_length))
    return WardProfile(ward, series, missing, evs, rebase, profile_sentence(ward, series))


def ward_label(ward: dict) -> str:
    name = ward.get("ward_name")
    return f"{name} ({ward['ward_id']})" if name else str(ward["ward_id"])


def _listing(items: list[str]) -> str:
    items = [i[0].lower() + i[1:] if not i[:2].isupper() else i for i in items]
    return listed(items)


def _earlier_signals(series: list[MeasureSeries], last_month, months: int = 12) -> str:
    """' Earlier in the last 12 months, unusual months on: X (2), Y (1).' or '' (the latest month excluded:
    the icons speak for it)."""
    since = pd.Timestamp(last_month).to_period("M") - (months - 1)
    found = []
    for s in series:
        c = s.classified
        if c is None or c.empty or "variation" not in c or "period" not in c:
            continue
        c = c[c["value"].notna()]
        if c.empty:
            continue
        period = pd.to_datetime(c["period"]).dt.to_period("M")
        earlier = (period >= since) & (period < period.max()) & c["variation"].astype(str).str.startswith("special")
        if earlier.any():
            found.append(f"{s.measure.title} ({plural(int(earlier.sum()), 'month')})")
    if not found:
        return f" No earlier month in the last {months} was unusual on any measure."
    return f" Earlier in the last {months} months, unusual months on the charts: {', '.join(found)}."


def profile_sentence(ward: dict, series: list[MeasureSeries]) -> str:
    """How the ward's measures stand at their latest month, generated from the icons."""
    if not series:
        return f"{ward_label(ward)} has no measures with data in the months shown."
    kinds = {"improvement": [], "concern": [], "neither": [], "common": [], "no_data": []}
    for s in series:
        kinds[s.icon["key"].split("_")[0] if s.icon["key"] != "no_data" else "no_data"].append(s.measure.title)
    n = len(series)
    parts = []
    for key, words in (
        ("improvement", "{k} showing improvement ({l})"),
        ("concern", "{k} showing concern ({l})"),
        ("neither", "{k} unusual but neither better nor worse ({l})"),
        ("common", "{k} with no significant change"),
        ("no_data", "{k} with too few points to judge"),
    ):
        if kinds[key]:
            parts.append(words.format(k=len(kinds[key]), l=_listing(kinds[key])))
    lead = f"{ward_label(ward)}, in its latest month ({uk_month(ward['last_month'])}): "
    tail = (
        " Each icon reads a measure's latest month against its own process limits (a run of recent months "
        "on one side counts too)." + _earlier_signals(series, ward["last_month"])
    )
    if len(parts) == 1:
        key = next(k for k in kinds if kinds[k])
        verb = {
            "improvement": "show improvement",
            "concern": "show concern",
            "neither": "are unusual but neither better nor worse",
            "common": "show no significant change",
            "no_data": "have too few points to judge",
        }[key]
        if n == 1:
            verb = verb.replace("show ", "shows ", 1).replace("are ", "is ", 1).replace("have ", "has ", 1)
            return f"{lead}its one measure ({_listing(kinds[key])}) {verb}.{tail}"
        return f"{lead}all {n} measures {verb}.{tail}"
    body = " and ".join(parts) if len(parts) == 2 else "; ".join(parts[:-1]) + "; and " + parts[-1]
    return f"{lead}of {n} measures, {body}.{tail}"


def summary_table(profile: WardProfile) -> pd.DataFrame:
    """One row per measure: latest month and value, average, icon label (for the strip's data)."""
    rows = []
    for s in profile.series:
        shown = s.classified[s.classified["value"].notna()]
        last = shown.iloc[-1] if len(shown) else None
        rows.append(
            {
                "measure": s.measure.title,
                "group": s.measure.group,
                "latest_month": uk_month(last["period"]) if last is not None else "",
                "latest_value": round(float(last["value"]), 2) if last is not None else np.nan,
                "average": round(float(last["centre"]), 2) if last is not None and pd.notna(last["centre"]) else np.nan,
                "months_or_surveys": s.n_points,
                "improvement": s.measure.improvement,
                "variation": s.icon["label"],
                "rules_used": "above the upper limit only (rare events)" if s.rare_events else "all four rules",
            }
        )
    return pd.DataFrame(rows)


def target_help(m: Measure) -> str:
    """What a target means for this measure, in words."""
    if m.improvement == "neither":
        return "No direction of improvement is set for this measure, so a target gives no assurance."
    better = "at or above" if m.improvement == "increase" else "at or below"
    return f"A month meets the target when it is {better} it. Leave blank for no target."

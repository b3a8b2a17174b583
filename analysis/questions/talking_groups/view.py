"""What the talking groups page shows: start dates that survive the period filter, the models on them, the
timeline, attendance and social distance tables, and the sentences beside the charts, no figures.

The models are in analysis/questions/talking_groups/model.py, the figures in analysis/charts/talking_groups.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.reference import builtin_measures
from analysis.panel.build import measure_slug
from analysis.panel.measures import MEASURES
from analysis.panel.own_instruments import is_own
from analysis.questions.talking_groups.model import (
    attendance_dose,
    before_after,
    dose_response,
    its_pooled,
    its_ward,
)
from analysis.stats.its import months_between
from analysis.stats.results import ModelResult, SteppedWedgeDiagnostics
from analysis.text import plural, rate_label, ratio_percent, uk_month, uk_months

NOT_STARTED = "not started (comparison ward)"
ALL_WARDS = "(all wards)"  # how start_dates names a hospital-wide start
RSD = {
    "patients": "coproduction_patient_reduced_social_distance",
    "staff": "coproduction_staff_reduced_social_distance",
}

# The one outcome the page (and, we recommend, the pack) leads with. The seeds' aim is co-production as patients
# experience it: talking groups are meant to make patients and staff talk as equals, so the first thing they
# should change is how patients rate co-production on their ward. Assaults, staff-rated social distance and
# recovery are further along the chain (and assaults were never the groups' stated aim), so they are secondary.
PRIMARY = "coproduction_patient_overall"
PRIMARY_NOUN = "patient-rated co-production"
PRIMARY_WHY = (
    "Why this outcome first: talking groups exist to make patients and staff talk as equals, and the project's "
    "aim is co-production as patients experience it, so the first thing they should change is how patients rate "
    "co-production on their ward. Assaults, how staff see social distance and recovery are further along the "
    "chain; they are shown below as other outcomes."
)
NEGLIGIBLE_POINTS = 5.0  # a change within 5 points (5% of the 0 to 100 index) counts as "little or no change"


def outcome_noun(outcome: str) -> str:
    """What an outcome is called in a verdict: 'patient-rated co-production', 'assaults on staff', 'QPR-15 scores'."""
    if outcome == PRIMARY:
        return PRIMARY_NOUN
    if outcome == RSD["staff"]:
        return "staff-rated reduced social distance"
    if outcome == RSD["patients"]:
        return "patient-rated reduced social distance"
    if outcome in MEASURES:  # an instrument's score: a hospital's own in its own words (`specs.data_measures`)
        return MEASURES[outcome].words
    if outcome.startswith("recovery_"):
        slug = outcome.removeprefix("recovery_")
        for m in builtin_measures()["measure"]:
            if measure_slug(str(m)) == slug:
                return f"{m} scores"
        return slug.replace("_", " ") + " scores"
    return outcome.replace("_", " ")


def outcome_better(outcome: str) -> str | None:
    """'higher' or 'lower' when the outcome has a known better way, None otherwise."""
    if outcome.startswith("coproduction_"):
        return "higher"
    if outcome in MEASURES and MEASURES[outcome].higher_is_better is not None:  # as the instrument table says
        return "higher" if MEASURES[outcome].higher_is_better else "lower"
    if outcome.startswith("assaults") or outcome in ("restraints", "seclusions", "incidents"):
        return "lower"
    if outcome.startswith("recovery_"):
        cat = builtin_measures()
        for m, hib in zip(cat["measure"], cat["higher_is_better"]):
            if f"recovery_{measure_slug(str(m))}" == outcome and not pd.isna(hib):
                return "higher" if bool(hib) else "lower"
    return None


# --- start dates that survive the period filter, and the models on them --------------------------------


def with_starts(panel: pd.DataFrame, starts: pd.DataFrame | None) -> pd.DataFrame:
    """The panel with each ward's talking-groups start taken from `starts` (ward_id, talking_groups_start).

    A period filter drops start events before the period, which would turn wards already running
    talking groups into comparison wards; the start is a fact about the ward, so it is put back here.
    """
    if starts is None or not len(panel):
        return panel
    first = (
        starts.dropna(subset=["talking_groups_start"])
        .assign(ward_id=lambda s: s["ward_id"].astype(str))
        .groupby("ward_id")["talking_groups_start"]
        .min()
    )
    start = pd.to_datetime(panel["ward_id"].astype(str).map(first)).astype("datetime64[ns]")
    if ALL_WARDS in first.index:  # a hospital-wide start applies to every ward (the earlier start wins)
        start = start.where(start.notna() & (start <= first[ALL_WARDS]), first[ALL_WARDS])
    since = months_between(panel["month"], start)
    return panel.assign(
        talking_groups_start=start, talking_groups_active=(since >= 0).to_numpy(bool), months_since_talking_groups=since
    )


def pooled(panel, outcome, kind, starts=None) -> ModelResult:
    """its_pooled on the panel with start dates restored (see with_starts)."""
    return its_pooled(with_starts(panel, starts), outcome, kind)


def one_ward(panel, ward_id, outcome, kind, starts=None) -> tuple[ModelResult, pd.DataFrame]:
    """its_ward and the before/after chart data for one ward, start dates restored."""
    p = with_starts(panel, starts)
    return its_ward(p, ward_id, outcome, kind), before_after(p, ward_id, outcome, kind)


def dose(panel, outcome, kind, starts=None) -> ModelResult:
    """dose_response (outcome against attendance per session after the start), start dates restored."""
    return dose_response(with_starts(panel, starts), outcome, kind)


# --- the outcomes to choose from -----------------------------------------------------------------------


def outcome_choices(panel_columns, measures=(), own=()) -> dict[str, tuple[str, str, str]]:
    """The page's outcomes: label -> (panel column, kind, axis label); recovery measures only when present, then
    `own`: instrument scores (`analysis.questions.specs.instrument_outcomes`: the built-in instruments' and, read
    inside `specs.data_measures` as the Model builder reads them, the hospital's own, each in its instrument
    table's words and direction)."""
    out = {
        "Patient-rated co-production (overall)": (
            "coproduction_patient_overall",
            "linear",
            "Patient-rated co-production (0 to 100)",
        ),
        "Staff-rated reduced social distance": (
            RSD["staff"],
            "linear",
            "Staff-rated reduced social distance (0 to 100)",
        ),
        f"Assaults on staff ({rate_label()})": ("assaults_on_staff", "count", f"Assaults on staff {rate_label()}"),
    }
    better = dict(zip(builtin_measures()["measure"], builtin_measures()["higher_is_better"]))
    for m in dict.fromkeys(str(x) for x in measures):
        col = f"recovery_{measure_slug(m)}"
        if col in panel_columns:
            hint = {True: " (higher is better)", False: " (lower is better)"}.get(better.get(m), "")
            out[f"Recovery: {m}{hint}"] = (col, "linear", f"{m} ward mean score")
    for col in own:
        if col in panel_columns and col in MEASURES:
            words, better = MEASURES[col].words, MEASURES[col].higher_is_better
            hint = {True: " (higher is better)", False: " (lower is better)"}.get(better, "")
            where = "Your instrument" if is_own(col) else "Survey"
            out[f"{where}: {words}{hint}"] = (col, "linear", f"{words[0].upper()}{words[1:]}")
    return out


# --- words ---------------------------------------------------------------------------------------------


def key_figure(result: ModelResult, kind: str) -> str | None:
    """The headline as a short figure: '+2.3 points (95% CI +0.1 to +4.5)' or 'rate ratio 0.96 (...)'."""
    h = result.headline
    if h is None or not result.ok:
        return None
    if kind == "count":
        return f"rate ratio {h.estimate:.2f} (95% CI {h.ci_low:.2f} to {h.ci_high:.2f})"
    return f"{h.estimate:+.1f} points (95% CI {h.ci_low:+.1f} to {h.ci_high:+.1f})"


def slope_words(result: ModelResult, kind: str) -> str | None:
    """The pooled slope change (trend after the start versus before), in words."""
    d = result.diagnostics_as(SteppedWedgeDiagnostics) if result.ok else None
    s = d.slope_change_per_month if d else None
    if not s:
        return None
    if kind == "count":
        return (
            f"After the start, the rate's monthly trend changed by {ratio_percent(s['rate_ratio'], 1, signed=True)} "
            "a month "
            f"(rate ratio {s['rate_ratio']:.3f} a month, 95% CI {s['rr_ci_low']:.3f} to {s['rr_ci_high']:.3f})."
        )
    return (
        f"After the start, the monthly trend changed by {s['estimate']:+.2f} points a month "
        f"(95% CI {s['ci_low']:+.2f} to {s['ci_high']:+.2f})."
    )


def adjustment_words(result: ModelResult) -> str | None:
    """How staggered starts and the hospital-wide trend are allowed for, in plain words."""
    if not result.ok:
        return None
    d = result.diagnostics_as(SteppedWedgeDiagnostics)
    started = d.wards_started if d else 0
    never = result.n_wards - started
    controls = f"the {plural(never, 'ward')} that never started and " if never else ""
    return (
        f"How this allows for other change: wards started at different times, so each month every ward that "
        f"had started is compared with {controls}the wards that had not started yet in that same month. "
        f"One allowance per calendar month takes out anything that moved the whole hospital (a rising or falling "
        f"trend of any shape), and one allowance per ward takes out fixed differences between wards. "
        f"Uncertainty allows for months on the same ward being alike."
    )


# --- timeline ------------------------------------------------------------------------------------------


def timeline_table(panel: pd.DataFrame) -> pd.DataFrame:
    """One row per ward: ward, label, start month (NaT if not started), status, months of data before/after."""
    cols = ["ward_id", "ward", "talking_groups_start", "status", "months_before", "months_after"]
    if not len(panel):
        return pd.DataFrame(columns=cols)
    # every ward at once (a loop over the wards' groups took most of a second at 1,000 wards): each ward's first
    # row gives its start and name, as the loop took them
    known = panel[panel["ward_id"].notna()]
    first = known.drop_duplicates("ward_id").set_index("ward_id").sort_index(kind="stable")
    n = known.groupby("ward_id", sort=True).size().reindex(first.index)
    start_row = known["ward_id"].map(first["talking_groups_start"])
    after = ((known["month"] >= start_row) & start_row.notna()).groupby(known["ward_id"], sort=True).sum()
    after = after.reindex(first.index).astype(int)
    starts = first["talking_groups_start"].tolist()
    names = first["ward_name"].tolist() if "ward_name" in first.columns else [""] * len(first)
    out = pd.DataFrame(
        {
            "ward_id": [str(w) for w in first.index],
            "ward": [f"{w} {nm if pd.notna(nm) else ''}".strip() for w, nm in zip(first.index, names)],
            "talking_groups_start": starts,
            "status": [f"started {uk_month(s)}" if pd.notna(s) else NOT_STARTED for s in starts],
            "months_before": (n - after).to_numpy(),
            "months_after": after.to_numpy(),
        },
        columns=cols,
    )
    out["talking_groups_start"] = pd.to_datetime(out["talking_groups_start"])
    return out.sort_values(["talking_groups_start", "ward_id"], na_position="last").reset_index(drop=True)


# --- attendance ----------------------------------------------------------------------------------------


def attendance_by_month(panel: pd.DataFrame) -> pd.DataFrame:
    """Hospital totals per month: wards running groups, sessions held, attendances, attendance per session."""
    cols = ["month", "wards_running", "sessions_held", "attendances", "attendance_per_session"]
    if not len(panel) or "talking_groups_held" not in panel:
        return pd.DataFrame(columns=cols)
    p = panel.assign(running=panel["talking_groups_held"].fillna(0) > 0)
    g = p.groupby("month", sort=True).agg(
        wards_running=("running", "sum"),
        sessions_held=("talking_groups_held", lambda s: s.sum(min_count=1)),
        attendances=("talking_group_attendances", lambda s: s.sum(min_count=1)),
    )
    g["attendance_per_session"] = g["attendances"] / g["sessions_held"].where(g["sessions_held"] > 0)
    return g.reset_index()[cols]


def dose_table(panel: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per ward: start, sessions, attendances, attendance per session and the outcome's mean before and after."""
    d = attendance_dose(panel, (outcome,))
    d["talking_groups_start"] = uk_months(pd.to_datetime(d["talking_groups_start"]))
    return d


# --- reduced social distance: staff and patients -------------------------------------------------------


def social_distance_table(panel: pd.DataFrame) -> pd.DataFrame:
    """Staff- and patient-rated reduced social distance: mean before and after the start (wards that started)."""
    rows = []
    started = panel[panel["talking_groups_start"].notna()] if len(panel) else panel
    for rater, col in RSD.items():
        if col not in panel.columns:
            continue
        post = started["month"] >= started["talking_groups_start"]
        before, after = started.loc[~post, col].dropna(), started.loc[post, col].dropna()
        rows.append(
            {
                "rated_by": rater,
                "mean_before": before.mean() if len(before) else np.nan,
                "mean_after": after.mean() if len(after) else np.nan,
                "ward_months_before": len(before),
                "ward_months_after": len(after),
            }
        )
    out = pd.DataFrame(
        rows, columns=["rated_by", "mean_before", "mean_after", "ward_months_before", "ward_months_after"]
    )
    out["plain_change"] = out["mean_after"] - out["mean_before"]
    return out


def social_distance_words(table: pd.DataFrame, patients: ModelResult | None, staff: ModelResult | None) -> list[str]:
    """What reduced social distance asks of staff, from the numbers: the staff-patient gap and the pooled changes."""
    t = table.set_index("rated_by") if len(table) else table
    if not {"patients", "staff"} <= set(t.index) or t[["mean_before", "mean_after"]].isna().any().any():
        return [
            (
                "There are not enough staff and patient survey scores on reduced social distance, before and after "
                "talking groups started, to compare how the two groups see it."
            )
        ]
    out = []
    gaps = {when: t.loc["staff", f"mean_{when}"] - t.loc["patients", f"mean_{when}"] for when in ("before", "after")}

    def gap(g: float) -> str:
        if abs(g) < 0.5:
            return "about the same as patients"
        return f"{abs(g):.1f} points {'higher' if g > 0 else 'lower'} than patients"

    out.append(
        f"Before talking groups started, staff rated reduced social distance {gap(gaps['before'])} "
        f"(staff {t.loc['staff', 'mean_before']:.1f}, patients {t.loc['patients', 'mean_before']:.1f} out of "
        f"100); afterwards staff rated it {gap(gaps['after'])} (staff {t.loc['staff', 'mean_after']:.1f}, "
        f"patients {t.loc['patients', 'mean_after']:.1f}). These are plain averages, before any allowance for "
        f"the hospital-wide trend."
    )
    if gaps["after"] > 0.5:
        out.append(
            "Staff see the distance between themselves and patients as smaller than patients experience it: "
            "closing it asks staff to share everyday activities and decisions in ways patients notice, while "
            "keeping therapeutic boundaries and relational security."
        )
    parts = []
    for rater, res in (("patients", patients), ("staff", staff)):
        if res is not None and res.ok:
            h = res.headline
            parts.append(f"{h.estimate:+.1f} points as rated by {rater} (95% CI {h.ci_low:+.1f} to {h.ci_high:+.1f})")
    if parts:
        out.append(
            "Allowing for the hospital-wide trend and comparing with wards not yet started, reduced social "
            "distance changed by " + " and by ".join(parts) + " once talking groups started."
        )
    return out

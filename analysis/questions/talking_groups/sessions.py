"""How the meetings run: the talking group session log (contract table ``talking_group_sessions``) in tables,
SPC charts' data and sentences, and whether a ward-month with more attended meetings or more items resolved comes
before higher co-production and fewer assaults (dose and response).

Everything here reads the log as the loader parses it (one row per meeting). `monthly` sums it to ward-months,
`ward_summary` gives one row per ward, `answer` says it in a sentence; `staff_chart` is the SPC u-chart of staff
per meeting; `dose_response` fits the existing count model (`analysis.stats.counts.fit.fit_counts`, assaults) and
the dose model (`analysis.questions.dose.fit_dose`, co-production) on the ward-month panel with the log's columns
(`analysis.panel.sessions`), the same models and columns the Model builder and the ``fit`` command use.
Figures are drawn by analysis/charts/talking_groups_sessions.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analysis.data.contract import ITEM_COLUMNS, ITEM_KINDS, STAFF_COLUMNS, STAFF_ROLES
from analysis.panel.measures import MEASURES
from analysis.panel.sessions import SESSION_COLUMNS, add_session_columns
from analysis.questions.dose import dose_rows, fit_dose, too_few
from analysis.spc import classify, u_chart
from analysis.spc.vectorised import charts as spc_charts
from analysis.spc.vectorised import classify_all
from analysis.stats.counts.fit import fit_counts
from analysis.stats.results import OBSERVATIONAL_CAVEAT, ModelResult
from analysis.text import fmt_number, listed, percent_change, plural, plural_word, uk_month

TABLE = "talking_group_sessions"
ROLE_NAMES = {f"staff_{r}": words for r, words in STAFF_ROLES.items()}
KIND_NAMES = {f"items_{k}": words for k, words in ITEM_KINDS.items()}
# The dose predictors (ward-month columns made from the log) -> (their name in a sentence, the step per which an
# estimate is given: the measure's own, `analysis.panel.measures.MEASURES`, the step in words).
PREDICTORS = {
    "tg_patient_attendances": (
        "patients attending talking groups",
        MEASURES["tg_patient_attendances"].per,
        "10 more patient attendances",
    ),
    "tg_share_resolved": (
        "the share of items resolved by the next meeting",
        MEASURES["tg_share_resolved"].per,
        "10 points more of the items",
    ),
}
OUTCOMES = {
    "coproduction_patient_overall": "patient-rated co-production",
    "assaults_on_staff": "assaults on staff",
}
NEEDS = (
    "a talking_group_sessions table: one row per meeting with its date, who attended by role, who chaired, the "
    "items raised of each kind, and how many were resolved by the next meeting or carried over"
)


def has_log(log: pd.DataFrame | None) -> bool:
    """True when there is at least one meeting to describe."""
    return log is not None and len(log) > 0 and set(STAFF_COLUMNS) <= set(log.columns)


def _counts(df: pd.DataFrame, cols) -> pd.DataFrame:
    return df.reindex(columns=list(cols)).apply(pd.to_numeric, errors="coerce").fillna(0).astype(float)


def meetings(log: pd.DataFrame) -> pd.DataFrame:
    """One row per meeting with ``month``, ``staff_total``, ``items_raised``, ``days_to_next`` (the wait until the
    ward's next meeting: the longest an item resolved by then waited; NaN for the last) added."""
    out = log.copy()
    out["month"] = pd.to_datetime(out["date"]).dt.to_period("M").dt.to_timestamp()
    out["staff_total"] = _counts(out, STAFF_COLUMNS).sum(axis=1)
    out["items_raised"] = _counts(out, ITEM_COLUMNS).sum(axis=1)
    out = out.sort_values(["ward_id", "date"], kind="stable").reset_index(drop=True)
    nxt = out.groupby("ward_id")["date"].shift(-1)
    out["days_to_next"] = (nxt - out["date"]).dt.days.astype(float)
    return out


def monthly(log: pd.DataFrame) -> pd.DataFrame:
    """Ward-months: ``meetings``, ``patients`` (attendances), ``staff_total`` and each ``staff_<role>``,
    ``chaired_by_patient``, each ``items_<kind>``, ``items_raised``, ``items_resolved``, ``items_carried``."""
    m = meetings(log)
    m["meetings"] = 1.0
    m["patients"] = pd.to_numeric(m["patients_attending"], errors="coerce").astype(float)
    m["chaired_by_patient"] = (m["chaired_by"].astype(str) == "patient").astype(float)
    m["items_resolved"] = _counts(m, ["items_resolved_by_next"]).iloc[:, 0]
    m["items_carried"] = _counts(m, ["items_carried_over"]).iloc[:, 0]
    for c in (*STAFF_COLUMNS, *ITEM_COLUMNS):
        m[c] = _counts(m, [c]).iloc[:, 0]
    cols = [
        "meetings",
        "patients",
        "staff_total",
        *STAFF_COLUMNS,
        "chaired_by_patient",
        *ITEM_COLUMNS,
        "items_raised",
        "items_resolved",
        "items_carried",
    ]
    return m.groupby(["ward_id", "month"], sort=True)[cols].sum().reset_index()


def staff_by_role(month_rows: pd.DataFrame) -> pd.DataFrame:
    """Across the wards given, each month's staff per meeting by role (long: month, role, per_meeting), with the
    counts it is made from (staff_attendances, meetings: BY_ROLE_COUNTS) so the small-number rule can hide them."""
    total = month_rows.groupby("month")[["meetings", *STAFF_COLUMNS]].sum()
    per = total[list(STAFF_COLUMNS)].div(total["meetings"].where(total["meetings"] > 0), axis=0)
    long = per.reset_index().melt("month", var_name="column", value_name="per_meeting")
    counts = total[list(STAFF_COLUMNS)].reset_index().melt("month", var_name="column", value_name="staff_attendances")
    long = long.merge(counts, on=["month", "column"], how="left")
    long["meetings"] = long["month"].map(total["meetings"])
    long["role"] = long["column"].map(ROLE_NAMES)
    return long[["month", "role", "per_meeting", "staff_attendances", "meetings"]]


# The by-role and by-kind tables as they leave the app: a per-meeting figure times the meetings is a count.
BY_ROLE_COUNTS = ("staff_attendances", "meetings")
BY_ROLE_RATES = {"per_meeting": ("staff_attendances", "meetings", 1)}
BY_KIND_COUNTS = ("items", "meetings")
BY_KIND_RATES = {"per_meeting": ("items", "meetings", 1)}


def staff_chart(month_rows: pd.DataFrame, ward_id: str | None = None, run_length: int | None = None) -> pd.DataFrame:
    """The SPC u-chart of staff per meeting (staff attendances over meetings) for one ward, or the wards summed,
    classified by the Making Data Count rules (more staff is better)."""
    d = month_rows if ward_id is None else month_rows[month_rows["ward_id"].astype(str) == str(ward_id)]
    d = d.groupby("month", sort=True)[["staff_total", "meetings"]].sum().reset_index()
    if d.empty:
        return d
    chart = u_chart(d, "staff_total", "meetings", per=1, rare_below=0, rare_zero_share=2)
    return classify(chart, improvement="increase", run_length=run_length)


def _fell(chart: pd.DataFrame) -> bool:
    """The latest month with meetings shows special-cause low staff attendance (a shift, trend or point below)."""
    rows = chart[chart["value"].notna()] if len(chart) else chart
    return bool(len(rows) and rows.iloc[-1]["variation"] == "special_cause_concern")


def _fell_by_ward(month_rows: pd.DataFrame, run_length: int | None = None) -> pd.Series:
    """`_fell` of each ward's `staff_chart`, every ward charted in one pass (analysis.spc.vectorised, identical
    to charting each alone): a bool Series indexed by ward_id."""
    d = month_rows.groupby(["ward_id", "month"], sort=True)[["staff_total", "meetings"]].sum().reset_index()
    if d.empty:
        return pd.Series(dtype=bool)
    when = pd.DatetimeIndex(d["month"])
    pos = when.year.to_numpy("int64") * 12 + when.month.to_numpy("int64") - 1
    long = pd.DataFrame(
        {"ward_id": d["ward_id"].to_numpy(), "pos": pos, "count": d["staff_total"], "exposure": d["meetings"]}
    )
    charted = spc_charts(long, "u", per=1, rare_below=0, rare_zero_share=2)
    classified = classify_all(charted, improvement="increase", run_length=run_length)
    has = classified["value"].notna().to_numpy()
    last = classified.loc[has].groupby("ward_id", sort=False).tail(1).set_index("ward_id")
    return last["variation"] == "special_cause_concern"


def ward_summary(log: pd.DataFrame, wards: pd.DataFrame | None = None, run_length: int | None = None) -> pd.DataFrame:
    """One row per ward: meetings, first and last, patients and staff per meeting, share chaired by a patient,
    items per meeting, the percentage of items resolved by the next meeting and carried over, the median days to
    the next meeting, and whether staff attendance fell (the latest month a special cause low on its SPC chart)."""
    m = meetings(log)
    fell = _fell_by_ward(monthly(log), run_length)
    if m["ward_id"].isna().all():
        return pd.DataFrame()
    m["_resolved"] = _counts(m, ["items_resolved_by_next"]).iloc[:, 0]
    m["_carried"] = _counts(m, ["items_carried_over"]).iloc[:, 0]
    m["_patients"] = pd.to_numeric(m["patients_attending"])
    m["_chaired"] = m["chaired_by"].astype(str) == "patient"
    g = m.groupby("ward_id", sort=True)  # every ward at once (a loop over wards took seconds at 1,000 wards)
    n = g.size()
    raised = g["items_raised"].sum().astype(float)
    resolved, carried = g["_resolved"].sum().astype(float), g["_carried"].sum().astype(float)
    has = raised.where(raised != 0)  # no items raised: no percentages
    table = pd.DataFrame(
        {
            "ward_id": n.index.to_numpy(),
            "meetings": n.to_numpy(),
            "first_meeting": g["date"].min().to_numpy(),
            "last_meeting": g["date"].max().to_numpy(),
            "patients_per_meeting": g["_patients"].mean().astype(float).to_numpy(),
            "staff_per_meeting": g["staff_total"].mean().astype(float).to_numpy(),
            "chaired_by_patient_pct": (100.0 * g["_chaired"].mean().astype(float)).to_numpy(),
            "items_per_meeting": (raised / n).to_numpy(),
            "items_raised": raised.to_numpy(),
            "resolved_by_next_pct": (100.0 * resolved / has).to_numpy(),
            "carried_over_pct": (100.0 * carried / has).to_numpy(),
            "median_days_to_next": g["days_to_next"].median().astype(float).to_numpy(),
            "staff_attendance_fell": [bool(fell.get(w, False)) for w in n.index],
        }
    )
    if wards is not None and len(table) and "ward_name" in wards.columns:
        names = wards.drop_duplicates("ward_id").set_index("ward_id")["ward_name"].astype(str)
        named = table["ward_id"].map(names)
        blank = named.isna() | (named.astype(str).str.strip() == "")  # an external pack blanks the names
        table.insert(1, "ward", named.where(~blank, table["ward_id"]))
    return table


def items_by_kind(log: pd.DataFrame) -> pd.DataFrame:
    """Items raised per meeting by kind, per ward and across every ward ("All wards"): ward_id, kind, per_meeting,
    and the counts it is made from (items, meetings: BY_KIND_COUNTS) so the small-number rule can hide them."""
    m = meetings(log)
    items = _counts(m, ITEM_COLUMNS).groupby(m["ward_id"]).sum()
    items.loc["All wards"] = items.sum()
    n = m.groupby("ward_id").size().astype(float)
    n.loc["All wards"] = float(len(m))
    per = items.div(n, axis=0)
    long = per.reset_index(names="ward_id").melt("ward_id", var_name="column", value_name="per_meeting")
    long["items"] = items.reset_index(names="ward_id").melt("ward_id", var_name="column", value_name="items")["items"]
    long["meetings"] = long["ward_id"].map(n)
    long["kind"] = long["column"].map(KIND_NAMES)
    return long[["ward_id", "kind", "per_meeting", "items", "meetings"]]


def answer(summary: pd.DataFrame) -> str:
    """The plain answer: 'On 7 of 10 wards most items raised were resolved by the next meeting; staff attendance
    fell on 2 (Iona and Arran).' Wards are named by their names when the summary has them (`ward`)."""
    if summary is None or not len(summary):
        return "No talking group meetings are recorded in the session log for the wards and months in view."
    n = len(summary)
    most = int((summary["resolved_by_next_pct"] > 50).sum())
    named = summary["ward"] if "ward" in summary.columns else summary["ward_id"]  # the ward's name when known
    fell = named[summary["staff_attendance_fell"].astype(bool)].astype(str).tolist()
    lead = f"On {fmt_number(most)} of {plural(n, 'ward')} most items raised at a meeting were resolved by the next"
    if fell:
        staff = f"staff attendance fell on {fmt_number(len(fell))} ({listed(fell, most=5)})"
    elif n == 1:
        staff = "staff attendance did not fall there"
    else:
        staff = f"staff attendance fell on none of {plural_word(n, 'it', 'them')}"
    return f"{lead}; {staff}."


def overall_words(summary: pd.DataFrame, rule=None) -> str:
    """Across wards in one sentence: meetings, items per meeting, the share resolved and carried over. With a
    disclosure `rule` (for words that leave the app: the pack, the command line) the totals are the published
    ones: an unrounded total beside the published per-ward counts would give a hidden one back by subtraction."""
    if summary is None or not len(summary):
        return ""
    meetings_n = float(summary["meetings"].sum())
    raised = float(summary["items_raised"].sum())
    resolved = float((summary["resolved_by_next_pct"].fillna(0) * summary["items_raised"]).sum() / 100)
    carried = float((summary["carried_over_pct"].fillna(0) * summary["items_raised"]).sum() / 100)
    if rule is not None:
        return _overall_published(summary, meetings_n, raised, round(resolved), round(carried), rule)
    share = lambda x: fmt_number(100 * x / raised, 0) + "%" if raised else "no value"
    return (
        f"Across {plural(len(summary), 'ward')}, {plural(meetings_n, 'meeting')} raised "
        f"{fmt_number(raised / meetings_n, 1)} items each on average; {share(resolved)} of items were resolved by "
        f"the next meeting and {share(carried)} carried over to it (the next meeting came a median "
        f"{plural(float(summary['median_days_to_next'].median()), 'day')} later)."
    )


def _overall_published(summary: pd.DataFrame, meetings_n, raised, resolved, carried, rule) -> str:
    """`overall_words` from the totals as the rule publishes them (rounded, or hidden: then no figure)."""
    from analysis.disclosure.protect import protect_table
    from analysis.disclosure.rules import rule_from_name

    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    totals = pd.DataFrame(
        {"meetings": [meetings_n], "raised": [raised], "resolved": [resolved], "carried": [carried]}
    ).round()
    cols = list(totals.columns)  # totals over the selection: rounded to 5 under both presets, like the pack's
    shown = protect_table(totals, cols, rule, column_totals_known=False, selection_totals=cols).frame.iloc[0]
    hidden = lambda c: shown[c] == rule.symbol
    days = plural(float(summary["median_days_to_next"].median()), "day")
    wards = plural(len(summary), "ward")
    if hidden("meetings") or hidden("raised") or not float(shown["raised"]):
        return (
            f"Across {wards}, too few meetings or items to give their numbers outside the organisation (the next "
            f"meeting came a median {days} later)."
        )
    n, items = float(shown["meetings"]), float(shown["raised"])
    share = lambda c: (
        "a share too small to publish" if hidden(c) else fmt_number(100 * float(shown[c]) / items, 0) + "%"
    )
    return (
        f"Across {wards}, about {plural(n, 'meeting')} raised about {fmt_number(items / n, 1)} items each; "
        f"{share('resolved')} of items were resolved by the next meeting and {share('carried')} carried over to it "
        f"(the next meeting came a median {days} later)."
    )


# ---------------------------------------------------------------- dose and response
def dose_panel(panel: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """The ward-month panel with the session columns (`analysis.panel.sessions.SESSION_COLUMNS`) made from `log`
    alone: ``tg_meetings``, ``tg_patient_attendances``, ``tg_share_resolved`` (0 to 100) and the rest. A month
    without meetings in `log` has them missing, so a dose is compared only among months that had them."""
    return add_session_columns(panel.assign(**dict.fromkeys(SESSION_COLUMNS, np.nan)), log)


@dataclass
class DoseResponse:
    """The dose-response models: one row per outcome, predictor and comparison (within or between wards), the
    fitted results, and sentences."""

    table: pd.DataFrame
    results: dict[tuple[str, str], ModelResult] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)
    lag: int = 1


def _lag_words(lag: int) -> str:
    return "the same month" if lag == 0 else f"{plural(lag, 'month')} later"


def _count_rows(panel: pd.DataFrame, predictor: str, lag: int) -> tuple[ModelResult, list[dict]]:
    noun, per, step = PREDICTORS[predictor]
    res = fit_counts(panel, outcome="assaults_on_staff", predictor=predictor, lag=lag, per=per, zeros=False)
    rows = []
    if res.headline is None:
        return res, rows
    base = f"{predictor}_lag{lag}" if lag else predictor
    est = res.estimates.set_index("term")
    for role, term in (("within", f"{base}_within"), ("between", f"{base}_ward_mean")):
        if term in est.index:
            r = est.loc[term]
            rows.append(
                _row("assaults_on_staff", predictor, role, r["rate_ratio"], r["rr_ci_low"], r["rr_ci_high"], res)
                | {"scale": "rate ratio", "p_value": float(r["p_value"])}
            )
    return res, rows


def _row(outcome, predictor, role, e, lo, hi, res) -> dict:
    return {
        "outcome": outcome,
        "predictor": predictor,
        "comparison": role,
        "estimate": float(e),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "per": PREDICTORS[predictor][2],
        "n_wards": res.n_wards,
        "n_obs": res.n_obs,
    }


def _mixed(panel: pd.DataFrame, predictor: str, lag: int) -> tuple[ModelResult, list[dict]]:
    """Patient-rated co-production in survey months against the predictor `lag` months earlier, within and between
    wards: the dose model (`analysis.questions.dose.fit_dose`), with its reason for too few months in the page's
    words."""
    outcome = "coproduction_patient_overall"
    res = fit_dose(panel, outcome, predictor, lag)
    if res.headline is None:
        short = too_few(dose_rows(panel, outcome, predictor, lag))
        if short:
            res = replace(res, sentence=f"Too few survey months after a month with meetings {short}.")
        return res, []
    t = res.estimates.set_index("term")
    base = f"{predictor}_lag{lag}"
    rows = []
    for role, term in (("within", f"{base}_within"), ("between", f"{base}_ward_mean")):
        r = t.loc[term]
        rows.append(
            _row(outcome, predictor, role, r["estimate"], r["ci_low"], r["ci_high"], res)
            | {"scale": "points", "p_value": float(r["p_value"])}
        )
    return res, rows


def _interval(row: pd.Series) -> str:
    if row["scale"] == "rate ratio":
        return f"{percent_change(row['ci_low'], None)} to {percent_change(row['ci_high'], None)}"
    return f"{fmt_number(row['ci_low'], 1)} to {fmt_number(row['ci_high'], 1)} points"


def dose_sentence(row: pd.Series, lag: int) -> str:
    """One estimate in words: 'Within a ward, a month with 10 points more of the items resolved by the next
    meeting came before 3% fewer assaults on staff 1 month later (95% CI 0.90 to 1.04 as a rate ratio).'"""
    _, _, step = PREDICTORS[row["predictor"]]
    what = step if row["predictor"] == "tg_patient_attendances" else f"{step} resolved by the next meeting"
    noun = OUTCOMES[row["outcome"]]
    if row["scale"] == "rate ratio":
        change = percent_change(row["estimate"], None)
        effect = f"no change in {noun}" if change == "no change" else f"{change} {noun}"
    else:
        e = row["estimate"]
        size = fmt_number(abs(e), 1)
        effect = f"no change in {noun}" if size == "0" else f"{noun} {size} points {'higher' if e >= 0 else 'lower'}"
    ci = f"(95% CI {_interval(row)})"
    if row["comparison"] == "within":
        verb = "came before" if lag else "went with"
        return f"Within a ward, a month with {what} {verb} {effect} {_lag_words(lag)} {ci}."
    return f"Between wards, a ward whose months had {what} on average had {effect} {ci}."


def _sure(row: pd.Series) -> bool:
    null = 1.0 if row["scale"] == "rate ratio" else 0.0
    return bool(row["ci_low"] > null or row["ci_high"] < null)


def _plain_reason(sentence: str) -> str:
    """A model's reason for giving no answer in a ward manager's words: the predictor's name, not its column,
    and no advice addressed to a programmer (the count model's "Use split='none' ...")."""
    for code, (noun, _, _) in PREDICTORS.items():
        sentence = sentence.replace(code.capitalize(), noun[0].upper() + noun[1:]).replace(code, noun)
    return sentence.replace(
        "Use split='none' to compare wards instead, or add more survey months.",
        "More months of meetings are needed.",
    )


def dose_response(panel: pd.DataFrame, log: pd.DataFrame, lag: int = 1) -> DoseResponse:
    """Does a ward-month with more patients attending meetings, or more of its items resolved by the next meeting,
    come before higher patient-rated co-production and fewer assaults on staff `lag` months later?

    Within wards (a ward's months against its own average) and between wards (wards' averages), among months
    with meetings: assaults by the count model of the Assaults page (`fit_counts`: Poisson or negative binomial,
    occupied bed days as exposure, cluster-robust errors by ward), co-production by a linear mixed model with a
    ward random intercept (`fit_dose`, as the Model builder's dose model). Observational: the table says what went
    with what, not what caused it.
    """
    d = dose_panel(panel, log)
    rows: list[dict] = []
    results: dict[tuple[str, str], ModelResult] = {}
    for predictor in PREDICTORS:
        res, got = _mixed(d, predictor, lag)
        results[("coproduction_patient_overall", predictor)] = res
        rows += got
        res, got = _count_rows(d, predictor, lag)
        results[("assaults_on_staff", predictor)] = res
        rows += got
    cols = ["outcome", "predictor", "comparison", "estimate", "ci_low", "ci_high", "scale", "p_value", "per"]
    table = pd.DataFrame(rows, columns=[*cols, "n_wards", "n_obs"])
    sentences = [dose_sentence(r, lag) for _, r in table[table["comparison"] == "within"].iterrows()]
    within = table[table["comparison"] == "within"]
    sure = [r for _, r in within.iterrows() if _sure(r)]
    if len(within):
        if sure:
            lead = (
                f"Within wards, {plural(len(sure), 'association')} of {fmt_number(len(within))} "
                f"{plural_word(len(sure), 'is', 'are')} clear of no change at the 95% level."
            )
            if len(within) > 1:
                lead += (
                    f" With {fmt_number(len(within))} comparisons, one may clear that line by chance alone, so "
                    "look for the same pattern at other lags and in the next months' data."
                )
        else:
            lead = "Within wards, no association is clear of no change at the 95% level."
        sentences.insert(0, lead)
    missing = [_plain_reason(r.sentence) for r in results.values() if r.headline is None and r.sentence]
    sentences += list(dict.fromkeys(missing))
    sentences.append(
        OBSERVATIONAL_CAVEAT + " A ward that already works with patients may both settle their items sooner and be "
        "rated higher, so a month's meetings coming first does not show that they made the difference."
    )
    return DoseResponse(table=table, results=results, sentences=sentences, lag=lag)


def dose_table_for_people(table: pd.DataFrame, lag: int = 1) -> pd.DataFrame:
    """The dose-response table with words for its codes, for the page, the command line and the pack."""
    if not len(table):
        return table
    return pd.DataFrame(
        {
            "Outcome": table["outcome"].map(OUTCOMES),
            "Predictor": table["predictor"].map(lambda p: PREDICTORS[p][0]),
            "Per": table["per"],
            "Comparison": table["comparison"].map({"within": "within ward", "between": "between wards"}),
            "Estimate": table["estimate"].round(3),
            "95% CI low": table["ci_low"].round(3),
            "95% CI high": table["ci_high"].round(3),
            "Scale": table["scale"],
            "Lag": plural(lag, "month"),
            "Wards": table["n_wards"],
            "Ward-months": table["n_obs"],
        }
    )


def summary_for_people(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-ward table with words for its columns and UK dates."""
    if not len(summary):
        return summary
    out = pd.DataFrame({"Ward": summary.get("ward", summary["ward_id"])})
    out["Meetings"] = summary["meetings"]
    out["First"] = summary["first_meeting"].map(uk_month)
    out["Last"] = summary["last_meeting"].map(uk_month)
    out["Patients per meeting"] = summary["patients_per_meeting"].round(1)
    out["Staff per meeting"] = summary["staff_per_meeting"].round(1)
    out["Chaired by a patient (%)"] = summary["chaired_by_patient_pct"].round(0)
    out["Items per meeting"] = summary["items_per_meeting"].round(1)
    out["Resolved by the next meeting (%)"] = summary["resolved_by_next_pct"].round(0)
    out["Carried over (%)"] = summary["carried_over_pct"].round(0)
    out["Median days to the next meeting"] = summary["median_days_to_next"].round(0)
    out["Staff attendance fell"] = summary["staff_attendance_fell"].map({True: "yes", False: "no"})
    return out


@dataclass
class Meetings:
    """What the page's 'How the meetings run' section shows, worked out once per data and filters."""

    log: pd.DataFrame  # the meetings of the wards and months in view
    month_rows: pd.DataFrame  # `monthly`
    summary: pd.DataFrame  # `ward_summary`
    by_kind: pd.DataFrame  # `items_by_kind`
    by_role: pd.DataFrame  # `staff_by_role`
    answer: str
    overall: str


def how_meetings_run(panel: pd.DataFrame, log: pd.DataFrame, wards: pd.DataFrame | None = None) -> Meetings:
    """Every table and sentence of the section, for the meetings of the wards in `panel` (the view)."""
    if len(panel) and "ward_id" in panel.columns:
        log = log[log["ward_id"].astype(str).isin(set(panel["ward_id"].astype(str)))]
    log = log.reset_index(drop=True)
    if not has_log(log):
        empty = pd.DataFrame()
        return Meetings(log, empty, empty, empty, empty, answer(empty), "")
    rows = monthly(log)
    summary = ward_summary(log, wards)
    return Meetings(
        log=log,
        month_rows=rows,
        summary=summary,
        by_kind=items_by_kind(log),
        by_role=staff_by_role(rows),
        answer=answer(summary),
        overall=overall_words(summary),
    )


# The per-ward table as it leaves the app: meetings, patient and staff attendances and items are counts (the
# small-number rule applies); the per-meeting figures are made from them.
WARD_TABLE_COUNTS = (
    "Meetings",
    "Patient attendances",
    "Staff attendances",
    "Items raised",
    "Items resolved",
    "Items carried over",
    "Meetings chaired by a patient",
)
WARD_TABLE_RATES = {
    "Patients per meeting": ("Patient attendances", "Meetings", 1),
    "Staff per meeting": ("Staff attendances", "Meetings", 1),
    "Items per meeting": ("Items raised", "Meetings", 1),
    # a percentage beside its denominator gives back its count: hidden with it, or made from the published ones
    "Resolved by the next meeting (%)": ("Items resolved", "Items raised", 100),
    "Carried over (%)": ("Items carried over", "Items raised", 100),
    "Chaired by a patient (%)": ("Meetings chaired by a patient", "Meetings", 100),
}


def ward_table(summary: pd.DataFrame) -> pd.DataFrame:
    """`summary_for_people` with the counts its per-meeting figures are made from (for the page, its download and
    the command line)."""
    out = summary_for_people(summary)
    if not len(out):
        return out
    out.insert(2, "Patient attendances", (summary["patients_per_meeting"] * summary["meetings"]).round())
    out.insert(3, "Staff attendances", (summary["staff_per_meeting"] * summary["meetings"]).round())
    out.insert(4, "Items raised", summary["items_raised"])
    pct = lambda c: (summary[c].fillna(0) * summary["items_raised"] / 100).round()
    out.insert(5, "Items resolved", pct("resolved_by_next_pct"))
    out.insert(6, "Items carried over", pct("carried_over_pct"))
    out.insert(
        7, "Meetings chaired by a patient", (summary["chaired_by_patient_pct"] * summary["meetings"] / 100).round()
    )
    return out

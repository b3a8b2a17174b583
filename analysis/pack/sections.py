"""The pack's sections: the three questions, talking groups, the ward table and the model results.

Every sentence comes from a result; every table is protected here (counts under the disclosure rule)
before it is put in a Section, so the renderers and the spreadsheet writers only ever see safe tables.
Charts show rates and scores, with hover boxes emptied of counts (`quiet_figure`); a chart drawn from counts
(the monthly assaults chart) is drawn from the counts as published under the rule, for every audience.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from analysis.data.reference import INSTRUMENT_STATUS
from analysis.disclosure.rules import DisclosureRule
from analysis.overview.answers import Answer
from analysis.overview.summary import started_words, trend_text, wards_by_trend
from analysis.overview.wards import WINDOW_MONTHS, window_words
from analysis.pack.protect import protect, quiet_figure, rule_title
from analysis.pack.render import Figure, Section, Table
from analysis.stats.results import LevelsDiagnostics, ModelResult
from analysis.text import plural, rate_label, uk_month

log = logging.getLogger(__name__)
PUBLISHED = "from published counts"  # in the header of every rate worked out from the protected counts
RATE = f"Assaults on staff {rate_label()}, {PUBLISHED}"
SHORT_RATE = f"Rate {rate_label()}, {PUBLISHED}"
FROM_PUBLISHED = (
    f"Rates '{PUBLISHED}' are worked out from the rounded counts in this table, so they can differ a little from "
    "the dashboard's, which uses the exact counts. The exact rate is not printed: beside the published bed days "
    "it would give back the exact count that the rounding protects."
)
MAX_CAVEATS = 3  # a slide has room for about three
# the ward table's counts over its window (the last 12 months, or every month of a shorter period chosen)
WINDOW_COUNTS = ("Assaults on staff", "Occupied bed days", "Sessions", "Attendances")


def over(label: str, months: int = WINDOW_MONTHS) -> str:
    """A ward-table header naming the months its count covers: 'Assaults on staff (6 months)'."""
    return f"{label} ({plural(months, 'month')})"


# display headers that hold counts (protected); tests and checks use this list
COUNT_HEADERS = (
    *(over(c, n) for n in range(1, WINDOW_MONTHS + 1) for c in WINDOW_COUNTS),
    "Sessions held",
    "Attendances",
    "Assaults on staff before",
    "Assaults on staff after",
    "Assaults on staff",
    "Occupied bed days",
    "Survey returns",
)


def _caveats(result: ModelResult, said: str = "") -> list[str]:
    """Warnings first, then caveats not already said (in the answer or the methods page), at most three."""
    skip = {INSTRUMENT_STATUS}
    out = [c for c in dict.fromkeys([*result.warnings, *result.caveats]) if c not in skip and c not in said]
    return out[:MAX_CAVEATS]


def fit_labels(fig, char_width: float = 0.62):
    """Room for the longest category label on the y axis (ward names on a bar or timeline chart): the left
    margin is set from that label's length at the axis's font size, and both axes grow to fit their labels."""
    labels = []
    for trace in fig.data:
        ys = getattr(trace, "y", None)
        if ys is not None and len(ys) and all(isinstance(y, str) for y in ys):
            labels += [str(y) for y in ys]
    labels += [str(t) for t in (fig.layout.yaxis.ticktext or ())]
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    longest = max((len(label) for label in labels), default=0)
    if longest:
        size = fig.layout.yaxis.tickfont.size or fig.layout.font.size or 12
        need = int(longest * size * char_width) + 30
        if fig.layout.margin.l is None or fig.layout.margin.l < need:
            fig.update_layout(margin_l=need)
    return fig


def _figure(make, title: str, caption: str = "") -> Figure | None:
    """A Figure from `make()` -> (plotly figure, alt text), or None when it cannot be drawn; its axis labels
    given room (`fit_labels`)."""
    try:
        fig, alt = make()
    except Exception:
        log.exception("pack chart failed: %s", title)
        return None
    return Figure(fit_labels(quiet_figure(fig)), title, alt, caption)


def _with_figure(section: Section, figure: Figure | None, what: str) -> Section:
    if figure is None:
        section.caveats.append(f"The chart of {what} could not be drawn for this selection.")
    else:
        section.figures.append(figure)
    return section


def question_section(
    answer: Answer,
    panel: pd.DataFrame,
    events: pd.DataFrame | None,
    catalogue: pd.DataFrame | None,
    rule: DisclosureRule | None = None,
    run_length: int = 7,
) -> Section:
    """One of the three questions: the answer, key figure, how sure, and its key chart (`run_length`: the SPC
    chart's shift and trend run, `analysis.spc.rules.classify`).

    With `rule` (every pack, internal or external, passes it) every chart that is drawn from counts is drawn from
    the protected counts: the assaults chart plots rates made from each month's published count, a hidden month
    left as a gap. Without it the chart is the dashboard's, from the raw counts (for use inside the app only)."""
    paras = [] if answer.needs else [f"Key figure: {answer.key_figure}.", answer.how_sure + "."]
    if answer.others:
        paras.append(answer.others)
    section = Section(
        title=answer.title,
        answer=answer.sentence,
        question=answer.question,
        paragraphs=paras,
        caveats=[] if answer.needs else _caveats(answer.result, answer.sentence),
    )
    if answer.needs or not len(panel):
        return section
    if answer.question == "q1":
        return _with_figure(
            section, _figure(lambda: _q1_chart(answer), "Co-production band of each ward"), "co-production bands"
        )
    if answer.question == "q2":
        if rule is not None:
            monthly = protected_monthly(panel, rule)
            gaps = int((monthly["occupied_bed_days"].isna()).sum()) if len(monthly) else 0
            if len(monthly) and gaps > len(monthly) * MAX_GAP_SHARE:
                section.caveats.append(TOO_MANY_GAPS.format(gaps=gaps, months=len(monthly), rule=rule_title(rule)))
                return section
            figure = _figure(
                lambda: _q2_chart(monthly, events, run_length),
                "Assaults on staff over time",
                GAP_NOTE.format(rule=rule_title(rule)),
            )
        else:
            figure = _figure(lambda: _q2_chart(panel, events, run_length), "Assaults on staff over time")
        return _with_figure(section, figure, "assaults on staff")
    return _with_figure(
        section, _figure(lambda: _q3_chart(panel, catalogue), "Recovery scores over time"), "recovery scores"
    )


def _q1_chart(answer: Answer):
    from analysis.charts.coproduction import bands_figure

    levels = answer.result.diagnostics_as(LevelsDiagnostics)
    if levels is None or levels.bands is None:
        raise ValueError("question 1 has no bands for this selection")
    banded = levels.bands
    fig = bands_figure(banded, what="patient-rated co-production")
    return fig, fig.layout.meta["alt_text"]


MAX_GAP_SHARE = 1 / 3  # more hidden months than this and the chart's average and limits would mislead
TOO_MANY_GAPS = (
    "The monthly chart of assaults on staff is left out of this pack: {gaps} of its {months} months have a count "
    "too small to publish under the {rule} rule, and a chart of the rest would mislead."
)
GAP_NOTE = (
    "Drawn from the published monthly counts under the {rule} rule: a month whose count is hidden is left "
    "as a gap, and each rate, the average and the limits are worked out from the published counts."
)


def protected_monthly(panel: pd.DataFrame, rule: DisclosureRule, count: str = "assaults_on_staff") -> pd.DataFrame:
    """The selection's monthly `count` and bed days (wards summed) with the count as published under `rule`.

    A hidden month (its count, or a further cell hidden to protect one) gets no count and no bed days, so the
    chart shows a gap there and its limits are worked out from the published months only."""
    from analysis.questions.assaults.view import monthly_series

    series = monthly_series(panel, count).reset_index(drop=True)
    if not len(series):
        return series
    counts = pd.to_numeric(series[count], errors="coerce").round()
    known = counts.notna()
    published = pd.Series(np.nan, index=series.index)
    if known.any():
        table = pd.DataFrame({count: counts[known].astype(float)})
        safe, _ = protect(table, [count], rule)
        if count in safe.columns:
            published[known] = pd.to_numeric(safe[count].where(safe[count] != rule.symbol), errors="coerce")
    out = series.copy()
    out[count] = published
    out["occupied_bed_days"] = series["occupied_bed_days"].where(published.notna())
    out["ward_id"] = "selection"
    return out


def _q2_chart(panel: pd.DataFrame, events: pd.DataFrame | None, run_length: int = 7):
    from analysis.charts.spc import spc_figure
    from analysis.questions.assaults.view import incident_spc

    classified, marks = incident_spc(panel, "assaults_on_staff", None, events, run_length)
    return spc_figure(classified, "Assaults on staff, all selected wards together", RATE, events=marks)


def _q3_chart(panel: pd.DataFrame, catalogue: pd.DataFrame | None):
    from analysis.charts.recovery import over_time_figure
    from analysis.overview.wards import primary_measure
    from analysis.questions.recovery.model import higher_is_better
    from analysis.questions.recovery.view import over_time_data

    measure = primary_measure(panel, catalogue)
    hib = higher_is_better(measure, catalogue)
    data = over_time_data(panel, measure, by="service")
    fig = over_time_figure(data, measure, hib, by="service")
    return fig, fig.layout.meta["alt_text"]


def _ward(row) -> str:
    name = row.get("ward_name")
    return f"{row['ward_id']} {name}".strip() if isinstance(name, str) and name else str(row["ward_id"])


def _score(x, digits: int = 0) -> object:
    return None if x is None or pd.isna(x) else round(float(x), digits) if digits else round(float(x))


def ward_tables(wards: pd.DataFrame, rule: DisclosureRule) -> tuple[list[Table], list[str]]:
    """The ward table, protected, as two tables (co-production and assaults; recovery and talking groups)."""
    if not len(wards):
        return [], []
    measure = wards.attrs.get("recovery_measure") or "Recovery"
    held = wards["talking_groups_sessions_12m"]
    # the headers name the months counted: 12, or fewer when a shorter period is chosen
    assaults, bed_days, sessions, attendances = (
        over(c, int(wards.attrs.get("window_months") or WINDOW_MONTHS)) for c in WINDOW_COUNTS
    )
    d = pd.DataFrame(
        {
            "Ward": [_ward(r) for _, r in wards.iterrows()],
            "Service": [
                f"{s}, {lvl}" for s, lvl in zip(wards["service"].astype(str), wards["security_level"].astype(str))
            ],
            "Patients' co-production": wards["coproduction_patient_latest"].map(_score),
            "Staff co-production": wards["coproduction_staff_latest"].map(_score),
            "Co-production trend": wards["coproduction_icon"].map(trend_text),
            assaults: wards["assaults_on_staff_12m"],
            bed_days: wards["occupied_bed_days_12m"],
            SHORT_RATE: wards["assaults_on_staff_rate_per_1000_obd_12m"],
            "Assault rate trend": wards["assaults_icon"].map(trend_text),
            f"{measure} (latest)": wards["recovery_latest"].map(lambda v: _score(v, 1)),
            f"{measure} trend": wards["recovery_icon"].map(trend_text),
            "Talking groups since": wards["talking_groups_started"].astype(str),
            sessions: held,
            attendances: (wards["talking_groups_attendance_per_session_12m"] * held).round(),
            "Attendance per session": wards["talking_groups_attendance_per_session_12m"],
        }
    )
    counts = [assaults, bed_days, sessions, attendances]
    rates = {
        SHORT_RATE: (assaults, bed_days, 1000),
        "Attendance per session": (attendances, sessions, 1),
    }
    safe, notes = protect(d, counts, rule, rates)
    first = [
        c
        for c in [
            "Ward",
            "Service",
            "Patients' co-production",
            "Staff co-production",
            "Co-production trend",
            *counts[:2],
            SHORT_RATE,
            "Assault rate trend",
        ]
        if c in safe.columns
    ]
    second = [
        c
        for c in [
            "Ward",
            f"{measure} (latest)",
            f"{measure} trend",
            "Talking groups since",
            *counts[2:],
            "Attendance per session",
            "note",
        ]
        if c in safe.columns
    ]
    window = wards.attrs.get("window_label", "")
    months = sorted({m for m in (*wards["coproduction_patient_latest_month"], *wards["recovery_latest_month"]) if m})
    when = f" ({', '.join(months)})" if 0 < len(months) <= 3 else ""
    note = " ".join(
        [
            FROM_PUBLISHED,
            f"Co-production and {measure}: each ward's latest survey or score{when}, co-production on 0 to 100.",
            f"Assaults, bed days and talking groups: {window_words(wards.attrs)}." if window else "",
            *notes,
        ]
    ).strip()
    return [
        Table(safe[first], "Wards: co-production and assaults on staff", note),
        Table(safe[second], "Wards: recovery and talking groups", note),
    ], notes


def ward_sentences(wards: pd.DataFrame) -> str:
    """Which wards show a signal, from their SPC icons; the rest show ordinary variation."""
    out = []
    for topic, what in (
        ("assaults", "Assault rate"),
        ("coproduction", "Co-production score"),
        ("recovery", "Recovery score"),
    ):
        found = wards_by_trend(wards, topic)
        for kind, words in (("concern", "a concern"), ("improvement", "improving"), ("neither", "unusual")):
            if found[kind]:
                out.append(f"{what} {words} in recent months: {', '.join(found[kind])}.")
    if not out:
        out.append(
            "No ward shows a significant change in its assault rate, co-production or recovery scores "
            "in recent months: only the usual ups and downs."
        )
    started = int((wards["talking_groups_started"].astype(str) != "not started").sum())
    out.append(started_words(started, len(wards)))
    return " ".join(out)


def wards_section(wards: pd.DataFrame, metrics: dict, rule: DisclosureRule) -> Section:
    tables, _ = ward_tables(wards, rule)
    section = Section(
        title="Wards at a glance",
        answer=ward_sentences(wards) if len(wards) else "No wards match the selection.",
        tables=tables,
    )
    section.paragraphs.append(
        "Trends are Making Data Count icons: ▲ or ▼ marks an unusual rise or fall against the ward's own usual "
        "range, with the words saying whether it is an improvement or a concern; — means no significant change."
    )
    numbers = selection_table(metrics, rule)
    if numbers is not None:
        section.tables.append(numbers)
    return section


def selection_table(metrics: dict, rule: DisclosureRule) -> Table | None:
    """The selection in numbers (one row), counts protected."""
    if not metrics.get("wards"):
        return None
    d = pd.DataFrame(
        [
            {
                "Wards": metrics["wards"],
                "Months": metrics["months"],
                "Period": metrics.get("period", ""),
                "Assaults on staff": metrics.get("assaults_on_staff"),
                "Occupied bed days": metrics.get("occupied_bed_days"),
                RATE: metrics.get("assaults_on_staff_rate_per_1000_obd"),
                "Survey returns": metrics.get("survey_returns"),
            }
        ]
    )
    d = d.astype(dict.fromkeys(("Assaults on staff", "Occupied bed days", "Survey returns"), float))
    safe, notes = protect(
        d,
        ["Assaults on staff", "Occupied bed days", "Survey returns"],
        rule,
        {RATE: ("Assaults on staff", "Occupied bed days", 1000)},
        column_totals_known=False,
    )
    return Table(safe, "The selection in numbers", " ".join([FROM_PUBLISHED, *notes]))


def talking_groups_section(panel: pd.DataFrame, results: list[ModelResult], rule: DisclosureRule) -> Section:
    """Talking groups: the pooled before/after answer, when each ward started, and a protected table."""
    from analysis.charts.talking_groups import timeline_figure
    from analysis.questions.talking_groups.view import timeline_table

    main = results[0] if results else None
    answer = "No talking-group data in the selection."
    caveats: list[str] = []
    paras = []
    if main is not None:
        caveats = _caveats(main)
        answer = main.sentence_without_caveats
        paras = [extra.sentence_without_caveats for extra in results[1:]]
    section = Section(
        title="Talking groups (ward community meetings)", answer=answer, paragraphs=paras, caveats=caveats
    )
    if not len(panel):
        return section
    first, last = panel["month"].min(), panel["month"].max()
    _with_figure(
        section,
        _figure(lambda: timeline_figure(timeline_table(panel), first, last), "When each ward started talking groups"),
        "talking-group start dates",
    )
    table = talking_groups_table(panel, rule)
    if table is not None:
        section.tables.append(table)
    return section


TG_BEFORE = f"Rate before ({rate_label()}), {PUBLISHED}"
TG_AFTER = f"Rate after ({rate_label()}), {PUBLISHED}"


def talking_groups_table(panel: pd.DataFrame, rule: DisclosureRule) -> Table | None:
    """Per ward: start, sessions, attendances, and assaults on staff before and after the start (protected)."""
    if "talking_groups_start" not in panel.columns or not len(panel):
        return None
    # every ward at once (issue 17): the same sums and first rows the per-ward loop took
    by = panel.groupby("ward_id", sort=True)
    first = by.head(1).set_index("ward_id").sort_index(kind="stable")
    wards = first.index

    def total(col: str, ok: pd.Series | None = None) -> pd.Series:
        if col not in panel.columns:
            return pd.Series(np.nan, index=wards)
        rows = panel if ok is None else panel[ok]
        return rows.groupby("ward_id", sort=True)[col].sum(min_count=1).reindex(wards)

    d = pd.DataFrame(
        {
            "Ward": [_ward(r) for r in first.reset_index().to_dict("records")],
            "Started": [uk_month(s) if pd.notna(s) else "not started" for s in first["talking_groups_start"]],
            "Sessions held": total("talking_groups_held").to_numpy(),
            "Attendances": total("talking_group_attendances").to_numpy(),
        }
    )
    post = panel["month"] >= panel["ward_id"].map(first["talking_groups_start"])
    for part, mask in (("before", ~post), ("after", post)):
        ok = (
            mask & panel["assaults_on_staff"].notna() & (panel["occupied_bed_days"] > 0)
            if "assaults_on_staff" in panel
            else None
        )
        d[f"Assaults on staff {part}"] = total("assaults_on_staff", ok).to_numpy() if ok is not None else np.nan
        d[f"_obd_{part}"] = total("occupied_bed_days", ok).to_numpy() if ok is not None else np.nan
        d[TG_BEFORE if part == "before" else TG_AFTER] = np.nan
    d["Attendance per session"] = np.nan
    counts = ["Sessions held", "Attendances", "Assaults on staff before", "Assaults on staff after"]
    rates = {
        "Attendance per session": ("Attendances", "Sessions held", 1),
        TG_BEFORE: ("Assaults on staff before", "_obd_before", 1000),
        TG_AFTER: ("Assaults on staff after", "_obd_after", 1000),
    }
    safe, notes = protect(d, counts, rule, rates)
    safe = safe.drop(columns=[c for c in safe.columns if c.startswith("_obd_")])
    order = [
        "Ward",
        "Started",
        "Sessions held",
        "Attendances",
        "Attendance per session",
        "Assaults on staff before",
        TG_BEFORE,
        "Assaults on staff after",
        TG_AFTER,
        "note",
    ]
    return Table(
        safe[[c for c in order if c in safe.columns]],
        "Talking groups by ward (whole period)",
        " ".join([FROM_PUBLISHED, *notes]),
    )


def talking_groups_practice_section(
    panel: pd.DataFrame, log: pd.DataFrame | None, wards: pd.DataFrame | None, rule: DisclosureRule
) -> Section | None:
    """Talking groups in practice (issue 14): how the meetings run on each ward, from the session log, and the
    dose-response sentences; None without a log. The per-ward table's counts are protected here."""
    from analysis.charts.talking_groups_sessions import resolution_figure
    from analysis.questions.talking_groups import sessions as S

    if not S.has_log(log):
        return None
    m = S.how_meetings_run(panel, log, wards)
    if not len(m.summary):
        return None
    dose = S.dose_response(panel, m.log, 1)
    section = Section(
        title="Talking groups in practice",
        answer=m.answer,
        paragraphs=[S.overall_words(m.summary, rule), *dose.sentences[:-1]],  # totals as published
        caveats=[dose.sentences[-1]],
    )
    safe, notes = protect(S.ward_table(m.summary), list(S.WARD_TABLE_COUNTS), rule, S.WARD_TABLE_RATES)
    drawn = m.summary.copy()  # the chart draws the published percentages (a hidden one not at all)
    for col, pct in (
        ("Resolved by the next meeting (%)", "resolved_by_next_pct"),
        ("Carried over (%)", "carried_over_pct"),
    ):
        drawn[pct] = pd.to_numeric(safe[col], errors="coerce").to_numpy() if col in safe.columns else np.nan
    _with_figure(
        section,
        _figure(lambda: resolution_figure(drawn), "What became of the items raised"),
        "what became of the items raised",
    )
    keep = ["Ward", "Meetings", "Patients per meeting", "Staff per meeting", "Items per meeting"]
    keep += ["Resolved by the next meeting (%)", "Carried over (%)", "Staff attendance fell", "note"]
    safe = safe[[c for c in keep if c in safe.columns]]  # what a slide has room for; the rates came from counts
    section.tables.append(Table(safe, "How the meetings run, by ward", " ".join([FROM_PUBLISHED, *notes])))
    return section


def _fmt(x, digits=3):
    return None if x is None or not np.isfinite(x) else float(f"{x:.{digits}g}")


def model_details(how: list[dict]) -> list[Table]:
    """How each model was fitted, a table per question ("Question 3", "Talking groups"), so each fits on a slide or
    two: the data column is named once (by the formula, or beside the model when the formula does not name it),
    and a method already given in full for an earlier model of the same question is not repeated ("As for QPR-15
    above."). Nothing is cut: every formula is there, and every method in full once."""
    by_question: dict[str, list[dict]] = {}
    for row in how:
        question, _, name = row["label"].partition(": ")
        by_question.setdefault(question, []).append({**row, "name": name or question})
    tables = []
    for question, rows in by_question.items():
        said: dict[str, str] = {}  # a method's words -> the first model of the question that used them
        shown = []
        for r in rows:
            method = f"As for {said[r['method']]} above." if r["method"] in said else r["method"]
            said.setdefault(r["method"], r["name"])
            named = str(r["formula"]).startswith(f"{r['outcome']} ~")  # the formula names the data column
            model = r["name"] if named else f"{r['name']} ({r['outcome']})"
            shown.append({"Model": model, "Formula": r["formula"], "Method": method})
        tables.append(Table(pd.DataFrame(shown), f"Model details: {question}"))
    return tables


def results_section(results: dict[str, ModelResult | None]) -> Section:
    """Every model behind the pack's answers, one row each: what the figure is, its estimate and 95% CI as
    numbers (so spreadsheets sort and filter them), the data used; then how each was fitted (`model_details`)."""
    rows, how = [], []
    for label, r in results.items():
        if r is None:
            continue
        h = r.headline
        ok = h is not None and r.ok
        rows.append(
            {
                "Model": label,
                "What the figure is": h.name if h else "not estimated",
                "Estimate": _fmt(h.estimate) if ok else None,
                "95% CI from": _fmt(h.ci_low) if ok else None,
                "95% CI to": _fmt(h.ci_high) if ok else None,
                "Wards": r.n_wards,
                "Observations": r.n_obs,
            }
        )
        how.append({"label": label, "outcome": r.outcome, "formula": r.formula, "method": r.method})
    tables = (
        [
            Table(
                pd.DataFrame(rows),
                "Model results",
                "Rate ratios below 1 mean fewer incidents; score changes are per 10-point rise in co-production "
                "unless the figure says otherwise. Observations are the ward-months (or survey months) each "
                "model used; a blank estimate could not be fitted.",
            ),
            *model_details(how),
        ]
        if rows
        else []
    )
    return Section(
        title="Model results (for researchers)",
        tables=tables,
        paragraphs=[
            (
                "The models behind each answer, for anyone who wants to check or repeat them "
                "(python -m analysis fit gives the same numbers)."
            )
        ],
    )

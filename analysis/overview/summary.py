"""Plain words for the Overview: a ward's trend from its variation icon, and the steering-group summary.

Nothing here fits a model: every number is taken from the Answers (`analysis.overview.answers.three_answers`),
the ward table (`analysis.overview.wards.ward_table`) and the hospital-level chart
(`analysis.overview.answers.hospital_chart`), so the summary says exactly what the cards, the table and the
chart say. It leads with the verdicts, one line per question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from analysis.overview.answers import NO_FIGURE, Answer
from analysis.text import fmt_number, listed, plural, plural_word, rate_label, uk_month

# icon key -> (short words, a shape that carries the direction without colour)
TREND = {
    "improvement_high": ("Improving (rising)", "▲"),
    "improvement_low": ("Improving (falling)", "▼"),
    "concern_high": ("Concern (rising)", "▲"),
    "concern_low": ("Concern (falling)", "▼"),
    "neither_high": ("Unusually high", "▲"),
    "neither_low": ("Unusually low", "▼"),
    "common_cause": ("No significant change", "—"),
    "no_data": ("Not enough data", "?"),
}
TOPICS = {"assaults": "assault rate", "coproduction": "co-production score", "recovery": "recovery score"}


def started_words(started: int, wards: int) -> str:
    """'4 of 12 wards have started talking groups.' ('The ward has ...' when there is one ward)."""
    if wards == 1:
        return f"The ward {'has' if started else 'has not'} started talking groups."
    return f"{started} of {plural(wards, 'ward')} {plural_word(started, 'has', 'have')} started talking groups."


def trend_words(key: str) -> tuple[str, str]:
    """(words, shape) for a variation icon key, e.g. ('Improving (falling)', '▼'); unknown keys read 'Not enough data'."""
    return TREND.get(str(key), TREND["no_data"])


def trend_text(key: str) -> str:
    """'▼ Improving (falling)': the shape and the words together, for a table cell or a CSV."""
    words, shape = trend_words(key)
    return f"{shape} {words}"


def _ward_label(row) -> str:
    name = row.get("ward_name")
    return f"{row['ward_id']} {name}".strip() if isinstance(name, str) and name else str(row["ward_id"])


def _names(labels: list[str], most: int = 10) -> str:
    """'W01 Iona, W02 Skye and W03 Mull'; past `most` names, the count of the rest (a national table
    can have hundreds of wards with a signal)."""
    return listed(labels, most, "other wards")


def wards_by_trend(wards: pd.DataFrame, topic: str) -> dict[str, list[str]]:
    """Ward labels ('W02 Skye') whose `topic` icon ('assaults', 'coproduction', 'recovery') shows
    improvement, concern or an unusual value; common cause and 'not enough data' are left out."""
    col = f"{topic}_icon"
    out: dict[str, list[str]] = {"improvement": [], "concern": [], "neither": []}
    if col not in wards.columns:
        return out
    names = wards["ward_name"] if "ward_name" in wards.columns else [None] * len(wards)
    for key, wid, name in zip(wards[col], wards["ward_id"], names):
        kind = str(key).split("_", 1)[0]
        if kind in out:
            out[kind].append(_ward_label({"ward_id": wid, "ward_name": name}))
    return out


SHORT_QUESTIONS = {  # the seeds' questions, short enough to lead a line of the summary
    "q1": "Can co-production exist in our secure wards?",
    "q2": "Can it reduce assaults on staff?",
    "q3": "Can it enhance recovery?",
}
WINDOW_MONTHS = 12  # hospital-level signals are reported from the chart's last 12 months, as "recent"
KIND_WORDS = {"special_cause_concern": "a concern", "special_cause_improvement": "an improvement"}


def _figure_in_brackets(a: Answer) -> str:
    """'(22% fewer per 10 points, 95% CI 12% to 32%)'; Q1 '(patients rate it 49 out of 100 on average, ...)'."""
    key = a.key_figure
    if key == NO_FIGURE or not key:
        return ""
    if a.question == "q1":
        h = a.result.headline
        who = "staff" if h is not None and "staff" in h.name.lower() else "patients"
        key = f"{who} rate it " + key.replace(" (", " out of 100 on average (", 1)
    return " (" + key.replace(" (95% CI", ", 95% CI", 1)


def _topic(a: Answer, measure: str | None) -> str:
    return {"q1": "Co-production", "q2": "Assaults on staff", "q3": f"{measure or 'Recovery'} scores"}[a.question]


def _why_not(a: Answer) -> str:
    needs = re.sub(r" \(Data page:[^)]*\)", "", a.needs or "")
    return needs[:1].lower() + needs[1:]


def _unanswered(answers: list[Answer], measure: str | None) -> list[str]:
    """'Co-production and assaults on staff: not yet known; they need ...', one sentence per missing need."""
    groups: dict[str, list[str]] = {}
    for a in answers:
        if a.needs:
            groups.setdefault(_why_not(a), []).append(_topic(a, measure))
    out = []
    for why, topics in groups.items():
        names = _names([topics[0]] + [t[:1].lower() + t[1:] if t[:2] != t[:2].upper() else t for t in topics[1:]])
        verb = plural_word(len(topics), "it needs", "they need")
        out.append(f"{names}: not yet known" + (f"; {verb} {why}." if why else "."))
    return out


def verdict_line(a: Answer) -> str:
    """One line per question that has data, its verdict first: 'Can it reduce assaults on staff? Yes: fewer
    assaults on staff when a ward's co-production rises (22% fewer per 10 points, 95% CI 12% to 32%).'"""
    q = SHORT_QUESTIONS[a.question]
    if a.level == "Not enough data" or a.verdict is None:
        reason = a.confidence.split(": ", 1)[-1]
        return f"{q} Not yet known: {reason}."
    return f"{q} {a.verdict.text}{_figure_in_brackets(a)}."


def _how_sure(answers: list[Answer]) -> str:
    shown = [a for a in answers if a.answered and a.level != "Not enough data"]
    if not shown:
        return ""
    levels = {a.level for a in shown}
    if len(levels) == 1 and len(shown) == len(answers):
        return f"How sure: {shown[0].level.lower()} for all three"
    names = {"q1": "co-production", "q2": "assaults", "q3": "recovery"}
    return "How sure: " + ", ".join(f"{a.level.lower()} ({names[a.question]})" for a in shown)


def _runs(points: pd.DataFrame) -> list[pd.DataFrame]:
    """Consecutive special-cause points of one kind and direction, as groups (latest group first)."""
    groups, current, last_key, last_i = [], [], None, None
    for i, row in points.iterrows():
        key = (row["variation"], row["direction"])
        if current and (key != last_key or i != last_i + 1):
            groups.append(current)
            current = []
        current.append(i)
        last_key, last_i = key, i
    if current:
        groups.append(current)
    return [points.loc[g] for g in reversed(groups)]


def hospital_signals(
    chart: pd.DataFrame | None, label: str = "Whole hospital", noun: str = "assault rate", window: int = WINDOW_MONTHS
) -> list[str]:
    """One sentence on the special-cause months of a classified hospital-level chart (`classify` of a u-chart:
    period, value, centre, variation, direction, rule) in its last `window` months, latest first, or [] when
    there are none. E.g. 'Whole hospital: the assault rate in Mar 2026 was unusually high, 7.39 per 1,000
    occupied bed days against a usual 3.96 (above the upper limit: a concern); from Apr 2025 to Oct 2025 it
    was unusually low (a long run below the average, 7 months: an improvement).'"""
    if chart is None or not len(chart) or "variation" not in chart.columns:
        return []
    recent = chart.sort_values("period").reset_index(drop=True).tail(window)
    points = recent[recent["variation"].astype(str) != "common_cause"]
    clauses = []
    for g in _runs(points):
        first, last = g.iloc[0], g.iloc[-1]
        way = "high" if str(last["direction"]) == "high" else "low"
        kind = KIND_WORDS.get(str(last["variation"]), "")
        rule = str(last["rule"]).removeprefix("part of ").split("; ")[0]
        subject = f"the {noun}" if not clauses else "it"
        if len(g) == 1:
            why = ": ".join(p for p in (rule, kind) if p)
            clauses.append(
                f"{subject} in {uk_month(last['period'])} was unusually {way}, {fmt_number(last['value'], 2)} "
                f"{rate_label()} against a usual {fmt_number(last['centre'], 2)}" + (f" ({why})" if why else "")
            )
        else:
            why = ": ".join(p for p in (", ".join(p for p in (rule, plural(len(g), "month")) if p), kind) if p)
            clauses.append(
                f"from {uk_month(first['period'])} to {uk_month(last['period'])} {subject} was unusually {way} ({why})"
                if clauses
                else f"{subject} was unusually {way} from {uk_month(first['period'])} to {uk_month(last['period'])}, "
                f"against a usual {fmt_number(last['centre'], 2)} {rate_label()} ({why})"
            )
    return [f"{label}: " + "; ".join(clauses) + "."] if clauses else []


def _ward_sentences(wards: pd.DataFrame) -> list[str]:
    out = []
    ass, cop = wards_by_trend(wards, "assaults"), wards_by_trend(wards, "coproduction")
    if ass["concern"]:
        out.append(f"Assault rate unusually high in recent months: {_names(ass['concern'])}.")
    if ass["improvement"]:
        out.append(f"Assault rate improving: {_names(ass['improvement'])}.")
    if cop["improvement"]:
        out.append(f"Co-production rising: {_names(cop['improvement'])}.")
    if cop["concern"]:
        out.append(f"Co-production falling: {_names(cop['concern'])}.")
    if not out and len(wards):
        out.append("No ward shows a significant change in its assault rate or co-production score in recent months.")
    if "talking_groups_started" in wards.columns and len(wards):
        started = int((wards["talking_groups_started"].astype(str) != "not started").sum())
        out.append(started_words(started, len(wards)))
    return out


@dataclass
class SteeringSummary:
    """The steering group's summary in parts: `covers` (which wards and months), `verdicts` (one line per
    question with data, its verdict first, then one per group of questions missing the same data),
    `sure` (how sure, and that links are not proof) and `signals` (hospital-level, then wards, then talking
    groups). `points` lists the non-empty parts; `text` is them as one paragraph."""

    covers: str
    verdicts: list[str] = field(default_factory=list)
    sure: str = ""
    signals: str = ""

    @property
    def points(self) -> list[str]:
        return [p for p in (self.covers, *self.verdicts, self.sure, self.signals) if p]

    @property
    def text(self) -> str:
        return " ".join(self.points)


def steering_brief(
    answers: list[Answer],
    wards: pd.DataFrame,
    metrics: dict,
    hospital: pd.DataFrame | None = None,
    hospital_label: str = "Whole hospital",
) -> SteeringSummary:
    """The steering group's summary, the verdicts first: what it covers, one line per question (verdict, then
    its key figure), how sure and the caveat, then the signals (hospital-level from `hospital`, a classified
    chart such as `analysis.overview.answers.hospital_chart`, then each ward's) and talking groups.
    Built only from the answers, the ward table, the headline metrics and that chart."""
    if not metrics.get("wards"):
        return SteeringSummary(
            "There are no ward-months in the selection, so there is nothing to report yet. "
            "Widen the filters or add data."
        )
    measure = wards.attrs.get("recovery_measure") if hasattr(wards, "attrs") else None
    covers = f"This covers {plural(metrics['wards'], 'ward')} from {metrics.get('period', '')}."
    verdicts = [verdict_line(a) for a in answers if not a.needs] + _unanswered(answers, measure)
    sure = [_how_sure(answers)] if _how_sure(answers) else []
    if sure:
        sure[0] += "."
    if any(a.answered and a.question in ("q2", "q3") and a.level != "Not enough data" for a in answers):
        sure.append("These links are associations in routine ward data, not proof that co-production causes them.")
    signals = hospital_signals(hospital, hospital_label) + _ward_sentences(wards)
    return SteeringSummary(covers, verdicts, " ".join(sure), " ".join(signals))


def steering_summary(
    answers: list[Answer],
    wards: pd.DataFrame,
    metrics: dict,
    measures_catalogue: pd.DataFrame | None = None,
    hospital: pd.DataFrame | None = None,
    hospital_label: str = "Whole hospital",
) -> str:
    """The steering group's summary in one paragraph (`steering_brief(...).text`). `measures_catalogue` is
    not needed any more (the answers carry their words) and is kept for callers that pass it."""
    return steering_brief(answers, wards, metrics, hospital, hospital_label).text

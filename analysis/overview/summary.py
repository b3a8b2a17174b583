"""Plain words for the Overview: a ward's trend from its variation icon, and the steering-group paragraph.

Nothing here fits a model: every number is taken from the Answers (`analysis.overview.answers.three_answers`)
and the ward table (`analysis.overview.wards.ward_table`), so the paragraph says exactly what the
cards and the table say.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.overview.answers import Answer
from analysis.overview.confidence import is_ratio
from analysis.questions.recovery.model import change_words, higher_is_better
from analysis.text import listed, plural, plural_word

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


def _q1_words(a: Answer) -> str:
    h = a.result.headline
    who = "Staff" if h is not None and "staff" in h.name.lower() else "Patients"
    return f"{who} rate co-production {a.key_figure.replace(' (', ' out of 100 on average (', 1)}."


def _link_words(a: Answer, noun: str, catalogue: pd.DataFrame | None, measure: str | None) -> str:
    h, key = a.result.headline, a.key_figure
    if measure and key.startswith(measure + " "):
        key = key[len(measure) + 1 :]
    null = 1.0 if is_ratio(a.result) else 0.0
    if h.ci_low <= null <= h.ci_high:
        return f"There was no clear link between co-production and {noun}: {key}."
    if is_ratio(a.result):
        way = "fewer" if h.estimate < 1 else "more"
    else:
        way = change_words(measure, h.estimate, higher_is_better(measure, catalogue)).replace(f" {measure} scores", "")
    return f"Months with higher co-production had {way} {noun}: {key}."


def _topic(a: Answer, measure: str | None) -> str:
    return {"q1": "Co-production", "q2": "Assaults on staff", "q3": f"{measure or 'Recovery'} scores"}[a.question]


def _why_not(a: Answer) -> str:
    needs = re.sub(r" \(Data page:[^)]*\)", "", a.needs or "")
    return needs[:1].lower() + needs[1:]


def _unanswered(answers: list[Answer], measure: str | None) -> list[str]:
    """'Co-production and assaults on staff: we cannot say yet; they need ...', one sentence per missing need."""
    groups: dict[str, list[str]] = {}
    for a in answers:
        if not a.answered:
            groups.setdefault(_why_not(a), []).append(_topic(a, measure))
    out = []
    for why, topics in groups.items():
        names = _names([topics[0]] + [t[:1].lower() + t[1:] if t[:2] != t[:2].upper() else t for t in topics[1:]])
        verb = plural_word(len(topics), "it needs", "they need")
        out.append(f"{names}: we cannot say yet" + (f"; {verb} {why}." if why else "."))
    return out


def _clause(a: Answer, catalogue: pd.DataFrame | None, measure: str | None) -> str:
    """One sentence per answered question, in the steering group's words."""
    topic = _topic(a, measure)
    if a.level == "Not enough data":
        return f"{topic}: not enough data yet for a reliable answer ({a.confidence.split(': ', 1)[-1]})."
    if a.question == "q1":
        return _q1_words(a)
    return _link_words(a, "assaults on staff" if a.question == "q2" else f"{measure} scores", catalogue, measure)


def _how_sure(answers: list[Answer]) -> str:
    shown = [a for a in answers if a.answered and a.level != "Not enough data"]
    if not shown:
        return ""
    levels = {a.level for a in shown}
    if len(levels) == 1 and len(shown) == len(answers):
        return f"How sure: {shown[0].level.lower()} for all three"
    names = {"q1": "co-production", "q2": "assaults", "q3": "recovery"}
    return "How sure: " + ", ".join(f"{a.level.lower()} ({names[a.question]})" for a in shown)


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


def steering_summary(
    answers: list[Answer], wards: pd.DataFrame, metrics: dict, measures_catalogue: pd.DataFrame | None = None
) -> str:
    """One paragraph for the steering group, built only from the three answers, the ward table and
    the headline metrics (`headline_metrics`)."""
    if not metrics.get("wards"):
        return (
            "There are no ward-months in the selection, so there is nothing to report yet. "
            "Widen the filters or add data."
        )
    measure = wards.attrs.get("recovery_measure") if hasattr(wards, "attrs") else None
    clauses = [_clause(a, measures_catalogue, measure) for a in answers if a.answered]
    clauses += _unanswered(answers, measure)
    n = metrics["wards"]
    parts = [f"This covers {plural(n, 'ward')} from {metrics.get('period', '')}.", *clauses]
    sure = _how_sure(answers)
    if sure:
        parts.append(sure + ".")
    if any(a.answered and a.question in ("q2", "q3") and a.level != "Not enough data" for a in answers):
        parts.append("These links are associations in routine ward data, not proof that co-production causes them.")
    parts += _ward_sentences(wards)
    return " ".join(parts)

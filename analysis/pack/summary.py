"""The pack's first page: a verdict per question, what changed since the previous pack, the decisions asked for.

Nothing here fits a model. The verdicts are the Overview's (`analysis.overview.answers.three_answers`), the
signals its steering brief's (`analysis.overview.summary.steering_brief`); the decisions follow from them by the
rules in `decisions`, and "what changed" compares this pack's `facts` with those the export register kept for the
latest earlier pack for the same audience (`changes`). Every rule is written here in words and pinned by golden
cases in tests/pack/test_summary.py.
"""

from __future__ import annotations

import pandas as pd

from analysis.overview.answers import Answer
from analysis.overview.summary import SHORT_QUESTIONS, steering_brief, wards_by_trend
from analysis.pack.render.document import Summary, VerdictLine
from analysis.text import listed, plural, plural_word, uk_month

MOST_NAMES = 6  # past this many wards a decision names the first six and counts the rest
TOPICS = {"q1": "co-production", "q2": "assaults on staff", "q3": "recovery"}
CONCERNS = (  # (ward-table topic, what is a concern) for "agree an action with <ward>'s team"
    ("assaults", "its assault rate, unusually high in recent months"),
    ("coproduction", "its co-production score, falling in recent months"),
    ("recovery", "its recovery scores, worse in recent months"),
)
NOTHING_TO_DECIDE = "No decision is needed this time: note the pack."


def verdict_text(a: Answer) -> str:
    """The question's short verdict: 'Yes, on 10 of 12 wards', 'No clear link yet', 'Not yet known: ...'."""
    return a.verdict.text if a.verdict is not None else "Not yet known"


def verdict_kind(a: Answer) -> str:
    return a.verdict.kind if a.verdict is not None else "not_enough"


def _detail(a: Answer) -> str:
    """The figure in plain words, then how sure ('How sure: moderate (12 wards, 60 months).')."""
    if verdict_kind(a) == "not_enough":
        return f"Too little data so far: {a.sure}." if a.sure else ""
    sure = f"How sure: {a.level.lower()}" + (f" ({a.sure})." if a.sure else ".") if a.level else ""
    return " ".join(p for p in (a.figure, sure) if p)


def hospital_concerns(chart: pd.DataFrame | None, window: int = 12) -> list[str]:
    """The months of the last `window` whose whole-hospital assault rate was a special-cause concern."""
    if chart is None or not len(chart) or "variation" not in chart.columns:
        return []
    recent = chart.sort_values("period").tail(window)
    hit = recent[recent["variation"].astype(str) == "special_cause_concern"]
    return [uk_month(p) for p in hit["period"]]


def _not_started(wards: pd.DataFrame) -> list[str]:
    if "talking_groups_started" not in wards.columns or not len(wards):
        return []
    rows = wards[wards["talking_groups_started"].astype(str) == "not started"]
    return [
        f"{r.ward_id} {r.ward_name}".strip() if isinstance(getattr(r, "ward_name", None), str) else str(r.ward_id)
        for r in rows.itertuples(index=False)
    ]


def decisions(answers: list[Answer], wards: pd.DataFrame, hospital: pd.DataFrame | None = None) -> list[str]:
    """The decisions the group is asked for, one per rule that applies, in this order:

    1. the whole hospital's assault rate was a special-cause concern in a recent month -> agree a response;
    2. a ward with a special-cause concern (assault rate, co-production or recovery) -> agree an action with
       that ward's team (one line per ward and topic);
    3. a question whose verdict is "not yet known" (not enough data) -> agree to keep collecting;
    4. a question with no clear answer yet (kind "unclear") -> agree to look again at the next pack;
    5. wards that have not started talking groups -> decide whether to start them there.
    None applies -> `NOTHING_TO_DECIDE`.
    """
    out = []
    months = hospital_concerns(hospital)
    if months:
        out.append(
            "Agree a response to the whole hospital's assault rate on staff, unusually high in "
            f"{listed(months)} (a concern)."
        )
    for topic, what in CONCERNS:
        for ward in wards_by_trend(wards, topic)["concern"] if len(wards) else []:
            out.append(f"Agree an action with {ward}'s team on {what}.")
    for a in answers:
        kind, q = verdict_kind(a), SHORT_QUESTIONS.get(a.question, a.title)
        if kind == "not_enough":
            short = f" ({a.sure})" if a.sure else ""
            out.append(
                f"Agree to keep collecting the data on {TOPICS.get(a.question, a.title)}{short}: '{q}' is not yet known."
            )
        elif kind == "unclear":
            out.append(f"Agree to keep collecting and look again at '{q}' in the next pack: no clear answer yet.")
    missing = _not_started(wards)
    if missing and len(missing) == len(wards) > 1:
        out.append(f"Decide whether to start talking groups: none of the {plural(len(wards), 'ward')} has started.")
    elif missing:
        verb = plural_word(len(missing), "has", "have")
        out.append(
            f"Decide whether to start talking groups on {listed(missing, MOST_NAMES, 'other wards')} "
            f"({plural(len(missing), 'ward')} {verb} not started)."
        )
    return out or [NOTHING_TO_DECIDE]


def facts(answers: list[Answer], wards: pd.DataFrame, hospital: pd.DataFrame | None, period: str) -> dict:
    """What the register keeps for the next pack's "what changed": verdicts, key figures, ward signals,
    talking groups started, the period. No count is kept (only verdicts, rates' words and ward labels)."""
    concerns = {t: wards_by_trend(wards, t)["concern"] if len(wards) else [] for t, _ in CONCERNS}
    started = len(wards) - len(_not_started(wards)) if "talking_groups_started" in wards.columns else None
    return {
        "period": period,
        "verdicts": {a.question: verdict_text(a) for a in answers},
        "figures": {a.question: a.key_figure for a in answers if verdict_kind(a) != "not_enough"},
        "concerns": concerns,
        "hospital_concerns": hospital_concerns(hospital),
        "wards": int(len(wards)),
        "started": started,
    }


def first_pack(audience: str) -> str:
    return f"This is the first pack for an {audience} audience: there is no earlier pack to compare with."


def changes(now: dict, before: dict | None, when: str = "", audience: str = "internal") -> list[str]:
    """What changed since the previous pack (`before`: its `facts`, None when there is none), in this order:
    the period, each question's verdict (or, the verdict the same, its key figure), the whole hospital's
    concern months, wards newly a concern or no longer one, talking groups started. Nothing -> one line."""
    if not before:
        return [first_pack(audience)]
    since = f"the pack of {when}" if when else "the previous pack"
    out = []
    if before.get("period") and before.get("period") != now.get("period"):
        out.append(f"Period: now {now.get('period')} (was {before['period']}).")
    for q, text in now.get("verdicts", {}).items():
        old = before.get("verdicts", {}).get(q)
        name = SHORT_QUESTIONS.get(q, q)
        if old is None:
            continue
        if old != text:
            out.append(f"{name} Now '{text}' (was '{old}').")
            continue
        fig, old_fig = now.get("figures", {}).get(q), before.get("figures", {}).get(q)
        if fig and old_fig and fig != old_fig:
            out.append(f"{name} Verdict unchanged; key figure now {_flat(fig)} (was {_flat(old_fig)}).")
    new_months = [m for m in now.get("hospital_concerns", []) if m not in before.get("hospital_concerns", [])]
    if new_months:
        out.append(f"New whole-hospital concern: the assault rate in {listed(new_months)}.")
    for topic, what in CONCERNS:
        was, is_ = before.get("concerns", {}).get(topic, []), now.get("concerns", {}).get(topic, [])
        noun = what.split(",")[0].removeprefix("its ")
        added, gone = [w for w in is_ if w not in was], [w for w in was if w not in is_]
        if added:
            out.append(f"New concern, {noun}: {listed(added, MOST_NAMES, 'other wards')}.")
        if gone:
            out.append(f"No longer a concern, {noun}: {listed(gone, MOST_NAMES, 'other wards')}.")
    if before.get("started") is not None and now.get("started") is not None and before["started"] != now["started"]:
        out.append(
            f"Talking groups: started on {now['started']} of {plural(now.get('wards', 0), 'ward')} "
            f"(was {before['started']})."
        )
    if not out:
        return [f"No verdict, key figure or ward signal has changed since {since}."]
    return [f"Since {since}:", *out]


def agenda(section_titles: list[str]) -> list[str]:
    """The meeting's running order: the summary, each part of the pack (parts "for researchers" go with the
    reference pages), the decisions, then the reference pages."""
    return [
        "Summary: the answers, and what changed since the last pack",
        *(t for t in section_titles if not t.endswith("(for researchers)")),
        "Decisions and actions",
        "For reference: model results, methods, data quality and where the figures come from",
    ]


def _flat(figure: str) -> str:
    """A key figure without its own brackets, to sit inside a sentence's: '22% fewer per 10 points, 95% CI 11%
    to 32%'."""
    return figure.replace(" (95% CI", ", 95% CI").removesuffix(")") if " (95% CI" in figure else figure


def build_summary(
    answers: list[Answer],
    wards: pd.DataFrame,
    metrics: dict,
    hospital: pd.DataFrame | None,
    period: str,
    section_titles: list[str],
) -> Summary:
    """The first page, without "what changed" (filled in by `export_pack` from the register)."""
    brief = steering_brief(answers, wards, metrics, hospital)
    return Summary(
        verdicts=[VerdictLine(SHORT_QUESTIONS.get(a.question, a.title), verdict_text(a), _detail(a)) for a in answers],
        sure=brief.sure,
        signals=brief.signals,
        decisions=decisions(answers, wards, hospital),
        agenda=agenda(section_titles),
        facts=facts(answers, wards, hospital, period),
    )

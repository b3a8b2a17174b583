"""Reduced social distance's links in plain words: one sentence per link, the verdict, and how sure it is.

`link_sentence` says what a measure does where patients rate relationships 10 points closer, with its 95% range
in the words every page uses; `verdict` gives the answer first (do staff feel less safe, less sure of their
boundaries, do incidents rise or fall); `how_sure` applies the Overview's rule (analysis/overview/confidence.py)
to each link the verdict speaks of, the weakest deciding. Every number is formatted by analysis/text.py.
"""

from __future__ import annotations

from analysis.questions.social_distance.link import MIN_OBS, MIN_WARDS, Link
from analysis.questions.social_distance.measures import MEASURES, RATES, WORDS
from analysis.questions.verdicts import LEVELS, change_range_words, occasion_words
from analysis.stats.counts.describe import MANY_WARDS
from analysis.stats.counts.describe import MIN_WARDS as SURE_WARDS
from analysis.text import fmt_number, plural


def _units(outcome: str) -> str:
    return {
        "staff_boundaries": "on the 1 to 5 scale",
        "staff_safety": "on the 0 to 20 scale",
        "patient_safety": "on the 0 to 20 scale",
        "assault_rate": "per 1,000 occupied bed days",
        "boundary_rate": "per 1,000 occupied bed days",
    }.get(outcome, "points")


def _signed(x: float, up: str = "higher", down: str = "lower") -> str:
    return f"{fmt_number(abs(x), 2)} {up if x > 0 else down}" if x != 0 else "no change"


def interval_words(lo: float, hi: float) -> str:
    """A 95% interval in the words every page uses: "could be anywhere from 0.4 to 1.1 points lower"."""
    return change_range_words(lo, hi)


def _in_sentence(words: str) -> str:
    """A measure's label inside a sentence: only its first letter lowered ("EssenCES" keeps its capitals)."""
    return words[:1].lower() + words[1:]


def link_sentence(link: Link) -> str:
    """One sentence: where relationships are closer (patients' rating, per 10 points), what the measure does."""
    who, up, down = WORDS.get(link.outcome, (_in_sentence(MEASURES[link.outcome]), "higher", "lower"))
    if not link.ok:
        return (
            f"Not enough data to say how {_in_sentence(MEASURES[link.outcome])} goes with closeness: it needs at least "
            f"{plural(MIN_WARDS, 'ward')} and {plural(MIN_OBS, 'ward-quarter')} with both measured "
            f"(there are {plural(link.n_wards, 'ward')} and {plural(link.n_obs, 'ward-quarter')})."
        )
    way = up if link.estimate > 0 else down
    unit = _units(link.outcome)
    size = (
        f"{fmt_number(abs(link.estimate), 2)} points {'higher' if link.estimate > 0 else 'lower'}"
        if unit == "points"
        else f"{_signed(link.estimate)} {unit}"
    )
    interval = interval_words(link.ci_low, link.ci_high)
    data = f"{plural(link.n_wards, 'ward')}, {plural(link.n_obs, 'ward-quarter')}"
    if link.clear:
        return f"Where patients rate relationships 10 points closer, {who} {way}: {size} ({interval}; {data})."
    return (
        f"No clear link: where patients rate relationships 10 points closer, {who} {way}, by {size}, but the "
        f"range includes no change ({interval}; {data})."
    )


def _short(link: Link) -> str:
    who, up, down = WORDS[link.outcome]
    if not link.ok:
        return f"there is not enough data to say whether {who} {up} or {down}"
    if not link.clear:
        return f"there is no clear sign that {who} {up if link.outcome not in RATES else 'change'}" + (
            "" if link.outcome in RATES else f" or {down}"
        )
    return f"{who} {up if link.estimate > 0 else down}"


def verdict(safety: Link, boundaries: Link, assaults: Link, boundary: Link | None = None) -> str:
    """The answer first: where relationships are closer, do staff feel less safe, do boundary-related incidents
    rise (when the data hold them: `boundary` None leaves them out), do assaults fall?"""
    parts = [_short(safety), _short(boundaries)]
    if boundary is not None:
        parts.append(_short(boundary))
    parts.append(_short(assaults))
    return "Where relationships are closer, " + "; ".join(parts) + "."


WARD_QUARTER = (
    "Ward-quarter",
    "One ward over one three-month quarter: the staff surveys' answers in that quarter are averaged, and each "
    "ward-quarter is one dot on the charts.",
)
HIGH_QUARTERS = 8  # two years of quarters, the 24 months the Overview's rule asks for "High"


def how_sure(
    links: list[Link], assaults_level: str, assaults_why: str, n_quarters: int, others: tuple = ()
) -> tuple[str, str]:
    """(level, why) for the whole answer by the Overview's rule (analysis/overview/confidence.py), applied to
    each link the verdict speaks of, the weakest deciding: not enough data without a figure or with fewer than
    5 wards; low when the likely range includes no change; high only with 20 wards and two years; else
    moderate. `assaults_level` and `assaults_why` are the Assaults page's own (`assess`: why is '' unless downgraded);
    `others` more (level, why) pairs of the same kind (the boundary-related incidents' count model)."""
    levels, whys = [assaults_level], {assaults_level: assaults_why}
    for other_level, other_why in others:  # other count models' (level, why), as the assaults' (boundary incidents)
        levels.append(other_level)
        whys.setdefault(other_level, other_why)
    for link in links:
        what = _in_sentence(MEASURES[link.outcome].split(" (")[0])
        if not link.ok or link.n_wards < SURE_WARDS:
            level, why = LEVELS[0], f"too few wards or ward-quarters for {what}"
        elif not link.clear:
            level, why = LEVELS[1], f"the likely range includes no change for {what}"
        elif link.n_wards >= MANY_WARDS and n_quarters >= HIGH_QUARTERS:
            level, why = LEVELS[3], ""
        else:
            level, why = LEVELS[2], ""
        levels.append(level)
        whys.setdefault(level, why)
    worst = min(levels, key=LEVELS.index)
    n_wards = max((link.n_wards for link in links), default=0)
    size = f"{plural(n_wards, 'ward')}, {occasion_words(n_quarters, 3)}"
    return worst, "; ".join(p for p in (whys[worst], size, "observational data") if p)

"""A verdict per question: the short answer a ward manager can repeat, from a result and how sure we are.

Pure rules, no model fitted here: each function reads a `ModelResult` (its headline, its between-ward
figure, its ward count) and the "how sure" level already worked out for it (`analysis.overview.confidence`
in the Overview), and returns a `Verdict`. The rules, checked in order (the first that applies decides):

Question 1, can co-production exist in secure settings (the co-production index, 0 to 100):

1. Not enough data (the level says so, or no figure) -> "Not yet known: <what is short>".
2. Count the wards whose latest survey puts them above the seeds' "lite" end (the 'mid' or 'ultra' band,
   40 or more by default). Every ward -> "Yes, on every ward"; at least half -> "Yes, on N of M wards";
   fewer than half but some -> "Partly: on N of M wards"; none -> "Not yet: every ward is at the 'lite' end".
   Without bands, the mean decides: its 95% CI wholly at or above the 'mid' cut -> "Yes, on average";
   wholly below -> "Not yet, on average"; otherwise "Not yet clear".
3. When the level is "Low" (the range of the mean is too wide), "Yes" becomes "Probably" and
   "Not yet" becomes "Probably not yet".

Questions 2 and 3, can co-production reduce assaults on staff / enhance recovery (a link within wards):

1. Not enough data -> "Not yet known: <what is short>".
2. The within-ward figure is clear (its 95% CI leaves out no change) and the level is Moderate or High:
   the better way (fewer assaults; better recovery scores) -> "Yes: <fewer assaults on staff> when a
   ward's co-production rises"; the worse way -> "No: <more assaults ...>"; a measure with
   no known better way -> "A link: <higher scores ...>".
3. The within-ward figure is clear but the level is Low (the model had fitting problems): as 2 with
   "Probably" / "Probably not" in place of "Yes" / "No".
4. The within-ward CI includes no change but lies wholly inside the "little or no change" band (rate
   ratios 0.9 to 1.1; score changes within 5% of the measure's range) -> "No: <assaults on staff> change
   little, if at all, with co-production".
5. The within-ward figure is not clear but the between-ward one is, the better way -> "Probably:
   <fewer assaults on staff> on wards with more co-production, but not yet clear within wards"
   (the worse way -> "No clear link yet: <more ...> on wards with more co-production, but not within wards").
6. Otherwise -> "No clear link yet".

Talking groups (did the primary outcome change once wards started them; a stepped-wedge comparison with
wards not yet started):

1. Not enough data -> "Not yet known: <what is short>".
2. The change at the start is clear (its 95% CI leaves out no change) and the level is Moderate or High:
   the better way -> "Yes: <higher patient-rated co-production> once wards started talking groups"; the
   worse way -> "No: <lower ...> once ..."; no known better way -> "A change: <higher ...> once ...".
3. As 2 but the level is Low: "Probably" / "Probably not" / "Probably a change".
4. The CI includes no change but lies wholly inside the "little or no change" band (rate ratios 0.9 to
   1.1; score changes within `negligible` points) -> "No: <noun> changed little, if at all, once wards
   started talking groups".
5. Otherwise -> "No clear change yet".

`kind` sorts every verdict into one of `KINDS`: "clear" (rules Q1 2, Q2/3 2 and 4, talking groups 2 and 4),
"probable" (Q1 3, Q2/3 3 and 5 the better way, talking groups 3), "unclear" (Q2/3 5 the worse way and 6,
Q1 "Not yet clear", talking groups 5), "not_enough".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.questions.coproduction.existence import DEFAULT_CUTS
from analysis.stats.counts.describe import MIN_MONTHS, MIN_WARDS
from analysis.stats.results import ModelResult
from analysis.text import fmt_number, plural, plural_word, ratio_percent, whole

LEVELS = ("Not enough data", "Low", "Moderate", "High")
KINDS = ("clear", "probable", "unclear", "not_enough")
RATIO_NEGLIGIBLE = 0.10  # rate ratios from 0.9 to 1.1 count as "little or no link"
MID_CUT = DEFAULT_CUTS[0]  # the 'mid' band starts here on the 0 to 100 index

# the months between two measurements -> the words for one measurement occasion
OCCASIONS = {1: ("month", "months"), 3: ("quarterly measurement", "quarterly measurements")}
OCCASIONS |= {6: ("six-monthly measurement", "six-monthly measurements"), 12: ("yearly measurement", None)}


@dataclass(frozen=True)
class Verdict:
    """A question's short answer: `answer` ("Yes", "Probably", "No clear link yet", "Not yet known" ...),
    `words` (what it is about, may be empty), `kind` (one of `KINDS`) and `text` (the two as one line)."""

    question: str
    kind: str
    answer: str
    words: str = ""
    joiner: str = ": "

    @property
    def text(self) -> str:
        return f"{self.answer}{self.joiner}{self.words}" if self.words else self.answer


def occasion_words(n: int, every: int = 1) -> str:
    """A count of measurement occasions in the words of the data's frequency: '12 months',
    '4 quarterly measurements', '3 yearly measurements'; other spacings '5 measurements'."""
    one, many = OCCASIONS.get(int(every), ("measurement", None))
    return plural(n, one, many)


def occasion_noun(every: int = 1) -> str:
    """'months', 'quarterly measurements' ... (the plural noun alone)."""
    one, many = OCCASIONS.get(int(every), ("measurement", None))
    return plural_word(2, one, many)


def shortfall(n_wards: int, n_occasions: int | None, every: int = 1) -> str:
    """What is short, in a few words: 'too few wards', 'too few wards and months', 'too few quarterly
    measurements'; 'no figure could be worked out' when neither is short."""
    short = []
    if n_wards < MIN_WARDS:
        short.append("wards")
    if n_occasions is not None and n_occasions < MIN_MONTHS:
        short.append(occasion_noun(every))
    return "too few " + " and ".join(short) if short else "no figure could be worked out"


def not_known(question: str, why: str) -> Verdict:
    """'Not yet known: <why>' (rule 1 of every question)."""
    return Verdict(question, "not_enough", "Not yet known", why)


def _finite(*xs) -> bool:
    return all(x is not None and math.isfinite(float(x)) for x in xs)


def _has_figure(result: ModelResult) -> bool:
    """A fitted model with a headline whose estimate and 95% CI are all finite."""
    h = result.headline
    return h is not None and result.ok and _finite(h.estimate, h.ci_low, h.ci_high)


def _not_known_yet(result: ModelResult, level: str, why: str, question: str | None = None) -> Verdict | None:
    """Rule 1 of every question: "Not yet known: <why>" when the level is "Not enough data" or there is no usable
    figure; None otherwise (the other rules decide)."""
    if level == LEVELS[0] or not _has_figure(result):
        return not_known(question or result.question, why or "no figure could be worked out")
    return None


def is_ratio(result: ModelResult) -> bool:
    return result.headline is not None and "rate ratio" in result.headline.name.lower()


def between_of(result: ModelResult) -> tuple[float, float, float] | None:
    """The between-ward figure (estimate, ci_low, ci_high) a model recorded, None when it has none."""
    b = getattr(result.diagnostics, "between", None)
    if not b:
        return None
    est = b.get("rate_ratio", b.get("estimate"))
    lo, hi = b.get("ci_low"), b.get("ci_high")
    return (float(est), float(lo), float(hi)) if _finite(est, lo, hi) else None


# --- question 1 ------------------------------------------------------------------------------------


def presence_verdict(
    result: ModelResult, level: str, why: str = "", band_counts: dict[str, int] | None = None
) -> Verdict:
    """Question 1's verdict by the rules in the module docstring. `band_counts` maps each band, lowest
    ('lite') first, to its number of wards; `why` is what is short when the level is "Not enough data"."""
    if (unknown := _not_known_yet(result, level, why, "q1")) is not None:
        return unknown
    h = result.headline
    unsure = level == LEVELS[1]
    counts = dict(band_counts or {})
    if counts and sum(counts.values()) > 0:
        lowest = next(iter(counts))
        total = sum(counts.values())
        above = total - counts[lowest]
        if above == total:
            return Verdict(
                "q1", "probable" if unsure else "clear", "Probably" if unsure else "Yes", "on every ward", ", "
            )
        if above * 2 >= total:
            return Verdict(
                "q1",
                "probable" if unsure else "clear",
                "Probably" if unsure else "Yes",
                f"on {above} of {plural(total, 'ward')}",
                ", ",
            )
        if above:
            return Verdict("q1", "probable" if unsure else "clear", "Partly", f"on {above} of {plural(total, 'ward')}")
        return Verdict(
            "q1",
            "probable" if unsure else "clear",
            "Probably not yet" if unsure else "Not yet",
            f"every ward is at the '{lowest}' end",
        )
    if h.ci_low >= MID_CUT:
        return Verdict("q1", "probable" if unsure else "clear", "Probably" if unsure else "Yes", "on average", ", ")
    if h.ci_high < MID_CUT:
        return Verdict(
            "q1", "probable" if unsure else "clear", "Probably not yet" if unsure else "Not yet", "on average", ", "
        )
    return Verdict("q1", "unclear", "Not yet clear", "the average is near the 'lite' end")


# --- questions 2 and 3 ------------------------------------------------------------------------------


def _way(estimate: float, ratio: bool, better: str | None) -> str:
    """'better', 'worse' or '' (no known better way) for a figure on the ratio or the change scale."""
    if better is None:
        return ""
    up = estimate > (1.0 if ratio else 0.0)
    return "better" if up == (better == "higher") else "worse"


def _clear(lo: float, hi: float, null: float) -> bool:
    return not lo <= null <= hi


def _clear_verdict(question: str, level: str, way: str, neutral: str, words: str) -> Verdict:
    """Rules 2 and 3 of questions 2 and 3 and of talking groups, a clear figure: "Yes" the better way, "No" the
    worse, `neutral` ("A link", "A change") with no known better way; "Probably", "Probably not", "Probably a
    link" ... when the level is Low."""
    sure = level != LEVELS[1]
    answer = {
        "better": ("Yes", "Probably"),
        "worse": ("No", "Probably not"),
        "": (neutral, f"Probably {neutral.lower()}"),
    }
    return Verdict(question, "clear" if sure else "probable", answer[way][0 if sure else 1], words)


def _little_or_none(lo: float, hi: float, null: float, band: float | None, level: str) -> bool:
    """Rule 4 of questions 2 and 3 and of talking groups: the 95% CI lies wholly inside the "little or no change"
    band about `null` (none without a band), and the level is Moderate or High."""
    return band is not None and null - band <= lo and hi <= null + band and level != LEVELS[1]


def link_verdict(
    result: ModelResult,
    level: str,
    noun: str,
    better: str | None,
    why: str = "",
    negligible: float | None = None,
    scores: bool = False,
) -> Verdict:
    """Question 2's or 3's verdict by the rules in the module docstring.

    noun : what is counted or scored, e.g. "assaults on staff", "QPR-15 scores".
    better : "lower" when fewer or lower is better (assaults), "higher" when more is, None when unknown.
    negligible : the "little or no change" half-width for a score change (points); rate ratios use 0.9 to 1.1.
    scores : True for a score (said "better / worse / higher / lower <noun>"), False for a count
        ("fewer / more <noun>").
    """
    if (unknown := _not_known_yet(result, level, why)) is not None:
        return unknown
    q, h, ratio = result.question, result.headline, is_ratio(result)
    null = 1.0 if ratio else 0.0
    within = "within" in h.name.lower()
    when = "when a ward's co-production rises" if within else "where co-production is higher"

    def what(est: float) -> str:
        up = est > null
        if scores:
            way = _way(est, ratio, better)
            return f"{way or ('higher' if up else 'lower')} {noun}"
        return f"{'more' if up else 'fewer'} {noun}"

    if _clear(h.ci_low, h.ci_high, null):
        return _clear_verdict(q, level, _way(h.estimate, ratio, better), "A link", f"{what(h.estimate)} {when}")
    if _little_or_none(h.ci_low, h.ci_high, null, RATIO_NEGLIGIBLE if ratio else negligible, level):
        return Verdict(q, "clear", "No", f"{noun} change little, if at all, with co-production")
    b = between_of(result) if within else None
    if b is not None and _clear(b[1], b[2], null):
        if _way(b[0], ratio, better) == "better":
            return Verdict(
                q,
                "probable",
                "Probably",
                f"{what(b[0])} on wards with more co-production, but not yet clear within wards",
            )
        return Verdict(
            q, "unclear", "No clear link yet", f"{what(b[0])} on wards with more co-production, but not within wards"
        )
    return Verdict(q, "unclear", "No clear link yet")


# --- talking groups --------------------------------------------------------------------------------

STARTED = "once wards started talking groups"


def talking_groups_verdict(
    result: ModelResult,
    level: str,
    noun: str,
    better: str | None,
    why: str = "",
    negligible: float | None = None,
    scores: bool = True,
) -> Verdict:
    """The talking-groups verdict by the rules in the module docstring: did `noun` change once wards started
    talking groups (the pooled level change at the start, against wards not yet started)?

    noun : the primary outcome, e.g. "patient-rated co-production"; better, negligible, scores as in
    `link_verdict` (a rate ratio's "little or no change" band is 0.9 to 1.1)."""
    if (unknown := _not_known_yet(result, level, why)) is not None:
        return unknown
    q, h, ratio = result.question, result.headline, is_ratio(result)
    null = 1.0 if ratio else 0.0
    if _clear(h.ci_low, h.ci_high, null):
        up = h.estimate > null
        what = f"{'higher' if up else 'lower'} {noun}" if scores else f"{'more' if up else 'fewer'} {noun}"
        return _clear_verdict(q, level, _way(h.estimate, ratio, better), "A change", f"{what} {STARTED}")
    if _little_or_none(h.ci_low, h.ci_high, null, RATIO_NEGLIGIBLE if ratio else negligible, level):
        return Verdict(q, "clear", "No", f"{noun} changed little, if at all, {STARTED}")
    return Verdict(q, "unclear", "No clear change yet")


def talking_groups_figure_words(result: ModelResult, noun: str, better: str | None = None) -> str:
    """The change at the start and its 95% CI in words, '' without a usable figure: 'Patient-rated
    co-production 4.3 points higher (better) once a ward started talking groups, against wards not yet started
    (could be anywhere from 1.9 to 6.7 points higher)'; a rate ratio: '3% fewer assaults on staff once ...
    (could be anywhere from 30% fewer to 35% more)'."""
    h = result.headline
    if not _has_figure(result):
        return ""
    when = "once a ward started talking groups, against wards not yet started"
    if is_ratio(result):
        return f"{_change_noun(h.estimate, noun)} {when} ({ratio_range_words(h.ci_low, h.ci_high)})"
    size = _size_words(h.estimate, noun, better)
    return f"{size[:1].upper()}{size[1:]} {when} ({change_range_words(h.ci_low, h.ci_high)})"


# --- the figure and its uncertainty in plain words --------------------------------------------------


def _pct(x: float) -> str:
    return ratio_percent(x, None)


def ratio_range_words(lo: float, hi: float) -> str:
    """A rate ratio's 95% CI as 'could be anywhere from 12% to 32% fewer' (or '40% fewer to 1% more')."""
    if hi < 1:
        return f"could be anywhere from {_pct(hi)} to {_pct(lo)} fewer"
    if lo > 1:
        return f"could be anywhere from {_pct(lo)} to {_pct(hi)} more"
    return f"could be anywhere from {_pct(lo)} fewer to {_pct(hi)} more"


def _points(x: float, digits: int = 1) -> str:
    return f"{fmt_number(abs(x), digits)} {plural_word(abs(round(x, digits)), 'point')}"


def _end_digits(x: float) -> int:
    """Decimals for an interval's end: one, or two for an end under 0.05 that one decimal would show as 0 (a
    narrow scale's interval read 'from 0 points lower to 0.2 points higher')."""
    return 2 if 0 < abs(x) < 0.05 else 1


def change_range_words(lo: float, hi: float) -> str:
    """A score change's 95% CI as 'could be anywhere from 0.5 to 1.9 points higher' (or '1.8 points lower
    to 4.5 points higher'; an end under 0.05 to two decimals: '0.04 points lower to 0.2 points higher')."""
    a, b = _end_digits(lo), _end_digits(hi)
    if lo > 0:
        return f"could be anywhere from {fmt_number(lo, a)} to {_points(hi, b)} higher"
    if hi < 0:
        return f"could be anywhere from {fmt_number(abs(hi), b)} to {_points(lo, a)} lower"
    return f"could be anywhere from {_points(lo, a)} lower to {_points(hi, b)} higher"


def figure_words(result: ModelResult, noun: str, better: str | None = None, per: float = 10.0) -> str:
    """The headline and its 95% CI in words, '' without a usable figure.

    Q1: 'Patients rate co-production 49 out of 100 on average (could be anywhere from 44 to 55)'.
    A rate ratio: '22% fewer assaults on staff in a month when a ward's co-production is 10 points above
    its usual level (could be anywhere from 12% to 32% fewer)'. A score change: 'QPR-15 scores 1.2 points
    higher (better) in a month when ... (could be anywhere from 0.5 to 1.9 points higher)'.
    """
    h = result.headline
    if not _has_figure(result):
        return ""
    if result.question == "q1":
        who = "Staff" if "staff" in h.name.lower() else "Patients"
        return (
            f"{who} rate co-production {whole(h.estimate)} out of 100 on average "
            f"(could be anywhere from {whole(h.ci_low)} to {whole(h.ci_high)})"
        )
    step = fmt_number(per)
    if "within" in h.name.lower():
        when = f"in a month when a ward's co-production is {step} points above its usual level"
    else:
        when = f"for each {step} points more co-production"
    if is_ratio(result):
        return f"{_change_noun(h.estimate, noun)} {when} ({ratio_range_words(h.ci_low, h.ci_high)})"
    return f"{_size_words(h.estimate, noun, better)} {when} ({change_range_words(h.ci_low, h.ci_high)})"


def _size_words(change: float, noun: str, better: str | None) -> str:
    """A score change as 'QPR-15 scores 1.2 points higher (better)' ('... about the same' when it rounds to 0)."""
    if abs(change) < 0.05:
        return f"{noun} about the same"
    way = _way(change, False, better)
    return f"{noun} {_points(change)} {'higher' if change > 0 else 'lower'}" + (f" ({way})" if way else "")


def _change_noun(rr: float, noun: str) -> str:
    if abs(rr - 1) * 100 < 0.5:
        return f"About the same number of {noun}"
    return f"{_pct(rr)} {'fewer' if rr < 1 else 'more'} {noun}"


def caveat_words(result: ModelResult, working_instrument: bool = False) -> str:
    """One line on what kind of evidence this is (observational ward data; the unvalidated questionnaire)."""
    wards = plural(result.n_wards, "ward")
    if result.question == "q1":
        if working_instrument:
            return f"Scores from this product's working questionnaire, not yet validated; {wards}."
        return f"Survey scores from {wards}."
    return f"Routine data from {wards}: a link, not proof that co-production causes it."

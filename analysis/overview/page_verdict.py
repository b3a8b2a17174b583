"""A question page's verdict, as the Overview's card gives it: the same verdict rule and "how sure" rule, so for the
default choices a page and the Overview say the same words (`link_verdict`, `confidence_parts`)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.overview.confidence import confidence_parts, result_months
from analysis.questions.assaults.page import better
from analysis.questions.verdicts import link_verdict, shortfall
from analysis.stats.counts.describe import outcome_words
from analysis.stats.results import ModelResult


@dataclass(frozen=True)
class PageVerdict:
    """The verdict line (`verdict`, without its full stop), what it is about (`noun`), how sure (`level`, as the
    confidence rule names it) and why (`sure`, may be empty)."""

    verdict: str
    noun: str
    level: str
    sure: str


def assaults_verdict(result: ModelResult, outcome: str) -> PageVerdict:
    """The assaults page's verdict on the count model for `outcome` (as the Overview's Q2 card for assaults on
    staff): whether co-production goes with fewer of them, and how sure."""
    noun = outcome_words(outcome)
    level, sure, _ = confidence_parts(result)
    why = shortfall(result.n_wards, result_months(result))
    verdict = link_verdict(result, level, noun, better(outcome), why)
    return PageVerdict(verdict.text, noun, level, sure)

"""Question 2's card (can co-production reduce the incidence of assault on staff?): the rate ratio of assaults on
staff per 10 points of co-production from the count model (`analysis.stats.counts.fit_counts`, default settings),
within wards when the model gives it, in plain words, with the link verdict
(`analysis.questions.verdicts.link_verdict`: fewer assaults is better)."""

from __future__ import annotations

import pandas as pd

from analysis.overview.answer_card import NEEDS_ASSAULTS, NEEDS_SURVEY, Answer, _answer, _has, _needs, _per, key_figure
from analysis.questions.verdicts import Verdict, figure_words, link_verdict
from analysis.stats.counts import fit_counts
from analysis.stats.counts.describe import outcome_words, predictor_words
from analysis.stats.results import OBSERVATIONAL_CAVEAT
from analysis.text import plural


def _q2(panel: pd.DataFrame, predictor: str) -> Answer:
    res = fit_counts(panel, outcome="assaults_on_staff", predictor=predictor)
    missing = [
        n
        for n, ok in (
            (NEEDS_SURVEY, _has(panel, predictor)),
            (NEEDS_ASSAULTS, _has(panel, "assaults_on_staff") and _has(panel, "occupied_bed_days")),
        )
        if not ok
    ]
    key, lead, h = key_figure(res), "", res.headline
    noun = outcome_words("assaults_on_staff")
    if h is not None and res.ok:
        pred = predictor_words(predictor)
        where = f"Across {plural(res.n_wards, 'ward')} over {plural(res.diagnostics.months, 'month')}"
        when = (
            f"months when a ward's {pred} was higher than its usual level"
            if "within" in h.name
            else f"ward-months with higher {pred}"
        )
        if h.ci_low <= 1 <= h.ci_high:
            lead = f"{where}, there was no clear link between {pred} and {noun}: {key}."
        else:
            lead = f"{where}, {when} had {'fewer' if h.estimate < 1 else 'more'} {noun}: {key}."
        lead += f" {OBSERVATIONAL_CAVEAT}"
    figure = figure_words(res, noun, "lower", _per(res))

    def judge(level: str, why: str) -> Verdict:
        return link_verdict(res, level, noun, "lower", why)

    return _answer("q2", res, lead, key, _needs(*missing), judge=judge, figure=figure + "." if figure else "")

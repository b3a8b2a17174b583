"""Which comes first: do assaults fall after co-production rises, or does co-production fall after assaults?

A steering group will ask whether the link question 2 finds runs the other way: wards may report less
co-production after a run of assaults. `which_comes_first` fits both directions, each within ward (ward fixed
effects: every ward compared only with itself) and each with the other measure one month earlier:

* co-production first: assaults in a month against the co-production score the month before (question 2's
  negative binomial or Poisson model with a one-month lag and ward fixed effects, `fit_counts`, fitted with the
  ward intercepts absorbed, `analysis.stats.counts.absorbed.fit_within_counts`: the same figures in time linear
  in wards);
* assaults first: the co-production score in a month against the assault rate per 1,000 occupied bed days the
  month before, allowing for the score the month before (a linear model with ward fixed effects,
  `analysis.stats.crosslag.fit_within_linear`). Only months with a survey of their own are used as the
  outcome: a score carried forward from an earlier survey was measured before the assaults it would be set
  against. Allowing for the earlier score matters: a ward whose co-production is high stays high for a while,
  and its fewer assaults in between would otherwise look like assaults setting the next score (the
  autoregressive path a cross-lagged model allows for).

Both use CR2 cluster-robust errors with Satterthwaite degrees of freedom below 30 wards. The answer is a tidy
frame and a plain sentence; a random-intercept cross-lagged panel model needs far more wards than a hospital
has (`analysis.stats.crosslag.RICLPM_MIN_WARDS`), so this symmetric pair is the method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.contract import RESPONDENTS
from analysis.panel.tools import add_lag
from analysis.stats.counts.absorbed import fit_within_counts
from analysis.stats.counts.describe import outcome_words, predictor_words
from analysis.stats.crosslag import fit_within_linear
from analysis.stats.results import ModelResult
from analysis.text import fixed, plural

COLUMNS = [
    "direction",
    "model",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "df",
    "unit",
    "n_wards",
    "n_obs",
    "clear",
]
CO_PRODUCTION_FIRST = "co-production first"
ASSAULTS_FIRST = "assaults first"
VERDICTS = ("coproduction_first", "assaults_first", "both", "neither", "not_fitted")
MIN_WARDS = 3  # a within-ward model with fewer wards has almost no degrees of freedom for its errors
# Both directions have a ward fixed effect each, absorbed (analysis.stats.counts.absorbed): the whole answer costs
# time linear in wards, about 0.45 s of CPU at 1,000 wards x 120 months and 2.4 s at 5,000
# (benchmarks/direction_speed.py). Pages fit it straight away up to a national body's 5,000 wards; above that
# only when asked.
AT_ONCE_UP_TO_WARDS = 5000
ON_REQUEST = "Fit both directions (with this many wards it takes a while)"


def fits_at_once(n_wards: int) -> bool:
    """Whether a page fits both directions straight away (True) or waits to be asked (more than
    `AT_ONCE_UP_TO_WARDS` wards)."""
    return n_wards <= AT_ONCE_UP_TO_WARDS


@dataclass(frozen=True)
class Direction:
    """Both lagged directions: `table` (one row each, COLUMNS), `sentence` (plain words), `verdict` (one of
    VERDICTS), and the count model behind the first row (`count_result`)."""

    table: pd.DataFrame
    sentence: str
    verdict: str
    count_result: ModelResult | None = None


def carried_column(predictor: str) -> str | None:
    """The column counting months a score was carried forward: 'coproduction_patient_overall' ->
    'coproduction_patient_months_carried'; None for the combined score (it mixes two surveys)."""
    for who in RESPONDENTS:
        if predictor.startswith(f"coproduction_{who}_"):
            return f"coproduction_{who}_months_carried"
    return None


def reverse_data(
    panel: pd.DataFrame,
    predictor: str,
    outcome: str,
    exposure: str = "occupied_bed_days",
    lag: int = 1,
    ward: str = "ward_id",
    month: str = "month",
) -> pd.DataFrame:
    """Rows for the assaults-first model: ward, month, the score, the rate per 1,000 `exposure` `lag` months earlier
    ('rate_before') and the ward's score at its previous survey ('score_before'); only months with a survey of
    their own when the panel says which (for the combined score, which mixes two surveys, every month with a score,
    and 'score_before' is the score in the month before it). The previous survey is found whatever the
    carry-forward rule, so the model also runs with scores left uncarried."""
    carried = carried_column(predictor)
    cols = [c for c in dict.fromkeys([ward, month, predictor, outcome, exposure, carried]) if c in panel]
    df = panel[cols]
    df = df.assign(_rate=1000 * pd.to_numeric(df[outcome], errors="coerce") / df[exposure].where(df[exposure] > 0))
    df = add_lag(df, "_rate", lag, ward=ward, month=month, name="rate_before")
    if carried in df:
        df = df[df[carried].fillna(0) == 0]
    df = df[df[predictor].notna()].sort_values([ward, month], kind="stable")
    df = df.assign(score_before=df.groupby(ward)[predictor].shift(1))
    df = df[df["rate_before"].notna() & df["score_before"].notna()]
    return df[[ward, month, predictor, "rate_before", "score_before"]].reset_index(drop=True)


def which_comes_first(
    panel: pd.DataFrame,
    predictor: str = "coproduction_patient_overall",
    outcome: str = "assaults_on_staff",
    exposure: str = "occupied_bed_days",
    lag: int = 1,
    per: float = 10.0,
    ward: str = "ward_id",
    month: str = "month",
) -> Direction:
    """Fit both lagged directions within ward and say which the data support.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`).
    predictor : str
        The co-production score column.
    outcome : str
        The incident count (assaults on staff by default).
    exposure : str
        The count's denominator (occupied bed days).
    lag : int
        Months between the earlier measure and the later one (1: the month before).
    per : float
        Points of co-production per step of the count model's rate ratio.

    Returns
    -------
    Direction
        `table` with one row per direction (CO_PRODUCTION_FIRST: rate ratio per `per` points of the score
        `lag` months earlier; ASSAULTS_FIRST: points of co-production per 1 more incident per 1,000 bed days
        `lag` months earlier), `sentence` in plain words and `verdict`.

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> d = which_comes_first(build_panel(load_sample().tables))
    >>> d.table["direction"].tolist(), d.verdict in VERDICTS
    (['co-production first', 'assaults first'], True)
    """
    noun = outcome_words(outcome)
    rows = []
    count = fit_within_counts(
        panel, outcome=outcome, exposure=exposure, predictor=predictor, lag=lag, per=per, ward=ward, month=month
    )
    h = count.headline
    if h is not None and count.ok and count.n_wards >= MIN_WARDS:
        df = count.estimates.loc[count.estimates["term"].str.endswith("_within"), "df"]
        rows.append(
            [
                CO_PRODUCTION_FIRST,
                count.method,
                "rate ratio",
                h.estimate,
                h.ci_low,
                h.ci_high,
                h.p_value,
                float(df.iloc[0]) if len(df) else math.nan,
                f"per {per:g} points of co-production {plural(lag, 'month')} earlier",
                count.n_wards,
                count.n_obs,
                not (h.ci_low <= 1 <= h.ci_high),
            ]
        )
    rev = reverse_data(panel, predictor, outcome, exposure, lag, ward, month)
    n_rev = rev[ward].nunique() if len(rev) else 0
    if n_rev >= MIN_WARDS and len(rev) > n_rev + 2 and rev["rate_before"].groupby(rev[ward]).std().max() > 0:
        try:
            t = fit_within_linear(rev, predictor, ["rate_before", "score_before"], ward=ward).iloc[0]
            rows.append(
                [
                    ASSAULTS_FIRST,
                    f"Linear regression of {predictor} on the {outcome} rate per 1,000 {exposure.replace('_', ' ')} "
                    f"{plural(lag, 'month')} earlier and the score then, ward fixed effects; bias-reduced cluster-robust standard "
                    f"errors by ward (CR2), t reference with Satterthwaite degrees of freedom ({fixed(t['df'], 1)}); "
                    "only months with a survey of their own.",
                    "points",
                    t["estimate"],
                    t["ci_low"],
                    t["ci_high"],
                    t["p_value"],
                    t["df"],
                    f"per 1 more {_singular(noun)} per 1,000 occupied bed days {plural(lag, 'month')} earlier",
                    n_rev,
                    len(rev),
                    not (t["ci_low"] <= 0 <= t["ci_high"]),
                ]
            )
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            pass
    table = pd.DataFrame(rows, columns=COLUMNS)
    sentence, verdict = direction_sentence(table, predictor, outcome, count)
    return Direction(table, sentence, verdict, count)


def _singular(noun: str) -> str:
    """'assaults on staff' -> 'assault on staff' (the first word's plural s), for 'per 1 more ...'."""
    first, _, rest = noun.partition(" ")
    first = first[:-1] if first.endswith("s") and not first.endswith("ss") else first
    return f"{first} {rest}".strip()


def _ratio(r) -> str:
    return f"rate ratio {fixed(r.estimate, 2)}, 95% CI {fixed(r.ci_low, 2)} to {fixed(r.ci_high, 2)}"


def _points(r) -> str:
    return (
        f"{fixed(r.estimate, 2)} points per extra {r.unit.removeprefix('per 1 more ')}, "
        f"95% CI {fixed(r.ci_low, 2)} to {fixed(r.ci_high, 2)}"
    )


def direction_sentence(
    table: pd.DataFrame, predictor: str, outcome: str, count: ModelResult | None = None
) -> tuple[str, str]:
    """(The answer in plain words, the verdict) from `which_comes_first`'s table."""
    noun = outcome_words(outcome)
    score = predictor_words(predictor)
    first = table[table["direction"] == CO_PRODUCTION_FIRST]
    second = table[table["direction"] == ASSAULTS_FIRST]
    if first.empty or second.empty:
        why = (
            count.sentence
            if count is not None and not count.ok
            else "too few wards with months of both measures in a row"
        )
        return f"Which comes first cannot be told from these data: {why[0].lower()}{why[1:]}", "not_fitted"
    a, b = first.iloc[0], second.iloc[0]
    if not a.clear:
        one = f"Months after higher {score} did not have clearly fewer or more {noun} ({_ratio(a)})"
    else:
        one = f"Months after higher {score} had {'fewer' if a.estimate < 1 else 'more'} {noun} ({_ratio(a)})"
    if not b.clear:
        two = f"months after more {noun} did not have clearly lower or higher co-production ({_points(b)})"
    else:
        two = f"months after more {noun} had {'lower' if b.estimate < 0 else 'higher'} co-production ({_points(b)})"
    if a.clear and not b.clear:
        verdict, end = (
            "coproduction_first",
            "This fits co-production coming first, but observational data cannot prove it.",
        )
    elif b.clear and not a.clear:
        verdict, end = (
            "assaults_first",
            f"This fits {noun} coming first: the link may be co-production changing after {noun}, not the other "
            "way round. Observational data cannot prove either.",
        )
    elif a.clear and b.clear:
        verdict, end = (
            "both",
            "Both directions show a link, so each may feed the other; the data cannot say which comes first.",
        )
    else:
        verdict, end = (
            "neither",
            "Neither direction shows a clear link from one month to the next, so the data cannot say which "
            "comes first.",
        )
    return f"{one}; {two}. {end}", verdict


def table_in_words(table: pd.DataFrame, outcome: str = "assaults_on_staff") -> pd.DataFrame:
    """`which_comes_first`'s table for the page, narrow enough for a laptop: what came first, what followed
    (the figure, its unit, the 95% CI), the p-value and the degrees of freedom behind the interval."""
    noun = outcome_words(outcome)
    rows = []
    for r in table.itertuples(index=False):
        ratio = r.measure == "rate ratio"
        rows.append(
            {
                "first": "Co-production" if ratio else noun.capitalize(),
                "then": f"{noun}, rate ratio" if ratio else "co-production, points",
                "figure": fixed(r.estimate, 2),
                "95% CI": f"{fixed(r.ci_low, 2)} to {fixed(r.ci_high, 2)}",
                "per": r.unit.split(" of co-production")[0].removeprefix("per ")
                if ratio
                else "1 more per 1,000 bed days",
                "p-value": "< 0.001" if r.p_value < 0.001 else fixed(r.p_value, 3),
                "degrees of freedom": fixed(r.df, 1),
            }
        )
    return pd.DataFrame(rows)

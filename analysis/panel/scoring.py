"""Co-production scores from the survey instrument: returns -> aspect scores -> ward-month scores.

Two routes give the same ward-month frame (ward_id, month, respondent, the four aspects, overall,
n_returns, source): survey returns scored here (`score_returns` then `monthly_scores`) or a site's own
`coproduction_scores` table (`scores_from_table`). `carry_forward` then lets a survey month stand for
the next few months, by the rule `carry_forward_rule` states.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.contract import ASPECTS
from analysis.panel.instruments import coproduction_rows

KEY = ["ward_id", "month", "respondent"]

SCORING_RULE = (
    "Each answer is rescaled to 0 to 100 on its item's scale (reverse-worded items are turned round, so "
    "100 always means more co-production). An aspect's score is the mean of its answered items, given only "
    "when the return answers at least {share} of that aspect's items in the instrument. The overall index is "
    "the mean of the aspects scored, given only when at least {share} of the aspects are scored; a return "
    "without an overall index is counted as not scored. A ward's monthly score is the mean over its scored "
    "returns that month, separately for patients and staff."
)


def scoring_rule(min_share_answered: float = 0.5) -> str:
    """The scoring rule in words, with the share stated."""
    share = "half" if min_share_answered == 0.5 else f"{min_share_answered:.0%}"
    return SCORING_RULE.format(share=share)


def carry_forward_rule(months: int) -> str:
    """The carry-forward rule in words, for every place a carried score is shown."""
    if months <= 0:
        return "A survey's scores stand for its own month only; months without a survey are missing."
    word = "month" if months == 1 else f"{months} months"
    return (
        f"A survey's scores stand for its own month and the next {word}; after that the month is missing. "
        "A newer survey replaces an older one."
    )


def aspects_of(instrument: pd.DataFrame) -> list[str]:
    """The contract's aspects, then any other aspect the instrument names, in order.

    Only the co-production instrument's rows count (an instrument table may hold other instruments too).
    """
    instrument = coproduction_rows(instrument)
    extra = [a for a in pd.unique(instrument["aspect"].astype(str)) if a not in ASPECTS]
    return list(ASPECTS) + extra


def _item_scores(responses: pd.DataFrame, instrument: pd.DataFrame) -> pd.DataFrame:
    """Every co-production item rescaled to 0..100 with reverse items turned round (NaN when absent)."""
    instrument = coproduction_rows(instrument)
    out = {}
    for row in instrument.itertuples(index=False):
        item = str(row.item)
        if item not in responses.columns:
            out[item] = np.full(len(responses), np.nan)
            continue
        x = pd.to_numeric(responses[item], errors="coerce").astype(float).to_numpy()
        lo, hi = float(row.scale_min), float(row.scale_max)
        s = (x - lo) / (hi - lo) * 100.0
        out[item] = 100.0 - s if bool(row.reverse) else s
    return pd.DataFrame(out, index=responses.index)


def item_scores(responses: pd.DataFrame, instrument: pd.DataFrame) -> pd.DataFrame:
    """Public form of the 0..100 item scores (used by the reliability checks)."""
    return _item_scores(responses, instrument)


def score_returns(responses: pd.DataFrame, instrument: pd.DataFrame, min_share_answered: float = 0.5) -> pd.DataFrame:
    """One row per return: aspect scores 0..100, overall, items answered per aspect and a scored flag.

    The rule is `scoring_rule(min_share_answered)`. Items of the instrument that are absent from the
    returns count as unanswered; an aspect with no items in the instrument is missing on every return.
    """
    instrument = coproduction_rows(instrument)
    items = _item_scores(responses, instrument)
    answered = items.notna()
    aspect_of = instrument.set_index(instrument["item"].astype(str))["aspect"].astype(str)
    aspects = aspects_of(instrument)
    out = pd.DataFrame(
        {
            "response_id": responses["response_id"].to_numpy(),
            "ward_id": responses["ward_id"].to_numpy(),
            "date": pd.to_datetime(responses["date"]).to_numpy(),
            "respondent": responses["respondent"].to_numpy(),
        }
    )
    out["month"] = out["date"].dt.to_period("M").dt.to_timestamp()
    for a in aspects:
        cols = [i for i in aspect_of.index if aspect_of[i] == a]
        n_items = len(cols)
        n_ans = answered[cols].sum(axis=1).to_numpy() if cols else np.zeros(len(out), dtype=int)
        mean = items[cols].mean(axis=1).to_numpy() if cols else np.full(len(out), np.nan)
        ok = (n_ans > 0) & (n_ans >= min_share_answered * n_items) if n_items else np.zeros(len(out), bool)
        out[a] = np.where(ok, mean, np.nan)
        out[f"n_items_{a}"] = n_ans
    scored_aspects = [a for a in aspects if (aspect_of == a).any()]
    n_scored = out[aspects].notna().sum(axis=1)
    enough = n_scored >= max(1.0, min_share_answered * len(scored_aspects))
    out["overall"] = out[aspects].mean(axis=1).where(enough)
    out["scored"] = out["overall"].notna()
    return out[
        [
            "response_id",
            "ward_id",
            "date",
            "month",
            "respondent",
            *aspects,
            "overall",
            *[f"n_items_{a}" for a in aspects],
            "scored",
        ]
    ]


def monthly_scores(scored: pd.DataFrame) -> pd.DataFrame:
    """Ward-month-respondent means over scored returns (survey months only, nothing carried).

    `overall` is the mean of the returns' overall indices; `n_returns` counts scored returns and
    `n_not_scored` the returns set aside by the scoring rule.
    """
    aspects = [c.removeprefix("n_items_") for c in scored.columns if c.startswith("n_items_")]
    grp = scored.groupby(KEY, observed=True, sort=True)
    kept = scored[scored["scored"]].groupby(KEY, observed=True)
    out = kept[[*aspects, "overall"]].mean()
    out["n_returns"] = kept.size()
    counts = grp.size().rename("n_all").to_frame().join(out, how="left")
    counts["n_returns"] = counts["n_returns"].fillna(0).astype(int)
    counts["n_not_scored"] = counts["n_all"] - counts["n_returns"]
    res = counts.drop(columns="n_all").reset_index()
    res["source"] = "survey returns"
    return res


def scores_from_table(coproduction_scores: pd.DataFrame, min_share_answered: float = 0.5) -> pd.DataFrame:
    """Ward-month scores from a site's own `coproduction_scores` table (survey months only).

    Overall is the mean of the aspects given, when at least `min_share_answered` of the four are given.
    """
    df = coproduction_scores
    out = df[KEY].copy()
    out["month"] = pd.to_datetime(out["month"]).dt.to_period("M").dt.to_timestamp()
    aspects = list(ASPECTS)
    for a in aspects:
        out[a] = pd.to_numeric(df[a], errors="coerce").astype(float) if a in df.columns else np.nan
    n = out[aspects].notna().sum(axis=1)
    out["overall"] = out[aspects].mean(axis=1).where(n >= max(1.0, min_share_answered * len(aspects)))
    nr = df["n_returns"] if "n_returns" in df.columns else pd.Series(np.nan, index=df.index)
    out["n_returns"] = pd.to_numeric(nr, errors="coerce").astype(float).to_numpy()
    out["n_not_scored"] = np.nan
    out["source"] = "scores table"
    return out.sort_values(KEY, ignore_index=True)


def combine_sources(from_returns: pd.DataFrame | None, from_scores: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    """Scores from returns where a ward-month-respondent has any, the scores table elsewhere; and a note."""
    parts = [p for p in (from_returns, from_scores) if p is not None and len(p)]
    if not parts:
        return _empty(), "No co-production survey returns or scores were given."
    if len(parts) == 1:
        src = parts[0]["source"].iloc[0]
        return parts[0].reset_index(drop=True), f"Co-production scores come from the {src}."
    r, s = from_returns, from_scores
    keys_r = pd.MultiIndex.from_frame(r[KEY])
    s_only = s[~pd.MultiIndex.from_frame(s[KEY]).isin(keys_r)]
    out = pd.concat([r, s_only], ignore_index=True).sort_values(KEY, ignore_index=True)
    note = (
        "Both survey returns and a scores table were given: scores are from the returns wherever a ward has "
        f"returns that month ({len(r)} ward-months), and from the scores table elsewhere ({len(s_only)} "
        f"ward-months; {len(s) - len(s_only)} scores-table rows set aside because returns cover them)."
    )
    return out, note


def _empty() -> pd.DataFrame:
    cols = {
        **{k: [] for k in KEY},
        **{a: [] for a in ASPECTS},
        "overall": [],
        "n_returns": [],
        "n_not_scored": [],
        "source": [],
    }
    out = pd.DataFrame(cols)
    out["month"] = pd.to_datetime(out["month"])
    return out


def carry_forward(monthly: pd.DataFrame, months: int = 3) -> pd.DataFrame:
    """Let each survey month stand for itself and the next `months` months (`carry_forward_rule`).

    Adds `months_carried` (0 in the survey month). The newest survey wins where two could apply. A month
    whose returns were all set aside (no score at all) is not a survey month and replaces nothing.
    """
    score_cols = [c for c in monthly.columns if c in ASPECTS or c == "overall"]
    monthly = monthly[monthly[score_cols].notna().any(axis=1)]
    if not len(monthly):
        return monthly.assign(months_carried=pd.Series(dtype=float))
    k = max(int(months), 0)
    offsets = np.arange(k + 1)
    rep = monthly.loc[monthly.index.repeat(k + 1)].reset_index(drop=True)
    off = np.tile(offsets, len(monthly))
    per = pd.PeriodIndex(rep["month"], freq="M") + off
    rep["month"] = per.to_timestamp()
    rep["months_carried"] = off
    rep = rep.sort_values([*KEY, "months_carried"], kind="stable").drop_duplicates(KEY, keep="first")
    return rep.reset_index(drop=True)


def ward_month_scores(scored: pd.DataFrame, carry_forward_months: int = 3) -> pd.DataFrame:
    """Ward-month scores from scored returns, carried forward by `carry_forward_rule(carry_forward_months)`."""
    return carry_forward(monthly_scores(scored), carry_forward_months)

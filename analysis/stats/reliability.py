"""Reliability of the working instrument and patient-staff agreement, from a site's own returns.

Internal consistency is Cronbach's alpha per aspect with Feldt's (1965) confidence interval, which is
exact when items are parallel and normal: (1 - alpha) / (1 - alpha_true) ~ F(n - 1, (n - 1)(k - 1)).

For any instrument and subscale (`instrument_reliability`): alpha with Feldt's interval, and McDonald's
omega (total) from a one-factor maximum-likelihood factor model of the raw item covariances,
omega = (sum of loadings)^2 / ((sum of loadings)^2 + sum of unique variances), the reliability of the
subscale's sum (or mean) score; its interval is a percentile bootstrap over returns (1,000 resamples, fixed
seed). Omega matches lavaan's one-factor ML fit (tests/reference/instrument_reliability). Items are on their
own scale with reverse keys applied; returns missing any of the subscale's items are left out (complete
cases), and filler items never count.

Agreement between patients and staff is about the same ward, so it is measured on pairs of ward-quarter
means (quarters, because patients and staff are often surveyed in different months of a quarter).
Per ward: the mean gap (staff minus patient) with a t-interval over its quarters, and Bland-Altman
limits of agreement (mean gap +/- 1.96 SD). Across wards, `agreement_summary` adds the hospital-wide
limits and ICC(2,1) (two-way random, absolute agreement; Shrout and Fleiss 1979) of ward-level patient
vs staff means. Absolute agreement is chosen over consistency (ICC(3,1)) because a ward where staff
rate co-production 20 points above patients is exactly the disagreement the product must show.

Its parts, one idea each, beside it in analysis/stats/: Cronbach's alpha and its words (`reliability_alpha`),
patient-staff agreement (`reliability_agreement`), the one-factor fit behind omega (`reliability_factor`),
omega with its bootstrap interval (`reliability_omega`) and any instrument's table per subscale with its
reasons (`reliability_instruments`). This module keeps the co-production aspects' tables (`reliability_table`,
`item_total`) and re-exports the rest, so `from analysis.stats.reliability import ...` reads as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.panel.instruments import coproduction_rows
from analysis.panel.scoring import aspects_of, item_scores
from analysis.stats.reliability_agreement import agreement, agreement_summary, icc_2_1, quarter_pairs
from analysis.stats.reliability_alpha import ALPHA_NOTE, ALPHA_WORDS, alpha_words, cronbach_alpha
from analysis.stats.reliability_factor import _omega as _omega
from analysis.stats.reliability_factor import _omega_many as _omega_many
from analysis.stats.reliability_factor import _omega_many_settled as _omega_many_settled
from analysis.stats.reliability_factor import _one_factor_ml_settled as _one_factor_ml_settled
from analysis.stats.reliability_factor import one_factor_ml
from analysis.stats.reliability_instruments import _instrument_groups as _instrument_groups
from analysis.stats.reliability_instruments import coefficient_words, instrument_item_total, instrument_reliability
from analysis.stats.reliability_omega import (
    BOOT_CHUNK,
    BOOT_UNSETTLED_SHARE,
    OMEGA_BOOTSTRAP,
    OMEGA_SEED,
    mcdonald_omega,
)
from analysis.stats.reliability_omega import _bootstrap_covs as _bootstrap_covs
from analysis.text import plural

__all__ = [
    "ALPHA_NOTE",
    "ALPHA_WORDS",
    "BOOT_CHUNK",
    "BOOT_UNSETTLED_SHARE",
    "OMEGA_BOOTSTRAP",
    "OMEGA_SEED",
    "agreement",
    "agreement_summary",
    "alpha_words",
    "coefficient_words",
    "cronbach_alpha",
    "icc_2_1",
    "instrument_item_total",
    "instrument_reliability",
    "item_total",
    "mcdonald_omega",
    "one_factor_ml",
    "quarter_pairs",
    "reliability_table",
]


def _groups(responses: pd.DataFrame, respondent: str | None) -> list[tuple[str, pd.Index]]:
    who = responses["respondent"].astype(str)
    if respondent is not None:
        return [(respondent, responses.index[who == respondent])]
    out = [(r, responses.index[who == r]) for r in sorted(who.unique())]
    return out + [("all", responses.index)]


def reliability_table(responses: pd.DataFrame, instrument: pd.DataFrame, respondent: str | None = None) -> pd.DataFrame:
    """Alpha with 95% CI per aspect and respondent group (patients, staff, and all when `respondent` is None).

    Items are the 0..100 item scores with reverse items turned round; returns missing any of the
    aspect's items are left out of that aspect's alpha (complete cases).
    """
    instrument = coproduction_rows(instrument)
    items = item_scores(responses, instrument)
    present = set(responses.columns)
    rows = []
    for who, idx in _groups(responses, respondent):
        for a in aspects_of(instrument):
            cols = [str(i) for i, asp in zip(instrument["item"], instrument["aspect"]) if asp == a]
            have = [c for c in cols if c in present]
            alpha, lo, hi, n = cronbach_alpha(items.loc[idx, have])
            if len(have) < 2:
                words = (
                    f"not computable: the aspect has {plural(len(have), 'item')} "
                    "in the returns (alpha needs at least 2)"
                )
            elif not np.isfinite(alpha):
                words = f"not computable: only {n} returns answer every item of the aspect (or no spread)"
            else:
                words = alpha_words(alpha)
            rows.append(
                {
                    "aspect": a,
                    "respondent": who,
                    "alpha": alpha,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_returns": n,
                    "n_items": len(have),
                    "n_items_in_instrument": len(cols),
                    "in_words": words,
                }
            )
    return pd.DataFrame(rows)


def item_total(responses: pd.DataFrame, instrument: pd.DataFrame, respondent: str | None = None) -> pd.DataFrame:
    """Corrected item-total correlation: each item against the sum of the other items of its aspect.

    Complete cases within the aspect; NaN when the aspect has fewer than 2 items in the returns.
    """
    instrument = coproduction_rows(instrument)
    items = item_scores(responses, instrument)
    rows = []
    for who, idx in _groups(responses, respondent):
        for a in aspects_of(instrument):
            cols = [str(i) for i, asp in zip(instrument["item"], instrument["aspect"]) if asp == a]
            have = [c for c in cols if c in responses.columns]
            block = items.loc[idx, have].dropna()
            for c in cols:
                r = np.nan
                if c in have and len(have) >= 2 and len(block) >= 3:
                    rest = block.drop(columns=c).sum(axis=1)
                    if block[c].std() > 0 and rest.std() > 0:
                        r = float(np.corrcoef(block[c], rest)[0, 1])
                rows.append(
                    {
                        "item": c,
                        "aspect": a,
                        "respondent": who,
                        "corrected_item_total_r": r,
                        "n_returns": len(block),
                        "in_returns": c in have,
                    }
                )
    return pd.DataFrame(rows)

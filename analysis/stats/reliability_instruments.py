"""Any instrument's reliability per subscale and respondent group: alpha, omega, item-total, and the reasons.

For each subscale `instrument_reliability` gives alpha with Feldt's interval and omega with its bootstrap
interval, on the items' own scale with reverse keys applied, complete cases only (filler items never count);
`coefficient_words` says them in words, with the true reason whenever either is absent (too few items, too few
complete returns, no spread, or a one-factor fit that did not settle). Groups are each respondent the
instrument is for, and "all" when it is for both. `instrument_item_total` gives each item's corrected
item-total correlation with the rest of its subscale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.panel.instruments import Instrument, keyed
from analysis.stats.reliability_alpha import alpha_words, cronbach_alpha
from analysis.stats.reliability_omega import OMEGA_BOOTSTRAP, mcdonald_omega
from analysis.text import fmt_number, plural


def coefficient_words(
    block: pd.DataFrame, alpha: float, omega: float, omega_low: float, n: int, missing: list[str] = ()
) -> str:
    """Alpha and omega in words, with the true reason whenever either is absent (items, returns or spread)."""
    k = block.shape[1]
    absent = f" ({', '.join(missing)} not in the returns)" if missing else ""
    empty = [str(c) for c in block.columns if block[c].isna().all()]
    complete = block.dropna()
    flat = [str(c) for c in block.columns if n >= 2 and not complete[c].std() > 0]
    if k < 2:
        return f"not computable: the subscale has {plural(k, 'item')} in the returns{absent} (alpha needs at least 2, omega 3)"
    if empty and n == 0:
        return f"not computable: nobody answered {', '.join(empty)}, so no return answers every item"
    if n < 3:
        return f"not computable: only {plural(n, 'complete return')} (alpha needs at least 3, omega 10)"
    if not np.isfinite(alpha):
        return "not computable: every complete return gives the same answers, so there is no spread to measure"
    if alpha < 0:
        words = (
            f"negative ({fmt_number(alpha, 2)}): the items pull against each other, most often an item that "
            "should be reverse-keyed and is not (check the reverse keys)"
        )
    else:
        words = alpha_words(alpha)
    if not np.isfinite(omega):
        if k < 3:
            words += "; omega needs at least 3 items"
        elif n < 10:
            words += f"; omega needs at least 10 complete returns (there are {n})"
        elif flat:
            words += f"; omega not computable: {', '.join(flat)} has the same answer on every complete return"
        else:
            words += (
                "; omega not computable: the one-factor model did not settle (the items share little in common, "
                "so there is no single thing for omega to measure)"
            )
    elif not np.isfinite(omega_low):
        words += (
            "; omega has no interval: the one-factor model did not settle on enough bootstrap resamples "
            "(the items share little in common)"
        )
    return words + absent


def _instrument_groups(returns: pd.DataFrame, inst: Instrument) -> list[tuple[str, pd.Index]]:
    r = returns[returns["respondent"].astype(str).isin(inst.respondents)]
    who = r["respondent"].astype(str)
    out = [(g, r.index[who == g]) for g in inst.respondents if (who == g).any()]
    return out + ([("all", r.index)] if len(out) > 1 else [])


def instrument_reliability(returns: pd.DataFrame, inst: Instrument, n_boot: int = OMEGA_BOOTSTRAP) -> pd.DataFrame:
    """Alpha (Feldt interval) and omega (bootstrap interval) per subscale and respondent group.

    `returns` is wide (one row per return, one column per item). Groups are each respondent the
    instrument is for, and "all" when it is for both (patients and staff answered the same items).
    """
    k = keyed(returns, inst)
    rows = []
    for who, idx in _instrument_groups(returns, inst):
        for sub in inst.subscales:
            cols = [c for c in inst.items_of(sub) if c in returns.columns]
            block = k.loc[idx, cols]
            a, alo, ahi, n = cronbach_alpha(block)
            o, olo, ohi, _ = mcdonald_omega(block, n_boot=n_boot)
            missing = [c for c in inst.items_of(sub) if c not in returns.columns]
            rows.append(
                {
                    "instrument": inst.name,
                    "subscale": sub,
                    "respondent": who,
                    "alpha": a,
                    "alpha_low": alo,
                    "alpha_high": ahi,
                    "omega": o,
                    "omega_low": olo,
                    "omega_high": ohi,
                    "n_returns": n,
                    "n_items": len(cols),
                    "in_words": coefficient_words(block, a, o, olo, n, missing),
                }
            )
    return pd.DataFrame(rows)


def instrument_item_total(returns: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Corrected item-total correlation of each scored item with the rest of its subscale, per respondent group."""
    k = keyed(returns, inst)
    rows = []
    for who, idx in _instrument_groups(returns, inst):
        for sub in inst.subscales:
            cols = [c for c in inst.items_of(sub) if c in returns.columns]
            block = k.loc[idx, cols].dropna()
            for c in cols:
                r = np.nan
                if len(cols) >= 2 and len(block) >= 3:
                    rest = block.drop(columns=c).sum(axis=1)
                    if block[c].std() > 0 and rest.std() > 0:
                        r = float(np.corrcoef(block[c], rest)[0, 1])
                rows.append(
                    {
                        "instrument": inst.name,
                        "subscale": sub,
                        "item": c,
                        "respondent": who,
                        "corrected_item_total_r": r,
                        "n_returns": len(block),
                    }
                )
    return pd.DataFrame(rows)

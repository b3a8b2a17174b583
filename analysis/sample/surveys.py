"""Survey returns for the synthetic hospital: individual returns, or ward-level scores for big runs.

A respondent's answer to an item aims at latent + respondent gap (staff) + aspect offset + a personal
offset + item noise (points, clipped to 0..100), mapped onto the 1..5 Likert scale and rounded
stochastically (floor(x + U), U uniform) so that the expected answer equals the target exactly:
rounding then adds noise but no bias, and the scored ward mean estimates the target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.reference import default_instrument
from analysis.sample.design import SURVEY_ASPECTS, Design

LIKERT_STEP = 25.0  # points per Likert step on a 1..5 scale rescaled to 0..100


def rounding_variance() -> float:
    """Mean variance (points^2) that stochastic rounding adds to one item: step^2 x E[f(1-f)] = step^2 / 6."""
    return LIKERT_STEP**2 / 6.0


def _sizes(rng: np.random.Generator, d: Design, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    n_p = rng.integers(d.patients_per_quarter[0], d.patients_per_quarter[1] + 1, shape)
    n_s = rng.integers(d.staff_per_quarter[0], d.staff_per_quarter[1] + 1, shape)
    return n_p, n_s


def survey_responses(
    rng: np.random.Generator, d: Design, latent_q: np.ndarray, ids: np.ndarray, quarter_ts: pd.DatetimeIndex
) -> pd.DataFrame:
    """One row per return, in each quarter's first month: response_id, ward_id, date, respondent, items."""
    W, nq = latent_q.shape
    n_p, n_s = _sizes(rng, d, (W, nq))
    n = (n_p + n_s).ravel()
    R = int(n.sum())
    cell = np.repeat(np.arange(W * nq), n)
    k = np.arange(R) - np.repeat(np.cumsum(n) - n, n)
    staff = k >= np.repeat(n_p.ravel(), n)
    day = rng.integers(0, 28, R)
    w, q = cell // nq, cell % nq
    target = latent_q[w, q] + d.staff_gap * staff + rng.normal(0, d.respondent_sd, R)

    inst = default_instrument()
    aspect = inst["aspect"].map({a: i for i, a in enumerate(SURVEY_ASPECTS)}).to_numpy()
    reverse = inst["reverse"].to_numpy(dtype=bool)
    # float32 keeps 1,000 wards x 10 years (~15 million answers) within a few seconds
    aim = (target[:, None] + np.asarray(d.aspect_offsets)[aspect][None, :]).astype(np.float32)
    points = rng.standard_normal((R, len(inst)), dtype=np.float32)
    points *= np.float32(d.item_sd)
    points += aim
    np.clip(points, 0.0, 100.0, out=points)
    points /= np.float32(LIKERT_STEP)
    points += rng.random(points.shape, dtype=np.float32)
    answer = np.minimum(np.floor(points), 4.0) + 1.0  # floor(1 + x/step + U), at most 5
    answer = np.where(reverse[None, :], 6.0 - answer, answer)
    answer.ravel()[_bernoulli_positions(rng, answer.size, d.item_nonresponse)] = np.nan

    order = np.lexsort((staff, day, cell))
    width = max(6, len(str(R)))
    out = pd.DataFrame(
        {
            "response_id": [f"R{i + 1:0{width}d}" for i in range(R)],
            "ward_id": ids[w[order]],
            "date": quarter_ts[q[order]] + pd.to_timedelta(day[order], unit="D"),
            "respondent": np.where(staff[order], "staff", "patient"),
        }
    )
    items = pd.DataFrame(answer[order].astype(np.float64), columns=inst["item"].tolist())
    return pd.concat([out, items], axis=1)


def _bernoulli_positions(rng: np.random.Generator, size: int, p: float) -> np.ndarray:
    """Positions 0..size-1 each chosen independently with probability p (geometric gaps: fast for big size)."""
    if p <= 0 or size == 0:
        return np.zeros(0, dtype=np.int64)
    gaps = rng.geometric(p, size=int(size * p + 10 * np.sqrt(size * p) + 20))
    pos = np.cumsum(gaps) - 1
    while pos[-1] < size:  # rarely needed: draw more gaps
        pos = np.concatenate([pos, pos[-1] + np.cumsum(rng.geometric(p, size=len(gaps)))])
    return pos[pos < size]


def survey_scores(
    rng: np.random.Generator, d: Design, latent_q: np.ndarray, ids: np.ndarray, quarter_ts: pd.DatetimeIndex
) -> pd.DataFrame:
    """Ward-quarter scores per respondent group with the returns route's means and (approximate) noise.

    Aspect score = target + aspect offset + mean personal offset (sd respondent_sd / sqrt(n))
    + item noise averaged over 4 items and n returns; clipped to 0..100.
    """
    W, nq = latent_q.shape
    n_p, n_s = _sizes(rng, d, (W, nq))
    item_var = d.item_sd**2 + rounding_variance()
    parts = []
    for respondent, n, gap in (("patient", n_p, 0.0), ("staff", n_s, d.staff_gap)):
        personal = rng.normal(0, 1, (W, nq)) * d.respondent_sd / np.sqrt(n)
        row = {"ward_id": np.repeat(ids, nq), "month": np.tile(quarter_ts.to_numpy(), W), "respondent": respondent}
        for a, off in zip(SURVEY_ASPECTS, d.aspect_offsets):
            noise = rng.normal(0, 1, (W, nq)) * np.sqrt(item_var / 4.0 / n)
            row[a] = np.round(np.clip(latent_q + gap + off + personal + noise, 0, 100), 2).ravel()
        row["n_returns"] = n.ravel()
        parts.append(pd.DataFrame(row))
    return pd.concat(parts, ignore_index=True)

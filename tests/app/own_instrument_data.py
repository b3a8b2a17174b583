"""A copy of the sample with two instruments of the hospital's own, for the Model builder's own-instrument tests:
``calm_ward`` (staff, four items answered 1 to 7, one reverse-keyed, the mean; higher is better) and
``restlessness`` (patients, two items answered 0 to 100, the mean; LOWER is better), with returns on every ward in
every month of the sample (seeded, so the same every run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.dataset import SAMPLE_DIR
from analysis.data.reference import default_instrument

CALM = "inst_calm_ward_staff_ward_climate"
RESTLESS = "inst_restlessness_patient_restlessness"
OWN_ROWS = [
    # item, instrument, subscale, respondents, reverse, scale_min, scale_max, scoring, higher_is_better
    ("cw1", "calm_ward", "ward_climate", "staff", "no", 1, 7, "mean", "yes"),
    ("cw2", "calm_ward", "ward_climate", "staff", "no", 1, 7, "mean", "yes"),
    ("cw3", "calm_ward", "ward_climate", "staff", "yes", 1, 7, "mean", "yes"),
    ("cw4", "calm_ward", "ward_climate", "staff", "no", 1, 7, "mean", "yes"),
    ("rs1", "restlessness", "restlessness", "patient", "no", 0, 100, "mean", "no"),
    ("rs2", "restlessness", "restlessness", "patient", "no", 0, 100, "mean", "no"),
]


def instrument_table() -> pd.DataFrame:
    """The default co-production rows (blank instrument) and the two own instruments' rows."""
    cop = default_instrument()[["item", "aspect", "reverse", "scale_min", "scale_max"]].assign(
        reverse=lambda d: np.where(d["reverse"], "yes", "no")
    )
    own = pd.DataFrame(
        OWN_ROWS,
        columns=[
            "item",
            "instrument",
            "subscale",
            "respondents",
            "reverse",
            "scale_min",
            "scale_max",
            "scoring",
            "higher_is_better",
        ],
    )
    return pd.concat([cop, own], ignore_index=True)


def own_returns(wards: list[str], months: list[pd.Timestamp], seed: int = 14) -> pd.DataFrame:
    """Three staff returns of calm_ward and two patient returns of restlessness per ward and month."""
    rng = np.random.default_rng(seed)
    rows, n = [], 0
    for w in wards:
        level = rng.normal(4.5, 0.6)
        for m in months:
            day = (m + pd.Timedelta(days=9)).strftime("%Y-%m-%d")
            for _ in range(3):
                n += 1
                x = np.clip(np.round(level + rng.normal(0, 1, 4)), 1, 7)
                x[2] = 8 - x[2]  # the reverse-keyed item is answered the other way round
                rows += [(f"OWN{n:06d}", w, day, "staff", "calm_ward", f"cw{k + 1}", x[k]) for k in range(4)]
            for _ in range(2):
                n += 1
                x = np.clip(np.round(rng.normal(40, 15, 2)), 0, 100)
                rows += [(f"OWN{n:06d}", w, day, "patient", "restlessness", f"rs{k + 1}", x[k]) for k in range(2)]
    return pd.DataFrame(rows, columns=["response_id", "ward_id", "date", "respondent", "instrument", "item", "answer"])


def write_sample_with_own_instruments(folder: Path) -> Path:
    """The shipped sample copied to `folder`, with an instrument table and the own instruments' returns added."""
    shutil.copytree(SAMPLE_DIR, folder)
    wm = pd.read_csv(folder / "ward_months.csv", dtype=str, keep_default_na=False)
    months = sorted(pd.to_datetime(wm["month"].unique()))
    instrument_table().to_csv(folder / "instrument.csv", index=False)
    old = pd.read_csv(folder / "survey_returns.csv", dtype=str, keep_default_na=False)
    new = own_returns(sorted(wm["ward_id"].unique()), months).astype(str)
    new["answer"] = new["answer"].str.replace(".0", "", regex=False)
    pd.concat([old, new], ignore_index=True).to_csv(folder / "survey_returns.csv", index=False)
    return folder

"""Data for reference.R: two seeded item sets (already reverse-keyed) written to data_<name>.csv.

Run from the repository root: .venv/bin/python tests/reference/instrument_reliability/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def make() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(20261204)
    out = {}
    # five items on 0..4 (an EssenCES-like subscale), unequal loadings, n = 150
    f = rng.normal(size=150)
    load = np.array([0.9, 0.8, 0.7, 0.6, 0.4])
    x = 2 + f[:, None] * load + rng.normal(scale=0.8, size=(150, 5))
    out["safety"] = pd.DataFrame(np.clip(np.round(x), 0, 4).astype(int), columns=[f"es{k}" for k in range(1, 6)])
    # seven items on 1..5 (the staff boundaries survey), n = 80
    f = rng.normal(size=80)
    load = np.array([0.8, 0.7, 0.7, 0.6, 0.5, 0.5, 0.3])
    x = 3 + f[:, None] * load + rng.normal(scale=0.7, size=(80, 7))
    out["boundaries"] = pd.DataFrame(np.clip(np.round(x), 1, 5).astype(int), columns=[f"sb{k}" for k in range(1, 8)])
    return out


if __name__ == "__main__":
    for name, df in make().items():
        df.to_csv(HERE / f"data_{name}.csv", index=False)

"""Write the fixed data for the R reference of analysis/wards/change.py (run once; the CSV is committed).

Four wards x 24 months: assaults on staff with occupied bed days (one ward over-dispersed, one with
few assaults, one under-dispersed, one ordinary) and a patient survey score on some months.
Run from the repository root: .venv/bin/python tests/reference/ward_change/make_data.py
"""
from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261124)
months = pd.date_range("2024-01-01", periods=24, freq="MS")
rows = []
for ward, (rate, ratio, size) in {"W01": (6.0, 0.7, 2.0), "W02": (1.0, 1.3, None), "W03": (4.0, 1.0, "flat"),
                                  "W04": (3.0, 0.9, None)}.items():
    for i, m in enumerate(months):
        bed_days = float(rng.integers(300, 420))
        mu = rate * bed_days / 1000 * (ratio if i >= 12 else 1.0)
        if size == "flat":
            y = int(round(mu))  # steadier than Poisson: dispersion below 1
        elif size is None:
            y = int(rng.poisson(mu))
        else:
            y = int(rng.negative_binomial(size, size / (size + mu)))
        score = round(float(rng.normal(50 + (4 if i >= 12 else 0), 6)), 1) if i % 3 == 0 else None
        rows.append({"ward_id": ward, "month": m.strftime("%Y-%m-%d"), "later": int(i >= 12),
                     "assaults_on_staff": y, "occupied_bed_days": bed_days, "score": score})
pd.DataFrame(rows).to_csv(Path(__file__).parent / "data.csv", index=False)
print(len(rows), "rows written")

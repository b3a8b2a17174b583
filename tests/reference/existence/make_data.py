"""Write the fixed data set for the R reference of the Q1 group comparison (run once; the CSV is committed).

Patient-rated co-production on survey months for 11 wards in three services (4, 4 and 3 wards), with
a ward random intercept and an unequal number of surveys per ward, as a hospital's returns are.
Run from the repository root: .venv/bin/python tests/reference/existence/make_data.py
"""
from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261124)
services = {"admission": (4, 48.0), "rehabilitation": (4, 58.0), "treatment": (3, 52.0)}
rows, k = [], 0
for service, (n_wards, mean) in services.items():
    for _ in range(n_wards):
        level = mean + rng.normal(0, 5)
        for s in range(int(rng.integers(5, 13))):
            rows.append({"ward_id": f"W{k:02d}", "service": service, "survey": s + 1,
                         "score": round(float(np.clip(level + rng.normal(0, 7), 0, 100)), 2)})
        k += 1
pd.DataFrame(rows).to_csv(Path(__file__).parent / "data.csv", index=False)
print(len(rows), "rows written")

"""Write the fixed data for the R reference of analysis/spc/funnel.py (run once; the CSV is committed).

Three sets of wards (`set`): "hand", the four wards worked by hand in tests/spc/test_funnel.py whose
z-scores give phi below 1; "spread", the same bed days with counts far apart (phi above 1); "seeded", 15 wards
with gamma-Poisson counts (true rates differing between wards, so over-dispersed) and one ward with no assaults.
Run from the repository root: .venv/bin/python tests/reference/funnel/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rows = []
for name, counts in (("hand", [10, 20, 30, 60]), ("spread", [5, 20, 45, 50])):
    for i, (o, t) in enumerate(zip(counts, [2000, 4000, 4000, 10000])):
        rows.append({"set": name, "ward_id": f"W{i + 1:02d}", "count": o, "occupied_bed_days": float(t)})
rng = np.random.default_rng(20261204)
for i in range(15):
    bed_days = float(rng.integers(800, 12000))
    true_rate = rng.gamma(shape=4.0, scale=1.0)  # per 1,000 bed days, mean 4, wards differ
    count = 0 if i == 14 else int(rng.poisson(true_rate * bed_days / 1000))
    rows.append({"set": "seeded", "ward_id": f"S{i + 1:02d}", "count": count, "occupied_bed_days": bed_days})
pd.DataFrame(rows).to_csv(Path(__file__).parent / "data.csv", index=False)
print(len(rows), "rows written")

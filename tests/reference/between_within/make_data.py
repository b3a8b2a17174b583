"""Write the fixed data for the R reference of the between-within degrees of freedom
(`analysis.stats.counts.fit.between_within_df`; run once, the CSV is committed).

Ten wards x 12 months: a co-production score that changes within each ward (its ward mean is a ward-level term),
a service (three, ward-level) and a security level (two, ward-level), and an outcome.
Run from the repository root: .venv/bin/python tests/reference/between_within/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261204)
services = ["admission", "treatment", "rehabilitation"]
rows = []
for w in range(10):
    level = rng.normal(50, 8)
    service, security = services[w % 3], ("medium" if w < 5 else "high")
    u = rng.normal(0, 2)
    for m in range(12):
        score = round(float(level + rng.normal(0, 6)), 2)
        rows.append(
            {
                "ward_id": f"W{w + 1:02d}",
                "month": m + 1,
                "service": service,
                "security_level": security,
                "score": score,
                "outcome": round(float(10 + 0.1 * score + u + rng.normal(0, 1)), 3),
            }
        )
d = pd.DataFrame(rows)
d["score_ward_mean"] = d.groupby("ward_id")["score"].transform("mean")
d["score_within"] = d["score"] - d["score_ward_mean"]
d.to_csv(Path(__file__).parent / "data.csv", index=False)
print(len(d), "rows written")

"""Write the fixed data set for the Q1 group comparison's F test and adjusted gap (run once; the CSV is committed).

16 wards in five services (two to five wards each), 6 to 16 quarterly surveys per ward (unequal, so
the Satterthwaite degrees of freedom are not simply wards minus services), ward SD 10, survey SD 8.5;
`score_flat` has the wards' means equal within each service (a ward variance of 0).
Run: .venv/bin/python tests/reference/existence_ftest/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20250116)
services = ["admission", "treatment", "rehabilitation", "intellectual disability", "women's service", "treatment"]
truth = {"admission": 48, "treatment": 52, "rehabilitation": 58, "intellectual disability": 50, "women's service": 55}
rows = []
for w in range(16):
    service = (services * 3)[w]
    level = truth[service] + rng.normal(0, 10)
    n = int(rng.integers(6, 17))
    for m in pd.date_range("2022-04-01", periods=n, freq="3MS"):
        rows.append(
            {
                "ward_id": f"W{w:02d}",
                "service": service,
                "month": m.strftime("%Y-%m-%d"),
                "score": round(level + rng.normal(0, 8.5), 3),
            }
        )
df = pd.DataFrame(rows)
# A second outcome whose wards' means are equal within each service: the REML ward variance is 0 (the
# boundary), where lmerTest still gives Satterthwaite degrees of freedom.
ward_mean = df.groupby("ward_id")["score"].transform("mean")
df["score_flat"] = (df["score"] - ward_mean + df["service"].map(truth)).round(3)
df.to_csv(Path(__file__).with_name("data.csv"), index=False)
print(df.groupby("service")["ward_id"].nunique().to_dict(), len(df))

"""Write the fixed data set for the CR2 reference test (run once; the CSV is committed).

8 wards with unequal numbers of months (18 to 30), negative binomial counts with ward random effects,
a log(occupied bed days) offset, a ward-level security level and a monthly staffing figure: few and
unequal clusters, where CR2's bias reduction and Satterthwaite degrees of freedom matter.
Run: .venv/bin/python tests/reference/counts_cr2/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20250115)
n_wards = 8
levels = ["high", "medium", "low"]
rows = []
for w in range(n_wards):
    n_months = int(rng.integers(18, 31))
    first = pd.Timestamp(2022, 4, 1) + pd.DateOffset(months=int(rng.integers(0, 8)))
    beds = rng.integers(10, 17)
    ward_effect = rng.normal(0, 0.4)
    ward_mean = rng.normal(50, 10)
    security = levels[w % 3]
    dev = 0.0
    staffing_base = rng.normal(8, 1)
    for m in range(n_months):
        dev = 0.6 * dev + rng.normal(0, 6)
        score = float(np.clip(ward_mean + dev, 0, 100))
        obd = float(rng.integers(int(beds * 26), int(beds * 31) + 1))
        staffing = staffing_base + rng.normal(0, 0.5)
        log_rate = (
            np.log(7 / 1000)
            + ward_effect
            + np.log(0.85) * (score - ward_mean) / 10
            + np.log(0.95) * (ward_mean - 50) / 10
            - 0.05 * (staffing - 8)
        )
        y = rng.poisson(rng.gamma(1 / 0.3, 0.3 * obd * np.exp(log_rate)))
        rows.append(
            {
                "ward_id": f"W{w + 1:02d}",
                "month": first + pd.DateOffset(months=m),
                "occupied_bed_days": obd,
                "assaults_on_staff": int(y),
                "coproduction_patient_overall": round(score, 2),
                "staff_hours_per_patient_day": round(staffing, 3),
                "security_level": security,
            }
        )
df = pd.DataFrame(rows)
df["month"] = df["month"].dt.strftime("%Y-%m-%d")
df.to_csv(Path(__file__).with_name("data.csv"), index=False)
print(df.groupby("ward_id").size().to_dict(), "zeros:", round((df["assaults_on_staff"] == 0).mean(), 3))

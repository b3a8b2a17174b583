"""Write the fixed data set for the R reference test (run once; the CSV is committed).

12 wards x 36 months; negative binomial counts with ward random effects and a
log(occupied bed days) offset. Run: .venv/bin/python tests/reference/counts/make_data.py
"""
from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240611)
n_wards, n_months = 12, 36
rows = []
for w in range(n_wards):
    beds = rng.integers(10, 17)
    ward_effect = rng.normal(0, 0.4)
    ward_mean = rng.normal(50, 10)
    dev = 0.0
    staffing_base = rng.normal(8, 1)
    for m in range(n_months):
        dev = 0.6 * dev + rng.normal(0, 6)
        score = float(np.clip(ward_mean + dev, 0, 100))
        obd = float(rng.integers(int(beds * 26), int(beds * 31) + 1))
        staffing = staffing_base + rng.normal(0, 0.5)
        log_rate = (
            np.log(6 / 1000) + ward_effect
            + np.log(0.85) * (score - ward_mean) / 10 + np.log(0.95) * (ward_mean - 50) / 10
            - 0.05 * (staffing - 8)
        )
        mu = obd * np.exp(log_rate)
        alpha = 0.3
        y = rng.poisson(rng.gamma(1 / alpha, alpha * mu))
        rows.append(
            {
                "ward_id": f"W{w + 1:02d}",
                "month": pd.Timestamp(2022, 4, 1) + pd.DateOffset(months=m),
                "occupied_bed_days": obd,
                "assaults_on_staff": int(y),
                "coproduction_patient_overall": round(score, 2),
                "staff_hours_per_patient_day": round(staffing, 3),
            }
        )
df = pd.DataFrame(rows)
df["month"] = df["month"].dt.strftime("%Y-%m-%d")
df.to_csv(Path(__file__).with_name("data.csv"), index=False)
print(df.describe())
print("zeros:", (df["assaults_on_staff"] == 0).mean())

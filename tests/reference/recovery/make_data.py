"""Write the fixed data set for the R reference test (run once; the CSV is committed).

10 wards x 30 months: patient-rated co-production, QPR-15 ward means with a ward random intercept
(some months missing), patients behind each mean, staffing, assaults on staff with a
log(occupied bed days) offset, and staggered talking-group starts (two wards never start).
Run from the repository root: .venv/bin/python tests/reference/recovery/make_data.py
"""
from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240917)
n_wards, n_months = 10, 30
months = pd.date_range("2022-04-01", periods=n_months, freq="MS")
starts = [6, 9, 12, 14, 17, 20, 22, 25, None, None]
rows = []
for w in range(n_wards):
    ward_mean = rng.normal(55, 9)
    ward_effect = rng.normal(0, 2.5)
    log_ward = rng.normal(0, 0.3)
    beds = int(rng.integers(10, 17))
    staffing = rng.normal(8, 0.8)
    dev = 0.0
    for m in range(n_months):
        dev = 0.5 * dev + rng.normal(0, 6)
        x = float(np.clip(ward_mean + dev, 0, 100))
        post = starts[w] is not None and m >= starts[w]
        n_pat = int(rng.integers(3, beds + 1))
        s_h = staffing + rng.normal(0, 0.4)
        qpr = 32 + 0.9 * (x - ward_mean) / 10 + 0.5 * (ward_mean - 55) / 10 + ward_effect + 0.6 * (s_h - 8) \
            + rng.normal(0, 4 / np.sqrt(n_pat) + 1.0)
        obd = float(rng.integers(beds * 26, beds * 31 + 1))
        rate = np.exp(np.log(5 / 1000) + log_ward - 0.01 * m + np.log(0.8) * post)
        rows.append({
            "ward_id": f"W{w + 1:02d}", "month": months[m].strftime("%Y-%m-%d"), "month_index": m,
            "coproduction_patient_overall": round(x, 4),
            "recovery_qpr_15": round(float(qpr), 4) if rng.random() > 0.08 else None,
            "recovery_qpr_15_n_patients": n_pat, "staff_hours_per_patient_day": round(float(s_h), 4),
            "occupied_bed_days": obd, "assaults_on_staff": int(rng.poisson(obd * rate)),
            "talking_groups_start": months[starts[w]].strftime("%Y-%m-%d") if starts[w] is not None else "",
        })
out = Path(__file__).with_name("data.csv")
pd.DataFrame(rows).to_csv(out, index=False)
print("written", out)

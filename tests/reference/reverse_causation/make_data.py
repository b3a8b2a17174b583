"""Write the fixed data set for the "which comes first?" reference test (run once; the CSV is committed).

A KNOWN direction is built in: assaults on staff in a month fall with the ward's co-production score the month
before (rate ratio 0.80 per 10 points within ward, negative binomial counts, alpha 0.25), while the score never
responds to assaults (the reverse effect is zero). Surveys are quarterly: the score changes only in survey
months (months_carried 0) and is carried forward for two months, as the panel does, and each ward's score
drifts from quarter to quarter (AR(1), 0.6), the autoregressive path the reverse model must allow for.
`simulate` is also used by tests/questions/assaults/test_direction.py for the recovery and size checks.
Run: .venv/bin/python tests/reference/reverse_causation/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

TRUE_RATE_RATIO = 0.80  # per 10 points of co-production the month before, within ward
TRUE_REVERSE = 0.0  # points of co-production per 1 more assault per 1,000 occupied bed days the month before


def simulate(
    rng: np.random.Generator,
    n_wards: int = 10,
    n_months: int = 36,
    rate_ratio: float = TRUE_RATE_RATIO,
    reverse: float = TRUE_REVERSE,
) -> pd.DataFrame:
    """One simulated hospital: ward_id, month, occupied_bed_days, assaults_on_staff,
    coproduction_patient_overall, coproduction_patient_months_carried. `reverse` points of co-production per
    1 more assault per 1,000 bed days in the month before a survey (0: co-production never responds)."""
    rows = []
    months = pd.date_range("2022-04-01", periods=n_months, freq="MS")
    for w in range(n_wards):
        beds = int(rng.integers(10, 19))
        ward_effect = rng.normal(0, 0.4)
        ward_mean = rng.normal(50, 10)
        dev, rate_before = 0.0, None
        score = ward_mean
        for m in range(n_months):
            if m % 3 == 0:  # a survey month: a new score
                dev = 0.6 * dev + rng.normal(0, 7)
                if rate_before is not None:
                    dev += reverse * (rate_before - 9.0)
                score = float(np.clip(ward_mean + dev, 0, 100))
            # assaults this month depend on the score the month before (the score carried into last month)
            before = rows[-1]["coproduction_patient_overall"] if m else score
            obd = float(rng.integers(beds * 26, beds * 31 + 1))
            log_rate = np.log(9 / 1000) + ward_effect + np.log(rate_ratio) * (before - ward_mean) / 10
            y = int(rng.poisson(rng.gamma(1 / 0.25, 0.25 * obd * np.exp(log_rate))))
            rows.append(
                {
                    "ward_id": f"W{w + 1:02d}",
                    "month": months[m],
                    "occupied_bed_days": obd,
                    "assaults_on_staff": y,
                    "coproduction_patient_overall": round(score, 2),
                    "coproduction_patient_months_carried": m % 3,
                }
            )
            rate_before = 1000 * y / obd
    return pd.DataFrame(rows)


if __name__ == "__main__":
    df = simulate(np.random.default_rng(20261204))
    df["month"] = df["month"].dt.strftime("%Y-%m-%d")
    df.to_csv(Path(__file__).with_name("data.csv"), index=False)
    print(len(df), "rows; zeros:", round((df["assaults_on_staff"] == 0).mean(), 3))

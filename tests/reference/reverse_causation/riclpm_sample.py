"""Write the shipped sample's last five quarters, one row per ward, for riclpm_sample.R (run once; committed).

Why no random-intercept cross-lagged panel model (RI-CLPM) in the app: riclpm_sample.R fits the smallest
useful one (five waves) with lavaan on the sample's 12 wards, and lavaan cannot estimate it (riclpm_sample.txt).
Run: PYTHONPATH=. .venv/bin/python tests/reference/reverse_causation/riclpm_sample.py
"""

from pathlib import Path

import pandas as pd

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel

p = build_panel(load_sample().tables)
q = (
    p.assign(q=p["month"].dt.to_period("Q").astype(str))
    .groupby(["ward_id", "q"])
    .agg(x=("coproduction_patient_overall", "mean"), y=("assaults_on_staff", "sum"), e=("occupied_bed_days", "sum"))
    .reset_index()
)
q["y"] = 1000 * q["y"] / q["e"]  # assaults per 1,000 occupied bed days in the quarter
wide = q.pivot(index="ward_id", columns="q", values=["x", "y"])
last = sorted(q["q"].unique())[-5:]
out = pd.DataFrame({f"{v}{i + 1}": wide[(v, w)] for v in "xy" for i, w in enumerate(last)})
out.round(6).to_csv(Path(__file__).with_name("riclpm_sample.csv"), index=False)

"""Write the FIXED completed data sets for the Rubin's rules reference test (run once; the CSV is committed).

Multiple imputation draws at random, so R's mice cannot be matched draw for draw. What can be matched exactly is
the pooling: five completed copies of one small simulated hospital (8 wards over 24 months, a quarter of the
co-production scores missing, more often in months with more assaults), completed by
analysis.stats.imputation.impute_scores and written out here, are fitted in R and pooled by mice::pool
(reference.R); tests/stats/test_imputation.py fits and pools the same copies in Python.
Run: .venv/bin/python tests/reference/mice_pooling/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.stats.counts import simulate_panel
from analysis.stats.imputation import impute_scores

SCORE = "coproduction_patient_overall"

rng = np.random.default_rng(20261215)
panel = simulate_panel(8, 24, rate_ratio_per_10=0.8, alpha_dispersion=0.0, rng=rng)
rate = 1000 * panel["assaults_on_staff"] / panel["occupied_bed_days"]
p_missing = 1 / (1 + np.exp(-(-1.2 + 0.15 * (rate - 8))))
panel.loc[rng.uniform(size=len(panel)) < p_missing, SCORE] = np.nan
completed = impute_scores(panel, SCORE, "assaults_on_staff", m=5, seed=7)
out = pd.concat([c.assign(imputation=i + 1) for i, c in enumerate(completed)], ignore_index=True)
out["month"] = out["month"].dt.strftime("%Y-%m-%d")
out[SCORE] = out[SCORE].round(6)
out.to_csv(Path(__file__).with_name("completed.csv"), index=False)
print(len(panel), "rows;", int(panel[SCORE].isna().sum()), "scores imputed in each of 5 copies")

"""Write the fixed data set for "which comes first?" at more wards (run once; the CSV is committed).

45 wards from tests/reference/reverse_causation/make_data.py's `simulate` (co-production first, no reverse
effect), each ward starting 0 to 9 months late so the wards have different numbers of months. From 30 wards
the count direction uses CR1 errors with t(G-1) (the ward fixed effects absorbed: analysis/stats/counts/absorbed.py)
and the linear direction keeps CR2 with Satterthwaite degrees of freedom; reference.R gives R's figures for both,
and for CR2 on the count direction too. Used by tests/stats/test_counts_absorbed.py.
Run: .venv/bin/python tests/reference/reverse_causation_wards/make_data.py
"""

import importlib.util
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location(
    "reverse_causation_data", HERE.parent / "reverse_causation" / "make_data.py"
)
_base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_base)

if __name__ == "__main__":
    rng = np.random.default_rng(20261205)
    df = _base.simulate(rng, n_wards=45, n_months=27)
    late = dict(zip(sorted(df["ward_id"].unique()), rng.integers(0, 10, size=45)))
    first = df.groupby("ward_id")["month"].transform("min")
    months_in = (df["month"].dt.year - first.dt.year) * 12 + (df["month"].dt.month - first.dt.month)
    df = df[months_in >= df["ward_id"].map(late)].reset_index(drop=True)
    df["month"] = df["month"].dt.strftime("%Y-%m-%d")
    df.to_csv(HERE / "data.csv", index=False)
    print(len(df), "rows,", df["ward_id"].nunique(), "wards; zeros:", round((df["assaults_on_staff"] == 0).mean(), 3))

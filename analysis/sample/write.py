"""Writing the synthetic hospital to disk: one CSV per table, truth.json and README.md, byte-stable."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from analysis.data.contract import TABLES

# Decimals written for number columns (everything is rounded to these when generated).
DECIMALS = {
    "occupied_bed_days": 0,
    "staff_hours_per_patient_day": 2,
    "bank_agency_pct": 1,
    "mean_score": 2,
    "target": 1,
    "answer": 0,  # survey_returns: whole answers
}
_ORDER = (
    "wards",
    "ward_months",
    "coproduction_responses",
    "coproduction_scores",
    "recovery",
    "events",
    "targets",
    "talking_group_sessions",
    "survey_returns",
)


def _cells(name: str, df: pd.DataFrame) -> list[list[str]]:
    kinds = {f.name: f.kind for f in TABLES[name].fields}
    cols = []
    for c in df.columns:
        s, kind = df[c], kinds.get(c, "number")
        if kind == "month":
            v = s.dt.strftime("%Y-%m")
        elif kind == "date":
            v = s.dt.strftime("%Y-%m-%d")
        elif kind == "count":
            v = s.astype("Float64").map(lambda x: "" if pd.isna(x) else str(int(x)), na_action=None)
        elif kind in ("number",):
            n = DECIMALS.get(c, 0 if c not in kinds else 2)  # item columns (not in the contract) are whole
            v = s.map(lambda x, n=n: "" if pd.isna(x) else f"{x:.{n}f}")
        else:
            v = s.astype(object).map(lambda x: "" if pd.isna(x) else str(x))
        cols.append(v.astype(object).where(v.notna(), "").tolist())
    return [list(r) for r in zip(*cols)]


# Columns only raw restrictive-intervention episodes give: the sample's ward_months.csv leaves them out (blank);
# its raw files (data/sample/raw/) carry them.
RAW_ONLY = (
    "prone_restraints",
    "mechanical_restraints",
    "rapid_tranquillisation",
    "seclusion_hours",
    "segregation_hours",
)


def table_csv(name: str, df: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV with LF line endings and fixed number formatting."""
    df = df.drop(columns=[c for c in RAW_ONLY if c in df and df[c].isna().all()])
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    w.writerows(_cells(name, df))
    return buf.getvalue().encode("utf-8")


def truth_json(truth: dict) -> bytes:
    return (json.dumps(truth, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_hospital(h, out: Path, raw: bool = True) -> list[Path]:
    """Write every table, truth.json and README.md (and, with `raw`, the raw files in raw/); return the paths."""
    from analysis.sample.readme import readme

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in _ORDER:
        if name in h.tables:
            p = out / f"{name}.csv"
            p.write_bytes(table_csv(name, h.tables[name]))
            written.append(p)
    for fname, data in (("truth.json", truth_json(h.truth)), ("README.md", readme(h).encode("utf-8"))):
        p = out / fname
        p.write_bytes(data)
        written.append(p)
    if raw:  # a national benchmark's folder has no use for millions of raw incident rows
        from analysis.sample.listings import RAW_DIR, write_raw  # the raw files a hospital holds (issue 12)

        written += write_raw(h.tables, h.truth["seed"], out / RAW_DIR)
    return written

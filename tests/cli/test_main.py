"""The command line (`python -m analysis ...`): every figure the app shows can be reproduced from a script."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import use_navigation

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
PYTHON = ROOT / ".venv" / "bin" / "python"
PY = str(PYTHON if PYTHON.exists() else sys.executable)


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "analysis", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


# --- a spec saved from the Model builder page gives the same numbers on the command line ---------------


@pytest.fixture
def page_env(monkeypatch, real_sample):
    """The app on the real synthetic hospital (data/sample) with an empty throw-away store."""
    use_navigation(monkeypatch)


def _page_estimates(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if {"term", "estimate", "p_value"} <= set(d.value.columns))


@pytest.mark.usefixtures("page_env")
def test_spec_saved_from_the_page_reproduces_its_numbers(tmp_path):
    from tests.app.helpers import start

    at = start(page="model_builder")
    at.multiselect(key="f_wards").set_value(["W01", "W02", "W03", "W04", "W05", "W06", "W07", "W08"])
    at.number_input(key="mb_lag").set_value(1)
    at.selectbox(key="mb_family").set_value("poisson")
    at.multiselect(key="mb_adjust_q2").set_value(["season"])
    at.run()
    assert not at.exception
    shown = _page_estimates(at)
    spec_text = next(c.value for c in at.code if c.language == "json")
    spec = json.loads(spec_text)
    assert spec["lag"] == 1 and spec["family"] == "poisson" and spec["adjust"] == ["season"]
    assert len(spec["filters"]["wards"]) == 8
    command = next(c.value for c in at.code if c.language == "bash")
    assert command == "python -m analysis fit --spec model_spec.json"

    (tmp_path / "model_spec.json").write_text(spec_text)
    out = tmp_path / "results.json"
    run = cli("fit", "--spec", tmp_path / "model_spec.json", "--out", out)
    assert run.returncode == 0, run.stderr
    (result,) = json.loads(out.read_text())["results"]
    got = pd.DataFrame(result["estimates"])
    assert list(got["term"]) == list(shown["term"])
    for col in ("estimate", "std_error", "ci_low", "ci_high", "p_value", "rate_ratio"):
        np.testing.assert_allclose(got[col].to_numpy(float), shown[col].to_numpy(float), rtol=0, atol=1e-9)
    assert result["n_wards"] == 8
    assert result["sentence"].split(" (")[0] in "\n".join(str(m.value) for m in at.markdown)


# --- the other commands ------------------------------------------------------------------------------


def test_validate_exit_codes(tmp_path):
    ok = cli("validate", SAMPLE)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1])["ok"] is True
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in SAMPLE.glob("*.csv"):
        (broken / f.name).write_bytes(f.read_bytes())
    wm = pd.read_csv(broken / "ward_months.csv", dtype=str)
    wm.loc[0, "occupied_bed_days"] = "lots"
    wm.loc[1, "month"] = "2021-13"
    wm.to_csv(broken / "ward_months.csv", index=False)
    bad = cli("validate", broken)
    assert bad.returncode == 1
    report = json.loads(bad.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and report["errors"] >= 2


def test_panel_out_writes_the_documented_columns(tmp_path):
    out = tmp_path / "panel.csv"
    run = cli("panel", "--out", out, "--carry-forward", "2", "--internal-unprotected")
    assert run.returncode == 0, run.stderr
    from analysis.disclosure.safe_tables import read_csv_bytes

    panel, stamp = read_csv_bytes(out.read_bytes())
    assert "UNPROTECTED" in stamp["Protection"]
    documented = [
        "ward_id",
        "ward_name",
        "service",
        "security_level",
        "beds",
        "month",
        "month_index",
        "calendar_month",
        "financial_year",
        "occupied_bed_days",
        "assaults_on_staff",
        "assaults_on_staff_rate_per_1000_obd",
        "talking_groups_active",
        "months_since_talking_groups",
        "coproduction_patient_overall",
        "coproduction_staff_reduced_social_distance",
        "coproduction_overall",
        "coproduction_patient_months_carried",
        "coproduction_staff_n_returns",
        "recovery_qpr_15",
        "recovery_qpr_15_n_patients",
        "recovery_honos_secure",
    ]
    missing = [c for c in documented if c not in panel.columns]
    assert not missing
    wm = pd.read_csv(SAMPLE / "ward_months.csv")
    assert len(panel) == len(wm) and panel["ward_id"].nunique() == wm["ward_id"].nunique()
    assert panel["month"].str.fullmatch(r"\d{4}-\d{2}-01").all()
    assert panel["coproduction_patient_months_carried"].max() == 2  # the carry-forward option reached the panel
    rate = 1000 * panel["assaults_on_staff"] / panel["occupied_bed_days"]
    np.testing.assert_allclose(panel["assaults_on_staff_rate_per_1000_obd"], rate, rtol=1e-9)


def test_sample_out_is_byte_identical_to_the_shipped_sample(tmp_path):
    out = tmp_path / "sample"
    run = cli("sample", "--out", out)
    assert run.returncode == 0, run.stderr
    shipped = sorted(p.name for p in SAMPLE.iterdir() if p.is_file())
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == shipped
    match, mismatch, errors = filecmp.cmpfiles(SAMPLE, out, shipped, shallow=False)
    assert not mismatch and not errors and len(match) == len(shipped)
    raw = sorted(p.name for p in (SAMPLE / "raw").iterdir())  # the raw files a hospital holds (issue 12)
    match, mismatch, errors = filecmp.cmpfiles(SAMPLE / "raw", out / "raw", raw, shallow=False)
    assert not mismatch and not errors and len(match) == len(raw) == 4


@pytest.mark.parametrize(
    "content, words",
    [
        ('{"family": "gamma"}', "family must be one of auto, poisson, negbin"),
        ('{"lag": 40}', "lag must be a whole number of months from 0 to 12"),
        ('{"question": "q2", "outcome": "deaths"}', "outcome for question 2 must be an incident count"),
        ('{"filters": {"start": "last April"}}', "filters.start must be a month written YYYY-MM"),
        ('{"lag": 1,', "not valid JSON"),
    ],
)
def test_bad_spec_gives_a_clear_message_and_exit_2(tmp_path, content, words):
    spec = tmp_path / "spec.json"
    spec.write_text(content)
    run = cli("fit", "--spec", spec)
    assert run.returncode == 2
    assert words in run.stderr and "Model spec problem" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_missing_spec_file_exit_2(tmp_path):
    run = cli("fit", "--spec", tmp_path / "nope.json")
    assert run.returncode == 2 and "cannot read" in run.stderr and "Traceback" not in run.stderr


def test_a_store_that_cannot_be_used_gives_its_message_not_a_traceback(tmp_path):
    """A store whose keys are active twice (left by imports before the store locked them) says what to do."""
    import sqlalchemy as sa

    from analysis.data.contract import TABLES
    from analysis.data.dataset import load_sample
    from analysis.store.database import Store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    tables = {k: v for k, v in load_sample().tables.items() if k in ("wards", "ward_months")}
    store = Store(url)
    store.import_tables(tables, "a.xlsx", "h1")
    store.import_tables(tables, "a.xlsx", "h1")
    with store._write() as conn:  # as two unlocked imports left it: both imports' rows active
        for name in TABLES:
            conn.execute(sa.text(f"DROP INDEX IF EXISTS ux_{name}_active"))
            conn.execute(sa.update(store._t[name]).values(superseded_by=None))
    store.close()
    run = cli("panel", "--store", url, "--internal-unprotected", "--out", tmp_path / "p.csv")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "roll back imports 1, 2" in run.stderr

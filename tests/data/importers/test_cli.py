"""`python -m analysis import-listing`: the same numbers from a script, to files or into the store."""

from __future__ import annotations

import pandas as pd

from analysis.cli.main import main
from analysis.data.dataset import SAMPLE_DIR
from analysis.sample.listings import CENSUS_FILE, EPISODES_FILE, LISTING_FILE, PROFILE_FILE, RAW_DIR
from analysis.store.database import Store

RAW = SAMPLE_DIR / RAW_DIR


def args(*more: str) -> list[str]:
    return [
        "import-listing",
        "--listing",
        str(RAW / LISTING_FILE),
        "--profile",
        str(RAW / PROFILE_FILE),
        "--census",
        str(RAW / CENSUS_FILE),
        *more,
    ]


def test_out_writes_ward_months_and_a_reconciliation_that_adds_up(tmp_path, capsys):
    assert main(args("--episodes", str(RAW / EPISODES_FILE), "--out", str(tmp_path))) == 0
    wm = pd.read_csv(tmp_path / "ward_months.csv", dtype={"ward_id": str})
    shipped = pd.read_csv(SAMPLE_DIR / "ward_months.csv", dtype={"ward_id": str})
    cols = ["ward_id", "month", "occupied_bed_days", "assaults_on_staff", "self_harm", "restraints", "seclusions"]
    pd.testing.assert_frame_equal(wm[cols], shipped[cols], check_dtype=False)
    rec = pd.read_csv(tmp_path / "reconciliation.csv").fillna({"reason": ""})
    listing = rec[rec["file"] == "incident listing"].set_index("line")["rows"]
    assert listing["Rows read"] == listing["Rows counted"] + listing.drop(["Rows read", "Rows counted"]).sum()
    excluded = pd.read_csv(tmp_path / "excluded_rows.csv")
    assert len(excluded) == listing.drop(["Rows read", "Rows counted"]).sum()
    assert "Description" not in excluded.columns
    assert "rows read" in capsys.readouterr().err


def test_store_imports_and_keeps_stored_columns(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    from analysis.data.dataset import load_sample

    sample = load_sample().tables
    Store(url).import_tables({"wards": sample["wards"], "ward_months": sample["ward_months"]}, "sample", "h")
    assert main(args("--store", url)) == 0
    assert "as import 2 into the store" in capsys.readouterr().out
    stored = Store(url).load()["ward_months"]
    merged = stored.merge(sample["ward_months"], on=["ward_id", "month"], suffixes=("", "_sample"))
    for c in ["assaults_on_staff", "staff_hours_per_patient_day", "talking_groups_held", "occupied_bed_days"]:
        assert (merged[c] == merged[f"{c}_sample"]).all(), c


def test_a_refused_file_exits_1_with_the_reason(tmp_path, capsys):
    bad = tmp_path / "listing.csv"
    bad.write_text("Ref,NHS number,Incident date\n1,943 476 5919,01/04/2024\n")
    assert (
        main(
            [
                "import-listing",
                "--listing",
                str(bad),
                "--profile",
                "datix",
                "--census",
                str(RAW / CENSUS_FILE),
                "--out",
                str(tmp_path),
            ]
        )
        == 1
    )
    assert "looks like a patient identifier" in capsys.readouterr().err


def test_store_keeps_the_incident_dates_and_the_profile_used(tmp_path):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    from analysis.data.dataset import load_sample

    Store(url).import_tables({"wards": load_sample().tables["wards"]}, "wards", "h")
    assert main(args("--store", url)) == 0
    store = Store(url)
    dates = store.load()["incident_dates"]
    shipped = pd.read_csv(SAMPLE_DIR / "ward_months.csv")
    for measure in ("assaults_on_staff", "assaults_on_patients", "self_harm"):
        assert dates.loc[dates["measure"] == measure, "incidents"].sum() == shipped[measure].sum()
    used = store.import_profiles()
    assert len(used) == 1

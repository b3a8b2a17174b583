"""Nothing from a free-text column reaches an output, the reconciliation, the store, the log or the terminal: a
phrase planted in the sample listing's descriptions is searched for everywhere after an import."""

from __future__ import annotations

import logging
import sqlite3

import pandas as pd

from analysis.cli.main import main
from analysis.data.dataset import SAMPLE_DIR
from analysis.data.importers import import_listing, load_profile
from analysis.sample.listings import CENSUS_FILE, EPISODES_FILE, LISTING_FILE, PLANTED_PHRASE, PROFILE_FILE, RAW_DIR
from analysis.store.database import Store

RAW = SAMPLE_DIR / RAW_DIR
ARGS = [
    "import-listing",
    "--listing",
    str(RAW / LISTING_FILE),
    "--profile",
    str(RAW / PROFILE_FILE),
    "--census",
    str(RAW / CENSUS_FILE),
    "--episodes",
    str(RAW / EPISODES_FILE),
    "--wards",
    str(SAMPLE_DIR / "wards.csv"),
]


def test_the_planted_phrase_is_in_the_listing_and_nowhere_after_import(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    planted = PLANTED_PHRASE.encode()
    assert planted in (RAW / LISTING_FILE).read_bytes()

    result = import_listing(
        RAW / LISTING_FILE,
        load_profile(RAW / PROFILE_FILE),
        census=RAW / CENSUS_FILE,
        episodes=RAW / EPISODES_FILE,
        wards=pd.read_csv(SAMPLE_DIR / "wards.csv"),
    )
    frames = [
        result.ward_months,
        result.incidents,
        result.listing.summary(),
        result.listing.excluded_rows(),
        result.interventions.reconciliation.excluded_rows(),
        result.combinations.locations,
        result.combinations.categories,
        result.combinations.statuses,
    ]
    for f in frames:
        assert PLANTED_PHRASE not in f.to_csv()
    assert PLANTED_PHRASE not in " ".join(result.notes + result.errors + [result.listing.sentence()])

    out = tmp_path / "out"
    assert main([*ARGS, "--out", str(out)]) == 0
    db = tmp_path / "store.sqlite"
    url = f"sqlite:///{db}"
    Store(url).import_tables({"wards": pd.read_csv(SAMPLE_DIR / "wards.csv", dtype={"ward_id": str})}, "wards.csv", "x")
    assert main([*ARGS[:-2], "--store", url]) == 0
    printed = capsys.readouterr()
    for path in [*out.iterdir(), db]:
        assert planted not in path.read_bytes(), path.name
    assert PLANTED_PHRASE not in printed.out + printed.err
    assert PLANTED_PHRASE not in caplog.text
    with sqlite3.connect(db) as conn:  # and the store's rows, read back as text
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for r in conn.execute(f'SELECT * FROM "{name}"'):
                assert PLANTED_PHRASE not in repr(r)
    assert "dropped unread: 'Description'" in printed.err

"""A child process for tests/store/test_concurrency.py: one large import, reporting its progress.

Run from the repository root as ``python -m tests.store._import_child URL WARDS MONTHS PROGRESS_FILE``. Before
each write the store makes (marking a table's replaced rows, inserting a table's rows) it appends a line to
PROGRESS_FILE, so the parent can kill it -9 at a chosen moment while the import's transaction is open.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def big_tables(n_wards: int, n_months: int, seed: int = 0, returns: bool = True) -> dict:
    """Wards, ward-months and (when returns) survey returns for n_wards x n_months, in loader dtypes.

    Returns need the test instrument stored first (tests.store.test_database.seed_instrument).
    """
    import pandas as pd

    from tests.store.test_database import _str, responses, ward_months

    wards = [f"W{i:03d}" for i in range(n_wards)]
    months = [d.strftime("%Y-%m-%d") for d in pd.date_range("2015-04-01", periods=n_months, freq="MS")]
    out = {
        "wards": pd.DataFrame(
            {
                "ward_id": _str(wards),
                "ward_name": _str(f"Ward {w} ({seed})" for w in wards),
                "service": _str(["admission"] * n_wards),
                "security_level": _str(["high"] * n_wards),
                "beds": pd.Series([12] * n_wards, dtype="Int64"),
                "opened": pd.Series([pd.NaT] * n_wards, dtype="datetime64[ns]"),
                "closed": pd.Series([pd.NaT] * n_wards, dtype="datetime64[ns]"),
            }
        ),
        "ward_months": ward_months(wards, months, obd=300.0 + seed, seed=seed),
    }
    if returns:
        out["coproduction_responses"] = responses(wards, months, per=2, prefix=f"S{seed}", seed=seed)
    return out


def main(url: str, n_wards: int, n_months: int, progress: str) -> None:
    from analysis.store.database import Store

    path = Path(progress)

    def report(what: str) -> None:
        with path.open("a") as f:
            f.write(what + "\n")
            f.flush()
            os.fsync(f.fileno())

    def announced(method):
        def wrapper(self, conn, name, *args):
            report(f"{method.__name__} {name}")
            return method(self, conn, name, *args)

        return wrapper

    Store._set_superseded = announced(Store._set_superseded)
    Store._insert_table = announced(Store._insert_table)
    tables = big_tables(n_wards, n_months, seed=1)
    store = Store(url)  # the parent stored the test instrument and an earlier import
    report("start")
    store.import_tables(tables, "big.xlsx", "big")
    report("committed")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])

"""Issue 16, defect 4: the Scotland rule beaten by differencing two packs, and the export register.

The attacker here is written from the published files only: it reads two external packs' CSVs, takes what each
stamp says about rounding ("rounded to the nearest 5" gives a band of +-2; otherwise a count is exact), and
works out the interval a hidden cell must lie in from the difference of the two packs' totals. A cell is pinned
when that interval holds one whole number. Before the fix, all wards minus all-but-W05 gave 161 - 157 = 4, and
the "before" columns of packs from 2021-04 and 2021-05 gave every ward's April 2021 count.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.disclosure.register import ExportRefused, ExportRegister, Selection, differs_by_one
from analysis.disclosure.safe_tables import read_csv_bytes
from analysis.pack.build import build_pack, export_pack

ALL = tuple(f"W{i:02d}" for i in range(1, 13))
NOT_W05 = tuple(w for w in ALL if w != "W05")
SELECTION = "steering-group-pack-the-selection-in-numbers.csv"
TALKING = "steering-group-pack-talking-groups-by-ward-whole-period.csv"


@pytest.fixture(scope="module")
def sample():
    return load_sample(SAMPLE_DIR)


def _files(sample, filters, register=False, rule="scotland"):
    pack = build_pack(sample, filters, rule, external=True)
    return export_pack(pack, ["csv"], register=register).files


# --- the attacker: published files in, pinned cells out -------------------------------------------------------


def _interval(cell: str, stamp: dict[str, str]) -> tuple[float, float]:
    cell = str(cell).strip()
    if cell in ("*", "", "nan"):
        return 1.0, math.inf
    v = float(cell)
    if v == 0:
        return 0.0, 0.0
    band = 2.0 if "nearest 5" in stamp.get("Disclosure control", "") else 0.0
    return v - band, v + band


def _difference(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """What a - b can be, for a hidden cell (at least 0)."""
    return max(0.0, a[0] - b[1]), a[1] - b[0]


def pinned(interval: tuple[float, float], hidden_low: int = 1, hidden_high: int = 4) -> bool:
    lo, hi = max(interval[0], hidden_low), min(interval[1], hidden_high)
    return math.isfinite(hi) and math.ceil(lo) == math.floor(hi)


def _read(files, name):
    return read_csv_bytes(files[name], dtype=str)


# --- the two attacks -------------------------------------------------------------------------------------------


def test_all_wards_minus_all_but_w05_pins_nothing(sample):
    """The last 12 months: 161 assaults on all wards, 157 without W05, whose own cell (4) is hidden."""
    year = pd.Timestamp("2025-04-01")
    files = _files(sample, Filters(wards=ALL, start=year))
    (a, sa), (b, sb) = _read(files, SELECTION), _read(_files(sample, Filters(wards=NOT_W05, start=year)), SELECTION)
    w05 = _difference(_interval(a["Assaults on staff"][0], sa), _interval(b["Assaults on staff"][0], sb))
    assert not pinned(w05), w05
    wards, _ = _read(files, "steering-group-pack-wards-co-production-and-assaults-on-staff.csv")
    assert wards.loc[wards["Ward"].str.startswith("Ward E"), "Assaults on staff (12 months)"].tolist() == ["*"]


def test_packs_from_april_and_from_may_pin_no_april_count(sample):
    a, sa = _read(_files(sample, Filters(start=pd.Timestamp("2021-04-01"))), TALKING)
    b, sb = _read(_files(sample, Filters(start=pd.Timestamp("2021-05-01"))), TALKING)
    assert list(a["Ward"]) == list(b["Ward"])  # codes are stable across packs
    col = "Assaults on staff before"
    found = []
    for ward, x, y in zip(a["Ward"], a[col], b[col]):
        april = _difference(_interval(x, sa), _interval(y, sb))
        if pinned(april, 0, 10**6):
            found.append((ward, x, y, april))
    assert found == []


# --- the register ---------------------------------------------------------------------------------------------


def test_register_refuses_one_ward_or_one_month_apart_and_records_everything(sample, tmp_path):
    book = ExportRegister(f"sqlite:///{tmp_path / 'r.sqlite'}")
    _files(sample, Filters(wards=ALL), register=book)
    with pytest.raises(ExportRefused, match="one ward"):
        _files(sample, Filters(wards=NOT_W05), register=book)
    _files(sample, Filters(wards=ALL), register=book)  # the same selection again publishes nothing new
    _files(sample, Filters(wards=NOT_W05), register=book, rule="nhs_england")  # another rule: not compared
    april = Filters(wards=ALL, start=pd.Timestamp("2021-05-01"))
    with pytest.raises(ExportRefused, match="one month at the start"):
        _files(sample, april, register=book)
    internal = build_pack(sample, Filters(wards=NOT_W05), "scotland", external=False)
    export_pack(internal, ["csv"], register=book)  # internal packs are never refused...
    log = book.entries()
    assert list(log["audience"]) == ["external", "external", "external", "internal"]  # ...but are recorded
    assert list(log["rule"]) == ["scotland", "scotland", "nhs_england", "scotland"]
    assert log["wards"].iloc[0] == ",".join(ALL) and str(log["first_month"].iloc[0]) == "2021-04-01"
    assert "The selection in numbers" in log["tables"].iloc[0]


def test_default_register_lives_in_the_store_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", url)
    book = ExportRegister()
    assert book.url == url and (tmp_path / "store.sqlite").exists()
    book.record(Selection(("W01",), "2024-04", "2025-03", "external", "scotland"))
    with pytest.raises(ExportRefused):
        ExportRegister().record(Selection(("W01",), "2024-04", "2025-02", "external", "scotland"))


@pytest.mark.parametrize(
    ("new", "why"),
    [
        ((("W01", "W02"), "2024-04", "2025-03"), None),
        ((("W01", "W02", "W03"), "2024-04", "2025-03"), "one ward"),
        ((("W01",), "2024-04", "2025-03"), "one ward"),
        ((("W01", "W03"), "2024-04", "2025-03"), None),  # two wards differ
        ((("W01", "W02"), "2024-05", "2025-03"), "start"),
        ((("W01", "W02"), "2024-04", "2025-04"), "end"),
        ((("W01", "W02"), "2024-05", "2025-04"), None),  # both ends moved
        ((("W01", "W02", "W03"), "2024-05", "2025-03"), None),
    ],
)
def test_differs_by_one(new, why):
    old = Selection(("W02", "W01"), "2024-04-01", "2025-03-01", "external", "scotland")
    got = differs_by_one(Selection(*new, "external", "scotland"), old)
    assert (got is None) if why is None else (why in got)

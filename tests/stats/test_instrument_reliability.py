"""Alpha, Feldt interval, omega and corrected item-total r for any instrument, against R (psych, lavaan).

Reference: tests/reference/instrument_reliability (make_data.py writes the data, reference.R the values;
versions.txt names R, psych and lavaan). Tolerances: alpha, Feldt limits and item-total r 1e-9 (closed
forms); omega 1e-5 (two ML optimisers that stop at their own tolerances).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.panel import instruments as ins
from analysis.stats import reliability as rel

REF = Path(__file__).parents[1] / "reference" / "instrument_reliability"


def _ref() -> pd.DataFrame:
    return pd.read_csv(REF / "reference.csv", keep_default_na=False)


def _value(ref: pd.DataFrame, name: str, stat: str, item: str = "") -> float:
    hit = ref[(ref["set"] == name) & (ref["statistic"] == stat) & (ref["item"] == item)]
    return float(hit["value"].iloc[0])


def _as_returns(x: pd.DataFrame, respondent: str) -> pd.DataFrame:
    return x.assign(
        response_id=[f"R{i}" for i in range(len(x))],
        ward_id="W01",
        date=pd.Timestamp("2025-01-01"),
        respondent=respondent,
    )


@pytest.mark.parametrize("name", ["safety", "boundaries"])
def test_alpha_feldt_omega_and_item_total_match_r(name):
    ref = _ref()
    x = pd.read_csv(REF / f"data_{name}.csv")
    a, lo, hi, n = rel.cronbach_alpha(x)
    assert n == len(x)
    assert a == pytest.approx(_value(ref, name, "alpha"), abs=1e-9)
    assert lo == pytest.approx(_value(ref, name, "alpha_low"), abs=1e-9)
    assert hi == pytest.approx(_value(ref, name, "alpha_high"), abs=1e-9)
    o, olo, ohi, _ = rel.mcdonald_omega(x, n_boot=200)
    assert o == pytest.approx(_value(ref, name, "omega"), abs=1e-5)
    assert olo < o < ohi
    # corrected item-total r through the instrument route: build a one-subscale instrument of these items
    items = pd.DataFrame(
        {"item": x.columns, "instrument": "own", "subscale": "s", "reverse": False, "scale_min": 0.0, "scale_max": 5.0}
    )
    inst = ins.from_table(items)["own"]
    it = rel.instrument_item_total(_as_returns(x, "staff"), inst)
    for c in x.columns:
        got = it.loc[(it["item"] == c) & (it["respondent"] == "staff"), "corrected_item_total_r"].iloc[0]
        assert got == pytest.approx(_value(ref, name, "r_drop", c), abs=1e-9)


def test_reference_data_are_what_make_data_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", REF / "make_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, df in mod.make().items():
        pd.testing.assert_frame_equal(df, pd.read_csv(REF / f"data_{name}.csv"))


def test_instrument_reliability_reverse_keys_groups_and_patient_staff_comparison():
    """EssenCES safety items, with the reversed ones entered as answered (turned round by the instrument):
    the table gives alpha and omega per subscale for patients, staff and all (both answer the same items);
    the staff-only instrument has no patient or all row."""
    ref = _ref()
    x = pd.read_csv(REF / "data_safety.csv")
    e = ins.essences()
    raw = pd.DataFrame({f"ess_es{k}": x[f"es{k}"] for k in range(1, 6)})
    for k in range(1, 5):  # what a respondent would have ticked on the reverse-keyed items
        raw[f"ess_es{k}"] = 4 - raw[f"ess_es{k}"]
    half = len(raw) // 2
    returns = pd.concat(
        [_as_returns(raw.iloc[:half], "patient"), _as_returns(raw.iloc[half:], "staff")], ignore_index=True
    )
    returns["response_id"] = [f"R{i}" for i in range(len(returns))]
    t = rel.instrument_reliability(returns, e, n_boot=100)
    safe = t[t["subscale"] == "experienced_safety"].set_index("respondent")
    assert list(safe.index) == ["patient", "staff", "all"]
    assert safe.loc["all", "alpha"] == pytest.approx(_value(ref, "safety", "alpha"), abs=1e-9)
    assert safe.loc["all", "omega"] == pytest.approx(_value(ref, "safety", "omega"), abs=1e-5)
    assert safe.loc["patient", "n_returns"] == half
    assert np.isnan(t.loc[t["subscale"] == "therapeutic_hold", "alpha"]).all()  # not answered
    b = rel.instrument_reliability(returns.assign(respondent="staff"), ins.staff_boundaries(), n_boot=50)
    assert set(b["respondent"]) == {"staff"}


def test_omega_needs_three_items_and_ten_returns():
    rng = np.random.default_rng(0)
    two = pd.DataFrame(rng.normal(size=(50, 2)))
    assert np.isnan(rel.mcdonald_omega(two)[0])
    few = pd.DataFrame(rng.normal(size=(9, 4)))
    assert np.isnan(rel.mcdonald_omega(few)[0])

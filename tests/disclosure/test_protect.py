"""Disclosure control: small counts never leave, and hidden counts cannot be worked back out.

The attacker here is written independently of analysis/disclosure/protect.py: it reads only the
published frame, turns each shown value into the range of true counts it could stand for,
and uses linear programming to find the smallest and largest value each hidden cell could
take given the published totals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from analysis.disclosure.protect import protect_long, protect_table, pseudonymise_wards
from analysis.disclosure.rules import RULES, DisclosureError, DisclosureRule, rule_from_name

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def published_range(shown, preset: str, total: bool = False) -> tuple[float, float]:
    """What a reader knows about a true count from its published form, per the preset's words
    (Scotland: totals are rounded to the nearest 5, other counts exact)."""
    if shown == "*":
        return 1, math.inf  # 0 is always shown as 0, so a hidden cell is at least 1
    v = int(shown)
    if v == 0:
        return 0, 0
    if preset == "nhs_england":  # nearest 5, and shown non-zero counts are 8 or more
        return max(v - 2, 8), v + 2
    if total:  # Scotland: a total is rounded to the nearest 5, and shown non-zero counts are 5 or more
        return max(v - 2, 5), v + 2
    return v, v


def publish_external(total: int, preset: str):
    """How a separately published total (e.g. the hospital total) would appear under the preset."""
    high = 7 if preset == "nhs_england" else 4
    if 1 <= total <= high:
        return "*"
    if preset == "nhs_england" and total:
        return 5 * ((total + 2) // 5)
    return total


def attack(frame, cols, preset, *, total_row: bool, total_col: str | None, truth: np.ndarray):
    """{(i, j): (min, max)} for each hidden cell, from the published frame and external totals."""
    rows = list(range(len(frame)))
    body = rows[:-1] if total_row else rows
    all_cols = cols + ([total_col] if total_col else [])
    var = {(i, c): n for n, (i, c) in enumerate((i, c) for i in rows for c in all_cols)}
    bounds = [
        published_range(frame[c].iloc[i], preset, total=(total_row and i == rows[-1]) or c == total_col)
        for (i, c) in var
    ]
    eqs = []
    for c in all_cols:
        if total_row:
            eqs.append(({(i, c): 1 for i in body}, (body[-1] + 1, c)))
        else:  # hospital total assumed published elsewhere under the same rule
            key = ("ext", c)
            var[key] = len(var)
            true_total = int(truth[body, all_cols.index(c)].sum())
            bounds.append(published_range(publish_external(true_total, preset), preset))
            eqs.append(({(i, c): 1 for i in body}, key))
    if total_col:
        for i in rows:
            eqs.append(({(i, c): 1 for c in cols}, (i, total_col)))
    a = np.zeros((len(eqs), len(var)))
    for r, (parts, total) in enumerate(eqs):
        for key in parts:
            a[r, var[key]] = 1
        a[r, var[total]] -= 1
    lp_bounds = [(lo, None if math.isinf(hi) else hi) for lo, hi in bounds]
    out = {}
    for (i, c), n in [(k, v) for k, v in var.items() if k[0] != "ext"]:
        if frame[c].iloc[i] != "*":
            continue
        obj = np.zeros(len(var))
        obj[n] = 1
        lo = linprog(obj, A_eq=a, b_eq=np.zeros(len(eqs)), bounds=lp_bounds, method="highs")
        hi = linprog(-obj, A_eq=a, b_eq=np.zeros(len(eqs)), bounds=lp_bounds, method="highs")
        assert lo.status == 0  # the truth is always feasible
        out[(i, c)] = (lo.fun, math.inf if hi.status == 3 else -hi.fun)
    return out


@st.composite
def count_tables(draw):
    n_rows = draw(st.integers(2, 6))
    n_cols = draw(st.integers(1, 4))
    cell = st.one_of(st.just(0), st.integers(1, 7), st.integers(8, 60))
    vals = np.array([[draw(cell) for _ in range(n_cols)] for _ in range(n_rows)])
    cols = [f"count_{j}" for j in range(n_cols)]
    df = pd.DataFrame(vals, columns=cols)
    total_col = "total" if n_cols > 1 and draw(st.booleans()) else None
    if total_col:
        df[total_col] = df[cols].sum(axis=1)
    total_row = draw(st.booleans())
    if total_row:
        df.loc[len(df)] = df.sum()
    return df, cols, total_row, total_col, draw(st.sampled_from(sorted(RULES)))


@SETTINGS
@given(count_tables())
def test_no_small_count_survives_and_no_hidden_count_can_be_recovered(case):
    df, cols, total_row, total_col, preset = case
    all_cols = cols + ([total_col] if total_col else [])
    try:
        result = protect_table(
            df, all_cols, preset, total_rows=len(df) - 1 if total_row else None, total_column=total_col
        )
    except DisclosureError:
        reject()
    high = RULES[preset].high
    truth = df[all_cols].to_numpy()
    for j, c in enumerate(all_cols):
        for i in range(len(df)):
            shown, true = result.frame[c].iloc[i], truth[i, j]
            if 1 <= true <= high:
                assert shown == "*"
            if shown == "*":
                assert result.suppressed_mask[c].iloc[i]
                continue
            assert isinstance(shown, int) and not 1 <= shown <= high
            is_total = (total_row and i == len(df) - 1) or c == total_col
            if preset == "nhs_england" or is_total:  # Scotland rounds totals too (differencing, issue 16)
                assert shown % 5 == 0 and abs(shown - true) <= 2
            else:
                assert shown == true
    ranges = attack(result.frame, cols, preset, total_row=total_row, total_col=total_col, truth=truth)
    for (i, c), (lo, hi) in ranges.items():
        true = truth[i, all_cols.index(c)]
        assert lo - 1e-6 <= true <= hi + 1e-6
        assert hi - lo >= 1 - 1e-6, f"hidden cell {(i, c)} pinned to {lo}"


@SETTINGS
@given(count_tables())
def test_scotland_no_line_has_a_single_hidden_cell(case):
    df, cols, total_row, total_col, _ = case
    all_cols = cols + ([total_col] if total_col else [])
    try:
        result = protect_table(
            df, all_cols, "scotland", total_rows=len(df) - 1 if total_row else None, total_column=total_col
        )
    except DisclosureError:
        reject()
    hidden = result.frame[all_cols] == "*"
    for c in all_cols:  # each column adds up to a shown or separately published total
        external_hidden = 0
        if not total_row:
            external_hidden = int(1 <= df[c].sum() <= 4)
        assert hidden[c].sum() + external_hidden != 1
    if total_col:
        for i in range(len(df)):
            assert hidden.iloc[i].sum() != 1


def test_rounding_alone_would_reveal_a_one_but_protect_table_does_not():
    df = pd.DataFrame({"ward": ["A", "B", "C", "Total"], "assaults": [1, 8, 8, 17]})
    truth = df[["assaults"]].to_numpy()
    naive = df.copy()
    naive["assaults"] = ["*", 10, 10, 15]  # NHS rounding without secondary suppression
    pinned = attack(naive, ["assaults"], "nhs_england", total_row=True, total_col=None, truth=truth)
    assert pinned[(0, "assaults")] == pytest.approx((1, 1))
    result = protect_table(df, ["assaults"], "nhs_england", total_rows=3)
    assert result.n_secondary >= 1
    for lo, hi in attack(
        result.frame, ["assaults"], "nhs_england", total_row=True, total_col=None, truth=truth
    ).values():
        assert hi - lo >= 1


def test_worked_example_scotland():
    df = pd.DataFrame({"ward": ["A", "B", "C", "D"], "assaults": [0, 3, 12, 25]})
    result = protect_table(df, ["assaults"], "scotland")
    # 3 is hidden; the hospital total 40 is known, so the smallest other non-zero count (12) is hidden too.
    assert list(result.frame["assaults"]) == [0, "*", "*", 25]
    assert list(result.suppressed_mask["assaults"]) == [False, True, True, False]
    alone = protect_table(df, ["assaults"], "scotland", column_totals_known=False)
    assert list(alone.frame["assaults"]) == [0, "*", 12, 25]


def test_rates_follow_their_counts():
    df = pd.DataFrame({"ward": list("ABCD"), "assaults": [0, 3, 12, 26], "obd": [900, 800, 1000, 950]})
    df["rate_per_1000_obd"] = df["assaults"] / df["obd"] * 1000
    result = protect_table(df, ["assaults"], "nhs_england", rate_columns={"rate_per_1000_obd": ("assaults", "obd")})
    rates, counts = result.frame["rate_per_1000_obd"], result.frame["assaults"]
    for i in range(4):
        if counts.iloc[i] == "*":
            assert rates.iloc[i] == "*" and result.suppressed_mask["rate_per_1000_obd"].iloc[i]
        else:  # from the published (rounded) count: 26 is shown as 25, so 25/950*1000
            assert rates.iloc[i] == pytest.approx(counts.iloc[i] / df["obd"].iloc[i] * 1000, abs=0.005)
    assert rates.iloc[3] == pytest.approx(26.32, abs=0.005)
    assert any("rounded counts" in n for n in result.notes)


def test_notes_name_the_rule_and_presets_say_their_source():
    result = protect_table(pd.DataFrame({"n": [0, 2, 30, 40]}), ["n"], "nhs_england")
    assert result.notes[0] == RULES["nhs_england"].description
    assert result.stamp() == {"Disclosure control": RULES["nhs_england"].description}
    assert "NHS England" in RULES["nhs_england"].source and "Public Health Scotland" in RULES["scotland"].source
    assert rule_from_name("scotland").high == 4 and rule_from_name("scotland").round_to is None
    with pytest.raises(ValueError):
        rule_from_name("wales")
    with pytest.raises(ValueError):
        DisclosureRule("bad", low=3, high=2)


def test_unprotectable_and_inconsistent_tables_are_refused():
    one_ward = pd.DataFrame({"a": [3], "b": [20], "total": [23]})
    with pytest.raises(DisclosureError):
        protect_table(one_ward, ["a", "b"], "scotland", total_column="total")
    wrong = pd.DataFrame({"a": [3, 20, 99]})
    with pytest.raises(ValueError, match="total row"):
        protect_table(wrong, ["a"], total_rows=2)


def test_random_tables_are_rarely_refused():
    rng = np.random.default_rng(7)
    refused = 0
    for _ in range(100):
        vals = rng.choice([0, 0, 2, 5, 9, 14, 30, 55], size=(8, 3))
        df = pd.DataFrame(vals, columns=["a", "b", "c"])
        try:
            protect_table(df, ["a", "b", "c"], "nhs_england")
        except DisclosureError:
            refused += 1
    assert refused <= 5


def test_protect_long_hides_small_counts_and_keeps_rows():
    grid = {"W1": [12, 3, 30], "W2": [25, 0, 14], "W3": [2, 18, 40]}
    long = pd.DataFrame(
        [(w, m, n) for w, row in grid.items() for m, n in zip(["Apr", "May", "Jun"], row)],
        columns=["ward_id", "month", "assaults_on_staff"],
    ).sample(frac=1, random_state=1)
    result = protect_long(long, "assaults_on_staff", ["ward_id", "month"], "scotland")
    assert list(result.frame["ward_id"]) == list(long["ward_id"])
    for true, shown in zip(long["assaults_on_staff"], result.frame["assaults_on_staff"]):
        assert shown == "*" if 1 <= true <= 4 else shown in ("*", true)
    hidden = result.frame.assign(h=result.frame["assaults_on_staff"] == "*")
    for key in ["ward_id", "month"]:  # margins are assumed known: never exactly one hidden per line
        assert (hidden.groupby(key)["h"].sum() != 1).all()


def test_pseudonymise_wards_codes_in_ward_id_order_and_reuses_mapping():
    wards = pd.DataFrame(
        {"ward_id": ["W03", "W01", "W02", None], "ward_name": ["Skye", "Iona", "Mull", None], "beds": [1, 2, 3, 4]}
    )
    coded, mapping = pseudonymise_wards(wards)
    assert list(coded["ward_id"][:3]) == ["Ward C", "Ward A", "Ward B"]
    assert list(coded["ward_name"][:3]) == ["Ward C", "Ward A", "Ward B"]
    assert coded["ward_id"].iloc[3] is None and list(coded["beds"]) == [1, 2, 3, 4]
    text = coded.to_csv()
    assert not any(name in text for name in ["Skye", "Iona", "Mull", "W01"])
    assert dict(zip(mapping["ward_id"], mapping["ward_name"]))["W03"] == "Skye"
    months = pd.DataFrame({"ward_id": ["W02", "W04"], "n": [5, 6]})
    coded2, mapping2 = pseudonymise_wards(months, mapping=mapping)
    assert list(coded2["ward_id"]) == ["Ward B", "Ward D"]
    assert len(mapping2) == 4


# --- model results export and before/after counts (analysis/disclosure/export.py, disclosure_periods.py) ---


def _fitted_counts_model():
    import numpy as np

    from analysis.stats.counts import fit_counts

    rng = np.random.default_rng(11)
    months = pd.period_range("2022-01", periods=24, freq="M").to_timestamp()
    rows = [
        {
            "ward_id": f"W{w:02d}",
            "month": m,
            "occupied_bed_days": 600.0,
            "coproduction_patient_overall": 40 + 2 * w + rng.normal(0, 3),
        }
        for w in range(6)
        for m in months
    ]
    panel = pd.DataFrame(rows)
    panel["assaults_on_staff"] = rng.poisson(0.005 * panel["occupied_bed_days"])
    return fit_counts(panel, outcome="assaults_on_staff", predictor="coproduction_patient_overall")


def test_results_export_keeps_estimates_and_drops_per_row_diagnostics():
    import json

    from analysis.disclosure.export import export_results, export_results_json

    result = _fitted_counts_model()
    assert result.diagnostics.residuals_by_ward is not None  # the fitted model carries per-ward observed counts ...
    doc = export_results({"question": "q2"}, [result], "scotland", {"Data source": "test"})
    (out,) = doc["results"]
    assert (
        "residuals_by_ward" not in out["diagnostics"] and "residuals_by_month" not in out["diagnostics"]
    )  # ... the export does not
    assert set(doc["withheld"]) == {"assaults_on_staff: residuals_by_month", "assaults_on_staff: residuals_by_ward"}
    assert len(out["estimates"]) == len(result.estimates) and out["n_obs"] == result.n_obs == 144
    assert out["formula"] == result.formula and out["family"] == result.family
    assert doc["about"] == {"Data source": "test", "Disclosure control": RULES["scotland"].description}
    assert (
        json.loads(export_results_json({}, [result], "nhs_england"))["about"]["Disclosure control"]
        == RULES["nhs_england"].description
    )


def test_before_after_counts_sum_each_side_of_the_start_and_protect_rates_with_them():
    from analysis.disclosure.periods import before_after_counts

    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    panel = pd.DataFrame(
        {
            "ward_id": ["A"] * 4 + ["B"] * 4,
            "month": list(months) * 2,
            "talking_groups_start": [months[2]] * 4 + [pd.NaT] * 4,
            "restraints": [1, 2, 10, 20, 5, 5, 5, 5],
            "occupied_bed_days": [100.0] * 8,
        }
    )
    table, counts, rates = before_after_counts(panel, "restraints")
    a, b = table.set_index("ward_id").loc["A"], table.set_index("ward_id").loc["B"]
    assert (a["restraints_before"], a["restraints_after"], a["occupied_bed_days_before"]) == (3, 30, 200)
    assert b["restraints_before"] == 20 and pd.isna(b["restraints_after"])  # never started: all "before"
    assert a["rate_per_1000_obd_before"] == 15.0
    safe = protect_table(table, counts, "nhs_england", rate_columns=rates).frame.set_index("ward_id")
    assert safe.loc["A", "restraints_before"] == "*" and safe.loc["A", "rate_per_1000_obd_before"] == "*"
    for when in ("before", "after"):  # a rate is hidden exactly when its count is; else made from the published count
        for ward in ("A", "B"):
            n, r = safe.loc[ward, f"restraints_{when}"], safe.loc[ward, f"rate_per_1000_obd_{when}"]
            den = table.set_index("ward_id").loc[ward, f"occupied_bed_days_{when}"]
            assert (r == "*") == (n == "*")
            if n != "*" and n is not None and not pd.isna(n):
                assert r == round(n / den * 1000, 2)

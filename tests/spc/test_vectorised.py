"""The charts, rules and icons of many wards at once (analysis.spc.vectorised) against each ward charted alone.

The one-ward path (`xmr` or `u_chart`, then `classify`, then `variation_icon`) is the reference: every column of
every point must be equal, bit for bit, on the sample hospital, on hand-made series that fire every rule, and on
a generated 200-ward hospital (slow: the reference charts 600 series one by one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.overview import wards as ow
from analysis.spc import vectorised as v
from analysis.spc.chart import u_chart, xmr
from analysis.spc.icons import variation_icon
from analysis.spc.rules import classify

ORIGIN = np.datetime64("2000-01", "M")  # any month: positions become months from here for the one-ward path


def _month(p) -> pd.Timestamp:
    return pd.Timestamp((ORIGIN + int(p)).astype("datetime64[ns]"))


def _starts(rebase, ward) -> list:
    if rebase is None:
        return []
    if isinstance(rebase, pd.DataFrame):
        return list(rebase.loc[rebase["ward_id"] == ward, "pos"])
    return list(rebase.get(ward, []))


def one_by_one(long, chart, rebase=None, improvement="increase", run_length=None) -> pd.DataFrame:
    """Each ward charted and classified alone: the reference."""
    frames = []
    for w, g in long.groupby("ward_id", sort=True):
        g = g.sort_values("pos")
        df = g.assign(month=[_month(p) for p in g["pos"]])
        at = [_month(r) for r in _starts(rebase, w)]
        c = u_chart(df, "count", "exposure", rebase_at=at) if chart == "u" else xmr(df, "value", rebase_at=at)
        k = classify(c, improvement, run_length=run_length) if run_length else classify(c, improvement)
        lo = int(g["pos"].min())
        k.insert(0, "pos", np.arange(lo, lo + len(k), dtype="int64"))
        k.insert(0, "ward_id", w)
        frames.append(k.drop(columns="period"))
    return pd.concat(frames, ignore_index=True)


def at_once(long, chart, rebase=None, improvement="increase", run_length=None) -> pd.DataFrame:
    return v.classify_all(v.charts(long, chart, rebase=rebase), improvement, run_length=run_length)


def icons_one_by_one(long, chart, measure, rebase=None, improvement="increase") -> dict:
    out = {}
    for w, g in one_by_one(long, chart, rebase, improvement).groupby("ward_id", sort=True):
        g = g.assign(period=[_month(p) for p in g["pos"]])
        icon = variation_icon(g, measure) if g["value"].notna().sum() >= ow.MIN_POINTS else ow._no_icon(measure)
        out[w] = (icon["key"], icon["label"])
    return out


def _series(panel, events):
    """The ward table's three series: assaults (u-chart, rebased), co-production and recovery occasions (XmR)."""
    long, rebase = ow._assaults_long(panel, events)
    survey = panel[panel["coproduction_patient_months_carried"] == 0]
    measure = ow.primary_measure(panel)
    return {
        "assaults": (long, "u", rebase),
        "coproduction": (ow._occasions(survey, "coproduction_patient_overall"), "xmr", None),
        "recovery": (ow._occasions(panel, ow.measure_column(measure)), "xmr", None),
    }


@pytest.fixture(scope="module")
def sample():
    from analysis.data.dataset import load_sample
    from analysis.panel.build import build_panel

    tables = load_sample().tables
    return build_panel(tables), tables


@pytest.mark.parametrize("name", ["assaults", "coproduction", "recovery"])
@pytest.mark.parametrize("improvement", ["increase", "decrease", "neither"])
def test_every_column_equals_each_ward_alone_on_the_sample(sample, name, improvement):
    panel, tables = sample
    long, chart, rebase = _series(panel, tables["events"])[name]
    pd.testing.assert_frame_equal(
        at_once(long, chart, rebase, improvement), one_by_one(long, chart, rebase, improvement), check_exact=True
    )


def test_the_run_length_is_a_parameter_with_todays_default(sample):
    panel, tables = sample
    long, chart, rebase = _series(panel, tables["events"])["assaults"]
    seven = at_once(long, chart, rebase, "decrease")
    pd.testing.assert_frame_equal(seven, at_once(long, chart, rebase, "decrease", run_length=7), check_exact=True)
    for n in (6, 8):
        pd.testing.assert_frame_equal(
            at_once(long, chart, rebase, "decrease", run_length=n),
            one_by_one(long, chart, rebase, "decrease", run_length=n),
            check_exact=True,
        )
    assert not at_once(long, chart, rebase, "decrease", run_length=6)["shift"].equals(seven["shift"])


def _made_up(seed: int = 7, n_wards: int = 80) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wards of 1 to 40 points with gaps, ties, planted shifts, trends, near-limit points and outliers, some of
    them rare counts; rebase positions inside, at the edges of and outside each ward."""
    rng = np.random.default_rng(seed)
    rows, starts = [], []
    for i in range(n_wards):
        w = f"W{i:03d}"
        n = int(rng.integers(1, 41))
        first = int(rng.integers(-5, 30))
        pos = first + np.sort(rng.choice(np.arange(n + 6), size=n, replace=False))  # some gaps
        value = np.round(rng.normal(50, 4, n))  # rounded: ties with the centre and between neighbours
        kind = i % 5
        if kind == 1:
            value[n // 2 :] += 9  # a shift
        elif kind == 2:
            value = value + 3 * np.arange(n)  # a trend
        elif kind == 3 and n > 3:
            value[-3:] = value[-3:] + np.array([9, 1, 9])  # two of three near the limit
        elif kind == 4 and n:
            value[int(rng.integers(0, n))] += 40  # an outlier
        rate = 0.0005 if i % 3 == 0 else 0.02  # a third of the wards count rare events
        exposure = rng.integers(300, 600, n).astype(float)
        count = rng.poisson(rate * exposure * (1 + (kind == 1) * (np.arange(n) >= n // 2))).astype(float)
        if kind == 2 and i % 3:
            count, exposure = 5.0 + 3 * np.arange(n), np.full(n, 500.0)  # a rising rate
        if n > 4:
            count[int(rng.integers(0, n))] = np.nan  # a month without a count
            exposure[int(rng.integers(0, n))] = 0.0  # or without bed days
        rows.append(pd.DataFrame({"ward_id": w, "pos": pos, "value": value, "count": count, "exposure": exposure}))
        for r in rng.integers(first - 3, first + n + 8, int(rng.integers(0, 3))):
            starts.append((w, int(r)))
        if i % 7 == 0:
            starts.append((w, first))  # at the ward's first point: no new segment
    long = pd.concat(rows, ignore_index=True).sample(frac=1, random_state=seed)  # any row order
    return long, pd.DataFrame(starts, columns=["ward_id", "pos"])


@pytest.mark.parametrize("improvement", ["increase", "neither"])
def test_every_rule_on_made_up_wards_with_gaps_ties_rebases_and_rare_counts(improvement):
    long, starts = _made_up()
    for chart, cols in (("xmr", ["ward_id", "pos", "value"]), ("u", ["ward_id", "pos", "count", "exposure"])):
        got = at_once(long[cols], chart, starts, improvement)
        pd.testing.assert_frame_equal(got, one_by_one(long[cols], chart, starts, improvement), check_exact=True)
        for rule in ("outside_limits", "shift", "trend") + (("two_of_three",) if chart == "xmr" else ()):
            assert got[rule].any(), (chart, rule)  # the comparison covers every rule
        assert got["missing"].any() and (got["segment"] > 0).any() and got["trial_limits"].any()
        if chart == "u":
            assert got["rare_events"].any() and not got["rare_events"].all()
    mapping = {w: list(g["pos"]) for w, g in starts.groupby("ward_id")}
    pd.testing.assert_frame_equal(
        at_once(long[["ward_id", "pos", "value"]], "xmr", mapping),
        at_once(long[["ward_id", "pos", "value"]], "xmr", starts),
    )


def test_the_latest_icons_are_each_wards_own(sample):
    long, starts = _made_up(seed=11)
    xl = long[["ward_id", "pos", "value"]]
    got = v.latest_icons(at_once(xl, "xmr", starts, "decrease"), "score", min_points=ow.MIN_POINTS)
    expected = icons_one_by_one(xl, "xmr", "score", starts, "decrease")
    assert {w: (r.key, r.label) for w, r in got.iterrows()} == expected
    assert got["key"].nunique() >= 3


def test_the_ward_table_gives_each_ward_the_icons_of_its_own_charts(sample):
    panel, tables = sample
    table = ow.ward_table(panel, tables["measures"], tables["events"]).set_index("ward_id")
    for name, (long, chart, rebase) in _series(panel, tables["events"]).items():
        improvement = table.attrs["improvement"][name]
        measure = {"assaults": "assault rate", "coproduction": "co-production score"}.get(
            name, f"{table.attrs['recovery_measure']} score"
        )
        expected = icons_one_by_one(long, chart, measure, rebase, improvement)
        got = {w: (table.loc[w, f"{name}_icon"], table.loc[w, f"{name}_icon_label"]) for w in expected}
        assert got == expected, name


def test_rebase_offsets_are_each_wards_own_and_the_hospitals_events(sample):
    panel, tables = sample
    from analysis.spc.chart import rebase_dates

    _, rebase = ow._assaults_long(panel, tables["events"])
    first = panel.groupby("ward_id")["month"].min()
    for w in first.index:
        dates = rebase_dates(tables["events"], w)
        months = {(d.year - first[w].year) * 12 + d.month - first[w].month for d in pd.to_datetime(dates)}
        assert set(rebase.loc[rebase["ward_id"] == w, "pos"]) == months, w


def test_no_rows_and_bad_arguments():
    empty = pd.DataFrame({"ward_id": pd.Series(dtype=object), "pos": pd.Series(dtype="int64"), "value": []})
    assert v.charts(empty, "xmr").empty
    assert ow.stacked_icons(empty, "xmr", "increase", "score").empty
    one = pd.DataFrame({"ward_id": ["A", "A"], "pos": [0, 0], "value": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one row per position"):
        v.charts(one, "xmr")
    with pytest.raises(ValueError, match="improvement"):
        v.classify_all(v.charts(one.iloc[:1], "xmr"), "up")


@pytest.mark.slow
def test_every_column_and_icon_equals_each_ward_alone_on_a_generated_200_ward_hospital():
    from analysis.panel.build import build_panel
    from analysis.sample.generate import generate

    tables = generate(n_wards=200, months=60, surveys="scores").tables
    panel = build_panel(tables)
    table = ow.ward_table(panel, tables.get("measures"), tables["events"]).set_index("ward_id")
    signals = 0
    for name, (long, chart, rebase) in _series(panel, tables["events"]).items():
        improvement = table.attrs["improvement"][name]
        reference = one_by_one(long, chart, rebase, improvement)
        got = at_once(long, chart, rebase, improvement)
        pd.testing.assert_frame_equal(got, reference, check_exact=True)
        signals += int(got["special_cause"].sum())
        measure = {"assaults": "assault rate", "coproduction": "co-production score"}.get(
            name, f"{table.attrs['recovery_measure']} score"
        )
        for w, g in reference.groupby("ward_id", sort=True):
            g = g.assign(period=[_month(p) for p in g["pos"]])
            icon = variation_icon(g, measure) if g["value"].notna().sum() >= ow.MIN_POINTS else ow._no_icon(measure)
            assert (table.loc[w, f"{name}_icon"], table.loc[w, f"{name}_icon_label"]) == (icon["key"], icon["label"])
    assert signals > 0


def test_the_assurance_grids_rebase_months_are_each_wards_own_and_the_hospitals_events(sample):
    from analysis.overview.assurance import _rebase_months
    from analysis.spc.chart import rebase_dates

    panel, tables = sample
    got = _rebase_months(panel, tables["events"])
    for w in sorted(panel["ward_id"].astype(str).unique()):
        months = sorted({d.year * 12 + d.month - 1 for d in pd.to_datetime(rebase_dates(tables["events"], w))})
        assert got.get(w, []) == months, w
    assert any(got.values())

"""The Overview's three answers at national scale: the linear-time paths give the figures of their definitions.

Issue 17: at 5,000 wards the answers spent most of their time in per-ward Python loops and in a dense
wards x wards matrix (the Satterthwaite degrees of freedom of the cluster-robust errors). Each fast path is checked
here against its definition (the code it replaced, kept in the test), to 1e-9: the sums by hashed ward codes
against np.unique and np.add.at, the degrees of freedom without the G x G matrix against the matrix, the ward
intervals and variation keys computed for every ward at once against one ward at a time; then the three answers on
a simulated 1,000-ward hospital, fitted by the fast paths and by the definitions, give the same sentences and the
same estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.overview import answers as oa
from analysis.questions.coproduction import existence
from analysis.questions.coproduction import groups as cp_groups
from analysis.questions.recovery import model as recovery
from analysis.spc.icons import variation_key
from analysis.spc.vectorised import variation_keys
from analysis.stats import mixed
from analysis.stats.counts import clustering
from analysis.stats.counts.diagnostics import residual_summaries
from analysis.stats.grouping import group_codes

TOL = 1e-9


def _unique_codes(groups) -> tuple[np.ndarray, int]:
    """The definition `group_codes` replaces."""
    uniques, inverse = np.unique(np.asarray(groups), return_inverse=True)
    return inverse, len(uniques)


def _sums_by_add_at(X: np.ndarray, y: np.ndarray, groups: np.ndarray):
    """The per-ward sums as `analysis.stats.mixed._sums` computed them before (np.unique and np.add.at)."""
    codes, inverse = np.unique(groups, return_inverse=True)
    G = len(codes)
    n_g = np.bincount(inverse, minlength=G).astype(float)
    Xs = np.zeros((G, X.shape[1]))
    np.add.at(Xs, inverse, X)
    ys = np.bincount(inverse, weights=y, minlength=G)
    return n_g, Xs, ys


def _constant_within_by_nunique(x: np.ndarray, groups: np.ndarray) -> bool:
    s = pd.Series(x).groupby(pd.Series(groups)).nunique()
    return bool((s <= 1).all())


@pytest.mark.parametrize(
    "groups",
    [
        np.array([3, 1, 2, 1, 3, 0]),
        np.array(["W10", "W2", "W1", "W2", "W10"], dtype=object),
        np.array(["b", "a", "c", "a"]),
        np.random.default_rng(1).integers(0, 400, 5000),
    ],
)
def test_group_codes_are_np_unique_codes(groups):
    codes, G = group_codes(groups)
    want, n = _unique_codes(groups)
    assert n == G
    np.testing.assert_array_equal(codes, want)


def test_ward_sums_are_the_add_at_sums_exactly():
    rng = np.random.default_rng(7)
    groups = np.array([f"W{i:04d}" for i in rng.integers(0, 300, 6000)], dtype=object)
    X, y = rng.normal(size=(6000, 4)), rng.normal(size=6000)
    for got, want in zip(mixed._sums(X, y, groups), _sums_by_add_at(X, y, groups)):
        np.testing.assert_array_equal(got, want)  # the same sums in the same order: bit for bit


def test_constant_within_matches_the_distinct_count():
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 50, 2000)
    ward_level = rng.normal(size=50)[groups]
    varying = ward_level + (np.arange(2000) == 1999) * 1e-3  # one ward changes once
    for x in (ward_level, varying, np.ones(2000)):
        assert recovery._constant_within(x, groups) == _constant_within_by_nunique(x, groups)
    assert recovery._constant_within(ward_level, groups) and not recovery._constant_within(varying, groups)


@pytest.mark.parametrize("G", [5, 40, clustering.DENSE_BELOW, 700, 2500])
def test_satterthwaite_df_without_the_wards_by_wards_matrix(G):
    rng = np.random.default_rng(G)
    K = 3
    Q = rng.normal(size=(G, K))
    A = rng.normal(size=(K, K))
    M = np.linalg.inv(A @ A.T + np.eye(K))  # symmetric positive definite, as (U'WU)^-1
    diag = rng.uniform(0.5, 2.0, G) + np.einsum("gk,kl,gl->g", Q, M, Q)
    got, want = clustering._df_from(diag, Q, M), clustering._df_from_dense(diag, Q, M)
    assert got == pytest.approx(want, rel=TOL)
    if G >= clustering.DENSE_BELOW:  # the figure without P, not the definition's fallback
        calls = []
        real = clustering._df_from_dense
        clustering._df_from_dense = lambda *a: calls.append(a) or real(*a)
        try:
            assert clustering._df_from(diag, Q, M) == got
        finally:
            clustering._df_from_dense = real
        assert not calls


def test_satterthwaite_df_when_p_is_zero_is_the_definitions():
    """P = 0 (every ward's information absorbed): the difference of the norms would be rounding error; the
    definition gives its 0 / 0."""
    G, K = 600, 2
    Q = np.zeros((G, K))
    with np.errstate(invalid="ignore", divide="ignore"):
        got, want = clustering._df_from(np.zeros(G), Q, np.eye(K)), clustering._df_from_dense(np.zeros(G), Q, np.eye(K))
    assert np.isnan(got) and np.isnan(want)


def test_ward_intervals_at_once_are_each_wards_own():
    rng = np.random.default_rng(11)
    sizes = [1, 2, 3, 5, 8, 2, 1, 13]
    s = [pd.Series(rng.normal(50, 10, n)) for n in sizes]
    n = pd.Series([len(x) for x in s])
    mean = pd.Series([x.mean() for x in s])
    sd = pd.Series([x.std(ddof=1) for x in s])
    low, high = existence._tci_wards(n, mean, sd, 0.95)
    for i, x in enumerate(s):
        _, lo, hi = existence._tci(x, 0.95)
        if len(x) < 2:
            assert np.isnan(low[i]) and np.isnan(high[i])
        else:
            assert low[i] == pytest.approx(lo, rel=TOL) and high[i] == pytest.approx(hi, rel=TOL)


def test_variation_keys_are_each_rows_key():
    last = pd.DataFrame(
        {
            "centre": [1.0, np.nan, 2.0, 3.0, 4.0, 5.0],
            "variation": [
                "common_cause",
                "common_cause",
                "special_cause_improvement",
                "special_cause_concern",
                "special_cause_neither",
                "special_cause_concern",
            ],
            "direction": ["", "", "low", "high", "high", "low"],
        }
    )
    assert variation_keys(last).tolist() == [variation_key(r) for _, r in last.iterrows()]
    assert variation_keys(last.iloc[:0]).tolist() == []


# The three answers on a simulated 1,000-ward hospital: the fast paths against the definitions.


@pytest.fixture(scope="module")
def national():
    from analysis.data.dataset import with_defaults
    from analysis.panel.build import build_panel
    from analysis.sample.generate import generate

    tables = with_defaults(generate(n_wards=1000, months=36, surveys="scores", start="2023-04").tables)
    return build_panel(tables), tables.get("measures")


def _definitions(monkeypatch) -> None:
    """Fit with the code the fast paths replaced."""
    monkeypatch.setattr(clustering, "_df_from", clustering._df_from_dense)
    for module in (clustering, mixed, recovery, cp_groups):
        monkeypatch.setattr(module, "group_codes", _unique_codes)
    monkeypatch.setattr(mixed, "_sums", _sums_by_add_at)
    monkeypatch.setattr(recovery, "_constant_within", _constant_within_by_nunique)


def _figures(answers: list[oa.Answer]) -> list:
    out = []
    for a in answers:
        results = [a.result, *a.extra_results]
        out.append(
            {
                "words": (a.sentence, a.key_figure, a.confidence, a.figure, a.others, a.level, a.verdict_text),
                "sentences": [r.sentence for r in results],
                "estimates": [r.estimates.select_dtypes("number").to_numpy(float) for r in results],
            }
        )
    return out


def test_three_answers_at_1000_wards_are_the_definitions(national, monkeypatch):
    panel, catalogue = national
    assert panel["ward_id"].nunique() == 1000
    fast = _figures(oa.three_answers(panel, catalogue))
    _definitions(monkeypatch)
    slow = _figures(oa.three_answers(panel, catalogue))
    assert [f["words"] for f in fast] == [f["words"] for f in slow]
    assert [f["sentences"] for f in fast] == [f["sentences"] for f in slow]
    for f, s in zip(fast, slow):
        for got, want in zip(f["estimates"], s["estimates"]):
            np.testing.assert_allclose(got, want, rtol=TOL, atol=1e-12)
    assert fast[1]["estimates"][0].size  # the assaults model was fitted (CR1, Satterthwaite: the G x G path)


def test_residual_summaries_largest_residual_by_grouped_max():
    from analysis.stats.counts.prepare import Design

    rng = np.random.default_rng(5)
    n = 400
    data = pd.DataFrame({"ward_id": rng.choice(["A", "B", "C"], n), "month": rng.integers(0, 12, n)})
    y, mu = rng.poisson(3, n).astype(float), rng.uniform(1, 5, n)
    d = Design(data, y, pd.DataFrame({"const": np.ones(n)}), np.zeros(n), np.zeros(n, int), {}, {}, {})
    by_ward, by_month = residual_summaries(d, mu, 0.2, "ward_id", "month")
    r = (y - mu) / np.sqrt(mu + 0.2 * mu**2)
    want = pd.Series(r).groupby(data["ward_id"]).apply(lambda s: float(np.abs(s).max()))
    np.testing.assert_array_equal(by_ward.set_index("ward_id")["max_abs_pearson"].to_numpy(), want.to_numpy())
    assert by_month["max_abs_pearson"].dtype == float


def _spacing_by_pandas(panel: pd.DataFrame, column: str) -> tuple[int, int]:
    """`measurement_spacing` as it was computed before (drop_duplicates, sort, grouped diff)."""
    d = panel.loc[panel[column].notna(), ["ward_id", "month"]]
    m = pd.to_datetime(d["month"])
    index = pd.Series(m.dt.year * 12 + m.dt.month - 1, index=d.index)
    gaps = (
        pd.DataFrame({"w": d["ward_id"].to_numpy(), "i": index.to_numpy()})
        .drop_duplicates()
        .sort_values(["w", "i"])
        .groupby("w")["i"]
        .diff()
        .dropna()
    )
    every = max(1, int(round(float(gaps.median())))) if len(gaps) else 1
    return int(((index - index.min()) // every).nunique()), every


@pytest.mark.parametrize("every", [1, 2, 3, 6])
def test_measurement_spacing_matches_the_grouped_diff(every):
    rng = np.random.default_rng(every)
    months = pd.date_range("2019-01-01", periods=48, freq="MS")
    rows = []
    for w in range(30):
        start = int(rng.integers(0, every))
        for k in range(start, 48, every):
            if rng.random() < 0.85:
                rows.append((f"W{w:02d}", months[k], rng.normal()))
    panel = pd.DataFrame(rows, columns=["ward_id", "month", "score"]).sample(frac=1, random_state=every)
    panel = pd.concat([panel, panel.head(5)])  # a repeated ward-month counts once
    assert recovery.measurement_spacing(panel, "score") == _spacing_by_pandas(panel, "score")


def test_measurement_spacing_over_centuries_sorts_instead_of_marking():
    """Few rows over a very long span (more ward-months than a marking array should hold): the sorted path."""
    wards = [f"W{w:03d}" for w in range(300)]
    months = pd.to_datetime(["1700-01-01", "1700-04-01", "1700-07-01", "2200-01-01"])
    panel = pd.DataFrame([(w, m, 1.0) for w in wards for m in months], columns=["ward_id", "month", "score"]).sample(
        frac=1, random_state=1
    )
    assert 4 * len(panel) + 1_000_000 < 300 * 6001  # beyond the marking array's size
    assert recovery.measurement_spacing(panel, "score") == _spacing_by_pandas(panel, "score") == (4, 3)

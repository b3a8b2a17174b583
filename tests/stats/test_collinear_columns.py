"""`collinear_columns` flags exactly what one least-squares solve per column flagged, without solving per column.

The reference below is the implementation it replaced (one np.linalg.lstsq of every column on all kept columns,
cubic or worse in the number of wards); the fast one must agree with it column for column, partners included,
on random designs with planted collinearities and on the sample's "which comes first?" design.
"""

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.assaults import direction
from analysis.stats.counts import prepare
from analysis.stats.counts.prepare import collinear_columns


def reference_collinear_columns(X: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """The previous implementation, kept verbatim as the reference."""
    Z = X.to_numpy(float)
    norms = np.sqrt((Z**2).sum(axis=0))
    norms[norms == 0] = 1.0
    Z = Z / norms
    kept: list[int] = []
    problems = []
    for j in range(Z.shape[1]):
        if not kept:
            if np.abs(Z[:, j]).max() > 0:
                kept.append(j)
            else:
                problems.append((X.columns[j], []))
            continue
        A = Z[:, kept]
        coef, *_ = np.linalg.lstsq(A, Z[:, j], rcond=None)
        resid = Z[:, j] - A @ coef
        if np.linalg.norm(resid) < 1e-8:
            partners = [X.columns[kept[i]] for i in np.flatnonzero(np.abs(coef) > 1e-8)]
            problems.append((X.columns[j], partners))
        else:
            kept.append(j)
    return problems


def _ward_design(rng, n_wards, months, with_intercept=True, drop_first=False):
    wards = np.repeat(np.arange(n_wards), months)
    cols = {}
    if with_intercept:
        cols["const"] = np.ones(len(wards))
    cols["x"] = rng.normal(size=len(wards))
    cols["season_sin"] = np.sin(np.tile(np.arange(months), n_wards))
    for w in range(1 if drop_first else 0, n_wards):
        cols[f"ward={w}"] = (wards == w).astype(float)
    return pd.DataFrame(cols)


def _random_design(rng, n=60, k=8):
    X = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"c{i}" for i in range(k)])
    X.insert(0, "const", 1.0)
    return X


PLANTS = ["duplicate", "sum", "scaled_sum", "zero", "constant", "ward_set_with_intercept", "none"]


@pytest.mark.parametrize("plant", PLANTS)
@pytest.mark.parametrize("seed", range(5))
def test_same_as_reference_on_planted_collinearities(plant, seed):
    rng = np.random.default_rng(seed)
    if plant == "ward_set_with_intercept":
        X = _ward_design(rng, n_wards=int(rng.integers(3, 15)), months=int(rng.integers(4, 20)))
        X["x_again"] = 3 * X["x"] - X["season_sin"]
    else:
        X = _random_design(rng, n=int(rng.integers(20, 80)), k=int(rng.integers(3, 10)))
        a, b = rng.choice(X.columns[1:], size=2, replace=False)
        if plant == "duplicate":
            X.insert(int(rng.integers(X.columns.get_loc(a) + 1, X.shape[1] + 1)), "dup", X[a])
        elif plant == "sum":
            X["sum"] = X[a] + X[b]
        elif plant == "scaled_sum":
            X.insert(X.shape[1] // 2 + 1, "mix", 1e3 * X["const"] - 0.5 * X[X.columns[1]])
        elif plant == "zero":
            X.insert(0, "nothing", 0.0)
            X["nothing_again"] = 0.0
        elif plant == "constant":
            X["seven"] = 7.0
    got = collinear_columns(X)
    want = reference_collinear_columns(X)
    assert got == want
    if plant != "none":
        assert want, "the planted collinearity must be found"


def test_same_as_reference_with_ward_dummies_before_the_intercept():
    rng = np.random.default_rng(11)
    X = _ward_design(rng, n_wards=25, months=12)
    X = X[[*X.columns[3:], "const", "x", "season_sin"]]  # every ward first, then the intercept they sum to
    X["ward=3_twice"] = 2 * X["ward=3"]
    got = collinear_columns(X)
    assert got == reference_collinear_columns(X)
    assert [c for c, _ in got] == ["const", "ward=3_twice"]
    assert got[0][1] == [f"ward={w}" for w in range(25)]


def test_nearly_collinear_column_is_settled_like_the_reference():
    # residual around 1e-6: the screen cannot decide it, the least-squares solve keeps it, as before
    rng = np.random.default_rng(3)
    X = _random_design(rng, n=50, k=4)
    X["almost"] = X["c0"] + X["c1"] + 1e-6 * rng.normal(size=50)
    X["after"] = X["c2"] - X["almost"]
    X["free"] = rng.normal(size=50)
    got = collinear_columns(X)
    assert got == reference_collinear_columns(X)
    assert [c for c, _ in got] == ["after"]


def _sample_direction_design(monkeypatch):
    seen = []
    original = prepare.collinear_columns

    def spy(X):
        seen.append(X.copy())
        return original(X)

    monkeypatch.setattr(prepare, "collinear_columns", spy)
    panel = build_panel(load_sample().tables)
    direction.which_comes_first(panel)
    assert seen, "which_comes_first no longer checks its design for collinear columns"
    # which_comes_first absorbs the ward effects (analysis.stats.counts.absorbed) and checks the design without
    # the ward indicators; the design with them, as fit_counts builds it, is the realistic test case here
    spec = prepare.CountModelSpec(lag=1, errors="fixed_effects", zeros=False)
    seen.clear()
    prepare.prepare(panel, spec)
    return seen[0]


def test_same_as_reference_on_the_sample_direction_design(monkeypatch):
    X = _sample_direction_design(monkeypatch)
    assert any(c.startswith("ward=") for c in X.columns)
    assert collinear_columns(X) == reference_collinear_columns(X) == []
    planted = X.copy()
    wards = [c for c in X.columns if c.startswith("ward=")]
    planted["first_ward"] = planted["const"] - planted[wards].sum(axis=1)  # the dropped ward's indicator
    planted["score_twice"] = 2 * planted[X.columns[1]]
    got = collinear_columns(planted)
    assert got == reference_collinear_columns(planted)
    assert [c for c, _ in got] == ["first_ward", "score_twice"]


def test_many_ward_indicators_need_no_solve_per_column(monkeypatch):
    """400 wards x 24 months: no column is solved on its own (the reference solved every one: 381 s here)."""
    rng = np.random.default_rng(5)
    X = _ward_design(rng, n_wards=400, months=24, drop_first=True)
    solves = []
    real = np.linalg.lstsq
    monkeypatch.setattr(np.linalg, "lstsq", lambda *a, **k: solves.append(1) or real(*a, **k))
    assert collinear_columns(X) == []
    assert solves == []

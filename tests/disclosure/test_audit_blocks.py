"""The suppression audit solved block by block gives exactly the whole-grid linear programme's answer.

`whole_grid_audit` is the audit as it was before it was split into blocks (one linear programme over every
cell of the grid, two solves per hidden cell). The block-wise audit must name the same cells on every grid:
tables with and without a total row, a total column, row totals known or not, under both presets, with
random hidden patterns (including ones that leave a cell pinned).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linprog

import analysis.disclosure.suppression as suppression
from analysis.disclosure.rules import RULES
from analysis.disclosure.suppression import _audit, build_grid


def whole_grid_audit(grid, hidden, rule) -> list[int]:
    if not grid.lines or not any(hidden):
        return []
    n = len(grid.values)
    bounds = []
    for k, v in enumerate(grid.values):
        total = k in grid.totals
        shown = None if math.isnan(v) else (rule.symbol if hidden[k] else rule.publish(v, total=total))
        lo, hi = rule.bounds(shown, total=total)
        bounds.append((lo, None if math.isinf(hi) else hi))
    a_eq = np.zeros((len(grid.lines), n))
    for r, (parts, total) in enumerate(grid.lines):
        a_eq[r, parts] = 1.0
        a_eq[r, total] -= 1.0
    b_eq = np.zeros(len(grid.lines))
    in_a_line = set(np.flatnonzero(np.abs(a_eq).sum(axis=0)))
    exposed = []
    for k in (k for k in range(n) if hidden[k] and k in in_a_line):
        c = np.zeros(n)
        c[k] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            exposed.append(k)
    return exposed


def random_grid(rng: np.random.Generator):
    """A grid as protect_table builds it, and a hidden pattern: the small counts plus a few others."""
    n_rows, n_cols = int(rng.integers(1, 7)), int(rng.integers(1, 5))
    kind = rng.choice(["zero", "small", "large"], size=(n_rows, n_cols), p=[0.2, 0.35, 0.45])
    values = np.where(kind == "zero", 0, np.where(kind == "small", rng.integers(1, 8, (n_rows, n_cols)), 0))
    values = np.where(kind == "large", rng.integers(8, 60, (n_rows, n_cols)), values).astype(float)
    if rng.random() < 0.1:
        values[rng.integers(n_rows), rng.integers(n_cols)] = np.nan
    tcol = None
    if n_cols > 1 and rng.random() < 0.4:
        values = np.column_stack([values, np.nansum(values, axis=1)])
        tcol = n_cols
    total_pos = None
    if rng.random() < 0.4:
        values = np.vstack([values, np.nansum(values, axis=0)])
        total_pos = n_rows
    body = list(range(n_rows))
    grid, ids = build_grid(
        values,
        body,
        list(range(n_cols)),
        total_pos,
        tcol,
        column_totals_known=bool(rng.random() < 0.8),
        row_totals_known=bool(rng.random() < 0.4),
    )
    if total_pos is not None:
        grid.totals |= {ids[(total_pos, j)] for j in range(values.shape[1])}
    if tcol is not None:
        grid.totals |= {ids[(i, tcol)] for i in range(values.shape[0])}
    rule = RULES[str(rng.choice(sorted(RULES)))]
    hidden = [
        grid.in_frame[k] and not math.isnan(v) and (rule.low <= v <= rule.high or rng.random() < 0.15)
        for k, v in enumerate(grid.values)
    ]
    return grid, hidden, rule


def test_block_audit_names_the_same_cells_as_the_whole_grid_programme():
    rng = np.random.default_rng(20261205)
    pinned = multi_line = 0
    for _ in range(400):
        grid, hidden, rule = random_grid(rng)
        expected = whole_grid_audit(grid, hidden, rule)
        assert _audit(grid, hidden, rule) == expected
        pinned += bool(expected)
        multi_line += any(len(b) > 1 for b in suppression._blocks(grid))
    assert pinned > 50 and multi_line > 50  # both paths, and cells that are pinned, were exercised


def test_a_table_without_row_totals_needs_no_linear_programme(monkeypatch):
    """Each count column of a ward table is one line: its cells' ranges are worked out without a solver,
    so a 1,000-ward table is audited in milliseconds (it took most of the pack's build time)."""

    def refuse(*args, **kwargs):
        raise AssertionError("linprog called for single-line blocks")

    rng = np.random.default_rng(7)
    values = rng.integers(0, 40, (1000, 4)).astype(float)
    grid, _ = build_grid(values, list(range(1000)), [0, 1, 2, 3], None, None, True, False)
    rule = RULES["nhs_england"]
    hidden = [grid.in_frame[k] and 1 <= v <= 7 for k, v in enumerate(grid.values)]
    expected = whole_grid_audit(grid, hidden, rule)
    monkeypatch.setattr(suppression, "linprog", refuse)
    assert _audit(grid, hidden, rule) == expected


def test_one_line_ranges_match_the_worked_example():
    """Counts 1, 8 and 8 with a hospital total of 17 under nhs_england: shown *, 10, 10 and total 15; the
    8s are in [8, 12] and the total in [13, 17], so the hidden cell is in [13 - 24, 17 - 16] = [1, 1]."""
    rule = RULES["nhs_england"]
    grid, _ = build_grid(np.array([[1.0], [8.0], [8.0]]), [0, 1, 2], [0], None, None, True, False)
    hidden = [True, False, False, False]
    assert _audit(grid, hidden, rule) == [0]
    assert _audit(grid, [True, True, False, False], rule) == []


@pytest.mark.parametrize("preset", sorted(RULES))
def test_inconsistent_published_values_pin_nothing_as_before(preset):
    rule = RULES[preset]
    grid, _ = build_grid(np.array([[3.0], [40.0]]), [0, 1], [0], None, None, True, False)
    grid.values[-1] = 10.0  # a published total below one of its shown parts: no table fits
    hidden = [True, False, False]
    assert _audit(grid, hidden, rule) == whole_grid_audit(grid, hidden, rule) == []

"""Secondary suppression and its audit: no hidden count can be worked out from what is shown."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog

from analysis.disclosure.rules import DisclosureError, DisclosureRule


class Grid:
    """Cells (true counts) and the lines (parts add up to a total) a reader can use."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.in_frame: list[bool] = []
        self.totals: set[int] = set()  # cells published as totals (rounded to the rule's total base)
        self.lines: list[tuple[list[int], int]] = []

    def add(self, value: float, in_frame: bool = True) -> int:
        self.values.append(value)
        self.in_frame.append(in_frame)
        return len(self.values) - 1


def build_grid(values, body, parts_cols, total_pos, tcol, column_totals_known, row_totals_known):
    grid = Grid()
    ids = {(i, j): grid.add(values[i, j]) for i in range(values.shape[0]) for j in range(values.shape[1])}
    line_cols = parts_cols + ([tcol] if tcol is not None else [])
    for j in line_cols:
        col = [ids[(i, j)] for i in body]
        if total_pos is not None:
            grid.lines.append((col, ids[(total_pos, j)]))
        elif column_totals_known:
            grid.lines.append((col, grid.add(float(np.nansum(values[body, j])), in_frame=False)))
    rows = body + ([total_pos] if total_pos is not None else [])
    for i in rows:
        row = [ids[(i, j)] for j in parts_cols]
        if tcol is not None:
            grid.lines.append((row, ids[(i, tcol)]))
        elif row_totals_known and len(row) > 1:
            grid.lines.append((row, grid.add(float(np.nansum(values[i, parts_cols])), in_frame=False)))
    return grid, ids


def suppress(grid: Grid, hidden: list[bool], rule: DisclosureRule) -> list[bool]:
    hidden = list(hidden)
    unknown = [h or math.isnan(v) for h, v in zip(hidden, grid.values)]
    for _ in range(len(grid.values) + 1):
        changed = True
        while changed:
            changed = False
            for parts, total in grid.lines:
                if sum(unknown[k] for k in parts + [total]) == 1:
                    k = _pick(grid, unknown, parts, total)
                    if k is not None:
                        hidden[k] = unknown[k] = changed = True
        exposed = _audit(grid, hidden, rule)
        if not exposed:
            return hidden
        picked = None
        for k in exposed:
            for parts, total in grid.lines:
                if k in parts or k == total:
                    picked = _pick(grid, unknown, parts, total, avoid_dead_ends=False)
                    if picked is not None:
                        break
            if picked is not None:
                break
        if picked is None:
            raise DisclosureError(
                "A hidden count could still be worked out from the published totals, and no other "
                "cell can be hidden to prevent it. Combine small rows or columns, or do not publish the totals."
            )
        hidden[picked] = unknown[picked] = True
    raise DisclosureError("Secondary suppression did not settle.")  # pragma: no cover


def _candidates(grid: Grid, unknown: list[bool], parts: list[int], total: int) -> list[int]:
    ok = [k for k in parts if grid.in_frame[k] and not unknown[k] and grid.values[k] > 0]
    if not ok and grid.in_frame[total] and not unknown[total] and grid.values[total] > 0:
        ok = [total]
    return ok


def _pick(grid, unknown, parts, total, avoid_dead_ends=True) -> int | None:
    """The smallest shown non-zero cell of the line, preferring ones that strand no other line."""
    options = _candidates(grid, unknown, parts, total)
    if not options:
        return None

    def dead_end(k: int) -> bool:
        trial = list(unknown)
        trial[k] = True
        for p, t in grid.lines:
            cells = p + [t]
            stranded = k in cells and (p, t) != (parts, total) and sum(trial[c] for c in cells) == 1
            if stranded and not _candidates(grid, trial, p, t):
                return True
        return False

    return min(options, key=lambda k: ((dead_end(k) if avoid_dead_ends else False), grid.values[k], k))


def _audit(grid: Grid, hidden: list[bool], rule: DisclosureRule) -> list[int]:
    """Hidden cells a reader could pin to one value from what is published (LP min = max)."""
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

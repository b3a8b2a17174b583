"""Secondary suppression and its audit: no hidden count can be worked out from what is shown."""

from __future__ import annotations

import math

import numpy as np

from analysis._lazy import lazy_attr
from analysis.disclosure.rules import DisclosureError, DisclosureRule

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
linprog = lazy_attr("scipy.optimize", "linprog")


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
    """Hidden cells a reader could pin to one value from what is published (min = max over every table
    consistent with it).

    The lines fall apart into independent blocks (connected components of the cells they share), and a
    cell's range depends only on its own block, so each block is solved on its own: a block of one line
    (every count column of a table without row totals) in closed form, a larger one by linear programming
    over its cells only. Both give exactly the linear programme's answer over the whole grid: the
    published values are consistent (the true counts satisfy every line), so the blocks are feasible
    together, and the range of one cell in a single equation over boxed variables is the intersection of
    its box with the range of the rest of the equation.
    """
    if not grid.lines or not any(hidden):
        return []
    bounds = []
    for k, v in enumerate(grid.values):
        total = k in grid.totals
        shown = None if math.isnan(v) else (rule.symbol if hidden[k] else rule.publish(v, total=total))
        bounds.append(rule.bounds(shown, total=total))
    exposed: list[int] = []
    for lines in _blocks(grid):
        cells = sorted({k for parts, total in lines for k in (*parts, total)})
        if len(lines) == 1:
            ranges = _line_ranges(lines[0], bounds)
            if ranges is None:  # inconsistent published values: as the whole programme, nothing is pinned
                return []
            exposed += [k for k in cells if hidden[k] and ranges[k][1] - ranges[k][0] < 0.5]
            continue
        found = _block_lp(lines, cells, bounds, hidden)
        if found is None:
            return []
        exposed += found
    return sorted(exposed)


def _blocks(grid: Grid) -> list[list[tuple[list[int], int]]]:
    """The lines grouped into independent blocks: lines sharing a cell (directly or through others) together."""
    parent = list(range(len(grid.lines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[int, int] = {}
    for r, (parts, total) in enumerate(grid.lines):
        for k in (*parts, total):
            if k in owner:
                a, b = root(owner[k]), root(r)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[k] = r
    groups: dict[int, list[tuple[list[int], int]]] = {}
    for r, line in enumerate(grid.lines):
        groups.setdefault(root(r), []).append(line)
    return list(groups.values())


def _line_ranges(line: tuple[list[int], int], bounds: list[tuple[float, float]]) -> dict | None:
    """Each cell's (min, max) in one line `sum(parts) = total` over boxed cells; None when no value fits."""
    parts, total = line
    lo_sum = sum(bounds[j][0] for j in parts)
    unbounded = sum(math.isinf(bounds[j][1]) for j in parts)  # parts with no upper bound (hidden cells)
    finite_hi = sum(bounds[j][1] for j in parts if not math.isinf(bounds[j][1]))
    hi_sum = math.inf if unbounded else finite_hi
    t_lo, t_hi = bounds[total]
    if max(lo_sum, t_lo) > min(hi_sum, t_hi):
        return None
    out = {total: (max(t_lo, lo_sum), min(t_hi, hi_sum))}
    for k in parts:
        lo, hi = bounds[k]
        if math.isinf(hi):
            rest_hi = math.inf if unbounded > 1 else finite_hi
        else:
            rest_hi = math.inf if unbounded else finite_hi - hi
        out[k] = (max(lo, t_lo - rest_hi), min(hi, t_hi - (lo_sum - lo)))
    return out


def _block_lp(lines, cells: list[int], bounds, hidden: list[bool]) -> list[int] | None:
    """Hidden cells of one block pinned by linear programming over the block's cells; None if infeasible."""
    col = {k: n for n, k in enumerate(cells)}
    a_eq = np.zeros((len(lines), len(cells)))
    for r, (parts, total) in enumerate(lines):
        a_eq[r, [col[k] for k in parts]] = 1.0
        a_eq[r, col[total]] -= 1.0
    b_eq = np.zeros(len(lines))
    lp_bounds = [(bounds[k][0], None if math.isinf(bounds[k][1]) else bounds[k][1]) for k in cells]
    in_a_line = set(np.flatnonzero(np.abs(a_eq).sum(axis=0)))
    if not any(hidden[k] and col[k] in in_a_line for k in cells):  # only whether the block is consistent
        check = linprog(np.zeros(len(cells)), A_eq=a_eq, b_eq=b_eq, bounds=lp_bounds, method="highs")
        return None if check.status == 2 else []
    exposed = []
    for k in cells:
        if not hidden[k] or col[k] not in in_a_line:
            continue
        c = np.zeros(len(cells))
        c[col[k]] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=lp_bounds, method="highs")
        if low.status == 2:
            return None
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=lp_bounds, method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            exposed.append(k)
    return exposed

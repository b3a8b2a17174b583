"""What a load gives (`LoadResult`): the parsed tables and every problem found, recorded one row at a time
(`_Collector`), put in order, and the same result with the rows that have errors dropped (`without_bad_rows`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from analysis.data.crosschecks import cross_check

PROBLEM_COLUMNS = ["severity", "sheet", "row", "column", "value", "problem"]
_DETAIL = PROBLEM_COLUMNS + ["table", "pos", "origin"]


def _frame(records: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=columns)
    if "row" in df:
        df["row"] = df["row"].astype("Int64")
    if "pos" in df:
        df["pos"] = df["pos"].astype("Int64")
    for c in ("severity", "sheet", "column", "value", "problem", "table", "origin"):
        if c in df:
            df[c] = df[c].fillna("").astype("str")
    if "n_missing" in df:
        df["n_missing"] = df["n_missing"].astype("int64")
    return df


@dataclass
class LoadResult:
    """What an upload gave: parsed tables, every problem found, and whether it was refused."""

    tables: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    dropped_columns: pd.DataFrame
    missing: pd.DataFrame
    refused: str | None
    source_name: str
    content_hash: str
    _detail: pd.DataFrame = field(default_factory=lambda: _frame([], _DETAIL), repr=False)
    _rows: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _sheets: dict[str, str] = field(default_factory=dict, repr=False)
    _context: dict | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.refused is None and self.error_count == 0

    @property
    def error_count(self) -> int:
        return int((self.problems["severity"] == "error").sum())

    @property
    def warning_count(self) -> int:
        return int((self.problems["severity"] == "warning").sum())

    def without_bad_rows(self) -> LoadResult:
        """Drop every row with an error (and rows that then lose their ward), listing them as dropped."""
        if self.refused is not None:
            return self
        return _drop_bad_rows(self)


class _Collector:
    def __init__(self) -> None:
        self.records: list[dict] = []

    def add(
        self,
        severity: str,
        sheet: str,
        problem: str,
        row=None,
        column: str = "",
        value: str = "",
        table: str = "",
        pos=None,
        origin: str = "sheet",
    ) -> None:
        self.records.append(
            {
                "severity": severity,
                "sheet": sheet,
                "row": row,
                "column": column,
                "value": value,
                "problem": problem,
                "table": table,
                "pos": pos,
                "origin": origin,
            }
        )


def _add_cross(out: _Collector, tables: dict, rows: dict, names: dict, context: dict | None) -> None:
    for issue in cross_check(tables, context):
        pos = issue.index
        out.add(
            issue.severity,
            names.get(issue.table, issue.table),
            issue.problem,
            row=None if pos is None else rows[issue.table][pos],
            column=issue.column,
            value=issue.value,
            table=issue.table,
            pos=pos,
            origin="cross",
        )


def _result(
    tables, out: _Collector, dropped, missing, refused, source_name, content_hash, rows, names, context
) -> LoadResult:
    detail = _frame(out.records, _DETAIL)
    if len(detail):  # group by sheet (in the order met), then spreadsheet row
        first_seen = {name: i for i, name in reversed(list(enumerate(detail["sheet"])))}
        order = pd.DataFrame({"s": detail["sheet"].map(first_seen), "r": detail["row"].fillna(0)})
        detail = detail.loc[order.sort_values(["s", "r"], kind="stable").index].reset_index(drop=True)
    return LoadResult(
        tables=tables,
        problems=detail[PROBLEM_COLUMNS].copy(),
        dropped_columns=_frame(dropped, ["sheet", "column"]),
        missing=_frame(missing, ["sheet", "column", "n_missing"]),
        refused=refused,
        source_name=source_name,
        content_hash=content_hash,
        _detail=detail,
        _rows=rows,
        _sheets=names,
        _context=context,
    )


def _drop_bad_rows(result: LoadResult) -> LoadResult:
    detail = result._detail
    tables = {t: df.copy() for t, df in result.tables.items()}
    rows = {t: list(r) for t, r in result._rows.items()}
    bad = (detail["severity"] == "error") & detail["pos"].notna() & detail["table"].isin(list(tables))
    dropped_records = detail[bad].to_dict("records")
    kept_records = detail[~bad & (detail["origin"] != "cross")].to_dict("records")
    to_drop = {t: set(detail.loc[bad & (detail["table"] == t), "pos"].astype(int)) for t in tables}
    while any(to_drop.values()):
        for t, positions in to_drop.items():
            if positions:
                mask = ~pd.Series(range(len(tables[t]))).isin(positions).to_numpy()
                tables[t] = tables[t][mask].reset_index(drop=True)
                rows[t] = [r for r, k in zip(rows[t], mask) if k]
        to_drop = {t: set() for t in tables}
        for issue in cross_check(tables, result._context):
            if issue.severity == "error" and issue.index is not None:
                to_drop[issue.table].add(issue.index)
                dropped_records.append(
                    {
                        "severity": "error",
                        "sheet": result._sheets.get(issue.table, issue.table),
                        "row": rows[issue.table][issue.index],
                        "column": issue.column,
                        "value": issue.value,
                        "problem": issue.problem,
                        "table": issue.table,
                        "pos": None,
                        "origin": "cross",
                    }
                )
    out = _Collector()
    out.records = [dict(r, pos=None) for r in kept_records]
    _add_cross(out, tables, rows, result._sheets, result._context)
    for r in dropped_records:
        out.records.append(dict(r, severity="info", problem="dropped: " + r["problem"], pos=None))
    tables = {t: df for t, df in tables.items() if len(df)}
    fresh = _result(tables, out, [], [], None, "", "", {}, {}, None)
    return replace(
        result, tables=tables, problems=fresh.problems, _detail=fresh._detail, _rows={t: rows[t] for t in tables}
    )

"""From a raw sheet to a contract table: which table a sheet or file holds, its columns matched to the table's
fields (unknown, repeated and missing columns reported), each column parsed by its field's kind, then checked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data import contract
from analysis.data.crosschecks import REQUIRED_TABLES
from analysis.data.decimal_commas import _decimal_commas, _unread_commas
from analysis.data.load_result import _Collector
from analysis.data.parsing import cell_text, normalise_name, parse_column
from analysis.data.readers import RawSheet, col_letter
from analysis.data.reference import default_instrument
from analysis.data.schema_checks import _schema_problems
from analysis.text import fmt_number, listed, plural_word

_UNKNOWN_NAMED = 5  # up to this many unknown columns of a sheet get a note each; past it, one note names the first


def _table_for(name: str) -> str | None:
    import re

    key = normalise_name(re.sub(r"\s*\(\d+\)$", "", str(name)))  # 'ward_months (1).csv' from a browser
    return key if key in contract.TABLES else None


def _instrument_for(tables: dict, context: dict | None) -> pd.DataFrame:
    for source in (tables, context or {}):
        inst = source.get("instrument")
        if inst is not None and len(inst):
            inst = inst.dropna(subset=["item", "scale_min", "scale_max"]).drop_duplicates("item")
            if len(inst):
                return inst
    return default_instrument()


def _kind_fields(table: contract.Table, instrument: pd.DataFrame | None) -> list[contract.Field]:
    if not table.item_columns or instrument is None:
        return list(table.fields)
    items = [contract.Field(str(i), "number", "item", required=False, nullable=True) for i in instrument["item"]]
    return list(table.fields) + items


def _parse_sheet(
    t: str,
    sheet: RawSheet,
    out: _Collector,
    dropped: list,
    missing: list,
    instrument: pd.DataFrame,
    context: dict | None,
) -> pd.DataFrame | None:
    table = contract.TABLES[t]
    fields = _kind_fields(table, instrument)
    known = {normalise_name(f.name): f for f in fields}
    seen: dict[str, int] = {}
    unknown: list[str] = []
    for i, h in enumerate(sheet.header):
        name = normalise_name(h)
        label = cell_text(h).strip() or f"(no header, column {col_letter(i)})"
        if name in known and known[name].name in seen:
            first = col_letter(seen[known[name].name])
            out.add(
                "error",
                sheet.name,
                f"the column '{label}' appears more than once (columns {first} and {col_letter(i)}); keep one",
                column=known[name].name,
                table=t,
            )
        elif name in known:
            seen[known[name].name] = i
        elif any(name.startswith(prefix) for prefix, _ in table.column_families):
            words = next(w for prefix, w in table.column_families if name.startswith(prefix))
            problem = f"the column '{label}' is not one this table knows, so its figures would be lost: {words}"
            out.add("error", sheet.name, problem, column=label, table=t)
        else:
            dropped.append({"sheet": sheet.name, "column": label})
            unknown.append(label)
    if len(unknown) > _UNKNOWN_NAMED:
        out.add(
            "info",
            sheet.name,
            f"{fmt_number(len(unknown))} columns are not part of the data contract and were not imported: "
            + listed([f"'{u}'" for u in unknown], most=_UNKNOWN_NAMED, rest="more (listed under Columns not used)"),
            table=t,
        )
    else:
        for label in unknown:
            out.add(
                "info",
                sheet.name,
                f"the column '{label}' is not part of the data contract and was not imported",
                column=label,
                table=t,
            )
    absent = [f.name for f in table.fields if f.required and f.name not in seen]
    if absent:
        out.add(
            "error",
            sheet.name,
            f"missing required {plural_word(len(absent), 'column')}: " + ", ".join(absent),
            column=", ".join(absent),
            table=t,
        )
    if not len(sheet.body):
        if t not in REQUIRED_TABLES:  # an empty required sheet is reported by the cross-table checks
            out.add("info", sheet.name, "the sheet has no rows; nothing was imported from it", table=t)
        return None
    columns: dict[str, pd.Series] = {}
    bad_cells: set[tuple[int, str]] = set()
    raws = {f.name: sheet.body.iloc[:, seen[f.name]].reset_index(drop=True) for f in fields if f.name in seen}
    commas = _decimal_commas(sheet, [f for f in fields if f.name in seen], raws, out, t)
    for f in fields:
        if f.name not in seen:
            if f in table.fields:
                columns[f.name] = pd.Series([None] * len(sheet.body), dtype=_DTYPES.get(f.kind, "str"))
            continue
        raw, read_as = raws[f.name], commas.get(f.name)
        parsed = parse_column(
            raw if read_as is None else read_as, f.kind, f.choices, f.limit, f.ceiling_words, f.happened
        )
        columns[f.name] = parsed.values
        if parsed.n_missing:
            missing.append({"sheet": sheet.name, "column": f.name, "n_missing": parsed.n_missing})
        unread = (
            _unread_commas(sheet, f.name, raw, parsed.errors, out, t) if f.name in commas and read_as is None else set()
        )
        for pos, message in parsed.errors:
            bad_cells.add((pos, f.name))
            if pos in unread:
                continue  # one message for the column says it
            out.add(
                "error",
                sheet.name,
                message,
                row=sheet.rows[pos],
                column=f.name,
                value=cell_text(raw[pos]),
                table=t,
                pos=pos,
                origin="parse",
            )
    df = pd.DataFrame(columns)
    _schema_problems(t, df, instrument, sheet, seen, bad_cells, out)
    for f in table.fields:
        if f.kind == "count":  # whole numbers as Int64; the rest (reported by the schema) become blank
            x = df[f.name].to_numpy(dtype="float64")
            whole = np.isfinite(x) & (np.floor(x) == x)
            df[f.name] = pd.Series(np.where(whole, x, np.nan), index=df.index).astype("Int64")
    return df


_DTYPES = {
    "month": "datetime64[ns]",
    "date": "datetime64[ns]",
    "count": "float64",
    "number": "float64",
    "flag": "boolean",
}

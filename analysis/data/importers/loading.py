"""An opened raw file's wanted columns into DuckDB (`load`): a workbook's rows as an Arrow table, a Parquet file
read where it is, a text file through DuckDB's read_csv (again with short rows padded, and again from a Windows-1252
copy when the text is not UTF-8 past the part checked first). Columns not asked for are never selected."""

from __future__ import annotations

import datetime as dt
import os

from analysis.data.importers.profile import label_key
from analysis.data.importers.tables import ENCODING_WORDS, Opened, _cell, _transcode


def run(con, sql: str, params: list | None = None) -> None:
    """Run a statement that returns nothing to read (CREATE, DROP), finishing its result."""
    con.execute(sql, params or []).fetchall()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _picks(opened: Opened, take: dict[str, str]) -> dict[str, int]:
    index = {label_key(c): j for j, c in enumerate(opened.layout.columns)}
    return {new: index[label_key(col)] for new, col in take.items()}


def _csv_source(opened: Opened, padding: bool) -> str:
    """DuckDB's read_csv of a text file as text columns c0, c1, ... (`padding`: short rows padded with NULLs,
    read in one thread)."""
    layout = opened.layout
    cols = "{" + ", ".join(f"'c{j}': 'VARCHAR'" for j in range(len(layout.columns))) + "}"
    path = opened.path.replace("'", "''")
    delim = layout.delimiter.replace("'", "''")
    tail = "null_padding=true, parallel=false)" if padding else "null_padding=false)"
    return (
        f"read_csv('{path}', delim='{delim}', header=false, skip={opened.skip_lines}, columns={cols}, "
        "quote='\"', escape='\"', auto_detect=false, strict_mode=false, encoding='utf-8', " + tail
    )


def _retry_as_cp1252(opened: Opened) -> None:
    """Windows text past the part checked before reading: decode it all as Windows-1252 (a new temporary copy)."""
    layout = opened.layout
    layout.encoding = "cp1252-bom" if layout.encoding == "utf-8-sig" else "cp1252"
    layout.notes.append(f"the file is written in {ENCODING_WORDS[layout.encoding]}; it was read as such")
    source = opened.path
    opened.path = _transcode(source, layout.encoding)
    if opened._temp and os.path.exists(opened._temp):
        os.unlink(opened._temp)
    opened._temp = opened.path


def _read_text(opened: Opened, attempt) -> None:
    """`attempt(source)` with the file's read_csv: again with short rows padded when the rows are ragged, and
    again from a Windows-1252 copy when DuckDB meets text that is not UTF-8 past the part checked first."""
    try:
        try:
            attempt(_csv_source(opened, False))
        except Exception as e:
            if "unicode" in str(e).lower():
                raise
            attempt(_csv_source(opened, True))
    except Exception as e:
        if "unicode" not in str(e).lower() or opened.layout.encoding.startswith("cp1252"):
            raise
        _retry_as_cp1252(opened)
        _read_text(opened, attempt)


def load(con, opened: Opened, take: dict[str, str], table: str = "raw") -> None:
    """Create DuckDB table `table`: a ``row`` column (the spreadsheet row) and one VARCHAR column per entry of
    `take` (new name -> the file's column name), for every row below the header that has a value in one of them.
    Other columns are never selected."""
    layout = opened.layout
    picks = _picks(opened, take)
    some = " OR ".join(f'"{n}" IS NOT NULL' for n in picks) or "true"
    if opened.rows is not None:
        _register_rows(con, opened, picks)
        select = ", ".join(f'nullif(trim("{n}"), \'\') AS "{n}"' for n in picks)
        run(con, f'CREATE OR REPLACE TABLE {table}_t AS SELECT "row", {select} FROM arrow_rows')
        run(con, f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {table}_t WHERE {some}")
        return
    if opened.parquet:
        path = opened.path.replace("'", "''")
        select = ", ".join(f"nullif(CAST({_q(layout.columns[j])} AS VARCHAR), '') AS \"{n}\"" for n, j in picks.items())
        # a file of the user's own is read where it is, each query taking only its columns (Parquet is columnar);
        # an upload's temporary copy is gone after the import, so its rows are kept in the engine
        kind = "VIEW" if opened._temp is None else "TABLE"
        run(
            con,
            f'CREATE OR REPLACE {kind} {table}_t AS SELECT CAST(file_row_number AS BIGINT) + {opened.first_row} AS "row", '
            f"{select} FROM read_parquet('{path}', file_row_number=true)",
        )
        run(con, f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {table}_t WHERE {some}")
        return
    select = ", ".join(f'c{j} AS "{n}"' for n, j in picks.items())  # empty cells are NULL; spaces kept
    _read_text(opened, lambda src: run(con, f"CREATE OR REPLACE TABLE {table}_t AS SELECT {select} FROM {src}"))
    run(
        con,
        f'CREATE OR REPLACE VIEW {table} AS SELECT CAST(rowid AS BIGINT) + {opened.first_row} AS "row", * '
        f"FROM {table}_t WHERE {some}",
    )


def _text_cells(cells: list):
    """A workbook column's cells as `_cell` writes them, as a pyarrow string array: a column of numbers only or of
    date-times only converted at once, any other cell by `_cell`."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kinds = set(map(type, cells))
    if kinds <= {str}:
        return pa.array(cells, pa.string())
    if kinds == {float}:
        a = np.asarray(cells, dtype=float)
        whole = np.isfinite(a) & (np.floor(a) == a) & (np.abs(a) < 2.0**53)
        out = np.where(whole, a, 0).astype(np.int64).astype(str).astype(object)
        for i in np.flatnonzero(~whole):
            out[i] = _cell(cells[i])
        return pa.array(out, pa.string())
    if kinds == {dt.datetime} and all(v.tzinfo is None for v in cells):
        ts = pa.array(cells, pa.timestamp("us")).cast(pa.timestamp("s"), safe=False)
        timed = pc.not_equal(pc.cast(pc.subtract(ts, pc.floor_temporal(ts, unit="day")), pa.int64()), 0)
        return pc.if_else(timed, pc.strftime(ts, "%Y-%m-%d %H:%M:%S"), pc.strftime(ts, "%Y-%m-%d"))
    return pa.array([_cell(v) for v in cells], pa.string())


def _register_rows(con, opened: Opened, picks: dict[str, int]) -> None:
    """A workbook's rows as the Arrow table ``arrow_rows`` (``row`` and the picked cells as text)."""
    import pyarrow as pa

    cols = {}
    for new, j in picks.items():
        cols[new] = _text_cells([r[j] if j < len(r) else "" for r in opened.rows])
    cols["row"] = pa.array(range(opened.first_row, opened.first_row + len(opened.rows)), pa.int64())
    con.register("arrow_rows", pa.table(cols))

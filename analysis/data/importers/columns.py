"""The mapped columns of a listing streamed out of DuckDB in one pass, dictionary-encoded (an incident listing of
millions of rows: each distinct text once and a small integer a row), and the identifier check on their values.

`tables.open_file` has found the layout; `read_columns` reads only the columns asked for.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from analysis.data.identifiers import check_digit_ok
from analysis.data.importers.loading import _picks, _q, _read_text, _register_rows
from analysis.data.importers.tables import Opened

BATCH_ROWS = 1 << 20  # rows per batch streamed out of DuckDB while the columns are encoded
ENCODERS = max(1, min(4, os.cpu_count() or 1))  # threads encoding a batch's columns


@dataclass
class Columns:
    """The picked columns of every row that has a value in one of them, and each row's number as a spreadsheet
    shows it.

    Columns of few distinct values are dictionary-encoded: each distinct text once, then a small integer (its
    code) per row, so a listing of millions of rows is held in a few bytes a row and its distinct values are its
    dictionaries. A `plain` column (the reference) is kept as text, with DuckDB's 64-bit hash of each cell.
    """

    rows: object  # numpy int64 array, ascending
    columns: dict  # name -> pyarrow.DictionaryArray; a plain column -> a pyarrow string ChunkedArray
    hashes: dict = field(default_factory=dict)  # plain column -> numpy uint64 array
    candidates: dict = field(default_factory=dict)  # column -> distinct cells shaped like a CHI or NHS number

    def __len__(self) -> int:
        return len(self.rows)

    def codes(self, name: str):
        """Each row's code (numpy int32) in an encoded column; an empty cell's is the number of distinct values."""
        import numpy as np
        import pyarrow.compute as pc

        arr = self.columns[name]
        idx = arr.indices if arr.null_count == 0 else pc.fill_null(arr.indices, len(arr.dictionary))
        return idx.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)

    def values(self, name: str) -> list:
        """The text of each code of `codes(name)`, the last (None) being an empty cell's."""
        return [*self.columns[name].dictionary.to_pylist(), None]

    def distinct(self, name: str):
        """An encoded column's distinct texts (a pyarrow string array)."""
        return self.columns[name].dictionary

    def text(self, name: str, keep=None):
        """A column's cells as a pandas text Series (missing where empty), of the rows where `keep` (a boolean
        array) is true."""
        import pyarrow as pa

        col = self.columns[name]
        if keep is not None:
            col = col.filter(pa.array(keep))
        return col.cast(pa.string()).to_pandas()


def _batches(reader):
    """The reader's record batches, the next read in a second thread while this one encodes the last (both
    release Python's lock: DuckDB converting its rows to Arrow, Arrow encoding them)."""
    import queue
    import threading

    ready: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in reader:
                while not stop.is_set():
                    try:
                        ready.put(("batch", batch), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(("end", None))
        except BaseException as e:  # handed to the reading thread, which raises it
            ready.put(("error", e))

    worker = threading.Thread(target=produce, name="listing-reader", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                ready.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


def read_columns(
    con,
    opened: Opened,
    take: dict[str, str],
    plain: tuple[str, ...] = (),
    only: tuple[str, ...] | None = None,
    check: tuple[str, ...] = (),
) -> Columns:
    """The columns of `take` (new name -> the file's column) of every row below the header that has a value in
    one of them, in one pass over the file, as `Columns`: the `plain` ones as text with a hash, the others
    dictionary-encoded; with `only`, just those are kept (the rows are still those with a value in any column of
    `take`). The cells of the `check` columns shaped like a CHI or NHS number are gathered in the same pass. The
    file is read by DuckDB exactly as `load` reads it (the same text for every cell and the same row numbers);
    nothing else of it is kept (a Parquet file's text columns are read by Arrow: `_parquet_columns`)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    picks = _picks(opened, take)
    names = [n for n in picks if only is None or n in only]
    plain = tuple(n for n in plain if n in names)
    check = tuple(n for n in check if n in picks)
    some = " OR ".join(f'"{n}" IS NOT NULL' for n in picks) or "true"
    out = [f'"{n}"' for n in names] + [f'hash("{n}") AS "_hash_{n}"' for n in plain]
    out += [f'CASE WHEN {_candidate_sql(n)} THEN "{n}" END AS "_check_{n}"' for n in check]

    def stream(sql: str) -> Columns:
        query = f"SELECT {', '.join(out)}, ({some}) AS _some FROM ({sql})"
        with ThreadPoolExecutor(max_workers=ENCODERS) as pool:
            return collect(pool, query)

    def collect(pool, query: str) -> Columns:
        parts: dict[str, list] = {n: [] for n in names}
        hashes: dict[str, list] = {n: [] for n in plain}
        shaped: dict[str, set] = {n: set() for n in check}
        rows: list = []
        start = 0
        for batch in _batches(con.sql(query).to_arrow_reader(BATCH_ROWS)):
            keep = batch.column("_some")
            whole = keep.true_count == batch.num_rows
            mask = keep.to_numpy(zero_copy_only=False)
            rows.append(np.arange(start, start + batch.num_rows, dtype=np.int64)[mask])
            start += batch.num_rows

            def encode(n: str, batch=batch, keep=keep, whole=whole):
                col = batch.column(n) if whole else batch.column(n).filter(keep)
                # a plain column is copied: a column of DuckDB's batch would keep the whole batch in memory
                return pa.concat_arrays([col, pa.array([], pa.string())]) if n in plain else pc.dictionary_encode(col)

            for n, done in zip(names, pool.map(encode, names)):  # columns side by side (Arrow releases the GIL)
                parts[n].append(done)
            for n in plain:
                hashes[n].append(batch.column(f"_hash_{n}").to_numpy(zero_copy_only=False)[mask])
            for n in check:
                found = batch.column(f"_check_{n}")
                if found.null_count < len(found) and len(shaped[n]) < 100_000:
                    shaped[n].update(v for v in found.drop_null().to_pylist())
        cols = {}
        coded = pa.dictionary(pa.int32(), pa.string())
        for n, chunks in parts.items():
            if n in plain:
                cols[n] = pa.chunked_array(chunks, pa.string())
            elif chunks:
                cols[n] = pa.chunked_array(chunks, coded).unify_dictionaries().combine_chunks()
            else:
                cols[n] = pa.array([], coded)
        found = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        hashed = {n: np.concatenate(h) if h else np.zeros(0, np.uint64) for n, h in hashes.items()}
        return Columns(found + opened.first_row, cols, hashed, {n: sorted(v) for n, v in shaped.items()})

    if opened.rows is not None:
        _register_rows(con, opened, picks)
        select = ", ".join(f'nullif(trim("{n}"), \'\') AS "{n}"' for n in picks)
        return stream(f"SELECT {select} FROM arrow_rows")
    if opened.parquet:
        return _parquet_columns(con, opened, picks, names, plain, check)
    select = ", ".join(f'c{j} AS "{n}"' for n, j in picks.items())  # empty cells are NULL; spaces kept
    got: list[Columns] = []
    _read_text(opened, lambda src: got.append(stream(f"SELECT {select} FROM {src}")))
    return got[-1]


def _parquet_columns(
    con, opened: Opened, picks: dict[str, int], names: list[str], plain: tuple, check: tuple
) -> Columns:
    """`read_columns` for a Parquet file: its text columns read by Arrow straight into dictionaries (Parquet
    stores them so), an empty text as an empty cell; the others (numbers, dates) and the plain ones through
    DuckDB's text for them, as `load` reads them. The rows kept are those with a value in any column."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    layout = opened.layout
    schema = pq.read_schema(opened.path)

    def textual(t) -> bool:
        if pa.types.is_dictionary(t):
            t = t.value_type
        return pa.types.is_string(t) or pa.types.is_large_string(t)

    fast = [n for n, j in picks.items() if n not in plain and textual(schema.field(layout.columns[j]).type)]
    slow = [n for n in picks if n not in fast]
    coded = pa.dictionary(pa.int32(), pa.string())
    cols: dict = {}
    if fast:
        files = [layout.columns[picks[n]] for n in fast]
        table = pq.read_table(opened.path, columns=files, read_dictionary=files)
        for n, f in zip(fast, files):
            col = table.column(f)
            col = col.cast(pa.dictionary(pa.int32(), col.type.value_type)) if pa.types.is_dictionary(col.type) else col
            col = col.unify_dictionaries().combine_chunks() if col.num_chunks else pa.array([], coded)
            col = pa.DictionaryArray.from_arrays(col.indices, col.dictionary.cast(pa.string()))
            blank = pc.index(col.dictionary, "").as_py()
            if blank >= 0:  # an empty text is an empty cell, as DuckDB's nullif makes it
                keep_idx = pc.if_else(pc.equal(col.indices, blank), pa.scalar(None, pa.int32()), col.indices)
                col = pa.DictionaryArray.from_arrays(keep_idx, col.dictionary)
            cols[n] = col
    hashes: dict = {}
    shaped: dict = {n: _shaped(cols[n].dictionary) if n in fast else set() for n in check}
    n_rows = pq.ParquetFile(opened.path).metadata.num_rows
    if slow:
        take = {n: layout.columns[picks[n]] for n in slow}
        path = opened.path.replace("'", "''")
        select = ", ".join(f"nullif(CAST({_q(f)} AS VARCHAR), '') AS \"{n}\"" for n, f in take.items())
        out = [f'"{n}"' for n in slow] + [f'hash("{n}") AS "_hash_{n}"' for n in plain]
        out += [f'CASE WHEN {_candidate_sql(n)} THEN "{n}" END AS "_check_{n}"' for n in check if n in slow]
        parts: dict[str, list] = {n: [] for n in slow}
        hashed: dict[str, list] = {n: [] for n in plain}
        query = f"SELECT {', '.join(out)} FROM (SELECT {select} FROM read_parquet('{path}'))"
        for batch in _batches(con.sql(query).to_arrow_reader(BATCH_ROWS)):
            for n in slow:
                col = batch.column(n)
                parts[n].append(
                    pa.concat_arrays([col, pa.array([], pa.string())]) if n in plain else pc.dictionary_encode(col)
                )
            for n in plain:
                hashed[n].append(batch.column(f"_hash_{n}").to_numpy(zero_copy_only=False))
            for n in check:
                if n in slow:
                    shaped[n].update(batch.column(f"_check_{n}").drop_null().to_pylist())
        for n, chunks in parts.items():
            if n in plain:
                cols[n] = pa.chunked_array(chunks, pa.string()).combine_chunks()
            else:
                cols[n] = (
                    pa.chunked_array(chunks, coded).unify_dictionaries().combine_chunks()
                    if chunks
                    else pa.array([], coded)
                )
        hashes = {n: np.concatenate(h) if h else np.zeros(0, np.uint64) for n, h in hashed.items()}
    some = np.zeros(n_rows, bool)
    for n in picks:
        some |= cols[n].is_valid().to_numpy(zero_copy_only=False)
    mask = pa.array(some)
    kept = {n: cols[n] if some.all() else cols[n].filter(mask) for n in names}
    kept = {n: pa.chunked_array([c]) if n in plain else c for n, c in kept.items()}
    return Columns(
        np.flatnonzero(some).astype(np.int64) + opened.first_row,
        kept,
        {n: h[some] for n, h in hashes.items()},
        {n: sorted(v)[:100_000] for n, v in shaped.items()},
    )


def _shaped(values) -> set:
    """The distinct texts of `values` (a pyarrow string array) that `_candidate_sql` would pass."""
    import pyarrow.compute as pc

    length = pc.utf8_length(values)
    near = values.filter(pc.fill_null(pc.and_(pc.greater_equal(length, 9), pc.less_equal(length, 14)), False))
    shaped = pc.match_substring_regex(pc.utf8_trim(near, " "), "^[0-9][0-9 \\-]{7,12}[0-9]$")
    return set(near.filter(pc.fill_null(shaped, False)).to_pylist())


def _candidate_sql(column: str) -> str:
    """SQL: the cell is 9 to 14 characters of digits, spaces and hyphens, starting and ending with a digit."""
    c = _q(column)
    return (
        f"(length({c}) BETWEEN 9 AND 14 AND (ascii({c}) BETWEEN 48 AND 57 OR ascii({c}) = 32) "  # a digit or a space first
        f"AND regexp_full_match(trim({c}), '[0-9][0-9 \\-]{{7,12}}[0-9]'))"
    )


def identifier_cells(candidates: dict) -> list[tuple[str, str]]:
    """(column, masked value) for the first cell of each column (`candidates`: column -> cells passing
    `_candidate_sql`) that is a CHI or NHS number (10 digits passing the check digit)."""
    found: dict[str, str] = {}
    for c, values in candidates.items():
        for v in values:
            d = re.sub(r"[ \-]", "", v)
            d = "0" + d if len(d) == 9 else d
            if len(d) == 10 and check_digit_ok(d):
                found[c] = d[:3] + "*" * 7
                break
    return list(found.items())


def identifier_values(con, table: str, columns: list[str]) -> list[tuple[str, str]]:
    """(column, masked value) for cells of `table`'s columns that are CHI or NHS numbers (10 digits passing the
    check digit; spaces and hyphens allowed). Only cells 9 to 14 characters long are looked at closely."""
    if not columns:
        return []
    tests = " OR ".join(_candidate_sql(c) for c in columns)
    picks = ", ".join(_q(c) for c in columns)
    cand = con.execute(f"SELECT DISTINCT {picks} FROM {table} WHERE {tests} LIMIT 100000").fetchall()
    found: dict[str, str] = {}
    for values in cand:
        for c, v in zip(columns, values):
            if c in found or v is None:
                continue
            d = re.sub(r"[ \-]", "", v)
            d = "0" + d if len(d) == 9 else d
            if len(d) == 10 and check_digit_ok(d):
                found[c] = d[:3] + "*" * 7
    return list(found.items())

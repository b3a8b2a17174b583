"""What every command shares: the --data / --store arguments, loading the data they name, and the validation
report a file gets (the same as the Data page's: errors, warnings, notes, columns not used, missing values)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from analysis.data.dataset import SAMPLE_DIR
from analysis.text import fmt_number, plural, plural_word


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", type=Path, help="a workbook, CSV, zip or folder of CSVs (default: the sample hospital)")
    src.add_argument("--store", nargs="?", const="", metavar="URL", help="read the store (default URL when none given)")


def read_file(path: Path):
    """A file named on the command line, read and checked as an upload is: in a worker process with a memory
    and time limit (analysis/data/worker.py), under the limits for a file named by whoever runs the app
    (`FILE_LIMITS`: national sizes pass, a zip bomb's packing does not), so a bad file costs one message."""
    from analysis.data.limits import FILE_LIMITS
    from analysis.data.worker import load_path_bounded

    return load_path_bounded(path, limits=FILE_LIMITS)


def load_data(args: argparse.Namespace):
    """The data set named by --data / --store, or the sample hospital."""
    from analysis.data.dataset import Dataset, load_sample, with_defaults

    if args.store is not None:
        from analysis.store.database import Store

        store = Store(args.store or None)
        return Dataset(with_defaults(store.load()), "store", "Imported data", False, {"url": store.url})
    if args.data is None or Path(args.data).resolve() == SAMPLE_DIR.resolve():
        return load_sample()
    result = read_file(args.data)
    if not result.ok:
        print_problems(result)
        raise SystemExit(1)
    return Dataset(with_defaults(result.tables), "file", str(args.data), False, {"content_hash": result.content_hash})


def _table(df: pd.DataFrame) -> str:
    return "\n".join("  " + line for line in df.to_string(index=False).splitlines())


def missing_values(result) -> pd.DataFrame:
    """Blank cells per column (columns with none left out), as the Data page lists them."""
    m = result.missing
    return m[m["n_missing"] > 0] if len(m) else m


def summary(result) -> dict:
    """The counts a script reads: errors, warnings, notes, columns not used, blank cells, refused."""
    notes = int((result.problems["severity"] == "info").sum()) if len(result.problems) else 0
    return {
        "ok": result.ok,
        "errors": result.error_count,
        "warnings": result.warning_count,
        "notes": notes,
        "columns_not_used": len(result.dropped_columns),
        "missing_values": int(missing_values(result)["n_missing"].sum()) if len(result.missing) else 0,
        "refused": bool(result.refused),
    }


def report_text(result) -> str:
    """The validation report in words, as the Data page gives it: the verdict, every problem (errors, then
    warnings, then notes), the columns not used and the missing values. Never "no problems" when anything
    was found."""
    from analysis.data.contract import TABLES

    if result.refused:
        return f"Refused: this file was refused and nothing from it was read or kept.\n{result.refused}"
    s = summary(result)
    found = [TABLES[t].title for t in TABLES if t in result.tables]
    tables = "Tables found: " + (", ".join(found) if found else "none") + "."
    if result.ok:
        below = [plural(s[k], w) for k, w in (("warnings", "warning"), ("notes", "note")) if s[k]]
        verdict = "The file passes every check" + (f" ({' and '.join(below)} below)" if below else "") + ". " + tables
    else:
        verdict = (
            f"The file has {plural(s['errors'], 'error')}. Each one is listed below with its sheet, row and column: "
            "correct them in the file and check it again. " + tables
        )
    lines = [
        verdict,
        f"Errors: {fmt_number(s['errors'])}. Warnings: {fmt_number(s['warnings'])}. Notes: {fmt_number(s['notes'])}.",
    ]
    problems = result.problems
    if len(problems):
        order = {"error": 0, "warning": 1, "info": 2}
        shown = problems.sort_values("severity", key=lambda c: c.map(order), kind="stable")
        shown = shown[["severity", "sheet", "row", "column", "value", "problem"]].copy()
        shown["severity"] = shown["severity"].replace({"info": "note"})
        shown["row"] = shown["row"].map(lambda r: "" if pd.isna(r) else fmt_number(r))
        lines += ["", "Problems found:", _table(shown)]
    dropped = result.dropped_columns
    if len(dropped):
        these = plural_word(len(dropped), "this column is", "these columns are")
        lines += [
            "",
            f"Columns not used ({fmt_number(len(dropped))}): {these} not part of the data contract and were left out.",
            _table(dropped),
        ]
    missing = missing_values(result)
    if len(missing):
        lines += ["", f"Missing values ({plural(s['missing_values'], 'blank cell')}):", _table(missing)]
    return "\n".join(lines)


def print_problems(result) -> None:
    print(report_text(result), file=sys.stderr)

"""What every command shares: the --data / --store arguments and loading the data they name."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.data.dataset import SAMPLE_DIR


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", type=Path, help="a workbook, CSV, zip or folder of CSVs (default: the sample hospital)")
    src.add_argument("--store", nargs="?", const="", metavar="URL", help="read the store (default URL when none given)")


def load_data(args: argparse.Namespace):
    """The data set named by --data / --store, or the sample hospital."""
    from analysis.data.dataset import Dataset, load_sample, with_defaults

    if args.store is not None:
        from analysis.store.database import Store

        store = Store(args.store or None)
        return Dataset(with_defaults(store.load()), "store", "Imported data", False, {"url": store.url})
    if args.data is None or Path(args.data).resolve() == SAMPLE_DIR.resolve():
        return load_sample()
    from analysis.data.loader import load_path

    result = load_path(args.data)
    if not result.ok:
        print_problems(result)
        raise SystemExit(1)
    return Dataset(with_defaults(result.tables), "file", str(args.data), False, {"content_hash": result.content_hash})


def print_problems(result) -> None:
    if result.refused:
        print(f"Refused: {result.refused}", file=sys.stderr)
        return
    shown = result.problems[result.problems["severity"] != "info"]
    print(shown.to_string(index=False) if len(shown) else "No problems found.", file=sys.stderr)

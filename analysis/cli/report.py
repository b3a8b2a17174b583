"""`python -m analysis report`: the steering group pack from the command line, as the app builds it.

Writes the chosen files (HTML, PDF, PowerPoint, Excel, CSV) to --out and prints a JSON summary
(files, sizes, messages, stamp). Bad input gets a plain message and exit code 2; an external pack the export
register refuses (it differs from an earlier external pack by one ward or one month) gets exit code 3.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

AUDIENCES = ("internal", "external")
RULES = ("nhs_england", "scotland")


class ReportInputError(ValueError):
    """A problem with what was asked for, in words for the person who typed it."""


def add_report_parser(sub, data_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the `report` subcommand (`data_arguments` adds --data / --store, as for `fit`)."""
    from analysis.pack.build import ALL_FORMATS

    p = sub.add_parser("report", help="build the steering group pack (HTML, PDF, PowerPoint, Excel, CSV)")
    data_arguments(p)
    p.add_argument("--out", type=Path, required=True, help="folder to write the files to (made if missing)")
    p.add_argument("--wards", default="", help="comma-separated ward ids, e.g. W01,W02 (default: all wards)")
    p.add_argument("--from", dest="start", default=None, metavar="YYYY-MM", help="first month (default: the first)")
    p.add_argument("--to", dest="end", default=None, metavar="YYYY-MM", help="last month (default: the latest)")
    p.add_argument("--audience", default="internal", help="internal (ward names) or external (wards as codes)")
    p.add_argument("--rule", default="nhs_england", help="disclosure rule: nhs_england (default) or scotland")
    p.add_argument("--formats", default=",".join(ALL_FORMATS), help=f"any of {','.join(ALL_FORMATS)}")
    p.add_argument(
        "--chromium",
        default=None,
        help="path to Chromium for charts and the PDF (default: $COPRODUCTION_CHROMIUM or /usr/bin/chromium)",
    )
    p.add_argument("--carry-forward", type=int, default=3, help="months a survey's scores stand for (default 3)")
    add_run_length_argument(p)
    p.set_defaults(func=cmd_report)


def add_run_length_argument(p: argparse.ArgumentParser) -> None:
    """--run-length: the SPC shift and trend rules' run (default: the hospital's saved setting, else 7)."""
    from analysis.spc.rules import RUN_LENGTH, RUN_LENGTH_CHOICES

    p.add_argument(
        "--run-length",
        type=int,
        choices=RUN_LENGTH_CHOICES,
        default=None,
        help=f"months in a row that make an SPC shift or trend signal (default: the setting saved in the app, "
        f"else {RUN_LENGTH}, the Making Data Count convention)",
    )


def run_length_of(args: argparse.Namespace) -> int:
    """--run-length, else the hospital's setting saved in the app's database (`analysis.spc.settings`)."""
    from analysis.spc.settings import saved_run_length

    return args.run_length if getattr(args, "run_length", None) is not None else saved_run_length()


def _month(text: str | None, flag: str) -> pd.Timestamp | None:
    if not text:
        return None
    try:
        return pd.Period(text, freq="M").to_timestamp()
    except (ValueError, TypeError):
        raise ReportInputError(f"{flag} {text!r} is not a month; write it as YYYY-MM, e.g. 2024-04.") from None


def parse_options(args: argparse.Namespace, wards: pd.DataFrame) -> dict:
    """The filters, rule, audience and formats asked for, checked against the data's wards."""
    from analysis.data.filters import Filters
    from analysis.pack.build import ALL_FORMATS

    if args.audience not in AUDIENCES:
        raise ReportInputError(f"--audience must be internal or external, not {args.audience!r}.")
    if args.rule not in RULES:
        raise ReportInputError(f"--rule must be nhs_england or scotland, not {args.rule!r}.")
    formats = [f.strip().lower() for f in str(args.formats).split(",") if f.strip()]
    unknown = [f for f in formats if f not in ALL_FORMATS]
    if not formats or unknown:
        raise ReportInputError(
            f"--formats: {', '.join(unknown) or 'nothing asked for'} is not a format; "
            f"choose from {', '.join(ALL_FORMATS)}."
        )
    if args.carry_forward < 0:
        raise ReportInputError("--carry-forward must be 0 or more months.")
    chosen = tuple(dict.fromkeys(w.strip() for w in str(args.wards).split(",") if w.strip()))
    known = set(wards["ward_id"].astype(str)) if len(wards) else set()
    missing = [w for w in chosen if w not in known]
    if missing:
        raise ReportInputError(
            f"--wards: no ward {', '.join(missing)} in the data; the wards are {', '.join(sorted(known)) or 'none'}."
        )
    start, end = _month(args.start, "--from"), _month(args.end, "--to")
    if start is not None and end is not None and start > end:
        raise ReportInputError(f"--from {args.start} is after --to {args.end}.")
    return {
        "filters": Filters(wards=chosen, start=start, end=end),
        "rule": args.rule,
        "external": args.audience == "external",
        "formats": formats,
    }


def _history(args: argparse.Namespace) -> pd.DataFrame | None:
    if args.store is None:
        return None
    from analysis.store.database import Store

    return Store(args.store or None).history()


def cmd_report(args: argparse.Namespace) -> int:
    """Build and write the pack; print the JSON summary. 0 when files were written, 2 on bad input."""
    from analysis.cli.common import load_data
    from analysis.pack.build import build_pack, export_pack, table_stamp

    dataset = load_data(args)
    try:
        options = parse_options(args, dataset.table("wards"))
    except ReportInputError as exc:
        print(f"Report problem: {exc}", file=sys.stderr)
        return 2
    pack = build_pack(
        dataset,
        options["filters"],
        options["rule"],
        options["external"],
        history=_history(args),
        carry_forward_months=args.carry_forward,
        run_length=run_length_of(args),
    )
    from analysis.disclosure.register import ExportRefused

    try:
        result = export_pack(pack, options["formats"], chromium=args.chromium)
    except ExportRefused as exc:
        print(f"Report refused: {exc}", file=sys.stderr)
        return 3
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, data in result.files.items():
            path = args.out / name
            path.write_bytes(data)
            written.append({"file": str(path), "bytes": len(data)})
    except OSError as exc:
        print(f"Report problem: cannot write to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for message in result.messages:
        print(message, file=sys.stderr)
    summary = {
        "out": str(args.out),
        "files": written,
        "messages": result.messages,
        "stamp": table_stamp(pack.stamp),
        "run_length": run_length_of(args),
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0 if written else 1

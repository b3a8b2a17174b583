"""Command line: `python -m analysis <command>`; every answer the app gives, reproducible from a script."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analysis.cli.common import add_data_arguments, load_data, print_problems, read_file, summary
from analysis.data.dataset import SAMPLE_DIR
from analysis.text import plural


def cmd_sample(args: argparse.Namespace) -> int:
    from analysis.sample.generate import write_sample

    write_sample(args.out, seed=args.seed) if args.seed is not None else write_sample(args.out)
    print(f"Synthetic hospital written to {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """The Data page's validation report on stderr, then one JSON line of its counts on stdout; exit 1 on
    errors or a refusal, 0 otherwise (warnings and notes are reported, not failed)."""
    result = read_file(args.file)
    print_problems(result)
    print(json.dumps({"file": str(args.file), **summary(result)}))
    return 0 if result.ok else 1


def cmd_panel(args: argparse.Namespace) -> int:
    from analysis.cli.panel_export import panel_file
    from analysis.disclosure.rules import DisclosureError
    from analysis.panel.build import build_panel

    dataset = load_data(args)
    panel = build_panel(dataset.tables, carry_forward_months=args.carry_forward)
    try:
        data, note = panel_file(panel, dataset, args.out, None if args.internal_unprotected else args.rule)
    except (DisclosureError, ValueError) as exc:
        print(f"Panel problem: {exc}", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(data)
    print(f"{len(panel)} ward-months, {panel['ward_id'].nunique()} wards written to {args.out} ({note})")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from analysis.data.template import write_docs

    write_docs(args.out)
    print(f"Data contract written to {args.out}")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from analysis.disclosure.rules import rule_from_name
    from analysis.questions.specs import SpecError, parse_spec, run_spec, spec_from_args

    try:
        if args.spec:
            try:
                text = Path(args.spec).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise SpecError(f"cannot read {args.spec}: {exc.strerror or exc}") from exc
            spec = parse_spec(text)
        else:
            spec = spec_from_args(args)
    except SpecError as exc:
        print(f"Model spec problem: {exc}", file=sys.stderr)
        return 2
    from analysis.cli.fit_export import fit_document

    rule = None if args.internal_unprotected else args.rule
    if rule is not None:
        try:
            rule_from_name(rule)  # a misspelt rule is refused before any model is fitted
        except ValueError as exc:
            print(f"Fit problem: {exc}", file=sys.stderr)
            return 2
    dataset = load_data(args)
    results = run_spec(dataset, spec)
    out, note = fit_document(dataset, spec, results, rule)
    if args.out:
        Path(args.out).write_text(out + "\n", encoding="utf-8")
        print(f"{plural(len(results), 'result')} written to {args.out} ({note})")
    else:
        print(out)
    return 0


def add_protection_arguments(p: argparse.ArgumentParser, protected: str, unprotected: str) -> None:
    """--protected (the default) / --internal-unprotected and --rule: the same for every command that writes data."""
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--protected", dest="internal_unprotected", action="store_false", help=protected)
    mode.add_argument("--internal-unprotected", dest="internal_unprotected", action="store_true", help=unprotected)
    p.set_defaults(internal_unprotected=False)
    p.add_argument("--rule", default="nhs_england", help="disclosure rule: nhs_england (default) or scotland")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="regenerate the synthetic hospital (byte-identical for a seed)")
    p.add_argument("--out", type=Path, default=SAMPLE_DIR)
    p.add_argument("--seed", type=int, default=None)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("validate", help="check a data file against the data contract; exit 1 when it has errors")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "panel",
        help="export the ward-month analysis panel the models are fitted on (CSV, or Excel for .xlsx); counts "
        "protected under --rule unless --internal-unprotected",
    )
    add_data_arguments(p)
    p.add_argument("--out", type=Path, default=Path("panel.csv"), help="a .csv (default) or .xlsx file")
    add_protection_arguments(
        p,
        "apply the small-number rule to every count and rate (the default)",
        "raw counts for modelling inside the organisation; the file is stamped as unprotected",
    )
    p.add_argument("--carry-forward", type=int, default=3, help="months a survey's scores stand for (default 3)")
    p.set_defaults(func=cmd_panel)

    p = sub.add_parser("docs", help="write the data contract as Markdown")
    p.add_argument("--out", type=Path, default=Path("docs/data-contract.md"))
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser(
        "fit",
        help="fit a question's models (or a saved model spec) and print JSON; per-ward and per-month rows withheld "
        "unless --internal-unprotected",
    )
    add_data_arguments(p)
    p.add_argument("question", nargs="?", choices=["q1", "q2", "q3", "talking-groups", "all"], default="all")
    p.add_argument("--spec", type=Path, help="a model spec saved from the app's Model builder (JSON)")
    p.add_argument("--outcome", default="assaults_on_staff")
    p.add_argument("--predictor", default="coproduction_patient_overall")
    p.add_argument("--lag", type=int, default=0)
    p.add_argument("--carry-forward", type=int, default=3)
    p.add_argument("--out", type=Path, default=None, help="write the results JSON to this file instead of printing it")
    add_protection_arguments(
        p,
        "results as the Model builder's download: per-ward and per-month rows withheld (the default)",
        "every diagnostic, per-ward and per-month observed counts included, stamped as unprotected",
    )
    p.set_defaults(func=cmd_fit)

    from analysis.cli.report import add_report_parser

    add_report_parser(sub, add_data_arguments)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from analysis.store.schema import StoreError

    try:
        return args.func(args)
    except StoreError as e:  # the store's own words (what is wrong, what to do); never a traceback
        print(f"The data store could not be used: {e}", file=sys.stderr)
        return 1

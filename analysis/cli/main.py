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
            if args.cluster_se:  # the command line's choice over the spec's
                spec = parse_spec(json.dumps({**spec, "cluster_se": args.cluster_se}))
        else:
            _fit_defaults(args)
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
    try:
        results = run_spec(dataset, spec)
    except SpecError as exc:  # the spec names a measure this data cannot give (e.g. no session log)
        print(f"Model spec problem: {exc}", file=sys.stderr)
        return 2
    out, note = fit_document(dataset, spec, results, rule)
    if args.out:
        Path(args.out).write_text(out + "\n", encoding="utf-8")
        print(f"{plural(len(results), 'result')} written to {args.out} ({note})")
    else:
        print(out)
    return 0


def _fit_defaults(args: argparse.Namespace) -> None:
    """`fit`'s outcome and predictor when not given: question 2's assaults on patient-rated co-production; the dose
    model's patient-rated co-production, whose predictor must be named (no measure is a natural default)."""
    from analysis.questions.specs import SpecError

    dose = args.question == "dose"
    if args.outcome is None:
        args.outcome = "coproduction_patient_overall" if dose else "assaults_on_staff"
    if args.predictor is None and dose:
        measures = ", ".join(_measures("dose"))
        raise SpecError(
            f"the dose model needs --predictor: {measures}, or a co-production score other than the outcome"
        )
    if args.predictor is None:
        args.predictor = "coproduction_patient_overall"


def _measures(question: str | None = None) -> list[str]:
    """The measure predictors (`analysis.panel.measures.MEASURES`), those `question` takes when given."""
    from analysis.panel.measures import MEASURES

    return [c for c, m in MEASURES.items() if "predictor" in m.roles and question in (None, *m.questions)]


def _predictor_help() -> str:
    """--predictor's help, made from `analysis.panel.measures.MEASURES` so a new measure is listed by itself."""
    from analysis.panel.measures import MEASURES

    by_table: dict[str, list[str]] = {}
    for c in _measures():
        m = MEASURES[c]
        by_table.setdefault(m.table_words, []).append(f"{c} ({m.words}; {', '.join(m.questions)})")
    measures = "; ".join(f"from {words}: {', '.join(cols)}" for words, cols in by_table.items())
    return (
        "the predictor for q2, q3 and dose: a co-production score (coproduction_patient_overall, the default except "
        f"for dose, which needs one named), or a measure {measures}; a measure needs its table in the data; or a "
        "score of your hospital's own instrument in its instrument table, inst_<instrument>_<patient|staff>_<subscale>"
    )


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
    p.add_argument(
        "question",
        nargs="?",
        choices=["q1", "q2", "q3", "talking-groups", "dose", "all"],
        default="all",
        help="the question to fit (default all); dose: a score after a measure some months earlier (not in all)",
    )
    p.add_argument("--spec", type=Path, help="a model spec saved from the app's Model builder (JSON)")
    p.add_argument(
        "--outcome",
        default=None,
        help="the outcome column (default assaults_on_staff; q2 also takes boundary_incidents when ward_months has "
        "them; for dose, a score, default coproduction_patient_overall; "
        "dose and talking-groups also take an instrument score from survey_returns, such as "
        "essences_patient_experienced_safety or boundaries_staff_confidence, or your own instrument's inst_... score)",
    )
    p.add_argument("--predictor", default=None, help=_predictor_help())
    p.add_argument("--lag", type=int, default=0)
    p.add_argument("--carry-forward", type=int, default=3)
    p.add_argument(
        "--cluster-se",
        choices=["auto", "cr2_satterthwaite", "cr1"],
        default=None,
        help="question 2's cluster-robust errors: auto (CR2 with Satterthwaite degrees of freedom below 30 wards; "
        "the default), cr2_satterthwaite, or cr1 (CR1 with t(G-1)); with --spec, the spec's own cluster_se is used "
        "unless this is given",
    )
    p.add_argument("--out", type=Path, default=None, help="write the results JSON to this file instead of printing it")
    add_protection_arguments(
        p,
        "results as the Model builder's download: per-ward and per-month rows withheld (the default)",
        "every diagnostic, per-ward and per-month observed counts included, stamped as unprotected",
    )
    p.set_defaults(func=cmd_fit)

    from analysis.cli.report import add_report_parser

    add_report_parser(sub, add_data_arguments)
    from analysis.cli.import_listing import add_parser as add_import_listing_parser

    add_import_listing_parser(sub)
    from analysis.cli.meetings import add_meetings_parser

    add_meetings_parser(sub, add_data_arguments)
    from analysis.cli.social_distance import add_social_distance_parser

    add_social_distance_parser(sub, add_data_arguments)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from analysis.store.schema import StoreError

    try:
        return args.func(args)
    except StoreError as e:  # the store's own words (what is wrong, what to do); never a traceback
        print(f"The data store could not be used: {e}", file=sys.stderr)
        return 1

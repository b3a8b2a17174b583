"""`python -m analysis meetings`: how the talking groups run, and the dose-response models, as the Talking groups
page shows them (analysis/questions/talking_groups/sessions.py).

Prints the plain answer, the per-ward table (its counts under the small-number rule unless --internal-unprotected)
and the dose-response estimates with their sentences; --json prints one JSON document instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import pandas as pd


def add_meetings_parser(sub, data_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the `meetings` subcommand (`data_arguments` adds --data / --store)."""
    p = sub.add_parser(
        "meetings",
        help="how the talking groups run (per ward, from the session log) and whether busier or more responsive "
        "months come before higher co-production and fewer assaults",
    )
    data_arguments(p)
    p.add_argument("--lag", type=int, default=1, choices=(0, 1, 2, 3), help="months from meetings to outcome")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    p.add_argument("--rule", default="nhs_england", help="disclosure rule: nhs_england (default) or scotland")
    p.add_argument(
        "--internal-unprotected",
        action="store_true",
        help="print the per-ward counts as they are, for analysis inside the organisation",
    )
    p.set_defaults(func=cmd_meetings)


def cmd_meetings(args: argparse.Namespace) -> int:
    from analysis.cli.common import load_data
    from analysis.disclosure.protect import protect_table
    from analysis.disclosure.rules import DisclosureError, rule_from_name
    from analysis.panel.build import build_panel
    from analysis.questions.talking_groups import sessions as S

    try:
        rule = rule_from_name(args.rule)
    except ValueError as exc:
        print(f"Meetings problem: {exc}", file=sys.stderr)
        return 2
    dataset = load_data(args)
    log = dataset.tables.get(S.TABLE)
    if not S.has_log(log):
        print(f"No talking group session log in these data. It needs {S.NEEDS}.", file=sys.stderr)
        return 1
    panel = build_panel(dataset.tables)
    m = S.how_meetings_run(panel, log, dataset.tables.get("wards"))
    table = S.ward_table(m.summary)
    note = "counts as recorded (internal, unprotected)"
    overall = m.overall
    if not args.internal_unprotected:
        overall = S.overall_words(m.summary, rule)  # totals as published, so no hidden count comes back by subtraction
        counts = [c for c in S.WARD_TABLE_COUNTS if c in table.columns]
        table = table.assign(**{c: pd.to_numeric(table[c], errors="coerce").round() for c in counts})
        try:
            protected = protect_table(table, counts, rule, rate_columns=S.WARD_TABLE_RATES)
            table, note = protected.frame, f"counts protected: {rule.description}"
        except DisclosureError:  # no safe pattern of suppression: the counts and the rates made from them left out
            table = table.drop(columns=[*counts, *(c for c in S.WARD_TABLE_RATES if c in table.columns)])
            note = f"counts withheld, too small to publish safely: {rule.description}"
    dose = S.dose_response(panel, log, args.lag)
    people = S.dose_table_for_people(dose.table, args.lag)
    if args.json:
        doc = {
            "answer": m.answer,
            "overall": overall,
            "wards": json.loads(table.to_json(orient="records")),
            "disclosure": note,
            "dose_response": json.loads(dose.table.to_json(orient="records")),
            "dose_sentences": dose.sentences,
            "lag": args.lag,
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(m.answer)
        print(overall)
        print(f"\nEach ward's meetings ({note}):")
        print(table.to_string(index=False))
        print(f"\nDose and response (lag: {args.lag}):")
        print(people.to_string(index=False) if len(people) else "No estimate could be made; the reasons follow.")
    print()
    for line in dose.sentences:
        print(line)
    return 0

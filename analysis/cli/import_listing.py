"""`python -m analysis import-listing`: an incident listing, bed days and restrictive-intervention episodes to
ward-month counts, from a script, as the Data page does it.

Writes ward_months.csv (the contract's columns the files give), reconciliation.csv (rows read = rows counted +
rows excluded, by reason), excluded_rows.csv (each excluded row's mapped columns and reason; never free text) and
combinations.csv (every location and category combination with its row count, unmapped first) to --out; or
imports the ward-months straight into the store (--store), replacing the ward-months they cover and keeping the
stored values of columns the listing does not give. Exit 0 when imported or written, 1 when something stops it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from analysis.text import plural


def add_parser(sub) -> None:
    p = sub.add_parser(
        "import-listing",
        help="count an incident listing per ward-month through a mapping profile, with bed days from a census or "
        "spells and optional restrictive-intervention episodes; write the table and its reconciliation, or import it",
    )
    p.add_argument("--listing", type=Path, required=True, help="the incident listing as exported (CSV or XLSX)")
    p.add_argument(
        "--profile", required=True, help="a mapping profile (JSON), or a starter profile's name: datix, ulysses"
    )
    p.add_argument("--census", type=Path, required=True, help="bed days: a daily midnight census or spells (CSV/XLSX)")
    p.add_argument("--episodes", type=Path, help="restrictive-intervention episodes in the MHS505 shape (CSV/XLSX)")
    p.add_argument("--wards", type=Path, help="the wards table (CSV): ward names map themselves; beds are checked")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="a folder for ward_months.csv and the reconciliation")
    where.add_argument("--store", nargs="?", const="", metavar="URL", help="import into the store (default URL)")
    p.set_defaults(func=cmd_import_listing)


def _wards(args, store):
    import pandas as pd

    if args.wards is not None:
        return pd.read_csv(args.wards, dtype={"ward_id": str}, encoding="utf-8-sig")
    if store is not None:
        return store.load().get("wards")
    return None


def cmd_import_listing(args: argparse.Namespace) -> int:
    from analysis.data.importers import ImportRefused, ProfileError, import_listing, load_profile

    store = None
    if args.store is not None:
        from analysis.store.database import Store

        store = Store(args.store or None)
    try:
        profile = load_profile(args.profile)
        result = import_listing(
            args.listing, profile, census=args.census, episodes=args.episodes, wards=_wards(args, store)
        )
    except (ImportRefused, ProfileError) as e:
        print(f"Import problem: {e}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.dropped_columns:
        print(
            "note: columns not mapped by the profile were dropped unread: "
            + ", ".join(f"'{c}'" for c in result.dropped_columns),
            file=sys.stderr,
        )
    print(result.listing.sentence(), file=sys.stderr)
    if result.interventions is not None:
        print(result.interventions.reconciliation.sentence(), file=sys.stderr)
    for e in result.errors:
        print(f"error: {e}", file=sys.stderr)
    unmapped = result.combinations.locations[~result.combinations.locations["mapped"]]
    unmapped_cats = result.combinations.categories[~result.combinations.categories["mapped"]]
    if len(unmapped) or len(unmapped_cats):
        print(
            f"note: {plural(len(unmapped), 'location')} and {plural(len(unmapped_cats), 'category combination')} "
            "are not mapped: add them to the profile (see combinations.csv)",
            file=sys.stderr,
        )
    if args.out is not None:
        write_outputs(result, args.out)
        print(f"{plural(len(result.ward_months), 'ward-month')} and the reconciliation written to {args.out}")
        return 0 if result.ok else 1
    if not result.ok:
        print("Nothing was imported.", file=sys.stderr)
        return 1
    stored = store.load().get("ward_months")
    tables = result.tables(stored)
    plan = store.plan_import(tables)
    digest = hashlib.sha256(Path(args.listing).read_bytes()).hexdigest()
    note = f"listing profile '{profile.name}' revision {profile.revision} ({profile.fingerprint()})"
    import_id = store.import_tables(
        tables, Path(args.listing).name, digest, note, profile=(profile.name, None, profile.fingerprint())
    )
    if len(plan):
        print(store.describe_plan(plan), file=sys.stderr)
    print(f"Imported {plural(len(tables['ward_months']), 'ward-month')} as import {import_id} into the store")
    return 0


def write_outputs(result, out: Path) -> list[Path]:
    """ward_months.csv, reconciliation.csv, excluded_rows.csv and combinations.csv in `out`."""
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    wm = result.ward_months.copy()
    wm["month"] = wm["month"].dt.strftime("%Y-%m")
    wm["occupied_bed_days"] = wm["occupied_bed_days"].map(lambda x: f"{x:g}")  # 348, not 348.0
    files = {
        "ward_months.csv": wm,
        "reconciliation.csv": pd.concat(
            [r.summary().assign(file=r.what) for r in _reconciliations(result)], ignore_index=True
        )[["file", "line", "reason", "rows"]],
        "excluded_rows.csv": pd.concat(
            [r.excluded_rows().assign(file=r.what) for r in _reconciliations(result)], ignore_index=True
        ),
        "combinations.csv": _combinations(result),
    }
    written = []
    for name, frame in files.items():
        p = out / name
        frame.to_csv(p, index=False, lineterminator="\n")
        written.append(p)
    return written


def _reconciliations(result) -> list:
    return [result.listing] + ([result.interventions.reconciliation] if result.interventions is not None else [])


def _combinations(result):
    import pandas as pd

    loc = result.combinations.locations.assign(kind="location")
    cat = result.combinations.categories.assign(kind="category")
    return pd.concat([loc, cat], ignore_index=True)[
        ["kind", "mapped", "rows", "location", "ward_id", "type", "category", "sub_category", "measure"]
    ]

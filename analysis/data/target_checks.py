"""Cross-table checks of the targets table (called by `crosschecks.cross_check`), and `check_targets` for target
rows about to be stored from the app.

Errors: a ward not in the wards table, a measure with no chart, a target outside the measure's range, no better
direction where the measure has none of its own, and two rows for one ward, measure and month however the measure is
written. A better direction opposite to the measure's own is a warning."""

from __future__ import annotations

import pandas as pd

from analysis.data.instrument_checks import given as given_table
from analysis.data.issue import Issue, show
from analysis.data.reference import builtin_measures
from analysis.data.targets import measure_slug, resolve_measure, target_measures


def _direction_catalogue(tables: dict, context: dict | None) -> pd.DataFrame:
    """Built-in measures plus stored and uploaded `measures` rows with their better direction (the upload wins)."""
    parts = [builtin_measures()]
    for source in (context or {}, tables):
        m = source.get("measures")
        if m is not None and len(m):
            m = m.dropna(subset=["measure"])
            names = {measure_slug(n) for n in m["measure"]}
            parts = [p[~p["measure"].map(measure_slug).isin(names)] for p in parts] + [m]
    cols = ["measure", "min", "max", "higher_is_better"]
    return pd.concat([p.reindex(columns=cols) for p in parts], ignore_index=True)


def target_issues(tables: dict, context: dict | None) -> list[Issue]:
    """Targets: a known ward (or blank for every ward), a measure the dashboard charts, a target inside the
    measure's range, a better direction where the measure has none (the opposite of its own is a warning), and
    one row per ward, measure and month however the measure is written."""
    t = tables.get("targets")
    if t is None or not len(t):
        return []
    measures = target_measures(_direction_catalogue(tables, context))
    wards = given_table("wards", tables, context)
    known_wards = set(wards["ward_id"].dropna().astype(str)) if wards is not None else None
    issues: list[Issue] = []
    seen: dict[tuple, tuple] = {}  # (ward, measure, month) as read -> the same as written
    names = ", ".join(measures)
    for i in t.index:
        ward, raw = t.at[i, "ward_id"] if "ward_id" in t else None, t.at[i, "measure"]
        blank_ward = ward is None or pd.isna(ward) or str(ward).strip() == ""
        if not blank_ward and known_wards is not None and str(ward) not in known_wards:
            issues.append(
                Issue(
                    "targets",
                    i,
                    "ward_id",
                    f"ward '{ward}' is not in the wards table; correct the ward code, or leave ward_id blank for a "
                    "target on every ward",
                    value=str(ward),
                )
            )
        if raw is None or pd.isna(raw):
            continue  # a blank measure is reported by the contract's schema
        key = resolve_measure(raw, measures)
        if key is None:
            issues.append(
                Issue(
                    "targets",
                    i,
                    "measure",
                    f"measure '{raw}' has no chart to set a target against; use one of: {names}",
                    value=str(raw),
                )
            )
            continue
        m = measures[key]
        target = pd.to_numeric(pd.Series([t.at[i, "target"]]), errors="coerce").iloc[0]
        if pd.notna(target) and (target < m.low or (m.high is not None and target > m.high)):
            span = f"between {show(m.low)} and {show(m.high)}" if m.high is not None else f"{show(m.low)} or more"
            issues.append(
                Issue(
                    "targets",
                    i,
                    "target",
                    f"must be {span} for {key if m.group == 'recovery' else m.short_title.lower()}",
                    value=show(t.at[i, "target"]),
                )
            )
        given = t.at[i, "direction"] if "direction" in t else None
        given = None if given is None or pd.isna(given) or str(given).strip() == "" else str(given)
        if given is None and m.better is None:
            issues.append(
                Issue(
                    "targets",
                    i,
                    "direction",
                    f"{key} has no better direction of its own; say lower or higher (which side of the target is good)",
                )
            )
        elif given in ("lower", "higher") and m.better is not None and given != m.better:
            issues.append(
                Issue(
                    "targets",
                    i,
                    "direction",
                    f"says {given} is better, but for {key} {m.better} is better; check the direction",
                    severity="warning",
                    value=given,
                )
            )
        month = t.at[i, "valid_from"] if "valid_from" in t else None
        if month is None or pd.isna(month):
            continue
        same = ("" if blank_ward else str(ward), key, pd.Timestamp(month))
        written = ("" if blank_ward else str(ward), str(raw), pd.Timestamp(month))
        if same in seen and seen[same] != written:  # written alike, the contract's key check reports it
            issues.append(
                Issue(
                    "targets",
                    i,
                    "measure",
                    f"the same ward, measure and valid_from as an earlier row (measure names are matched ignoring "
                    f"case, spaces and hyphens: '{raw}' is {key}); each may appear once",
                    value=str(raw),
                )
            )
        else:
            seen.setdefault(same, written)
    return issues


def check_targets(targets: pd.DataFrame, context: dict[str, pd.DataFrame] | None = None) -> list[str]:
    """Every problem with target rows about to be stored (the contract's checks and the targets rules against
    the stored tables in `context`), as sentences; empty when they can be stored. Warnings are not problems."""
    import pandera.pandas as pa

    from analysis.data.contract import schema

    problems = []
    try:
        schema("targets").validate(targets, lazy=True)
    except pa.errors.SchemaErrors as e:
        for column, check in zip(e.failure_cases["column"], e.failure_cases["check"]):
            words = "is blank" if str(check) == "not_nullable" else str(check)
            problems.append(f"{column} {words}")
    problems += [
        f"{i.column}: {i.problem}" for i in target_issues({"targets": targets}, context) if i.severity == "error"
    ]
    return list(dict.fromkeys(problems))

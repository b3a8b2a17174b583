"""Checks that need more than one column or table: references between tables, ranges from the
measures catalogue, and plausibility against other columns (bed days against beds, assaults against
bed days, months against the ward's opening and closing). Single-column rules live in the
contract's pandera schemas and, for plausibility, in the parser (`Field.limit`, `Field.happened`).

A value that cannot be true is an error; one that is possible but unlikely is a warning, imported
and listed for someone who knows the ward to check. Nothing here raises on odd values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.contract import BED_DAYS_TOLERANCE, ITEM_COLUMNS, SESSION_STAFF_CEILING, STAFF_COLUMNS
from analysis.data.instrument_checks import given as _given
from analysis.data.instrument_checks import instrument_issues
from analysis.data.reference import builtin_measures
from analysis.data.targets import measure_slug, resolve_measure, target_measures
from analysis.text import plural, uk_date, uk_month

REQUIRED_TABLES = ("wards", "ward_months")
_WARD_REFERENCES = (
    "ward_months",
    "coproduction_responses",
    "coproduction_scores",
    "recovery",
    "events",
    "talking_group_sessions",
)


@dataclass
class Issue:
    table: str
    index: int | None  # position in the parsed table; None for a table-level problem
    column: str
    problem: str
    severity: str = "error"
    value: str = ""


def _show(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and abs(v) >= 1e15:
        return f"{v:g}"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def measure_catalogue(tables: dict, context: dict | None = None) -> pd.DataFrame:
    """Built-in measures plus stored and uploaded `measures` rows (the upload wins on a name)."""
    parts = [builtin_measures()]
    for source in (context or {}, tables):
        m = source.get("measures")
        if m is not None and len(m):
            m = m[["measure", "min", "max"]].dropna(subset=["measure"])
            names = set(m["measure"].str.lower())
            parts = [p[~p["measure"].str.lower().isin(names)] for p in parts] + [m]
    return pd.concat([p[["measure", "min", "max"]] for p in parts], ignore_index=True)


def normalise_measure_names(recovery: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Spell recovery measures as the catalogue does ('qpr-15' -> 'QPR-15')."""
    lookup = {str(m).lower(): m for m in catalogue["measure"]}
    out = recovery.copy()
    if isinstance(out["measure"].dtype, pd.StringDtype):  # each distinct name spelt once, not row by row
        codes, names = pd.factorize(out["measure"])
        spelt = np.array([lookup.get(m.lower(), m) for m in names] + [None], dtype=object)
        out["measure"] = pd.Series(spelt[codes], index=out.index, dtype="str")
    else:
        out["measure"] = out["measure"].map(lambda m: lookup.get(str(m).lower(), m) if isinstance(m, str) else m)
    return out.astype({"measure": "str"})


def _rows_of(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """For each key, its position in `index` (-1 when absent), each distinct key looked up once (100,000s of rows
    hold 1,000s of wards)."""
    codes, distinct = pd.factorize(keys)
    return np.append(index.get_indexer(distinct), -1)[codes]


def _taken(values: pd.Series, rows: np.ndarray, like: pd.Series) -> pd.Series:
    """values at `rows` (-1: missing), indexed and named as `like`: what ``like.map(values)`` gives."""
    from pandas.api.extensions import take

    return pd.Series(take(values.array, rows, allow_fill=True), index=like.index, name=like.name)


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(values)``, each distinct key looked up once."""
    return _taken(values, _rows_of(keys, values.index), keys)


def _isin(keys: pd.Series, known: set) -> pd.Series:
    """``keys.isin(known)``, each distinct key looked up once."""
    return pd.Series(_rows_of(keys, pd.Index(list(known))) >= 0, index=keys.index)


def _required(tables: dict, context: dict | None) -> list[Issue]:
    return [
        Issue(
            t,
            None,
            "",
            f"the '{t}' table is needed and this upload has no rows for it: add a '{t}' sheet "
            f"(or {t}.csv) with rows, unless it was imported before",
        )
        for t in REQUIRED_TABLES
        if _given(t, tables, context) is None
    ]


def _order(df: pd.DataFrame, table: str, lo: str, hi: str, strict: bool, what: str) -> list[Issue]:
    if df is None or lo not in df or hi not in df:
        return []
    bad = df[lo].notna() & df[hi].notna() & ((df[hi] <= df[lo]) if strict else (df[hi] < df[lo]))
    return [
        Issue(
            table,
            i,
            hi,
            f"{hi} ({_show(df.at[i, hi])}) must be {what} {lo} ({_show(df.at[i, lo])})",
            value=_show(df.at[i, hi]),
        )
        for i in df.index[bad.to_numpy(dtype=bool)]
    ]


def _ward_refs(tables: dict, context: dict | None) -> list[Issue]:
    wards = _given("wards", tables, context)
    if wards is None:
        return []
    known = set(wards["ward_id"].dropna())
    issues = []
    for name in _WARD_REFERENCES:
        df = tables.get(name)
        if df is None or "ward_id" not in df:
            continue
        ids = df["ward_id"]
        bad = ids.notna() & ~_isin(ids, known)
        for i in df.index[bad.to_numpy(dtype=bool)]:
            issues.append(
                Issue(
                    name,
                    i,
                    "ward_id",
                    f"ward '{ids[i]}' is not in the wards table; add it there or correct the ward code",
                    value=str(ids[i]),
                )
            )
    return issues


def _bed_days(tables: dict, context: dict | None) -> list[Issue]:
    """Occupied bed days above beds x days in the month: a warning (extra beds, a bed count that changed);
    above BED_DAYS_TOLERANCE times that, an error (no ward holds twice its beds all month: a typing slip)."""
    wm, wards = tables.get("ward_months"), _given("wards", tables, context)
    if wm is None or wards is None or not len(wm):
        return []
    beds = wards.drop_duplicates("ward_id").set_index("ward_id")["beds"].astype("Float64")
    cap_beds = _lookup(wm["ward_id"], beds).astype("Float64")
    days = wm["month"].dt.days_in_month.astype("Float64")
    obd = wm["occupied_bed_days"].astype("Float64")
    over = (obd > cap_beds * days).fillna(False).to_numpy(dtype=bool)
    far = (obd > cap_beds * days * BED_DAYS_TOLERANCE).fillna(False).to_numpy(dtype=bool)
    issues = []
    for i in wm.index[over]:
        cap = f"{_show(float(cap_beds[i]))} x {int(days[i])} = {_show(float(cap_beds[i] * days[i]))}"
        shown = _show(wm.at[i, "occupied_bed_days"])
        if far[wm.index.get_loc(i)]:
            problem = (
                f"occupied bed days ({shown}) are more than {BED_DAYS_TOLERANCE} times beds x days in the month "
                f"({cap}), more than any ward can hold; check the figure or the ward's beds"
            )
            issues.append(Issue("ward_months", i, "occupied_bed_days", problem, value=shown))
        else:
            problem = (
                f"occupied bed days ({shown}) are more than beds x days in the month ({cap}); "
                "check the figure or the ward's beds"
            )
            issues.append(Issue("ward_months", i, "occupied_bed_days", problem, severity="warning", value=shown))
    return issues


def _assaults(tables: dict) -> list[Issue]:
    """More assaults than occupied bed days: possible with one very unwell patient, far likelier a slip: a warning."""
    wm = tables.get("ward_months")
    if wm is None or not len(wm):
        return []
    issues = []
    obd = wm["occupied_bed_days"].astype("Float64")
    for column, words in (("assaults_on_staff", "assaults on staff"), ("assaults_on_patients", "assaults on patients")):
        if column not in wm:
            continue
        n = wm[column].astype("Float64")
        for i in wm.index[(n > obd).fillna(False).to_numpy(dtype=bool)]:
            issues.append(
                Issue(
                    "ward_months",
                    i,
                    column,
                    f"{_show(float(n[i]))} {words} are more than the month's occupied bed days "
                    f"({_show(wm.at[i, 'occupied_bed_days'])}); check the figure, or whether two columns are swapped",
                    severity="warning",
                    value=_show(float(n[i])),
                )
            )
    return issues


def _open_months(tables: dict, context: dict | None) -> list[Issue]:
    """A ward's month before the month it opened or after the month it closed: a warning (the month or the
    ward's date is wrong, and only someone who knows the ward can say which)."""
    wards = _given("wards", tables, context)
    if wards is None or not {"opened", "closed"} <= set(wards):
        return []
    dated = wards.drop_duplicates("ward_id").set_index("ward_id")
    starts = {
        c: pd.to_datetime(dated[c], errors="coerce").dt.to_period("M").dt.start_time for c in ("opened", "closed")
    }
    issues = []
    # the session log is dated by the day, so its meetings are checked against the day the ward opened or closed
    for name, col in (
        ("ward_months", "month"),
        ("coproduction_scores", "month"),
        ("recovery", "month"),
        ("talking_group_sessions", "date"),
    ):
        df = tables.get(name)
        if df is None or not len(df) or col not in df:
            continue
        rows = _rows_of(df["ward_id"], dated.index)  # each row's ward, looked up once
        opened = pd.to_datetime(_taken(dated["opened"], rows, df["ward_id"]), errors="coerce")
        closed = pd.to_datetime(_taken(dated["closed"], rows, df["ward_id"]), errors="coerce")
        month = pd.to_datetime(df[col], errors="coerce")  # against each ward's month (or day) of opening and closing
        first, last = (
            (opened, closed)
            if col == "date"
            else (_taken(starts["opened"], rows, df["ward_id"]), _taken(starts["closed"], rows, df["ward_id"]))
        )
        early = (month < first).fillna(False).to_numpy(dtype=bool)
        late = (month > last).fillna(False).to_numpy(dtype=bool)
        for i, when, verb in [(i, opened, "opened") for i in df.index[early]] + [
            (i, closed, "closed") for i in df.index[late]
        ]:
            side = "before" if verb == "opened" else "after"
            issues.append(
                Issue(
                    name,
                    i,
                    col,
                    f"{(uk_date if col == 'date' else uk_month)(month[i])} is {side} ward {df.at[i, 'ward_id']} "
                    f"{verb} ({uk_date(when[i])}); check the {col} or the ward's {verb} date",
                    severity="warning",
                    value=(uk_date if col == "date" else uk_month)(month[i]),
                )
            )
    return issues


def _recovery(tables: dict, context: dict | None) -> list[Issue]:
    rec = tables.get("recovery")
    if rec is None or not len(rec):
        return []
    cat = measure_catalogue(tables, context).drop_duplicates("measure").set_index("measure")
    measure = rec["measure"]
    named = (
        measure.notna() if isinstance(measure.dtype, pd.StringDtype) else measure.map(lambda m: isinstance(m, str))
    ).to_numpy(dtype=bool)
    known = rec["measure"].isin(cat.index).to_numpy(dtype=bool)
    lo = pd.to_numeric(_lookup(rec["measure"], cat["min"]), errors="coerce")  # looked up by column, not row by row
    hi = pd.to_numeric(_lookup(rec["measure"], cat["max"]), errors="coerce")
    score = pd.to_numeric(rec["mean_score"], errors="coerce")
    outside = (score.notna() & ((score < lo) | (score > hi))).to_numpy(dtype=bool)
    issues = []
    for pos in np.flatnonzero(named & (~known | outside)):
        i, m = rec.index[pos], rec["measure"].iat[pos]
        if not known[pos]:
            issues.append(
                Issue(
                    "recovery",
                    i,
                    "measure",
                    f"measure '{m}' is not in the measures catalogue ("
                    + ", ".join(cat.index)
                    + "); add it to the measures sheet with its range",
                    value=m,
                )
            )
        else:
            issues.append(
                Issue(
                    "recovery",
                    i,
                    "mean_score",
                    f"must be between {_show(float(lo.iat[pos]))} and {_show(float(hi.iat[pos]))} for {m}",
                    value=_show(rec["mean_score"].iat[pos]),
                )
            )
    return issues


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


def _targets(tables: dict, context: dict | None) -> list[Issue]:
    """Targets: a known ward (or blank for every ward), a measure the dashboard charts, a target inside the
    measure's range, a better direction where the measure has none (the opposite of its own is a warning), and
    one row per ward, measure and month however the measure is written."""
    t = tables.get("targets")
    if t is None or not len(t):
        return []
    measures = target_measures(_direction_catalogue(tables, context))
    wards = _given("wards", tables, context)
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
            span = f"between {_show(m.low)} and {_show(m.high)}" if m.high is not None else f"{_show(m.low)} or more"
            issues.append(
                Issue(
                    "targets",
                    i,
                    "target",
                    f"must be {span} for {key if m.group == 'recovery' else m.short_title.lower()}",
                    value=_show(t.at[i, "target"]),
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


def _sessions(tables: dict, context: dict | None) -> list[Issue]:
    """Talking group sessions: items resolved by the next meeting, and resolved and carried over together, no more
    than the items raised (errors); patients above the ward's beds (a warning) and patients and staff together above
    the beds plus SESSION_STAFF_CEILING (an error: no meeting holds that many)."""
    s = tables.get("talking_group_sessions")
    if s is None or not len(s):
        return []
    num = lambda cols: s.reindex(columns=list(cols)).apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
    raised, staff = num(ITEM_COLUMNS), num(STAFF_COLUMNS)
    resolved, carried = num(["items_resolved_by_next"]), num(["items_carried_over"])
    patients = num(["patients_attending"])
    issues = []
    for i in s.index[(resolved > raised).to_numpy(dtype=bool)]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "items_resolved_by_next",
                f"{_show(float(resolved[i]))} items resolved by the next meeting is more than the "
                f"{_show(float(raised[i]))} raised at this one; check the items of each kind or the resolved count",
                value=_show(float(resolved[i])),
            )
        )
    both = ((resolved <= raised) & (resolved + carried > raised)).to_numpy(dtype=bool)
    for i in s.index[both]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "items_carried_over",
                f"{_show(float(resolved[i]))} resolved and {_show(float(carried[i]))} carried over is more than the "
                f"{_show(float(raised[i]))} items raised; an item is either resolved, carried over or neither",
                value=_show(float(carried[i])),
            )
        )
    issues += _sessions_against_months(s, patients, _given("ward_months", tables, context))
    wards = _given("wards", tables, context)
    if wards is None:
        return issues
    beds = _lookup(s["ward_id"], wards.drop_duplicates("ward_id").set_index("ward_id")["beds"].astype("Float64"))
    beds = pd.to_numeric(beds, errors="coerce")
    too_many = (patients + staff > beds + SESSION_STAFF_CEILING).fillna(False).to_numpy(dtype=bool)
    above_beds = (patients > beds).fillna(False).to_numpy(dtype=bool) & ~too_many
    for i in s.index[too_many]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "patients_attending",
                f"{_show(float(patients[i]))} patients and {_show(float(staff[i]))} staff at one meeting is more than "
                f"ward {s.at[i, 'ward_id']}'s {_show(float(beds[i]))} beds plus {SESSION_STAFF_CEILING} staff; "
                "check the attendance figures",
                value=_show(float(patients[i])),
            )
        )
    for i in s.index[above_beds]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "patients_attending",
                f"{_show(float(patients[i]))} patients attending is more than ward {s.at[i, 'ward_id']}'s "
                f"{_show(float(beds[i]))} beds; check the figure or the ward's beds",
                severity="warning",
                value=_show(float(patients[i])),
            )
        )
    return issues


def _sessions_against_months(s: pd.DataFrame, patients: pd.Series, wm: pd.DataFrame | None) -> list[Issue]:
    """A ward-month whose meetings in the log are not the sessions held in ward_months, or whose patients attending
    do not add up to its attendances: a warning on its first meeting (either table may be the one to correct)."""
    if wm is None or not len(wm) or not {"talking_groups_held", "talking_group_attendances"} <= set(wm.columns):
        return []
    d = pd.DataFrame({"ward_id": s["ward_id"].astype(str), "month": pd.to_datetime(s["date"]).dt.to_period("M")})
    d["patients"] = patients.to_numpy()
    g = (
        d.reset_index()
        .groupby(["ward_id", "month"])
        .agg(first=("index", "min"), n=("index", "size"), p=("patients", "sum"))
    )
    m = wm.assign(ward_id=wm["ward_id"].astype(str), month=pd.to_datetime(wm["month"]).dt.to_period("M"))
    m = m.drop_duplicates(["ward_id", "month"]).set_index(["ward_id", "month"])
    g = g.join(m[["talking_groups_held", "talking_group_attendances"]], how="inner")
    held, came = (pd.to_numeric(g[c], errors="coerce") for c in ("talking_groups_held", "talking_group_attendances"))
    g = g[((held.notna() & (held != g["n"])) | (came.notna() & (came != g["p"]))).to_numpy(dtype=bool)]
    issues = []
    for (ward, month), r in g.iterrows():  # only the ward-months that disagree
        held, came = r["talking_groups_held"], r["talking_group_attendances"]
        parts = []
        if pd.notna(held) and float(held) != r["n"]:
            parts.append(f"{plural(r['n'], 'meeting')} where ward_months has {plural(held, 'session')} held")
        if pd.notna(came) and float(came) != r["p"]:
            parts.append(f"{plural(r['p'], 'patient')} attending where ward_months has {plural(came, 'attendance')}")
        if parts:
            issues.append(
                Issue(
                    "talking_group_sessions",
                    int(r["first"]),
                    "date",
                    f"the session log has {' and '.join(parts)} for ward {ward} in {uk_month(month.to_timestamp())}; "
                    "check the log or the ward month",
                    severity="warning",
                    value=uk_month(month.to_timestamp()),
                )
            )
    return issues


def cross_check(tables: dict[str, pd.DataFrame], context: dict[str, pd.DataFrame] | None = None) -> list[Issue]:
    """Every problem that spans columns or tables, for parsed tables (context: stored tables)."""
    return [
        *_required(tables, context),
        *_order(tables.get("wards"), "wards", "opened", "closed", False, "on or after"),
        *_order(tables.get("instrument"), "instrument", "scale_min", "scale_max", True, "above"),
        *_order(tables.get("measures"), "measures", "min", "max", True, "above"),
        *_ward_refs(tables, context),
        *_bed_days(tables, context),
        *_assaults(tables),
        *_open_months(tables, context),
        *_recovery(tables, context),
        *_targets(tables, context),
        *_sessions(tables, context),
        *(Issue(**i) for i in instrument_issues(tables, context)),  # analysis/data/instrument_checks.py
    ]


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
    problems += [f"{i.column}: {i.problem}" for i in _targets({"targets": targets}, context) if i.severity == "error"]
    return list(dict.fromkeys(problems))

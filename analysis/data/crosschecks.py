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

from analysis.data.contract import BED_DAYS_TOLERANCE
from analysis.data.reference import builtin_measures
from analysis.data.targets import measure_slug, resolve_measure, target_measures
from analysis.text import uk_date, uk_month

REQUIRED_TABLES = ("wards", "ward_months")
_WARD_REFERENCES = ("ward_months", "coproduction_responses", "coproduction_scores", "recovery", "events")


@dataclass
class Issue:
    table: str
    index: int | None  # position in the parsed table; None for a table-level problem
    column: str
    problem: str
    severity: str = "error"
    value: str = ""


def _given(name: str, tables: dict, context: dict | None) -> pd.DataFrame | None:
    """The upload's table when it has rows, else the stored one, else None."""
    for source in (tables, context or {}):
        df = source.get(name)
        if df is not None and len(df):
            return df
    return None


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
    for name in ("ward_months", "coproduction_scores", "recovery"):
        df = tables.get(name)
        if df is None or not len(df) or "month" not in df:
            continue
        rows = _rows_of(df["ward_id"], dated.index)  # each row's ward, looked up once
        opened = pd.to_datetime(_taken(dated["opened"], rows, df["ward_id"]), errors="coerce")
        closed = pd.to_datetime(_taken(dated["closed"], rows, df["ward_id"]), errors="coerce")
        month = df["month"]  # against each ward's month of opening and closing, worked out once per ward
        early = (month < _taken(starts["opened"], rows, df["ward_id"])).fillna(False).to_numpy(dtype=bool)
        late = (month > _taken(starts["closed"], rows, df["ward_id"])).fillna(False).to_numpy(dtype=bool)
        for i, when, verb in [(i, opened, "opened") for i in df.index[early]] + [
            (i, closed, "closed") for i in df.index[late]
        ]:
            side = "before" if verb == "opened" else "after"
            issues.append(
                Issue(
                    name,
                    i,
                    "month",
                    f"{uk_month(month[i])} is {side} ward {df.at[i, 'ward_id']} {verb} ({uk_date(when[i])}); "
                    f"check the month or the ward's {verb} date",
                    severity="warning",
                    value=uk_month(month[i]),
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

"""Cross-table checks of the instrument table and survey_returns (called by `crosschecks.cross_check`).

Errors, each on its row: a co-production item without an aspect; a scored item of another instrument in no
subscale; a survey return naming an instrument the hospital has not defined (and that is not built in), or an
item that instrument does not have, or an answer outside the item's scale or not a whole number. Co-production
returns belong in coproduction_responses, so survey_returns naming it is an error too. An instrument whose rows
give two different scoring rules, shares, respondents or directions; a response_id whose rows give two wards,
dates or respondents (one return is one person on one ward on one day); and a return from a respondent the
instrument is not for (a patient answering the staff boundaries survey) are errors as well.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.instrument_items import SETTINGS, boundaries_items, essences_items
from analysis.text import fmt_number

COPRODUCTION = "coproduction"
SETTING_COLUMNS = ("respondents", "scoring", "min_share_answered", "higher_is_better")
RETURN_COLUMNS = ("ward_id", "date", "respondent")  # the same on every row of one return
WHO_WORDS = {"patient": "patients", "staff": "staff"}


def instrument_names(table: pd.DataFrame) -> pd.Series:
    """Each row's instrument: its ``instrument`` name, the co-production instrument when blank or absent."""
    if "instrument" not in table.columns:
        return pd.Series(COPRODUCTION, index=table.index)
    name = table["instrument"].astype("string").str.strip().fillna("")
    return name.where(name != "", COPRODUCTION)


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip().fillna("") == "")


def _items(instrument: pd.DataFrame | None) -> pd.DataFrame:
    """Every known item of every instrument except co-production: instrument, item, scale_min, scale_max."""
    cols = ["instrument", "item", "scale_min", "scale_max"]
    builtin = {
        "essences": essences_items().assign(instrument="essences"),
        "staff_boundaries": boundaries_items().assign(instrument="staff_boundaries"),
    }
    own = pd.DataFrame(columns=cols)
    if instrument is not None and len(instrument):
        own = instrument.assign(instrument=instrument_names(instrument))
        own = own[own["instrument"] != COPRODUCTION][cols]
        for name in set(own["instrument"]):
            builtin.pop(name, None)  # the hospital's rows replace the built-in definition
    parts = [b[cols] for b in builtin.values()] + ([own] if len(own) else [])
    return pd.concat(parts, ignore_index=True).astype({"instrument": str, "item": str})


def _respondents(instrument: pd.DataFrame | None) -> dict[str, set[str]]:
    """Who each known instrument (other than co-production) is for: built in, replaced by the hospital's rows."""
    out = {name: set(who) for name, (who, _, _) in SETTINGS.items()}
    if instrument is None or not len(instrument):
        return out
    names = instrument_names(instrument)
    for name in set(names) - {COPRODUCTION}:
        who = set()
        if "respondents" in instrument.columns:
            given = instrument.loc[(names == name).to_numpy(), "respondents"].dropna().astype(str).str.strip()
            who = {w for w in given if w}
        out[name] = {"patient", "staff"} if not who or "both" in who else who
    return out


def _setting_issues(own: pd.DataFrame, names: pd.Series) -> list[dict]:
    """An instrument whose rows give more than one value of a setting: an error on each row that differs."""
    issues = []
    for col in SETTING_COLUMNS:
        if col not in own.columns:
            continue
        given = own[col].astype("string").str.strip().str.lower()
        given = given.where(given != "")
        for name in sorted(set(names)):
            rows = np.flatnonzero(((names == name) & given.notna()).to_numpy())
            values = given.iloc[rows]
            if values.nunique() < 2:
                continue
            first = values.iloc[0]
            for i in rows[(values != first).to_numpy()]:
                issues.append(
                    _issue(
                        "instrument",
                        int(i),
                        col,
                        f"instrument {name} gives {col} {first} on an earlier row and {given.iloc[i]} here; give the "
                        "same value on each of its rows",
                        value=str(given.iloc[i]),
                    )
                )
    return issues


def _return_issues(returns: pd.DataFrame) -> list[dict]:
    """A response_id whose rows disagree on ward, date or respondent: an error on each row unlike its first."""
    issues = []
    rid = returns["response_id"].astype(str)
    for col in RETURN_COLUMNS:
        if col not in returns.columns:
            continue
        value = returns[col].astype("string").fillna("")
        first = value.groupby(rid.to_numpy()).transform("first")
        for i in np.flatnonzero((value != first).to_numpy()):
            issues.append(
                _issue(
                    "survey_returns",
                    int(i),
                    col,
                    f"response_id {rid.iloc[i]} is one return, but this row gives {col} {value.iloc[i]} and an "
                    f"earlier row {first.iloc[i]}; give each return its own response_id",
                    value=str(value.iloc[i]),
                )
            )
    return issues


def _issue(table: str, index: int | None, column: str, problem: str, severity: str = "error", value: str = "") -> dict:
    """The fields of a `crosschecks.Issue` (which `cross_check` builds from them: no import cycle)."""
    return {"table": table, "index": index, "column": column, "problem": problem, "severity": severity, "value": value}


def given(name: str, tables: dict, context: dict | None) -> pd.DataFrame | None:
    """The upload's table when it has rows, else the stored one, else None (the cross-checks' too)."""
    for source in (tables, context or {}):
        df = source.get(name)
        if df is not None and len(df):
            return df
    return None


def instrument_issues(tables: dict, context: dict | None = None) -> list[dict]:
    """Every problem of the instrument table and survey_returns, as `crosschecks.Issue` fields."""
    issues: list[dict] = []
    inst = given("instrument", tables, context)
    own = tables.get("instrument")
    if own is not None and len(own):
        names = instrument_names(own)
        aspect = own["aspect"] if "aspect" in own.columns else pd.Series(np.nan, index=own.index)
        sub = own["subscale"] if "subscale" in own.columns else pd.Series(np.nan, index=own.index)
        scored = (
            own["scored"].fillna(True).astype(bool) if "scored" in own.columns else pd.Series(True, index=own.index)
        )
        for i in np.flatnonzero(((names == COPRODUCTION) & _blank(aspect)).to_numpy()):
            issues.append(_issue("instrument", int(i), "aspect", "a co-production item needs its core aspect"))
        for i in np.flatnonzero(((names != COPRODUCTION) & scored & _blank(sub)).to_numpy()):
            issues.append(
                _issue(
                    "instrument",
                    int(i),
                    "subscale",
                    f"item {own['item'].iloc[i]} of instrument {names.iloc[i]} is in no subscale: give its subscale, "
                    "or mark it scored = no",
                )
            )
        issues += _setting_issues(own, names)
    returns = tables.get("survey_returns")
    if returns is None or not len(returns):
        return issues
    known = _items(inst)
    names = returns["instrument"].astype(str)
    for i in np.flatnonzero((names == COPRODUCTION).to_numpy()):
        issues.append(
            _issue(
                "survey_returns",
                int(i),
                "instrument",
                "co-production returns belong in coproduction_responses (one column per item)",
                value=COPRODUCTION,
            )
        )
    unknown = ~names.isin(set(known["instrument"])) & (names != COPRODUCTION)
    for i in np.flatnonzero(unknown.to_numpy()):
        issues.append(
            _issue(
                "survey_returns",
                int(i),
                "instrument",
                "an instrument that is neither built in (essences, staff_boundaries) nor in the instrument table",
                value=names.iloc[i],
            )
        )
    issues += _return_issues(returns)
    if "respondent" in returns.columns:
        who = returns["respondent"].astype(str)
        allowed = _respondents(inst)
        pair = pd.Series(list(zip(names, who, strict=True)), index=returns.index)
        wrong = {p for p in set(pair) if p[0] in allowed and p[1] not in allowed[p[0]]}
        for i in np.flatnonzero(pair.isin(wrong).to_numpy()):
            only = " and ".join(WHO_WORDS.get(w, w) for w in sorted(allowed[names.iloc[i]]))
            issues.append(
                _issue(
                    "survey_returns",
                    int(i),
                    "respondent",
                    f"instrument {names.iloc[i]} is for {only} only; a {who.iloc[i]} return would not be scored",
                    value=who.iloc[i],
                )
            )
    key = known.set_index(["instrument", "item"])
    pairs = pd.MultiIndex.from_arrays([names, returns["item"].astype(str)])
    found = pairs.isin(key.index)
    for i in np.flatnonzero(~found & ~unknown.to_numpy() & (names != COPRODUCTION).to_numpy()):
        issues.append(
            _issue(
                "survey_returns",
                int(i),
                "item",
                f"instrument {names.iloc[i]} has no such item",
                value=str(returns["item"].iloc[i]),
            )
        )
    rows = np.flatnonzero(found)
    if len(rows):
        scale = key.loc[pairs[rows]]
        x = pd.to_numeric(returns["answer"].iloc[rows], errors="coerce").to_numpy(float)
        lo, hi = scale["scale_min"].to_numpy(float), scale["scale_max"].to_numpy(float)
        bad = np.isfinite(x) & ((x < lo) | (x > hi) | (x % 1 != 0))
        for j in np.flatnonzero(bad):
            issues.append(
                _issue(
                    "survey_returns",
                    int(rows[j]),
                    "answer",
                    f"must be a whole number from {fmt_number(lo[j], 6)} to {fmt_number(hi[j], 6)} (the item's scale)",
                    value=fmt_number(x[j], 6),
                )
            )
    return issues

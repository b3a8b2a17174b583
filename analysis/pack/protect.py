"""Making the steering group pack safe to leave the room: coded wards, protected counts, quiet charts.

* `code_wards` replaces ward ids and names in every table of a data set by "Ward A", "Ward B", ...
  BEFORE anything is computed, so no chart, sentence or table of an external pack can carry a
  real ward name (free-text event labels are scrubbed of ward names and ids too).
* `protect` applies the disclosure rule to a table's counts (secondary suppression, rates from
  the published counts) and withholds the counts when no safe pattern exists.
* `quiet_figure` strips hover text from a chart: hover boxes can carry raw counts (e.g. "3 in
  352 bed days"), which a chart in an exported file must not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.disclosure.protect import protect_table, pseudonymise_wards
from analysis.disclosure.rules import DisclosureError, DisclosureRule, rule_from_name

RULE_TITLES = {"nhs_england": "NHS England", "scotland": "Scotland (Public Health Scotland)"}
WITHHELD = "counts withheld: too small to publish safely"


def as_rule(rule: DisclosureRule | str) -> DisclosureRule:
    return rule_from_name(rule) if isinstance(rule, str) else rule


def rule_title(rule: DisclosureRule | str) -> str:
    """'NHS England' for a preset; the rule's name otherwise."""
    r = as_rule(rule)
    return RULE_TITLES.get(r.name, r.name)


def rule_line(rule: DisclosureRule | str) -> str:
    """The rule as it is named on every export: title, then what it does."""
    r = as_rule(rule)
    return f"{rule_title(r)} small-number rule. {r.description}"


def ward_mapping(wards: pd.DataFrame) -> pd.DataFrame:
    """ward_id, ward_name, code ("Ward A", ... in ward_id order) for the wards given."""
    _, mapping = pseudonymise_wards(wards[["ward_id", "ward_name"]], ("ward_id", "ward_name"))
    return mapping


def _scrub_text(text, replacements: list[tuple[re.Pattern, str]]):
    if not isinstance(text, str):
        return text
    for pattern, code in replacements:
        text = pattern.sub(code, text)
    return text


def _replacements(mapping: pd.DataFrame) -> list[tuple[re.Pattern, str]]:
    """Patterns for every ward name and id -> its code, longest first so "W1" never eats part of "W10"."""
    out = []
    for wid, name, code in zip(mapping["ward_id"].astype(str), mapping["ward_name"], mapping["code"]):
        for token in (str(name) if isinstance(name, str) else "", wid):
            if token.strip():
                out.append((re.compile(rf"(?<!\w){re.escape(token)}(?!\w)", re.IGNORECASE), code))
    return sorted(out, key=lambda p: len(p[0].pattern), reverse=True)


def scrub_names(text: str, mapping: pd.DataFrame | None) -> str:
    """`text` with every ward name and id in `mapping` replaced by its code (e.g. a file name in a stamp)."""
    if mapping is None or not len(mapping) or not isinstance(text, str):
        return text
    text = _scrub_text(text, _replacements(mapping))
    for name, code in zip(mapping["ward_name"], mapping["code"]):  # also inside words: "Iona_returns.xlsx"
        if isinstance(name, str) and len(name.strip()) >= 3:
            text = re.sub(re.escape(name.strip()), code, text, flags=re.IGNORECASE)
    return text


def code_wards(
    tables: Mapping[str, pd.DataFrame], all_wards: pd.DataFrame | None = None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every table with ward ids replaced by codes and ward names blanked; free text scrubbed.

    Codes are given over `all_wards` (the whole data set's wards) when passed, so a ward keeps its code
    whichever wards a pack selects: "Ward C" is the same ward in every pack from the same data.
    Returns the coded tables and the mapping (kept inside the app, never exported).
    """
    wards = tables.get("wards")
    if wards is None or not len(wards):
        return dict(tables), pd.DataFrame(columns=["ward_id", "ward_name", "code"])
    mapping = ward_mapping(all_wards if all_wards is not None and len(all_wards) else wards)
    codes = dict(zip(mapping["ward_id"].astype(str), mapping["code"]))
    replacements = _replacements(mapping)
    out = {}
    for name, df in tables.items():
        df = df.copy()
        if "ward_id" in df.columns:
            ids = df["ward_id"]
            df["ward_id"] = (
                pd.Series([codes.get(str(v), v) if pd.notna(v) else v for v in ids], index=df.index, dtype=object)
                .astype("str")
                .where(ids.notna(), None)
            )
        if "ward_name" in df.columns:
            df["ward_name"] = pd.Series("", index=df.index, dtype="str")
        for col in df.columns:
            if col in ("ward_id", "ward_name") or not (
                df[col].dtype == object or pd.api.types.is_string_dtype(df[col])
            ):
                continue
            df[col] = df[col].map(lambda v: _scrub_text(v, replacements))
        out[name] = df
    return out, mapping


def protect(
    df: pd.DataFrame,
    counts: Sequence[str],
    rule: DisclosureRule | str,
    rates: Mapping[str, tuple] | None = None,
    column_totals_known: bool = True,
) -> tuple[pd.DataFrame, list[str]]:
    """`df` with its counts (and rates made from them) under the rule, and the notes to print under it.

    Counts are rounded to whole numbers first (bed days can be fractional). Every count in a pack is a total
    over the selected wards and months, so each is published as a total (rounded to 5 under both presets:
    another pack's selection cannot be subtracted from it to give back a hidden count). When no safe pattern
    of suppression exists, the counts and rates are left out and a note says so.
    """
    rule = as_rule(rule)
    counts = [c for c in counts if c in df.columns]
    rates = {k: v for k, v in (rates or {}).items() if k in df.columns or v[0] in df.columns}
    if not counts or not len(df):
        return df, []
    work = df.copy()
    for c in counts:
        work[c] = pd.to_numeric(work[c], errors="coerce").astype(float).round()
    try:
        result = protect_table(
            work,
            counts,
            rule,
            rate_columns=rates,
            column_totals_known=column_totals_known,
            selection_totals=counts,
        )
    except DisclosureError:
        gone = counts + [r for r in rates if r in work.columns]
        return work.drop(columns=gone).assign(note=WITHHELD), [f"Counts withheld: {WITHHELD}."]
    return result.frame, result.notes[1:]  # the rule itself is named in the stamp


def quiet_figure(fig):
    """A copy of a plotly figure whose hover boxes show only the plotted x and y (no counts)."""
    fig = fig.__class__(fig)  # plotly figures copy via their constructor
    for trace in fig.data:
        props = trace.to_plotly_json()
        for name in ("customdata", "hovertext"):
            if name in props:
                trace[name] = None
        mode = str(props.get("mode", ""))
        if "text" in props and "text" not in mode and "texttemplate" not in props and trace.type != "bar":
            trace["text"] = None
        if trace.type == "bar" and "text" in props and "textposition" not in props:
            trace["text"] = None
        if props.get("hoverinfo") != "skip":
            trace["hovertemplate"] = "%{x}<br>%{y}<extra>" + str(props.get("name") or "") + "</extra>"
            trace["hoverinfo"] = None
    return fig

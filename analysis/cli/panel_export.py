"""`python -m analysis panel`: the ward-month panel as a file, protected by default.

Protected (the default): every count of people or events (incidents, talking-group sessions and attendances,
survey returns, patients scored) passes the small-number rule, and every rate made from a count is hidden with
it or worked out from the published count. Incident counts and talking groups are protected as ward x month
tables whose ward and month totals a reader may know (secondary suppression); survey returns and patients
scored are carried forward over months, so they do not add up and get the rule cell by cell. Scores, bed days
and staffing are not counts of people and pass as they are.

Unprotected (``--internal-unprotected``): the raw counts a researcher needs for models, stamped as unprotected
and for use inside the organisation only. Either way the file is written by the safe writers (CSV or Excel):
no cell can run as a formula, and the "About this table" stamp names the source, period, wards, version and
the rule (or that none was applied).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.contract import LISTED_ONLY
from analysis.disclosure.protect import protect_long
from analysis.disclosure.rules import DisclosureError, rule_from_name
from analysis.disclosure.safe_tables import build_stamp, to_csv_bytes, to_xlsx_bytes
from analysis.panel.sessions import SESSION_COUNTS, SESSION_RATIOS

RATE_SUFFIX = "_rate_per_1000_obd"
EXPOSURE = "occupied_bed_days"
UNPROTECTED = (
    "UNPROTECTED: raw counts, including counts of 1 to 7, for statistical models inside the organisation only. "
    "Do not share this file; export a protected panel (the default) or the steering group pack instead."
)


def count_columns(panel: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(counts that add up over wards and months, counts carried forward that do not) in the panel."""
    additive = [c[: -len(RATE_SUFFIX)] for c in panel.columns if c.endswith(RATE_SUFFIX)]
    additive += ["talking_groups_held", "talking_group_attendances", *SESSION_COUNTS]
    additive += list(LISTED_ONLY)  # optional counts with no rate column (boundary-related incidents)
    carried = [c for c in panel.columns if c.endswith(("_n_returns", "_n_patients"))]
    return [c for c in dict.fromkeys(additive) if c in panel.columns], carried


def protect_panel(panel: pd.DataFrame, rule) -> tuple[pd.DataFrame, list[str]]:
    """The panel with its counts (and the rates made from them) under `rule`; notes on what was done."""
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    additive, carried = count_columns(panel)
    out = panel.copy()
    notes = []
    published = {}
    for col in additive:
        known = panel[col].notna()
        cells = pd.Series([None] * len(panel), index=panel.index, dtype=object)
        if known.any():
            part = panel.loc[known, ["ward_id", "month", col]].copy()
            part[col] = pd.to_numeric(part[col]).round()
            try:
                safe = protect_long(part, col, ["ward_id", "month"], rule)
                cells[known] = safe.frame[col].to_numpy()
            except DisclosureError:
                cells[known] = rule.symbol
                notes.append(f"{col}: withheld (no safe pattern of suppression).")
        out[col] = cells
        published[col] = pd.to_numeric(cells.where(cells != rule.symbol), errors="coerce")
    for col in carried:
        out[col] = pd.Series([rule.publish(v) for v in panel[col]], index=panel.index, dtype=object)
    for col in list(published):
        rate = f"{col}{RATE_SUFFIX}"
        if rate in panel.columns:
            den = pd.to_numeric(panel[EXPOSURE], errors="coerce")
            value = (published[col] / den.where(den > 0) * 1000).round(2)
            out[rate] = _rate_cells(value, out[col], rule)
    if {"attendance_per_session", "talking_groups_held", "talking_group_attendances"} <= set(panel.columns):
        held, came = published["talking_groups_held"], published["talking_group_attendances"]
        value = (came / held.where(held > 0)).round(2)
        hidden = (out["talking_groups_held"] == rule.symbol) | (out["talking_group_attendances"] == rule.symbol)
        out["attendance_per_session"] = pd.Series(
            [rule.symbol if h else (None if pd.isna(v) else float(v)) for h, v in zip(hidden, value)],
            index=panel.index,
            dtype=object,
        )
    for col, (num, den, times) in SESSION_RATIOS.items():  # the session log's ratios, from the published counts
        if col in panel.columns:
            value = (times * published[num] / published[den].where(published[den] > 0)).round(2)
            hidden = (out[num] == rule.symbol) | (out[den] == rule.symbol)
            out[col] = _rate_cells(value.where(~hidden), hidden.map({True: rule.symbol, False: None}), rule)
    return out, notes


def _rate_cells(value: pd.Series, counts: pd.Series, rule) -> pd.Series:
    return pd.Series(
        [rule.symbol if c == rule.symbol else (None if pd.isna(v) else float(v)) for c, v in zip(counts, value)],
        index=value.index,
        dtype=object,
    )


def panel_file(panel: pd.DataFrame, dataset, out: Path, rule: str | None) -> tuple[bytes, str]:
    """(the file's bytes for `out`'s suffix, a few words on its protection); `rule` None: unprotected."""
    from analysis.pack.render.document import version

    suffix = Path(out).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"--out must end in .csv or .xlsx, not {suffix or 'nothing'}.")
    months = panel["month"] if len(panel) else pd.Series(dtype="datetime64[ns]")
    period = f"{months.min():%b %Y} to {months.max():%b %Y}" if len(panel) else "no months"
    wards = ", ".join(sorted(panel["ward_id"].astype(str).unique())) if len(panel) else "none"
    if rule is None:
        table, notes, words = panel, [], "UNPROTECTED: raw counts, internal use only"
    else:
        rule_obj = rule_from_name(rule)
        table, notes = protect_panel(panel, rule_obj)
        words = f"protected under the {rule_obj.name} rule"
    stamp = build_stamp(
        data_source=str(getattr(dataset, "label", "data")),
        period=period,
        wards=wards,
        app_version=version(),
        disclosure_rule=None if rule is None else rule_from_name(rule),
        synthetic=bool(getattr(dataset, "synthetic", False)),
    )
    stamp = {"Protection": UNPROTECTED} | stamp if rule is None else stamp
    if notes:
        stamp["Notes"] = " ".join(notes)
    table = table.replace({np.nan: None}) if len(table) else table
    data = to_xlsx_bytes({"panel": table}, stamp) if suffix == ".xlsx" else to_csv_bytes(table, stamp)
    return data, words

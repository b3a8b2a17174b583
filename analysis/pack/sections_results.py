"""The pack's section for researchers: every model behind the answers, one row each (what the figure is, its
estimate and 95% CI as numbers a spreadsheet can sort, the wards and observations used), then how each model
was fitted, a table per question, each formula given and each method written out in full once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.pack.render import Section, Table
from analysis.stats.results import ModelResult


def _fmt(x, digits=3):
    return None if x is None or not np.isfinite(x) else float(f"{x:.{digits}g}")


def model_details(how: list[dict]) -> list[Table]:
    """How each model was fitted, a table per question ("Question 3", "Talking groups"), so each fits on a slide or
    two: the data column is named once (by the formula, or beside the model when the formula does not name it),
    and a method already given in full for an earlier model of the same question is not repeated ("As for QPR-15
    above."). Nothing is cut: every formula is there, and every method in full once."""
    by_question: dict[str, list[dict]] = {}
    for row in how:
        question, _, name = row["label"].partition(": ")
        by_question.setdefault(question, []).append({**row, "name": name or question})
    tables = []
    for question, rows in by_question.items():
        said: dict[str, str] = {}  # a method's words -> the first model of the question that used them
        shown = []
        for r in rows:
            method = f"As for {said[r['method']]} above." if r["method"] in said else r["method"]
            said.setdefault(r["method"], r["name"])
            named = str(r["formula"]).startswith(f"{r['outcome']} ~")  # the formula names the data column
            model = r["name"] if named else f"{r['name']} ({r['outcome']})"
            shown.append({"Model": model, "Formula": r["formula"], "Method": method})
        tables.append(Table(pd.DataFrame(shown), f"Model details: {question}"))
    return tables


def results_section(results: dict[str, ModelResult | None]) -> Section:
    """Every model behind the pack's answers, one row each: what the figure is, its estimate and 95% CI as
    numbers (so spreadsheets sort and filter them), the data used; then how each was fitted (`model_details`)."""
    rows, how = [], []
    for label, r in results.items():
        if r is None:
            continue
        h = r.headline
        ok = h is not None and r.ok
        rows.append(
            {
                "Model": label,
                "What the figure is": h.name if h else "not estimated",
                "Estimate": _fmt(h.estimate) if ok else None,
                "95% CI from": _fmt(h.ci_low) if ok else None,
                "95% CI to": _fmt(h.ci_high) if ok else None,
                "Wards": r.n_wards,
                "Observations": r.n_obs,
            }
        )
        how.append({"label": label, "outcome": r.outcome, "formula": r.formula, "method": r.method})
    tables = (
        [
            Table(
                pd.DataFrame(rows),
                "Model results",
                "Rate ratios below 1 mean fewer incidents; score changes are per 10-point rise in co-production "
                "unless the figure says otherwise. Observations are the ward-months (or survey months) each "
                "model used; a blank estimate could not be fitted.",
            ),
            *model_details(how),
        ]
        if rows
        else []
    )
    return Section(
        title="Model results (for researchers)",
        tables=tables,
        paragraphs=[
            (
                "The models behind each answer, for anyone who wants to check or repeat them "
                "(python -m analysis fit gives the same numbers)."
            )
        ],
    )

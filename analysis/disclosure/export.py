"""Model results that can leave the app: estimates and model facts, never per-row data.

A fitted model carries diagnostics frames with one row per ward or per month (observed and
expected incident counts, Pearson residuals). Inside the app trusted staff see them in full.
An export must not carry them: an observed count of 3 assaults on one ward in one month is a
small count about people, and the expected count with its Pearson residual gives it back
(observed = expected + residual x sqrt(expected) under Poisson), so suppressing the
``observed`` column alone would not protect it. So the results export keeps:

* the spec, the question, outcome, predictor, formula, family, method, n_wards, n_obs;
* the estimates table (terms, estimates, standard errors, CIs, p-values), the headline, the
  sentence, caveats and warnings;
* scalar and dictionary diagnostics (dispersion, AIC comparison, variance components, ...), and the
  model-level frames in ``MODEL_LEVEL_FRAMES`` (predictions at chosen scores, a sensitivity
  refit): neither holds a row of the data;

and lists every other frame under ``withheld``. It names the disclosure rule in its
``about`` block like every other export. Counts left in it (n_wards, n_obs, zero months) are
counts of wards and ward-months, not of people.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from analysis.disclosure.rules import DisclosureRule, rule_from_name
from analysis.disclosure.safe_tables import NO_RULE
from analysis.stats.results import ModelResult

MODEL_LEVEL_FRAMES = ("expected_rates", "weighted_sensitivity")
WITHHELD_NOTE = (
    "one row per ward or per month of the data (observed and expected counts, residuals): shown "
    "inside the app only, because small counts about people could be read from it"
)


def _result(r: ModelResult) -> tuple[dict[str, Any], list[str]]:
    dropped = sorted(set(r.diagnostics.frames()) - set(MODEL_LEVEL_FRAMES))
    return r.to_dict(leave_out=dropped), dropped


def export_results(
    spec: Mapping[str, Any],
    results: Sequence[ModelResult],
    rule: DisclosureRule | str | None = None,
    stamp: Mapping[str, object] | None = None,
) -> dict:
    """The results download: {"about": provenance naming the rule, "spec", "results", "withheld"}."""
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    about = {str(k): "" if v is None else str(v) for k, v in (stamp or {}).items()}
    about["Disclosure control"] = rule.description if rule is not None else about.get("Disclosure control", NO_RULE)
    out, withheld = [], {}
    for r in results:
        d, dropped = _result(r)
        out.append(d)
        for name in dropped:
            withheld[f"{r.outcome}: {name}"] = WITHHELD_NOTE
    return {"about": about, "spec": dict(spec), "results": out, "withheld": withheld}


def export_results_json(
    spec: Mapping[str, Any],
    results: Sequence[ModelResult],
    rule: DisclosureRule | str | None = None,
    stamp: Mapping[str, object] | None = None,
) -> str:
    """export_results as indented JSON text (UTF-8 safe, no NaN: missing values are null)."""
    return json.dumps(export_results(spec, results, rule, stamp), indent=2, ensure_ascii=False, allow_nan=False)

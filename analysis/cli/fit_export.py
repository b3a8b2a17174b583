"""`python -m analysis fit`: model results as JSON, protected by default, as the Model builder's download.

Protected (the default): the results the app lets leave (``analysis.disclosure.export``): the spec, each model's
estimates, headline, sentence, caveats and model-level diagnostics, with every frame of one row per ward or per
month (observed and expected counts, residuals, each ward's levels) withheld and listed under ``withheld``, and an
``about`` block naming the source, period, wards, version and the rule. A ward's observed count can be read back
from its expected count and residual, so those frames are left out whole rather than suppressed cell by cell.

Unprotected (``--internal-unprotected``): every diagnostic, per-ward and per-month counts included, for statistical
work inside the organisation; the ``about`` block says UNPROTECTED. The same two modes as ``panel --out``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from analysis.data.filters import Filters
from analysis.disclosure.export import export_results
from analysis.disclosure.rules import rule_from_name
from analysis.disclosure.safe_tables import NO_RULE, build_stamp
from analysis.stats.results import ModelResult
from analysis.text import month_range, uk_month

UNPROTECTED = (
    "UNPROTECTED: every diagnostic, including each ward's and each month's observed counts (counts of 1 to 7 "
    "among them) and residuals, for statistical work inside the organisation only. Do not share this file; "
    "run fit without --internal-unprotected (the default) for results that may leave the organisation."
)


def _stamp(dataset, spec: dict, rule) -> dict[str, str]:
    from analysis.pack.render.document import version

    tables = Filters.from_dict(spec.get("filters") or {}).apply(dataset.tables)
    wm = tables.get("ward_months")
    if wm is not None and len(wm):
        first, last = pd.Timestamp(wm["month"].min()), pd.Timestamp(wm["month"].max())
        period = uk_month(first) if first == last else month_range(first, last)
        wards = ", ".join(sorted(wm["ward_id"].astype(str).unique()))
    else:
        period, wards = "no months", "none"
    return build_stamp(
        data_source=str(getattr(dataset, "label", "data")),
        period=period,
        wards=wards,
        app_version=version(),
        disclosure_rule=rule,
        synthetic=bool(getattr(dataset, "synthetic", False)),
    )


def fit_document(dataset, spec: dict, results: Sequence[ModelResult], rule: str | None) -> tuple[str, str]:
    """(the results as JSON text, a few words on its protection); `rule` None: unprotected, every diagnostic."""
    if rule is None:
        about = {"Protection": UNPROTECTED} | _stamp(dataset, spec, None)
        about["Disclosure control"] = NO_RULE
        doc = {"about": about, "spec": spec, "results": [r.to_dict() for r in results], "withheld": {}}
        return json.dumps(doc, indent=2, ensure_ascii=False), "UNPROTECTED: every diagnostic, internal use only"
    rule_obj = rule_from_name(rule)
    doc = export_results(spec, results, rule_obj, _stamp(dataset, spec, rule_obj))
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    return text, f"protected under the {rule_obj.name} rule: per-ward and per-month rows withheld"

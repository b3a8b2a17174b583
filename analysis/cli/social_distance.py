"""`python -m analysis social-distance`: the Reduced social distance page's answer, its measures and the
reliability of the instruments behind them (analysis/questions/social_distance/model.py).

Prints the plain verdict, one sentence per measure (each with its 95% interval), the assaults count model's
sentence, the boundary-related incidents' (the same count model, when ward_months has them; otherwise how to
get them), and alpha (Feldt interval) and omega (bootstrap interval) per instrument, subscale and respondent
group; --json prints one JSON document instead. Nothing here is a small count of people: the figures are
model estimates and reliability coefficients over the whole hospital's returns.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable


def add_social_distance_parser(sub, data_arguments: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register the `social-distance` subcommand (`data_arguments` adds --data / --store)."""
    p = sub.add_parser(
        "social-distance",
        help="where relationships are closer, do staff feel less safe and do assaults fall; and the reliability "
        "(alpha, omega) of EssenCES and the staff boundaries survey",
    )
    data_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    p.add_argument("--reliability-only", action="store_true", help="print only the instruments' reliability")
    p.set_defaults(func=cmd_social_distance)


def _clean(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _coefficient(value: float, low: float, high: float) -> str:
    """A coefficient with its interval, or "not computable" (the row's words say why): never "nan"."""
    if not math.isfinite(value):
        return "not computable"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{value:.2f} (no interval)"
    return f"{value:.2f} ({low:.2f} to {high:.2f})"


def _boundary(result, status: str, M) -> dict:
    """Boundary-related incidents against closeness: the count model's sentence and its rate ratios per 10 points
    (within each ward, the headline; between wards), or what is missing ("status": missing, none or ok)."""
    doc: dict = {"status": status, "sentence": M.boundary_sentence(result, status)}
    if result is None or not result.ok:
        return doc
    doc["sentence"] = result.sentence  # with its caveats, as the assaults' sentence here
    est = result.estimates.set_index("term")
    for key, suffix in (("within_ward", "_within"), ("between_wards", "_ward_mean")):
        term = next((t for t in est.index if t.endswith(suffix)), None)
        if term is not None:
            r = est.loc[term]
            doc[f"rate_ratio_per_10_points_{key}"] = {
                "estimate": _clean(float(r["rate_ratio"])),
                "ci_low": _clean(float(r["rr_ci_low"])),
                "ci_high": _clean(float(r["rr_ci_high"])),
            }
    doc["n_wards"], doc["n_ward_months"] = int(result.n_wards), int(result.n_obs)
    return doc


def cmd_social_distance(args: argparse.Namespace) -> int:
    import sys

    from analysis.cli.common import load_data
    from analysis.panel.build import build_panel
    from analysis.questions.social_distance import model as M

    dataset = load_data(args)
    returns = dataset.tables.get("survey_returns")
    instrument = dataset.tables.get("instrument")
    rel = M.instrument_reliability_table(returns, instrument)
    out: dict = {"reliability": [{k: _clean(v) for k, v in r.items()} for r in rel.to_dict("records")]}
    if not args.reliability_only:
        panel = build_panel(dataset.tables)
        waves = M.wave_table(panel, returns, instrument)
        if not len(waves) or waves["patient_rsd"].notna().sum() == 0:
            print("No patient-rated reduced social distance in these data (co-production returns).", file=sys.stderr)
            return 1
        links = {o: M.closeness_link(waves, o) for o in M.MEASURES if o != M.CLOSENESS}
        assaults = M.assaults_link(panel)
        status = M.boundary_status(panel)
        boundary = M.boundary_link(panel) if status == "ok" else None
        out["verdict"] = M.verdict(
            links["staff_safety"],
            links["staff_boundaries"],
            M.assaults_as_link(assaults),
            M.boundary_as_link(boundary),
        )
        out["measures"] = {
            o: {
                "sentence": M.link_sentence(link),
                "estimate_per_10_points": _clean(link.estimate),
                "ci_low": _clean(link.ci_low),
                "ci_high": _clean(link.ci_high),
                "n_wards": link.n_wards,
                "n_ward_quarters": link.n_obs,
            }
            for o, link in links.items()
        }
        out["assaults_on_staff"] = assaults.sentence
        out["boundary_incidents"] = _boundary(boundary, status, M)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if "verdict" in out:
        print(out["verdict"])
        print()
        for m in out["measures"].values():
            print(f"- {m['sentence']}")
        print(f"- Assaults on staff: {out['assaults_on_staff']}")
        print(f"- Boundary-related incidents: {out['boundary_incidents']['sentence']}")
        print()
    if len(rel):
        print("Reliability (alpha: Feldt 95% interval; omega: one-factor ML, bootstrap 95% interval)")
        for r in rel.itertuples(index=False):
            print(
                f"  {r.instrument} / {r.subscale} / {r.respondent}: alpha {_coefficient(r.alpha, r.alpha_low, r.alpha_high)}, "
                f"omega {_coefficient(r.omega, r.omega_low, r.omega_high)}, {r.n_returns} complete returns: {r.in_words}"
            )
    else:
        print("No EssenCES or staff boundaries returns in these data.")
    return 0

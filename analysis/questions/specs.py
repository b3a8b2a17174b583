"""Model specs: the code-free JSON that reproduces a model from the app on the command line.

A spec names the question, the model's choices and the view's filters. The Model builder
page saves one; `python -m analysis fit --spec spec.json` runs the same functions on it.
Every field is checked before anything is fitted: a bad field raises SpecError naming it.

``cluster_se`` chooses question 2's cluster-robust errors (`CLUSTER_SE_CHOICES`, as `fit_counts` takes them):
"auto" (the default: CR2 with Satterthwaite degrees of freedom below 30 wards, CR1 with Satterthwaite degrees of
freedom from 30), "cr2_satterthwaite" (CR2 at any number of wards) or "cr1" (the classic CR1 with t(G-1), for
comparison). The count models have no "none": errors that ignore the wards would treat a ward's months as
independent, which they are not. Questions 1 and 3 and talking groups have their own small-sample rules and take
only "auto". A spec saved before the field existed reads as "auto".

Besides the co-production scores, a model may take any measure in `analysis.panel.measures.MEASURES` (one entry:
words, the contract table it comes from, the step its estimates are per, and the questions it fits): today the
talking-group session log's ward-month columns (`analysis.panel.sessions`), as predictors of the count model
(question 2) and the recovery mixed model (question 3). A spec naming a measure whose table is not in the data is
refused with a plain message (`check_data`), never fitted on an empty column.

A hospital's own instruments (rows of its instrument table naming an instrument beyond the built-in ones) give one
measure per subscale and respondent group, ``inst_<instrument>_<patient|staff>_<subscale>``, with words, range, step
and direction from that table (`analysis.panel.own_instruments`). They are in `MEASURES` only inside
`data_measures(tables)`: the Model builder chooses inside it and `fit_panel` fits inside it, so a spec may name one
before the data are read (`normalise` lets an ``inst_`` name through) and is checked against the data's table then
(an unknown name, or question 3 for a score not on 0 to 100, is refused there).

Question 2 also takes an optional count as its outcome (`OPTIONAL_INCIDENTS`: boundary-related incidents, the
ward_months column an incident listing's category maps to); a spec naming one the data lack is refused saying how
to get it (`missing_count`, the Reduced social distance page's words).
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

import pandas as pd

from analysis.data.contract import ADJUSTMENTS, ASPECTS, LISTED_ONLY, MODELLED_INCIDENTS, RESPONDENTS
from analysis.data.dataset import Dataset
from analysis.data.filters import Filters
from analysis.panel.measures import MEASURES, PER_SCORE, using
from analysis.panel.own_instruments import PREFIX as OWN_PREFIX
from analysis.panel.own_instruments import is_own, measures_for
from analysis.stats.counts.spec import ERRORS, FAMILIES, SPLITS
from analysis.stats.results import ModelResult
from analysis.text import listed

QUESTIONS = ("q1", "q2", "q3", "talking-groups")  # what "all" runs
# "dose": a 0-to-100 score against a measure some months earlier (`analysis.questions.dose`); only when named
SPEC_QUESTIONS = (*QUESTIONS, "dose")
PREDICTED = ("q2", "q3", "dose")  # the questions whose models take the spec's predictor
CLUSTER_SE_CHOICES = {"auto": "auto", "cr2_satterthwaite": "CR2", "cr1": "CR1"}  # spec value -> fit_counts
SPEC_VERSION = 1
WEIGHTS = ("none", "n_patients")
KINDS = ("linear", "count")
INCIDENTS = MODELLED_INCIDENTS  # the contract's incident counts, in the order the models list them
# Optional ward_months counts an incident listing's category can map to (boundary-related incidents): question 2's
# outcomes when the data have them; a spec naming one the data lack is refused saying how to get it (`check_data`).
OPTIONAL_INCIDENTS = tuple(LISTED_ONLY)
COUNT_OUTCOMES = INCIDENTS + OPTIONAL_INCIDENTS  # every count question 2's model may take as its outcome
ABOUT_COUNTS = {  # what an optional count is and what to bear in mind, for a caption beside its answer
    "boundary_incidents": "Counted from the incident category your hospital maps to boundary-related incidents on "
    "the Data page (for example 'Professional boundaries'), per 1,000 occupied bed days. A ward whose staff report "
    "boundary concerns more readily shows more of them, so a difference may reflect reporting as much as practice. "
    "The Reduced social distance page relates them to patient-rated closeness "
    "(coproduction_patient_reduced_social_distance as the predictor here gives the same estimate).",
}
ADJUST_COUNTS = tuple(ADJUSTMENTS)  # the contract's adjustment choices for a count model
SCORES = ("coproduction_patient_overall", "coproduction_staff_overall", "coproduction_overall") + tuple(
    f"coproduction_{who}_{aspect}" for who in RESPONDENTS for aspect in ASPECTS
)


PREDICTORS = SCORES + tuple(c for c, m in MEASURES.items() if "predictor" in m.roles)
OUTCOME_MEASURES = tuple(c for c, m in MEASURES.items() if "outcome" in m.roles)  # talking groups' outcomes too
DOSE_OUTCOMES = SCORES + OUTCOME_MEASURES  # the dose model's outcomes: scores from 0 to 100
FILTER_FIELDS = ("wards", "services", "security_levels", "start", "end")


def predictors() -> tuple[str, ...]:
    """`PREDICTORS` and, inside `data_measures`, the data's own measures that may be predictors (a hospital's own
    instruments' scores)."""
    return SCORES + tuple(c for c, m in MEASURES.items() if "predictor" in m.roles)


def outcome_measures() -> tuple[str, ...]:
    """`OUTCOME_MEASURES` and, inside `data_measures`, the data's own measures that may be outcomes."""
    return tuple(c for c, m in MEASURES.items() if "outcome" in m.roles)


def own_outcomes(panel: pd.DataFrame) -> list[str]:
    """Inside `data_measures`: the hospital's own instruments' scores that may be outcomes and have data in `panel`
    (the Model builder's and the Talking groups page's lists), in the instrument table's order."""
    return [c for c in outcome_measures() if is_own(c) and c in panel.columns and panel[c].notna().any()]


def instrument_outcomes(panel: pd.DataFrame) -> list[str]:
    """The instrument scores that may be outcomes and have data in `panel`: the built-in instruments' (EssenCES, the
    staff boundaries instrument) and, inside `data_measures`, the hospital's own, in `MEASURES`' order (the Talking
    groups page's list, as the Model builder offers them)."""
    return [c for c in outcome_measures() if c in panel.columns and panel[c].notna().any()]


def data_measures(tables: dict[str, pd.DataFrame]):
    """A context in which `MEASURES` also holds the measures these tables define: one per subscale and respondent
    group of each of the hospital's own instruments (`analysis.panel.own_instruments`), read from its instrument
    table with its range and direction. The Model builder chooses, and `fit_panel` fits, inside it."""
    return using(measures_for(tables.get("instrument")))


DEFAULTS: dict[str, Any] = {
    "version": SPEC_VERSION,
    "question": "q2",
    "outcome": "assaults_on_staff",
    "predictor": "coproduction_patient_overall",
    "lag": 0,
    "family": "auto",
    "errors": "cluster",
    "split": "within_between",
    "adjust": [],
    "carry_forward_months": 3,
    "filters": {},
    "measure": None,  # q3: one recovery measure ("QPR-15"); None fits every measure present
    "weights": "none",  # q3: "none" (mixed model) or "n_patients" (weighted by patients behind each mean)
    "kind": None,  # talking groups: "linear" or "count"; None chooses count for incident counts
    "cluster_se": "auto",  # question 2: "auto" (CR2, Satterthwaite below 30 wards), "cr2_satterthwaite" or "cr1"
}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


class SpecError(ValueError):
    """A spec that cannot be run; the message says which field and why."""


_QUESTION_WORDS = {
    "q2": "question 2 (the count model)",
    "q3": "question 3 (the recovery mixed model)",
    "dose": "the dose model (a score after months of meetings)",
}


def measure_words(column: str) -> str:
    """A predictor or outcome in words: a `MEASURES` entry's words, else the co-production score's."""
    from analysis.stats.counts.describe import predictor_words

    return MEASURES[column].words if column in MEASURES else predictor_words(column)


def per_step(column: str) -> float:
    """The units of `column` an estimate is per (10 points for a co-production score)."""
    return MEASURES[column].per if column in MEASURES else PER_SCORE


def missing_measure(panel: pd.DataFrame, column: str) -> str | None:
    """Why `column` cannot be modelled on this panel (its table is not loaded), or None when it can."""
    m = MEASURES.get(column)
    if m is None or (column in panel.columns and panel[column].notna().any()):
        return None
    return (
        f"{m.words[0].upper()}{m.words[1:]} ({m.column}) is a measure from {m.table_words} (the {m.table} "
        "table), which is not in this data or has nothing for the wards and months chosen. Load one (see the Data "
        "page or the data contract), or choose a co-production score instead."
    )


def not_offered(panel: pd.DataFrame, columns, what: str = "predictors") -> list[str]:
    """A plain line for each source of the measures among `columns` that this panel cannot give, each source in its
    own words: a table not loaded ("More predictors once a talking-group session log is loaded (the
    talking_group_sessions table, on the Data page): ..."), and each of the hospital's own instruments with no
    returns for the wards and months chosen ("Your hospital's own survey instrument calm_ward has no returns ...").
    An own instrument is never described by another source's words, even when both come from survey_returns."""
    groups: dict[tuple[str, str], list] = {}
    for c in dict.fromkeys(columns):
        if c in MEASURES and missing_measure(panel, c):
            m = MEASURES[c]
            groups.setdefault((m.table, m.table_words), []).append(m)
    lines = []
    for (table, words), ms in groups.items():
        names = listed([m.words for m in ms], most=len(ms))
        if is_own(ms[0].column):
            lines.append(
                f"{words[0].upper()}{words[1:]} has no returns for the wards and months chosen, so {names} cannot "
                f"be chosen (its returns go in the {table} table, on the Data page)."
            )
        else:
            lines.append(f"More {what} once {words} is loaded (the {table} table, on the Data page): {names}.")
    return lines


def optional_count_status(panel: pd.DataFrame, column: str) -> str:
    """For an optional count (`OPTIONAL_INCIDENTS`): 'missing' (no column, or never filled in), 'none' (all zero)
    or 'ok' (the social-distance page's rule for boundary-related incidents)."""
    if column not in panel.columns or panel[column].notna().sum() == 0:
        return "missing"
    return "none" if float(pd.to_numeric(panel[column], errors="coerce").fillna(0).sum()) == 0 else "ok"


def missing_count(panel: pd.DataFrame, column: str) -> str | None:
    """Why the optional count `column` cannot be an outcome on this panel, and how to get it; None when it can."""
    if column not in OPTIONAL_INCIDENTS:
        return None
    status = optional_count_status(panel, column)
    if status == "ok":
        return None
    from analysis.questions.social_distance.model import BOUNDARY_MISSING, BOUNDARY_NONE

    if status == "none":
        return BOUNDARY_NONE.replace("to relate to closeness", "to model")
    how = BOUNDARY_MISSING[BOUNDARY_MISSING.index("To add them") :]
    return f"{LISTED_ONLY[column]} ({column}) are not in these data, so they cannot be a model's outcome. {how}"


def check_data(panel: pd.DataFrame, spec: dict[str, Any]) -> None:
    """SpecError when the spec names a measure the data cannot give (its table is not loaded), or an optional
    count (boundary-related incidents) the data do not have."""
    wanted = QUESTIONS if spec["question"] == "all" else (spec["question"],)
    if {"q2", "talking-groups"} & set(wanted):
        why = missing_count(panel, spec["outcome"])
        if why:
            raise SpecError(f"outcome: {why}")
    fields = (["predictor"] if set(PREDICTED) & set(wanted) else []) + (
        ["outcome"] if {"talking-groups", "dose"} & set(wanted) else []
    )
    for name in fields:
        if spec[name].startswith(OWN_PREFIX) and spec[name] not in MEASURES:
            own = [c for c in MEASURES if c.startswith(OWN_PREFIX)]
            raise SpecError(
                f"{name}: {spec[name]} is not a score of an instrument in this data's instrument table"
                + (
                    f" (its own instruments give: {', '.join(own)})"
                    if own
                    else " (it defines no instrument of its own)"
                )
            )
        why = missing_measure(panel, spec[name])
        if why:
            raise SpecError(f"{name}: {why}")


def _one_of(spec: dict, field: str, allowed: tuple) -> None:
    if spec[field] not in allowed:
        raise SpecError(f"{field} must be one of {', '.join(map(str, allowed))}, not {spec[field]!r}")


def _whole(spec: dict, field: str, low: int, high: int, words: str) -> None:
    v = spec[field]
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise SpecError(f"{field} must be {words} from {low} to {high}, not {v!r}")


def _filters(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError('filters must be an object such as {"wards": ["W01"], "start": "2024-04"}')
    unknown = set(value) - set(FILTER_FIELDS)
    if unknown:
        raise SpecError(f"unknown filters: {', '.join(sorted(unknown))} (use {', '.join(FILTER_FIELDS)})")
    for key in ("wards", "services", "security_levels"):
        v = value.get(key)
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise SpecError(f"filters.{key} must be a list of names, not {v!r}")
    for key in ("start", "end"):
        v = value.get(key)
        if v is None:
            continue
        if not isinstance(v, str) or not _MONTH.match(v):
            raise SpecError(f"filters.{key} must be a month written YYYY-MM (e.g. 2024-04), not {v!r}")
        try:
            pd.Timestamp(v + "-01")
        except ValueError as exc:
            raise SpecError(f"filters.{key} is not a real month: {v!r}") from exc
    if value.get("start") and value.get("end") and value["start"] > value["end"]:
        raise SpecError("filters.start must not be after filters.end")
    return Filters.from_dict(value).to_dict()


def normalise(spec: Any) -> dict[str, Any]:
    """The spec with defaults filled in and every field checked (SpecError on the first bad one)."""
    if not isinstance(spec, dict):
        raise SpecError("a model spec must be a JSON object of field names and values")
    unknown = set(spec) - set(DEFAULTS)
    if unknown:
        raise SpecError(
            f"unknown fields in the model spec: {', '.join(sorted(unknown))} (known fields: {', '.join(DEFAULTS)})"
        )
    out = {**DEFAULTS, **spec}
    if out["version"] != SPEC_VERSION:
        raise SpecError(
            f"version must be {SPEC_VERSION}: this spec was written by another version (version {out['version']!r})"
        )
    _one_of(out, "question", SPEC_QUESTIONS + ("all",))
    q = out["question"]
    if not isinstance(out["outcome"], str) or not _NAME.match(out["outcome"]):
        raise SpecError(f"outcome must be a column name such as assaults_on_staff, not {out['outcome']!r}")
    if q in ("q2", "all") and out["outcome"] not in COUNT_OUTCOMES:
        raise SpecError(
            "outcome for question 2 must be an incident count: one of "
            f"{', '.join(COUNT_OUTCOMES)}, not {out['outcome']!r}"
        )
    own = out["outcome"].startswith(OWN_PREFIX)  # a hospital's own instrument score: checked against the data
    if q == "dose" and out["outcome"] not in SCORES + outcome_measures() and not own:
        raise SpecError(
            f"outcome for the dose model must be a score: one of {', '.join(DOSE_OUTCOMES)}, not {out['outcome']!r}"
        )
    if not (
        isinstance(out["predictor"], str) and out["predictor"].startswith(OWN_PREFIX) and _NAME.match(out["predictor"])
    ):
        _one_of(out, "predictor", predictors())
    if q == "dose" and out["predictor"] == out["outcome"]:
        raise SpecError(f"predictor must differ from the outcome ({out['outcome']}) in the dose model")
    m = MEASURES.get(out["predictor"])
    uses = [w for w in (("q2", "q3") if q == "all" else (q,)) if w in PREDICTED]
    if m is not None and any(w not in m.questions for w in uses):
        raise SpecError(
            f"predictor {m.column} ({m.words}) fits only {' and '.join(_QUESTION_WORDS[w] for w in m.questions)}, "
            f"not {' and '.join(_QUESTION_WORDS[w] for w in uses)}"
        )
    _whole(out, "lag", 0, 12, "a whole number of months")
    _whole(out, "carry_forward_months", 0, 12, "a whole number of months")
    _one_of(out, "family", FAMILIES)
    _one_of(out, "errors", ERRORS)
    _one_of(out, "split", SPLITS)
    _one_of(out, "weights", WEIGHTS)
    _one_of(out, "cluster_se", tuple(CLUSTER_SE_CHOICES))
    if out["cluster_se"] != "auto" and q not in ("q2", "all"):
        raise SpecError(
            f"cluster_se applies to question 2's count models only; {q} has its own small-sample rule, so leave "
            f"cluster_se as auto, not {out['cluster_se']!r}"
        )
    if out["kind"] is not None:
        _one_of(out, "kind", KINDS)
    if out["measure"] is not None and (not isinstance(out["measure"], str) or not out["measure"].strip()):
        raise SpecError(f"measure must be a recovery measure's name such as QPR-15, or null, not {out['measure']!r}")
    adjust = out["adjust"]
    if not isinstance(adjust, (list, tuple)) or not all(isinstance(a, str) for a in adjust):
        raise SpecError(f"adjust must be a list of names, not {adjust!r}")
    out["adjust"] = list(dict.fromkeys(adjust))
    if q in ("q2", "all"):
        bad = [a for a in out["adjust"] if a not in ADJUST_COUNTS]
        if bad:
            raise SpecError(f"adjust for question 2 may hold only {', '.join(ADJUST_COUNTS)}; not {', '.join(bad)}")
    bad = [a for a in out["adjust"] if not _NAME.match(a)]
    if bad:
        raise SpecError(f"adjust must name panel columns (or trend); not {', '.join(map(repr, bad))}")
    out["filters"] = _filters(out["filters"])
    return out


def parse_spec(text: str) -> dict[str, Any]:
    """A checked spec from JSON text (SpecError when the text is not JSON or a field is wrong)."""
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    return normalise(spec)


def to_json(spec: dict[str, Any]) -> str:
    """The spec as the JSON the app offers for download (checked, fields in a fixed order)."""
    spec = normalise(spec)
    return json.dumps({k: spec[k] for k in DEFAULTS}, indent=2, ensure_ascii=False) + "\n"


def spec_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """A spec from the `fit` command's options."""
    return normalise(
        {
            "question": args.question,
            "outcome": args.outcome,
            "predictor": args.predictor,
            "lag": args.lag,
            "carry_forward_months": args.carry_forward,
            "cluster_se": getattr(args, "cluster_se", None) or "auto",
        }
    )


def command_line(spec_file: str = "model_spec.json", source: str = "sample", data_path: str | None = None) -> str:
    """The command that reproduces a saved spec: on the sample, a data file/folder (--data) or the store."""
    cmd = f"python -m analysis fit --spec {spec_file}"
    if source == "store":
        return cmd + " --store"
    if data_path:
        return cmd + f" --data {data_path}"
    return cmd


def run_spec(dataset: Dataset, spec: dict[str, Any]) -> list[ModelResult]:
    """Fit what the spec asks for on the data set, after its filters."""
    from analysis.panel.build import build_panel

    spec = normalise(spec)
    tables = Filters.from_dict(spec["filters"]).apply(dataset.tables)
    panel = build_panel(tables, carry_forward_months=spec["carry_forward_months"])
    return fit_panel(panel, tables, spec)


def fit_panel(panel: pd.DataFrame, tables: dict[str, pd.DataFrame], spec: dict[str, Any]) -> list[ModelResult]:
    """Fit the spec on a panel already built from the filtered tables (what the app does, cached)."""
    with data_measures(tables):  # a hospital's own instruments: words, steps and the questions each fits
        spec = normalise(spec)
        check_data(panel, spec)
        wanted = QUESTIONS if spec["question"] == "all" else (spec["question"],)
        results: list[ModelResult] = []
        for question in wanted:
            results += _RUNNERS[question](panel, tables, spec)
        return results


def _q1(panel, tables, spec) -> list[ModelResult]:
    from analysis.questions.coproduction.existence import answer_q1

    return [answer_q1(panel)]


def _q2(panel, tables, spec) -> list[ModelResult]:
    from analysis.stats.counts import fit_counts

    return [
        fit_counts(
            panel,
            outcome=spec["outcome"],
            predictor=spec["predictor"],
            lag=spec["lag"],
            adjust=tuple(spec["adjust"]),
            family=spec["family"],
            errors=spec["errors"],
            split=spec["split"],
            cluster_se=CLUSTER_SE_CHOICES[spec["cluster_se"]],
            per=per_step(spec["predictor"]),
            at=MEASURES[spec["predictor"]].at if spec["predictor"] in MEASURES else (30.0, 50.0, 70.0),
        )
    ]


def _q3(panel, tables, spec) -> list[ModelResult]:
    from analysis.questions.recovery.model import answer_q3, fit_recovery

    catalogue = tables.get("measures")
    options = {"lag": spec["lag"], "adjust": tuple(spec["adjust"]), "split": spec["split"], "weights": spec["weights"]}
    if spec["measure"] is None:
        return list(answer_q3(panel, catalogue, predictor=spec["predictor"], **options))
    return [fit_recovery(panel, spec["measure"], spec["predictor"], measures_catalogue=catalogue, **options)]


def talking_groups_kind(spec: dict[str, Any]) -> str:
    """The talking-groups model kind: as chosen, else count for incident counts and linear otherwise."""
    if spec.get("kind"):
        return spec["kind"]
    return "count" if spec["outcome"] in COUNT_OUTCOMES else "linear"


def _talking_groups(panel, tables, spec) -> list[ModelResult]:
    from analysis.questions.talking_groups.model import its_pooled

    kind = talking_groups_kind(spec)
    exposure = "occupied_bed_days" if kind == "count" else None
    return [its_pooled(panel, spec["outcome"], kind=kind, exposure=exposure)]


def _dose(panel, tables, spec) -> list[ModelResult]:
    from analysis.questions.dose import fit_dose

    return [fit_dose(panel, spec["outcome"], spec["predictor"], lag=spec["lag"])]


_RUNNERS = {"q1": _q1, "q2": _q2, "q3": _q3, "talking-groups": _talking_groups, "dose": _dose}

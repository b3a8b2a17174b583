"""Model builder (research): choose a model, see its answer, table and diagnostics, and take away a spec
that reproduces it on the command line (`python -m analysis fit --spec model_spec.json`)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from analysis.data.contract import NUMERIC_ADJUSTMENTS
from analysis.data.dataset import SAMPLE_DIR
from analysis.disclosure.export import export_results_json
from analysis.questions import specs
from analysis.questions.recovery.model import measures_in_panel
from analysis.stats.counts.describe import outcome_words, predictor_words
from analysis.stats.results import CountDiagnostics, ModelResult
from analysis.text import literal
from ui import cache, show
from ui.data import sample_path
from ui.frame import current_view, filter_caption
from ui.safe import guarded

QUESTION_LABELS = {
    "q2": "Question 2: incidents such as assaults on staff (count model)",
    "q3": "Question 3: recovery measures (mixed model)",
    "talking-groups": "Talking groups: before and after each ward started (pooled across wards)",
}
FAMILY_LABELS = {"auto": "Automatic (test for over-dispersion)", "poisson": "Poisson", "negbin": "Negative binomial"}
ERROR_LABELS = {"cluster": "Cluster-robust by ward", "gee": "GEE (exchangeable)", "fixed_effects": "Ward fixed effects"}
SPLIT_LABELS = {"within_between": "Within ward and between wards", "none": "One term (no split)"}
WEIGHT_LABELS = {"none": "Unweighted (mixed model)", "n_patients": "Weighted by patients behind each mean"}
KIND_LABELS = {"count": "Count (rate per occupied bed day)", "linear": "Linear (a score)"}


@st.cache_data(max_entries=64, show_spinner="Fitting the model...")
def _fit(key: str, spec_json: str, _panel: pd.DataFrame, _tables: dict) -> list[ModelResult]:
    return specs.fit_panel(_panel, _tables, json.loads(spec_json))


def _present(panel: pd.DataFrame, columns) -> list[str]:
    return [c for c in columns if c in panel.columns and panel[c].notna().any()]


def _choose(panel: pd.DataFrame, tables: dict) -> dict | None:
    """The model choices as a spec (None when the data cannot support any model on this page)."""
    question = st.radio("Question", list(QUESTION_LABELS), format_func=QUESTION_LABELS.get, key="mb_question")
    spec: dict = {"question": question}
    predictors = _present(panel, specs.PREDICTORS)
    c1, c2, c3 = st.columns(3)
    if question == "q2":
        outcomes = _present(panel, specs.INCIDENTS)
        if not outcomes or not predictors:
            show.needs(
                "ward months with incident counts and occupied bed days, and co-production survey returns.",
                "A count model needs incidents and co-production scores for the same ward-months.",
            )
            return None
        spec["outcome"] = c1.selectbox(
            "Outcome (incident count)", outcomes, format_func=outcome_words, key="mb_outcome"
        )
        spec["family"] = c2.selectbox(
            "Model family", list(FAMILY_LABELS), format_func=FAMILY_LABELS.get, key="mb_family"
        )
        spec["errors"] = c3.selectbox(
            "Allowing for wards", list(ERROR_LABELS), format_func=ERROR_LABELS.get, key="mb_errors"
        )
        adjust_options = [a for a in specs.ADJUST_COUNTS if a in ("season", "trend") or a in panel.columns]
    elif question == "q3":
        measures = measures_in_panel(panel, tables.get("measures"))
        if not measures or not predictors:
            show.needs(
                "recovery measures (the recovery table) and co-production survey returns.",
                "A recovery model needs recovery scores and co-production scores for the same ward-months.",
            )
            return None
        spec["measure"] = c1.selectbox("Recovery measure", measures, key="mb_measure")
        spec["weights"] = c2.selectbox("Weights", list(WEIGHT_LABELS), format_func=WEIGHT_LABELS.get, key="mb_weights")
        adjust_options = ["trend"] + [a for a in NUMERIC_ADJUSTMENTS if a in panel.columns]
    else:
        outcomes = _present(panel, specs.INCIDENTS) + predictors
        if not outcomes or "talking_groups_start" not in panel.columns or panel["talking_groups_start"].isna().all():
            show.needs(
                "events with each ward's talking-groups start (talking_groups_started) and ward months.",
                "No ward has a recorded talking-groups start.",
            )
            return None
        spec["outcome"] = c1.selectbox(
            "Outcome",
            outcomes,
            format_func=lambda c: outcome_words(c) if c in specs.INCIDENTS else predictor_words(c),
            key="mb_tg_outcome",
        )
        default_kind = "count" if spec["outcome"] in specs.INCIDENTS else "linear"
        spec["kind"] = c2.selectbox(
            "Kind of outcome",
            list(KIND_LABELS),
            format_func=KIND_LABELS.get,
            index=list(KIND_LABELS).index(default_kind),
            key=f"mb_kind_{spec['outcome']}",
        )
        adjust_options = []
    if question in ("q2", "q3"):
        spec["predictor"] = c1.selectbox(
            "Predictor (co-production score)", predictors, format_func=predictor_words, key="mb_predictor"
        )
        spec["lag"] = int(c2.number_input("Lag (months before the outcome)", 0, 12, 0, key="mb_lag"))
        spec["split"] = c3.selectbox(
            "Co-production term", list(SPLIT_LABELS), format_func=SPLIT_LABELS.get, key=f"mb_split_{question}"
        )
        spec["adjust"] = st.multiselect(
            "Adjust for", adjust_options, key=f"mb_adjust_{question}", format_func=lambda a: a.replace("_", " ")
        )
    spec["carry_forward_months"] = int(
        c3.number_input(
            "Carry survey scores forward (months)",
            0,
            12,
            cache.carry_forward(),
            key="mb_carry",
            help="How many months after a survey its scores still stand for the ward (0: survey months only).",
        )
    )
    return spec


def _key_figure(result: ModelResult) -> str:
    h = result.headline
    if result.question == "q3":
        return f"{h.estimate:+.2f} ({h.ci_low:+.2f} to {h.ci_high:+.2f})"
    return f"{h.estimate:.2f} ({h.ci_low:.2f} to {h.ci_high:.2f})"


def _per_points(spec: dict, result: ModelResult) -> float | None:
    """The points of co-production score the estimates are per (10), for models with a co-production predictor."""
    per = getattr(result.diagnostics, "per", None)
    return float(per) if per and spec.get("question") in ("q2", "q3") and spec.get("predictor") else None


def _diagnostics(result: ModelResult) -> None:
    counts = result.diagnostics_as(CountDiagnostics)
    if counts is not None and counts.family_choice:
        st.markdown(f"**Choice of model family.** {counts.family_choice}")
    for name, frame in result.diagnostics.frames().items():
        with st.expander(name.replace("_", " ").capitalize()):
            st.dataframe(frame, hide_index=True, width="stretch")
    plain = result.diagnostics.details(leave_out=("family_choice",))
    if plain:
        with st.expander("Other model details"):
            st.json(plain)


def _reproduce(spec: dict, results: list[ModelResult], view) -> None:
    st.header("Reproduce this from the command line")
    spec_json = specs.to_json(spec)
    source, data_path = view.dataset.source, None
    if source == "sample" and sample_path().resolve() != SAMPLE_DIR.resolve():
        data_path = str(sample_path())
    st.markdown("Save the model spec, then run this in the project folder; it prints the same results as JSON.")
    st.code(specs.command_line("model_spec.json", source, data_path), language="bash", wrap_lines=True)
    st.markdown("**Model spec** (no code: the choices above and the current filters)")
    st.code(spec_json, language="json")
    c1, c2, c3 = st.columns(3)
    show.download_button(
        "Download the model spec",
        spec_json,
        file_name="model_spec.json",
        mime="application/json",
        key="mb_dl_spec",
        where=c1,
        icon=":material/download:",
    )
    # Estimates and model facts only: the per-ward and per-month diagnostics (observed and expected counts)
    # stay on this page, for trusted staff; the file names the disclosure rule like every export.
    payload = export_results_json(specs.normalise(spec), results, show.disclosure_rule(), show.stamp(view))
    show.download_button(
        "Download the results (JSON)",
        payload,
        file_name="model_results.json",
        mime="application/json",
        key="mb_dl_results",
        where=c2,
        icon=":material/download:",
        help="Estimates, confidence intervals, n, formula, family and warnings. The per-ward and "
        "per-month diagnostics shown above stay inside the app.",
    )
    with c3:
        show.download(results[0].estimates, "model_estimates", view, label="Download the estimates (CSV)")


def main() -> None:
    st.title("Model builder")
    view = current_view()
    filter_caption(view)
    st.markdown(
        "Choose a model and see its answer, the fitted table and diagnostics. Every choice is saved in a "
        "model spec that reproduces the same numbers from the command line."
    )
    with guarded("preparing the panel", "Check the data on the Data page."):
        panel = cache.panel(view, int(st.session_state.get("mb_carry", cache.carry_forward())))
    if not len(panel):
        show.needs("ward months (the ward_months table).", "There are no ward-months in the current view.")
        return
    spec = _choose(panel, view.data.tables)
    if spec is None:
        return
    spec["filters"] = view.filters.to_dict()
    with guarded("checking the model choices", "Change one of the choices above."):
        spec = specs.normalise(spec)
    panel = cache.panel(view, spec["carry_forward_months"])
    results: list[ModelResult] = []
    with guarded("fitting the model", "Try another model family or fewer adjustments."):
        results = _fit(cache.data_key(view), json.dumps(spec, sort_keys=True), panel, view.data.tables)
    if not results:
        return
    result = results[0]
    st.header("Answer")
    show.answer(result, result.headline.name if result.headline else None, _key_figure(result) if result.ok else None)
    if result.formula:
        st.header("Formula")
        st.code(result.formula, language="text", wrap_lines=True)
    if len(result.estimates):
        per = _per_points(spec, result)
        st.header(f"Fitted table (co-production per {per:g} points)" if per else "Fitted table")
        if per:
            st.caption(
                literal(
                    f"Rows for {predictor_words(spec['predictor'])} (terms starting {spec['predictor']}) are per "
                    f"{per:g}-point rise in the score, which runs from 0 to 100; other rows are per unit of "
                    "their own measure."
                )
            )
        st.caption(literal(result.method))
        st.dataframe(
            result.estimates,
            hide_index=True,
            width="stretch",
            column_config={
                "term": st.column_config.TextColumn("term", width="large"),
                "unit": st.column_config.TextColumn("unit", width="large"),
                **{
                    col: st.column_config.NumberColumn(f"{col} (co-production: per {per:g} points)")
                    for col in ("estimate", "rate_ratio")
                    if per and col in result.estimates
                },
            },
        )
        if "const" in set(result.estimates.get("term", [])) and "rate_ratio" in result.estimates:
            st.caption(
                "The const row is the model's baseline: its rate ratio is the rate per occupied bed day "
                "where every predictor is 0 (a co-production score of 0, far outside the scores seen), so "
                "it is an extrapolation, not a rate any ward had. The answer is in the rows below it."
            )
    _diagnostics(result)
    _reproduce(spec, results, view)


main()

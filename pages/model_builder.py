"""Model builder (research): choose a model, see its answer, table and diagnostics, and take away a spec
that reproduces it on the command line (`python -m analysis fit --spec model_spec.json`)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from analysis.data.contract import LISTED_ONLY, NUMERIC_ADJUSTMENTS
from analysis.data.dataset import SAMPLE_DIR
from analysis.disclosure.export import export_results_json
from analysis.questions import specs
from analysis.questions.assaults import direction
from analysis.questions.recovery.model import measures_in_panel
from analysis.stats.counts.describe import outcome_words
from analysis.stats.results import CountDiagnostics, ModelResult
from analysis.text import literal
from ui import cache, show
from ui.frame import current_view, filter_caption
from ui.instruments import own_measures
from ui.locations import sample_path
from ui.safe import guarded

QUESTION_LABELS = {
    "q2": "Question 2: incidents such as assaults on staff (count model)",
    "q3": "Question 3: recovery measures (mixed model)",
    "talking-groups": "Talking groups: before and after each ward started (pooled across wards)",
    "dose": "Talking-group sessions: a score after months of meetings (mixed model)",
}
FAMILY_LABELS = {"auto": "Automatic (test for over-dispersion)", "poisson": "Poisson", "negbin": "Negative binomial"}
ERROR_LABELS = {"cluster": "Cluster-robust by ward", "gee": "GEE (exchangeable)", "fixed_effects": "Ward fixed effects"}
SPLIT_LABELS = {"within_between": "Within ward and between wards", "none": "One term (no split)"}
WEIGHT_LABELS = {"none": "Unweighted (mixed model)", "n_patients": "Weighted by patients behind each mean"}
KIND_LABELS = {"count": "Count (rate per occupied bed day)", "linear": "Linear (a score)"}
CLUSTER_SE_LABELS = {
    "auto": "Automatic (CR2 below 30 wards)",
    "cr2_satterthwaite": "CR2, Satterthwaite df",
    "cr1": "CR1, G-1 df (classic)",
}


@st.cache_data(max_entries=64, show_spinner="Fitting the model...")
def _fit(key: str, spec_json: str, _panel: pd.DataFrame, _tables: dict) -> list[ModelResult]:
    return specs.fit_panel(_panel, _tables, json.loads(spec_json))


@st.cache_data(max_entries=32, show_spinner="Fitting both directions...")
def _which_first(key: str, spec_json: str, _panel: pd.DataFrame):
    spec = json.loads(spec_json)
    return direction.which_comes_first(_panel, predictor=spec["predictor"], outcome=spec["outcome"])


def _present(panel: pd.DataFrame, columns) -> list[str]:
    return [c for c in columns if c in panel.columns and panel[c].notna().any()]


def _counts(panel: pd.DataFrame) -> list[str]:
    """Question 2's outcomes the data have: the incident counts, then optional counts (boundary-related incidents)
    only when recorded; for an optional count the data lack, a plain line on how to get it."""
    outcomes = _present(panel, specs.INCIDENTS)
    for column in specs.OPTIONAL_INCIDENTS:
        why = specs.missing_count(panel, column)
        if why:
            with st.container(key=f"mb_missing_{column}"):
                st.caption(literal(why))
        else:
            outcomes.append(column)
    return outcomes


def _named(columns: list[str]):
    """A list's words, fixed when the list is made: a hospital's own instrument's words are known only inside
    `specs.data_measures`, and a widget may format its options later."""
    names = {c: _count_words(c) if c in specs.COUNT_OUTCOMES else specs.measure_words(c) for c in columns}
    return names.__getitem__


def _count_words(column: str) -> str:
    """An incident count in words for a list: the contract's words ('boundary-related incidents' for the optional)."""
    return LISTED_ONLY[column][0].lower() + LISTED_ONLY[column][1:] if column in LISTED_ONLY else outcome_words(column)


def _predictors(panel: pd.DataFrame, question: str) -> list[str]:
    """The predictors this question's model takes that have data: co-production scores, then measures such as
    the talking-group session log's (each only when its table is loaded)."""
    return [
        p
        for p in _present(panel, specs.predictors())
        if p not in specs.MEASURES or question in specs.MEASURES[p].questions
    ]


def _not_loaded(panel: pd.DataFrame, question: str) -> None:
    """A plain line for each table whose measures this model could take but which is not loaded, and for each of
    the hospital's own instruments with no returns (`specs.not_offered`: each in its own words)."""
    columns = [m.column for m in specs.MEASURES.values() if question in m.questions]
    for line in specs.not_offered(panel, columns):
        st.caption(literal(line))


def _about(spec: dict) -> None:
    """How each chosen instrument score is made and which way is better (`Measure.about`), under the choices."""
    if spec.get("outcome") in specs.ABOUT_COUNTS and spec["question"] in ("q2", "talking-groups"):
        with st.container(key="mb_about_count"):
            st.caption(literal(f"{_count_words(spec['outcome']).capitalize()}: {specs.ABOUT_COUNTS[spec['outcome']]}"))
    for field in ("outcome", "predictor"):
        m = specs.MEASURES.get(spec.get(field))
        if m is not None and m.about:
            st.caption(literal(f"{m.words[0].upper()}{m.words[1:]} ({field}): {m.about}"))


def _choose(panel: pd.DataFrame, tables: dict) -> dict | None:
    """The model choices as a spec (None when the data cannot support any model on this page)."""
    question = st.radio("Question", list(QUESTION_LABELS), format_func=QUESTION_LABELS.get, key="mb_question")
    spec: dict = {"question": question}
    predictors = _predictors(panel, question)
    c1, c2, c3 = st.columns(3)
    if question == "q2":
        outcomes = _counts(panel)
        if not outcomes or not predictors:
            show.needs(
                "ward months with incident counts and occupied bed days, and co-production survey returns.",
                "A count model needs incidents and co-production scores for the same ward-months.",
            )
            return None
        spec["outcome"] = c1.selectbox("Outcome (incident count)", outcomes, format_func=_count_words, key="mb_outcome")
        spec["family"] = c2.selectbox(
            "Model family", list(FAMILY_LABELS), format_func=FAMILY_LABELS.get, key="mb_family"
        )
        spec["errors"] = c3.selectbox(
            "Allowing for wards", list(ERROR_LABELS), format_func=ERROR_LABELS.get, key="mb_errors"
        )
        if spec["errors"] != "gee":
            spec["cluster_se"] = c3.selectbox(
                "Small-sample errors",
                list(CLUSTER_SE_LABELS),
                format_func=CLUSTER_SE_LABELS.get,
                key="mb_cluster_se",
                help="How the uncertainty allows for few wards. Automatic is what the rest of the app uses: CR2 "
                "(bias-reduced) errors with Satterthwaite degrees of freedom below 30 wards, CR1 with Satterthwaite "
                "from 30. CR1 with G-1 degrees of freedom is the classic choice, kept for comparison; its intervals "
                "are too narrow with few wards.",
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
    elif question == "dose":
        outcomes = _present(panel, specs.SCORES + specs.outcome_measures())
        doses = [p for p in predictors if p in specs.MEASURES]
        if not outcomes or not doses:
            show.needs(
                "a talking-group session log (the talking_group_sessions table) and co-production survey returns.",
                "This model relates a ward's scores to how its talking groups ran in the months before.",
            )
            return None
        spec["outcome"] = c1.selectbox(
            "Outcome (a score)", outcomes, format_func=_named(outcomes), key="mb_dose_outcome"
        )
        spec["predictor"] = c2.selectbox(
            "How the meetings ran", doses, format_func=_named(doses), key="mb_dose_predictor"
        )
        spec["lag"] = int(
            c1.number_input(
                "Lag (months before the score)",
                0,
                12,
                1,
                key="mb_dose_lag",
                help="1 (the default, as on the Talking groups page): a month's meetings against the next "
                "month's survey.",
            )
        )
        st.caption(
            "Only months with their own survey count (a score carried forward from an earlier survey is left "
            "out); the measure is split into each ward's average (between wards) and each month's difference "
            "from it (within ward: the answer), with a trend over time and a random intercept per ward."
        )
    else:
        scores = _present(panel, specs.SCORES)
        counts = _present(panel, specs.INCIDENTS) + [
            c for c in specs.OPTIONAL_INCIDENTS if specs.missing_count(panel, c) is None
        ]
        outcomes = counts + scores + _present(panel, specs.outcome_measures())
        if not outcomes or "talking_groups_start" not in panel.columns or panel["talking_groups_start"].isna().all():
            show.needs(
                "events with each ward's talking-groups start (talking_groups_started) and ward months.",
                "No ward has a recorded talking-groups start.",
            )
            return None
        spec["outcome"] = c1.selectbox(
            "Outcome",
            outcomes,
            format_func=_named(outcomes),
            key="mb_tg_outcome",
        )
        default_kind = "count" if spec["outcome"] in specs.COUNT_OUTCOMES else "linear"
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
            "Predictor",
            predictors,
            format_func=_named(predictors),
            key=f"mb_predictor_{question}",
            help="A co-production score, or a measure of how the talking groups run when a session log is loaded.",
        )
        spec["lag"] = int(c2.number_input("Lag (months before the outcome)", 0, 12, 0, key="mb_lag"))
        spec["split"] = c3.selectbox(
            "Predictor term", list(SPLIT_LABELS), format_func=SPLIT_LABELS.get, key=f"mb_split_{question}"
        )
        spec["adjust"] = st.multiselect(
            "Adjust for", adjust_options, key=f"mb_adjust_{question}", format_func=lambda a: a.replace("_", " ")
        )
        _not_loaded(panel, question)
    _about(spec)
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
    if result.question in ("q3", "dose"):
        return f"{h.estimate:+.2f} ({h.ci_low:+.2f} to {h.ci_high:+.2f})"
    return f"{h.estimate:.2f} ({h.ci_low:.2f} to {h.ci_high:.2f})"


def _per_points(spec: dict, result: ModelResult) -> float | None:
    """The points of co-production score the estimates are per (10), for models with a co-production predictor."""
    per = getattr(result.diagnostics, "per", None)
    scored = spec.get("predictor") and spec["predictor"] not in specs.MEASURES
    return float(per) if per and spec.get("question") in ("q2", "q3") and scored else None


def _per_measure(spec: dict) -> str | None:
    """For a model whose predictor is a measure (not a score), what its rows are per, in words."""
    m = specs.MEASURES.get(spec.get("predictor")) if spec.get("question") in specs.PREDICTED else None
    return None if m is None else f"per {m.step}"


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
    own = own_measures(view)  # their scores join the lists, with words, range and direction
    if own is not None:
        with own:
            _builder(view)


def _builder(view) -> None:
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
        per, per_measure = _per_points(spec, result), _per_measure(spec)
        st.header(f"Fitted table (co-production per {per:g} points)" if per else "Fitted table")
        if per_measure:
            st.caption(
                literal(
                    f"Rows for {specs.measure_words(spec['predictor'])} (terms starting {spec['predictor']}) are "
                    f"{per_measure}; other rows are per unit of their own measure."
                )
            )
        if per:
            st.caption(
                literal(
                    f"Rows for {specs.measure_words(spec['predictor'])} (terms starting {spec['predictor']}) are per "
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
            zero = (
                f"0 for {specs.measure_words(spec['predictor'])}, outside the values seen"
                if spec.get("predictor") in specs.MEASURES
                else "a co-production score of 0, far outside the scores seen"
            )
            st.caption(
                literal(
                    "The const row is the model's baseline: its rate ratio is the rate per occupied bed day "
                    f"where every predictor is 0 ({zero}), so it is an extrapolation, not a rate any ward had. "
                    "The answer is in the rows below it."
                )
            )
    _diagnostics(result)
    if spec["question"] == "q2" and result.ok and spec["predictor"] not in specs.MEASURES:
        with st.expander("Which comes first? Both directions, one month apart"), guarded("fitting both directions"):
            if direction.fits_at_once(result.n_wards) or st.toggle(direction.ON_REQUEST, key="mb_direction"):
                first = _which_first(cache.data_key(view), json.dumps(spec, sort_keys=True), panel)
                st.markdown(literal(first.sentence))
                if len(first.table):
                    st.dataframe(first.table, hide_index=True, width="stretch")
    _reproduce(spec, results, view)


main()

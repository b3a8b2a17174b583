"""Study planner: simulation-based power of the question-2 model, and the months needed for 80% power."""

from __future__ import annotations

import hashlib
import json
import math
from functools import partial

import pandas as pd
import streamlit as st

from analysis.charts.power import power_figure
from analysis.questions.planning import (
    PLANNING_DEFAULTS,
    months_reaching,
    planning_inputs,
    power_method_words,
    power_sentence,
)
from analysis.stats.counts.power import power_curve
from ui import cache, show
from ui.frame import current_view, filter_caption, period_text
from ui.safe import guarded

RESULT_KEY = "sp_last_inputs"
DEFAULT_SEED = 20240611
FROM_DATA_WORDS = {
    "n_wards": "number of wards",
    "baseline_rate_per_1000": "a typical ward's assault rate",
    "alpha_dispersion": "over-dispersion",
    "between_ward_sd": "between-ward SD",
    "obd_per_month": "occupied bed days per ward-month",
    "coproduction_sd_within": "within-ward SD of co-production",
}


@st.cache_data(max_entries=32, show_spinner="Simulating studies...")
def _curve(inputs_json: str) -> pd.DataFrame:
    i = json.loads(inputs_json)
    step = i.pop("step")
    months = tuple(range(step, i.pop("max_months") + 1, step))
    i.pop("target")
    return power_curve(i.pop("n_wards"), months_options=months, **i)


def _prefill(view) -> tuple[dict, list[str]]:
    try:
        return cache.analysed(planning_inputs, view)
    except Exception:
        return dict(PLANNING_DEFAULTS), []


def _within(prefill: dict, key: str, lo: float, hi: float) -> float:
    """A starting value inside its box's range (one ward in the filters gives 1 ward; a box starts at 2),
    or the typical figure when the data give none."""
    x = prefill.get(key)
    x = float(x) if x is not None and math.isfinite(float(x)) else float(PLANNING_DEFAULTS[key])
    return min(max(x, lo), hi)


def _inputs(prefill: dict) -> dict | None:
    """The planner's inputs from a form; None until the first run."""
    sig = hashlib.sha1(json.dumps(prefill, sort_keys=True).encode()).hexdigest()[:8]  # new data: new defaults
    with st.form(f"sp_form_{sig}"):
        c1, c2, c3 = st.columns(3)
        start = partial(_within, prefill)
        n_wards = c1.number_input("Number of wards", 2, 200, int(start("n_wards", 2, 200)), key=f"sp_wards_{sig}")
        rate = c1.number_input(
            "A typical ward's assault rate per 1,000 occupied bed days",
            0.1,
            200.0,
            round(start("baseline_rate_per_1000", 0.1, 200.0), 2),
            step=0.5,
            key=f"sp_rate_{sig}",
            help="The rate of a ward in the middle of the range. Each simulated ward gets its own "
            "rate around it (the between-ward SD), so it sits below the hospital's overall "
            "rate, which the wards with the most assaults pull up.",
        )
        obd = c1.number_input(
            "Occupied bed days per ward-month",
            10.0,
            5000.0,
            float(round(start("obd_per_month", 10.0, 5000.0))),
            step=10.0,
            key=f"sp_obd_{sig}",
        )
        rr = c2.number_input(
            "Hoped-for rate ratio per 10-point rise in co-production",
            0.5,
            1.5,
            0.85,
            step=0.01,
            key=f"sp_rr_{sig}",
            help="0.85 means 15% fewer assaults for each 10-point rise.",
        )
        alpha = c2.number_input(
            "Over-dispersion (negative binomial alpha)",
            0.0,
            5.0,
            round(start("alpha_dispersion", 0.0, 5.0), 3),
            step=0.05,
            key=f"sp_alpha_{sig}",
        )
        between = c2.number_input(
            "Between-ward SD (log rate)",
            0.0,
            3.0,
            round(start("between_ward_sd", 0.0, 3.0), 3),
            step=0.05,
            key=f"sp_between_{sig}",
        )
        within = c3.number_input(
            "Within-ward SD of co-production (points)",
            0.5,
            50.0,
            round(start("coproduction_sd_within", 0.5, 50.0), 2),
            step=0.5,
            key=f"sp_within_{sig}",
        )
        max_months = c3.number_input("Longest study to consider (months)", 12, 120, 60, step=6, key=f"sp_max_{sig}")
        step = c3.selectbox(
            "Study lengths to try",
            (12, 6),
            format_func=lambda m: f"every {m} months",
            key=f"sp_step_{sig}",
            help="Every 6 months is finer but takes twice as long.",
        )
        n_sims = c3.number_input(
            "Simulations per study length",
            20,
            2000,
            100,
            step=20,
            key=f"sp_sims_{sig}",
            help="More simulations give a more precise answer but take longer.",
        )
        seed = c3.number_input("Seed (same seed, same answer)", 0, 2**31 - 1, DEFAULT_SEED, key=f"sp_seed_{sig}")
        run = st.form_submit_button("Run the simulation", type="primary")
    inputs = {
        "n_wards": int(n_wards),
        "baseline_rate_per_1000": float(rate),
        "alpha_dispersion": float(alpha),
        "rate_ratio_per_10": float(rr),
        "between_ward_sd": float(between),
        "obd_per_month": float(obd),
        "coproduction_sd_within": float(within),
        "step": int(step),
        "max_months": max(int(max_months) - int(max_months) % int(step), int(step)),
        "n_sims": int(n_sims),
        "seed": int(seed),
        "target": 0.8,
    }
    if run:
        st.session_state[RESULT_KEY] = inputs
    return st.session_state.get(RESULT_KEY)


def main() -> None:
    st.title("Study planner")
    view = current_view()
    filter_caption(view)
    st.markdown(
        "How long would a study need to run to detect an effect of co-production on assaults on staff? "
        "The planner simulates many studies with the inputs below, fits the question-2 model (negative "
        "binomial, errors allowing for wards) to each, and counts how often it finds the effect (p < 0.05)."
    )
    prefill, found = _prefill(view)
    if found:
        st.caption(
            "Starting values taken from the current data ("
            + period_text(view.data)
            + "): "
            + ", ".join(FROM_DATA_WORDS[k] for k in found)
            + ". The rest are typical figures. "
            "Change any of them."
        )
    else:
        st.caption("The current data cannot give starting values, so these are typical figures. Change any of them.")
    inputs = _inputs(prefill)
    if inputs is None:
        st.info(
            "Set the inputs and press **Run the simulation**. With 100 simulations per study length it takes "
            "a few seconds.",
            icon=":material/play_circle:",
        )
        return
    with guarded("simulating the studies", "Try fewer simulations or a shorter longest study."):
        curve = _curve(json.dumps(inputs, sort_keys=True))
        need = months_reaching(curve, inputs["target"])
        st.markdown(
            show.answer_markdown(
                power_sentence(
                    curve, inputs["n_wards"], inputs["rate_ratio_per_10"], inputs["target"], inputs["n_sims"]
                )
            )
        )
        if need is not None:
            st.metric(f"Months of data for {inputs['target']:.0%} power", f"about {need}")
        fig = power_figure(curve, inputs["n_wards"], inputs["target"], need)
        table = curve.assign(
            ci_low=(curve["power"] - 1.96 * curve["mc_se"]).clip(0, 1),
            ci_high=(curve["power"] + 1.96 * curve["mc_se"]).clip(0, 1),
        )
        show.chart(fig, fig.layout.meta["alt_text"], table, "power_curve", view)
        st.caption(
            f"Seed {inputs['seed']}: the same inputs and seed always give the same curve. Power is "
            f"estimated every {inputs['step']} months; error bars are 95% Monte Carlo intervals. "
            "The simulation assumes "
            "co-production varies month to month around each ward's own level (lag-1 correlation 0.5) "
            "and that the effect is within ward; real studies also face missing surveys and measurement "
            "error, so treat the answer as a lower bound on the months needed. " + power_method_words(inputs["n_wards"])
        )


main()

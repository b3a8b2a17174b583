"""The power curve of the Study planner: simulated power by study length, with the target line."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.charts.style import CATEGORICAL, NHS, apply_style
from analysis.text import plural


def power_alt_text(curve: pd.DataFrame, n_wards: int, target: float = 0.8, months_needed: int | None = None) -> str:
    """One sentence describing the chart for screen readers."""
    first, last = curve.iloc[0], curve.iloc[-1]
    text = (
        f"Line chart of simulated power for {plural(n_wards, 'ward')} by study length: {first['power']:.0%} at "
        f"{int(first['months'])} months rising to {last['power']:.0%} at {int(last['months'])} months"
    )
    if months_needed is not None:
        return text + f"; it first reaches the {target:.0%} line at {months_needed} months."
    return text + f"; it does not reach the {target:.0%} line."


def power_figure(curve: pd.DataFrame, n_wards: int, target: float = 0.8, months_needed: int | None = None) -> go.Figure:
    """Power (with 95% Monte Carlo error bars) against months of data, the target as a dashed line.

    `curve` has columns months, power, mc_se (analysis.stats.counts.power.power_curve).
    """
    err = (1.96 * curve["mc_se"]).clip(lower=0)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=curve["months"],
            y=curve["power"],
            mode="lines+markers",
            name="Simulated power",
            line={"color": CATEGORICAL[0], "width": 3},
            marker={"size": 9, "symbol": "circle", "line": {"color": NHS["black"], "width": 1}},
            error_y={"type": "data", "array": err, "visible": True, "color": NHS["dark_grey"], "thickness": 1.5},
            hovertemplate="%{x} months: power %{y:.0%}<extra></extra>",
        )
    )
    fig.add_hline(
        y=target,
        line={"color": NHS["dark_pink"], "dash": "dash", "width": 2},
        annotation_text=f"{target:.0%} power",
        annotation_position="bottom right",
    )
    if months_needed is not None:
        fig.add_vline(
            x=months_needed,
            line={"color": NHS["dark_grey"], "dash": "dot", "width": 1.5},
            annotation_text=f"{months_needed} months",
            annotation_position="top left",
        )
    apply_style(
        fig,
        f"Chance of detecting the effect with {plural(n_wards, 'ward')}, by study length",
        power_alt_text(curve, n_wards, target, months_needed),
    )
    fig.update_xaxes(title="Months of data (study length)", tickmode="array", tickvals=list(curve["months"]))
    fig.update_yaxes(title="Power (chance of a significant result)", range=[0, 1.05], tickformat=".0%")
    fig.update_layout(showlegend=False)
    return fig

"""Q1 figures: co-production levels over time, the four aspects, bands, reliability and patient-staff agreement.

The tables they draw and the sentences beside them are in analysis/questions/coproduction/view.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts.multiples import small_multiples, y_title
from analysis.charts.style import CATEGORICAL, NHS, apply_style, month_axis
from analysis.questions.coproduction.existence import DEFAULT_CUTS, DEFAULT_LABELS
from analysis.questions.coproduction.view import ASPECT_LABELS, BY_LABELS, WHO, ward_label
from analysis.text import fmt_number, plotly_literal, plural, uk_month, whole

BAND_COLOURS = dict(zip(DEFAULT_LABELS, (CATEGORICAL[3], CATEGORICAL[5], CATEGORICAL[0])))


# ---------------------------------------------------------------- levels over time


def levels_over_time_figure(tidy: pd.DataFrame, respondent: str, aspect: str, by: str) -> go.Figure:
    """Lines of the quarterly score: small multiples by ward, one line per group otherwise."""
    what = f"{ASPECT_LABELS.get(aspect, aspect)}, as {WHO.get(respondent, respondent)} rate it"
    title = f"Co-production over time by {BY_LABELS.get(by, by)}: {what}"
    groups = list(pd.unique(tidy["group"])) if len(tidy) else []
    hover = "<b>%{x|%b %Y}</b> quarter<br>Score: %{y:.0f}<br>Wards: %{customdata}<extra>%{fullData.name}</extra>"
    if by == "ward" and len(groups) > 1:
        shown = tidy.assign(group=tidy["group"].map(plotly_literal))  # ward names as typed in the panel titles
        fig = small_multiples(shown, "group", "quarter", "mean", hover, customdata="n_wards")
    else:
        fig = go.Figure()
        symbols = ("circle", "square", "diamond", "triangle-up", "cross", "x")
        for i, g in enumerate(groups):
            d = tidy[tidy["group"] == g]
            fig.add_trace(
                go.Scatter(
                    x=d["quarter"],
                    y=d["mean"],
                    mode="lines+markers",
                    name=plotly_literal(g),
                    line={"color": CATEGORICAL[i % len(CATEGORICAL)], "width": 2},
                    marker={"symbol": symbols[i % len(symbols)], "size": 7},
                    customdata=d["n_wards"],
                    hovertemplate=hover,
                )
            )
        fig.update_layout(height=460)
    first, last = (tidy["quarter"].min(), tidy["quarter"].max()) if len(tidy) else (None, None)
    apply_style(fig, title, levels_over_time_alt(tidy, respondent, aspect, by))
    fig.update_yaxes(range=[0, 100])
    if fig._grid_ref:
        y_title(fig, "Score (0 to 100)")
    else:
        fig.update_yaxes(title_text="Score (0 to 100)")
    return month_axis(fig, first, last, narrow=bool(fig._grid_ref))


def levels_over_time_alt(tidy: pd.DataFrame, respondent: str, aspect: str, by: str) -> str:
    """One sentence saying what the over-time chart shows."""
    what = f"{ASPECT_LABELS.get(aspect, aspect).lower()} as {WHO.get(respondent, respondent)} rate it"
    if not len(tidy):
        return f"No survey scores for {what}, so the chart is empty."
    span = f"{uk_month(tidy['quarter'].min())} to {uk_month(tidy['quarter'].max())}"
    last = tidy.sort_values("quarter").groupby("group").tail(1)
    hi, lo = last.loc[last["mean"].idxmax()], last.loc[last["mean"].idxmin()]
    n = tidy["group"].nunique()
    s = f"Line chart of {what}, by quarter from {span}, for {plural(n, BY_LABELS.get(by, by))} on a 0 to 100 scale."
    if n > 1:
        s += (
            f" In each one's latest quarter the highest is {hi['group']}, at {whole(hi['mean'])}, "
            "and the lowest "
            f"{lo['group']}, at {whole(lo['mean'])}."
        )
    return s


# ---------------------------------------------------------------- the four aspects


def aspects_figure(tidy: pd.DataFrame) -> go.Figure:
    """Patients' and staff's mean score on each aspect side by side, with 95% CI bars."""
    fig = go.Figure()
    for i, (who, name) in enumerate((("patient", "Patients"), ("staff", "Staff"))):
        d = tidy[tidy["respondent"] == who]
        if not len(d):
            continue
        err = {
            "type": "data",
            "symmetric": False,
            "array": (d["ci_high"] - d["mean"]).to_numpy(),
            "arrayminus": (d["mean"] - d["ci_low"]).to_numpy(),
            "color": NHS["black"],
            "thickness": 1.5,
        }
        fig.add_trace(
            go.Bar(
                x=d["aspect_label"],
                y=d["mean"],
                name=name,
                marker_color=CATEGORICAL[i],
                error_y=err,
                customdata=d["n_wards"],
                hovertemplate="%{x}<br>" + name + ": %{y:.0f}<br>Wards: %{customdata}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", height=440)
    apply_style(
        fig, "The four core aspects, as patients and staff rate them (mean across wards, 95% CI)", aspects_alt(tidy)
    )
    fig.update_yaxes(range=[0, 100], title_text="Score (0 to 100)")
    return fig


def aspects_alt(tidy: pd.DataFrame) -> str:
    if not len(tidy):
        return "No aspect scores, so the chart is empty."
    parts = []
    for who in ("patient", "staff"):
        d = tidy[(tidy["respondent"] == who) & (tidy["aspect"] != "overall")].dropna(subset=["mean"])
        if len(d):
            hi, lo = d.loc[d["mean"].idxmax()], d.loc[d["mean"].idxmin()]
            parts.append(
                f"{WHO[who].capitalize()} rate {hi['aspect_label'].lower()} highest ({whole(hi['mean'])}) and "
                f"{lo['aspect_label'].lower()} lowest ({whole(lo['mean'])})."
            )
    return "Grouped bar chart of the overall index and the four core aspects for patients and staff. " + " ".join(parts)


# ---------------------------------------------------------------- bands


def bands_figure(banded: pd.DataFrame, cuts=DEFAULT_CUTS, labels=DEFAULT_LABELS, what: str = "") -> go.Figure:
    """Each ward's latest score as a bar coloured by its band, with the cut-offs marked."""
    d = banded.sort_values("score", ascending=True)
    names = d["ward_name"] if "ward_name" in d.columns else pd.Series(None, index=d.index)
    d = d.assign(ward=[ward_label(w, n) for w, n in zip(d["ward_id"], names)])
    fig = go.Figure()
    patterns = ("/", "", ".")
    for i, lab in enumerate(labels):
        x = d[d["band"] == lab]
        fig.add_trace(
            go.Bar(
                y=x["ward"].map(plotly_literal),
                x=x["score"],
                orientation="h",
                name=f"'{lab}'",
                marker={
                    "color": BAND_COLOURS.get(lab, CATEGORICAL[i % 6]),
                    "line": {"color": NHS["black"], "width": 1},
                    "pattern": {"shape": patterns[i % 3], "fillmode": "overlay", "fgcolor": NHS["white"], "size": 8},
                },
                customdata=x["basis"],
                hovertemplate="%{y}: %{x:.0f}<br>%{customdata}<extra>" + lab + "</extra>",
            )
        )
    for c in cuts:
        fig.add_vline(x=c, line={"color": NHS["dark_grey"], "width": 1.5, "dash": "dash"})
    fig.update_layout(height=max(320, 28 * len(d) + 180), barmode="overlay")
    counts = d["band"].value_counts()
    whose = plural(len(d), "ward's", "wards'")
    alt = (
        f"Horizontal bar chart of {whose} latest score ({what or 'co-production'}), coloured by band, "
        "with dashed lines at the cut-offs "
        + " and ".join(f"{c:g}" for c in cuts)
        + ": "
        + ", ".join(f"{int(counts.get(lab, 0))} '{lab}'" for lab in labels)
        + "."
    )
    apply_style(fig, "Bands on each ward's latest survey", alt)
    fig.update_xaxes(range=[0, 100], title_text="Score (0 to 100)")
    fig.update_yaxes(categoryorder="array", categoryarray=list(d["ward"].map(plotly_literal)))
    return fig


# ---------------------------------------------------------------- reliability


def reliability_figure(rel: pd.DataFrame) -> go.Figure:
    """Alpha with its 95% CI per aspect, patients and staff, with the usual 0.7 line."""
    fig = go.Figure()
    for i, (who, name, sym) in enumerate((("patient", "Patients", "circle"), ("staff", "Staff", "square"))):
        d = rel[rel["respondent"] == who].assign(label=lambda x: x["aspect"].map(ASPECT_LABELS).fillna(x["aspect"]))
        if not len(d):
            continue
        fig.add_trace(
            go.Scatter(
                x=d["alpha"],
                y=d["label"],
                mode="markers",
                name=name,
                orientation="h",
                marker={
                    "symbol": sym,
                    "size": 11,
                    "color": CATEGORICAL[i],
                    "line": {"color": NHS["black"], "width": 1},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (d["ci_high"] - d["alpha"]).to_numpy(),
                    "arrayminus": (d["alpha"] - d["ci_low"]).to_numpy(),
                    "color": CATEGORICAL[i],
                },
                customdata=d["in_words"],
                hovertemplate="%{y}<br>alpha %{x:.2f}: %{customdata}<extra>" + name + "</extra>",
            )
        )
    fig.add_vline(x=0.7, line={"color": NHS["dark_grey"], "width": 1.5, "dash": "dash"})
    fig.update_layout(height=400, scattermode="group", scattergap=0.5)
    apply_style(fig, "Do the items of each aspect hang together? (Cronbach's alpha, 95% CI)", reliability_alt(rel))
    low = float(np.nanmin(rel["ci_low"])) if rel["ci_low"].notna().any() else 0.0
    fig.update_xaxes(
        range=[min(0.5, math.floor(low * 10) / 10), 1],
        title_text="Cronbach's alpha (0.70 or above is usually called acceptable)",
    )
    fig.update_layout(legend={"y": -0.28})
    return fig


def reliability_alt(rel: pd.DataFrame) -> str:
    d = rel[rel["respondent"].isin(["patient", "staff"])].dropna(subset=["alpha"])
    if not len(d):
        return "No aspect has enough complete returns to compute alpha, so the chart is empty."
    lo = d.loc[d["alpha"].idxmin()]
    return (
        f"Dot chart of Cronbach's alpha for each aspect, patients and staff, from {d['alpha'].min():.2f}"
        f" ({ASPECT_LABELS.get(lo['aspect'], lo['aspect']).lower()}, {WHO.get(lo['respondent'])}) to "
        f"{d['alpha'].max():.2f}, with a dashed line at 0.70."
    )


# ---------------------------------------------------------------- agreement


def agreement_figure(dis: pd.DataFrame, names: dict | None = None) -> go.Figure:
    """Per ward: patients' and staff's mean score joined by a line (a dumbbell), largest gaps on top."""
    names = names or {}
    d = dis.iloc[::-1].assign(ward=lambda x: [ward_label(w, names.get(w)) for w in x["ward_id"]])
    fig = go.Figure()
    xs, ys = [], []
    for r in d.itertuples(index=False):
        xs += [r.mean_patient, r.mean_staff, None]
        ys += [plotly_literal(r.ward), plotly_literal(r.ward), None]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line={"color": NHS["mid_grey"], "width": 3}, showlegend=False, hoverinfo="skip"
        )
    )
    for i, (col, name, sym) in enumerate((("mean_patient", "Patients", "circle"), ("mean_staff", "Staff", "square"))):
        fig.add_trace(
            go.Scatter(
                x=d[col],
                y=d["ward"].map(plotly_literal),
                mode="markers",
                name=name,
                marker={
                    "symbol": sym,
                    "size": 11,
                    "color": CATEGORICAL[i],
                    "line": {"color": NHS["black"], "width": 1},
                },
                hovertemplate="%{y}<br>" + name + ": %{x:.0f}<extra></extra>",
            )
        )
    fig.update_layout(height=max(320, 28 * len(d) + 180))
    alt = (
        f"Dumbbell chart of {plural(len(d), 'ward')}: each ward's mean patient and staff score over quarters when both "
        "were surveyed, joined by a line whose length is the gap."
    )
    if len(d):
        top = dis.iloc[0]
        alt += (
            f" The largest gap is on {ward_label(top['ward_id'], names.get(top['ward_id']))}: "
            f"{fmt_number(abs(top['gap']))} points, {top['who_rates_higher']} higher."
        )
    apply_style(fig, "Patients and staff on the same ward (mean over paired quarters)", alt)
    fig.update_xaxes(range=[0, 100], title_text="Score (0 to 100)")
    return fig

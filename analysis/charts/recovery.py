"""Question 3 charts: each recovery measure over time, and against co-production with the fitted model.

Every chart states which way is better (on the axis: "better ↑" / "better ↓"), because for some
measures (DUNDRUM, HoNOS-Secure) a fall is the improvement. Pure functions: tidy data in, plotly
figures and plain words out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts.multiples import small_multiples, y_title
from analysis.charts.style import CATEGORICAL, NHS, apply_style, month_axis
from analysis.data.contract import ASPECTS, RESPONDENTS
from analysis.panel.tools import add_lag
from analysis.questions.recovery.model import PER, measure_column
from analysis.stats.counts.describe import predictor_words
from analysis.stats.results import Diagnostics, RecoveryDiagnostics
from analysis.text import plural, uk_month

SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon")
DASHES = ("solid", "dash", "dot", "dashdot")
BY = ("ward", "service")
MAX_LINES = 6  # one colour each; more wards get a panel each (analysis.charts.multiples)
SIDE_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}


# --- words ------------------------------------------------------------------------------------------


def direction_words(measure: str, hib: bool | None) -> str:
    """'lower DUNDRUM-4 is better: a fall is an improvement' (or that the direction is not known)."""
    if hib is None:
        return f"the measures catalogue does not say whether higher or lower {measure} is better"
    return (
        f"higher {measure} is better: a rise is an improvement"
        if hib
        else f"lower {measure} is better: a fall is an improvement"
    )


def better_arrow(hib: bool | None) -> str:
    """'better ↑' when higher is better, 'better ↓' when lower is, '' when unknown."""
    return "" if hib is None else ("better ↑" if hib else "better ↓")


def key_figure(estimate: float, ci_low: float, ci_high: float) -> str:
    """'-0.50 points (95% CI -0.80 to -0.21)'."""
    return f"{estimate:+.2f} points (95% CI {ci_low:+.2f} to {ci_high:+.2f})"


def predictor_options(panel: pd.DataFrame) -> list[str]:
    """Co-production columns holding at least one score: each respondent's overall index, then aspects."""
    cols = ["coproduction_patient_overall", "coproduction_staff_overall", "coproduction_overall"]
    cols += [f"coproduction_{who}_{a}" for who in RESPONDENTS for a in ASPECTS]
    return [c for c in cols if c in panel.columns and panel[c].notna().any()]


def predictor_label(predictor: str) -> str:
    """'Patient-rated co-production (overall)' for a widget or an axis."""
    w = predictor_words(predictor)
    return w[:1].upper() + w[1:]


# --- measure over time --------------------------------------------------------------------------------


def _ward_label(df: pd.DataFrame) -> pd.Series:
    ids = df["ward_id"].astype(str)
    if "ward_name" not in df.columns:
        return ids
    names = df["ward_name"].astype("string").fillna("")
    return (ids + " " + names).str.strip()


def over_time_data(panel: pd.DataFrame, measure: str, by: str = "ward") -> pd.DataFrame:
    """Tidy scores of one measure: month, group (ward or service), mean_score, n_patients, n_wards.

    By service, a month's score is the mean of its wards' scores weighted by patients (an equal-weight
    mean when patient numbers are missing), i.e. the mean over the service's patients.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    y = measure_column(measure)
    cols = ["month", "mean_score", "n_patients", "n_wards"]
    if y not in panel.columns:
        return pd.DataFrame(columns=[by, *cols])
    n_col = f"{y}_n_patients"
    d = panel.loc[panel[y].notna()].copy()
    d["mean_score"] = d[y].astype(float)
    d["n_patients"] = d[n_col].astype(float) if n_col in d.columns else np.nan
    if by == "ward":
        d["ward"] = _ward_label(d)
        d["n_wards"] = 1
        out = d[["ward", *cols]]
    else:
        d["service"] = d["service"].astype("string").fillna("not recorded") if "service" in d else "all"
        rows = []
        for (service, month), g in d.groupby(["service", "month"], sort=True):
            w = g["n_patients"]
            weighted = w.notna().all() and (w > 0).all()
            score = np.average(g["mean_score"], weights=w) if weighted else g["mean_score"].mean()
            rows.append(
                {
                    "service": service,
                    "month": month,
                    "mean_score": float(score),
                    "n_patients": float(w.sum()) if w.notna().all() else np.nan,
                    "n_wards": len(g),
                }
            )
        out = pd.DataFrame(rows, columns=["service", *cols])
    return out.sort_values([by, "month"]).reset_index(drop=True)


def _style_of(i: int) -> tuple[str, str, str]:
    """Colour, marker and dash for the i-th series: colours repeat every 6, shapes and dashes tell them apart."""
    k = len(CATEGORICAL)
    return CATEGORICAL[i % k], SYMBOLS[(i // k) % len(SYMBOLS)], DASHES[(i // k) % len(DASHES)]


def over_time_alt(data: pd.DataFrame, measure: str, hib: bool | None, by: str = "ward") -> str:
    """One generated sentence describing the over-time chart."""
    if not len(data):
        return f"Line chart with no {measure} scores to show."
    groups = data[by].nunique()
    first, last = data["month"].min(), data["month"].max()
    latest = data.loc[data["month"] == last, "mean_score"]
    return (
        f"Line chart of {measure} scores for {groups} {by}{'s' if groups != 1 else ''}, {uk_month(first)} to "
        f"{uk_month(last)}: scores range from {data['mean_score'].min():.1f} to {data['mean_score'].max():.1f}, "
        + (
            f"and in {uk_month(last)} the score was {latest.min():.1f}; "
            if latest.nunique() == 1
            else f"and in {uk_month(last)} they ran from {latest.min():.1f} to {latest.max():.1f}; "
        )
        + f"{direction_words(measure, hib)}."
    )


def over_time_figure(data: pd.DataFrame, measure: str, hib: bool | None, by: str = "ward") -> go.Figure:
    """The measure's mean score by month, one line per service, or per ward up to MAX_LINES wards and one
    small panel per ward beyond that (over the wards' average); the axis says which way is better."""
    hover = f"<b>%{{fullData.name}}</b><br>%{{x|%b %Y}}<br>{measure}: %{{y:.1f}}<br>patients: %{{customdata:.0f}}<extra></extra>"
    panels = by == "ward" and data[by].nunique() > MAX_LINES
    if panels:
        fig = small_multiples(
            data.sort_values([by, "month"]), by, "month", "mean_score", hover, customdata="n_patients"
        )
    else:
        fig = _lines(data, measure, by)
    arrow = better_arrow(hib)
    title = f"{measure} by {by} over time" + (
        f" ({direction_words(measure, hib).split(':')[0]})" if hib is not None else ""
    )
    apply_style(fig, title, over_time_alt(data, measure, hib, by))
    y_text = f"{measure} mean score" + (f"  ({arrow})" if arrow else "")
    if panels:
        y_title(fig, y_text)
    else:
        fig.update_yaxes(title_text=y_text)
    if panels:
        fig.update_layout(margin={"b": 60})
    else:
        fig.update_xaxes(title_text="Month")
        fig.update_layout(legend=SIDE_LEGEND, margin={"r": 190, "b": 60})
    if len(data):
        month_axis(fig, data["month"].min(), data["month"].max(), narrow=panels)
    return fig


def _lines(data: pd.DataFrame, measure: str, by: str) -> go.Figure:
    fig = go.Figure()
    for i, (group, g) in enumerate(data.groupby(by, sort=True)):
        colour, symbol, dash = _style_of(i)
        fig.add_trace(
            go.Scatter(
                x=g["month"],
                y=g["mean_score"],
                name=str(group),
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"symbol": symbol, "size": 7, "color": colour},
                customdata=np.c_[g["n_patients"].to_numpy(float)],
                hovertemplate=f"<b>{group}</b><br>%{{x|%b %Y}}<br>{measure}: %{{y:.1f}}"
                "<br>patients: %{customdata[0]:.0f}<extra></extra>",
            )
        )
    return fig


# --- measure against co-production --------------------------------------------------------------------


def scatter_data(panel: pd.DataFrame, measure: str, predictor: str, lag: int = 0) -> pd.DataFrame:
    """Ward-months with both a score and co-production (`lag` months earlier): the rows the model uses."""
    y = measure_column(measure)
    cols = ["ward_id", "ward", "month", "coproduction", "mean_score", "n_patients"]
    if y not in panel.columns or predictor not in panel.columns:
        return pd.DataFrame(columns=cols)
    d = add_lag(panel, predictor, lag, name="_x") if lag else panel.assign(_x=panel[predictor])
    n_col = f"{y}_n_patients"
    out = pd.DataFrame(
        {
            "ward_id": d["ward_id"].astype(str),
            "ward": _ward_label(d),
            "month": d["month"],
            "coproduction": d["_x"].astype(float),
            "mean_score": d[y].astype(float),
            "n_patients": d[n_col].astype(float) if n_col in d.columns else np.nan,
        }
    )
    return out.dropna(subset=["coproduction", "mean_score"]).reset_index(drop=True)


def fitted_lines(data: pd.DataFrame, estimates: pd.DataFrame, predictor: str) -> pd.DataFrame:
    """The model's lines on the chart's scale: each ward's within-ward slope through its own means, over
    its own range of co-production (line="within"), and the between-ward line (line="between").

    Columns: line, ward, coproduction, fitted. Slopes are per point (the model's are per 10 points).
    """
    est = estimates.set_index("term")["estimate"] if len(estimates) else pd.Series(dtype=float)
    rows = []
    within = est.get(f"{predictor}_within", est.get(predictor))
    if within is not None and np.isfinite(within):
        for ward, g in data.groupby("ward", sort=True):
            x0, y0 = g["coproduction"].mean(), g["mean_score"].mean()
            for x in (g["coproduction"].min(), g["coproduction"].max()):
                rows.append(("within", ward, float(x), float(y0 + within / PER * (x - x0))))
    between, const = est.get(f"{predictor}_ward_mean"), est.get("const")
    only_score_terms = set(est.index) <= {"const", f"{predictor}_within", f"{predictor}_ward_mean"}
    if between is not None and const is not None and only_score_terms and len(data):
        means = data.groupby("ward")["coproduction"].mean()
        for x in (means.min(), means.max()):
            rows.append(("between", "between wards", float(x), float(const + between / PER * x)))
    return pd.DataFrame(rows, columns=["line", "ward", "coproduction", "fitted"])


def scatter_alt(
    data: pd.DataFrame, measure: str, predictor: str, hib: bool | None, within: float | None, lag: int = 0
) -> str:
    """One generated sentence describing the scatter chart."""
    who = predictor_words(predictor) + (f" {lag} month{'s' if lag != 1 else ''} earlier" if lag else "")
    if not len(data):
        return f"Scatter chart with no ward-months holding both a {measure} score and {who}."
    slope = (
        f"; short lines show the fitted within-ward change of {within:+.2f} points per 10-point rise"
        if within is not None and np.isfinite(within)
        else ""
    )
    return (
        f"Scatter chart of {measure} score against {who} for {len(data)} ward-months on "
        f"{plural(data['ward'].nunique(), 'ward')}, one colour per ward{slope}; {direction_words(measure, hib)}."
    )


def scatter_figure(
    data: pd.DataFrame,
    lines: pd.DataFrame,
    measure: str,
    predictor: str,
    hib: bool | None,
    within: float | None = None,
    lag: int = 0,
) -> go.Figure:
    """Measure against co-production, one colour per ward, with the fitted within-ward and between-ward lines."""
    fig = go.Figure()
    for i, (ward, g) in enumerate(data.groupby("ward", sort=True)):
        colour, symbol, _ = _style_of(i)
        fig.add_trace(
            go.Scatter(
                x=g["coproduction"],
                y=g["mean_score"],
                name=str(ward),
                mode="markers",
                legendgroup=str(ward),
                marker={
                    "symbol": symbol,
                    "size": 8,
                    "color": colour,
                    "opacity": 0.75,
                    "line": {"width": 0.5, "color": NHS["black"]},
                },
                customdata=np.c_[g["month"].dt.strftime("%b %Y").to_numpy(object)],
                hovertemplate=f"<b>{ward}</b> %{{customdata[0]}}<br>co-production: %{{x:.0f}}"
                f"<br>{measure}: %{{y:.1f}}<extra></extra>",
            )
        )
        seg = lines[(lines["line"] == "within") & (lines["ward"] == ward)]
        if len(seg):
            fig.add_trace(
                go.Scatter(
                    x=seg["coproduction"],
                    y=seg["fitted"],
                    mode="lines",
                    legendgroup=str(ward),
                    showlegend=False,
                    line={"color": colour, "width": 3},
                    hoverinfo="skip",
                )
            )
    b = lines[lines["line"] == "between"]
    if len(b):
        fig.add_trace(
            go.Scatter(
                x=b["coproduction"],
                y=b["fitted"],
                mode="lines",
                name="Between wards (fitted)",
                line={"color": NHS["black"], "dash": "dash", "width": 3},
                hoverinfo="skip",
            )
        )
    arrow = better_arrow(hib)
    who = predictor_label(predictor) + (f", {lag} month{'s' if lag != 1 else ''} earlier" if lag else "")
    apply_style(fig, f"{measure} against co-production", scatter_alt(data, measure, predictor, hib, within, lag))
    fig.update_xaxes(title_text=f"{who} (0 to 100)")
    fig.update_layout(
        legend={**SIDE_LEGEND, "tracegroupgap": 0},
        margin={"r": 190, "b": 60},
        height=max(450, 120 + 24 * data["ward"].nunique()),
    )
    fig.update_yaxes(title_text=f"{measure} mean score" + (f"  ({arrow})" if arrow else ""))
    return fig


# --- weighting -------------------------------------------------------------------------------------------


def weighting_comparison(diagnostics: Diagnostics, main_term: str, measure: str) -> str:
    """The headline as the other fit gives it: weighted by patients when the answer is unweighted, and back.

    '' when the model has no such fit (patient numbers missing, one ward, not a recovery model).
    """
    d = diagnostics if isinstance(diagnostics, RecoveryDiagnostics) else RecoveryDiagnostics()
    if isinstance(d.unweighted_mixed_model, pd.DataFrame):
        other, words = d.unweighted_mixed_model, "Without weighting (the mixed model)"
    elif isinstance(d.weighted_sensitivity, pd.DataFrame):
        other, words = d.weighted_sensitivity, "Weighted by the number of patients"
    else:
        return ""
    row = other.loc[other["term"] == main_term]
    if not len(row):
        return ""
    r = row.iloc[0]
    return f"{words}, the change in {measure} per 10-point rise would be {key_figure(r['estimate'], r['ci_low'], r['ci_high'])}."

"""Question 2 figures: incident rate against co-production, rate ratios side by side, model residuals.

Data preparation for them (points per ward-month or ward-quarter, the score grid for the fitted
curve, the monthly series for the SPC chart) and the words beside them live in
analysis/questions/assaults/view.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts.style import CATEGORICAL, MARKER_OUTLINE, NHS, apply_style, month_axis
from analysis.questions.assaults.view import predictor_label, within_ward_means
from analysis.stats.counts.describe import outcome_words
from analysis.text import fmt_number, plotly_literal, plural, plural_word, rate_label, uk_month

# Ward markers: the colour says the ward's service (one colour of the accessible categorical palette per
# service, never repeated: past six services the smaller ones share grey as "other services") and the shape
# says which ward of its service it is (six filled shapes, then the same six open), so no two wards of a
# service look alike and colour is never the only signal. The ward's name is in the legend and on hover.
BASE_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "star")
WARD_SYMBOLS = BASE_SYMBOLS + tuple(f"{s}-open" for s in BASE_SYMBOLS)
OTHER_SERVICES = "other services"
FITTED_GROUP = "Fitted lines (the model)"
MAX_MARKER_PX = 14
MAX_POINTS = 3000  # more ward-periods than this (a national panel) are drawn as a density, not markers
DENSITY_BINS = 40
MAX_WARD_BARS = 30  # the residual chart shows the wards furthest from 0, half each side, beyond this
DENSITY_SCALE = [[0.0, "#E8EDEE"], [0.35, "#41B6E6"], [1.0, NHS["dark_blue"]]]
CURVE_STYLE = {  # basis from analysis.stats.counts expected_rates -> (legend words, colour, dash, band)
    "within": (
        "A ward in a month at this score (within ward)",
        NHS["dark_blue"],
        "solid",
        "rgba(0,48,135,0.15)",
    ),
    "between": (
        "A ward whose usual score is this (between wards)",
        NHS["dark_grey"],
        "dash",
        "rgba(66,85,99,0.08)",
    ),
    "single": ("All ward-months at this score", NHS["dark_blue"], "solid", "rgba(0,48,135,0.15)"),
}


def ward_marker(service: int, ward: int) -> tuple[str, str]:
    """(colour, symbol) of the `ward`-th ward of the `service`-th service: a colour per service (grey past the
    palette), a shape per ward within it."""
    colour = CATEGORICAL[service] if service < len(CATEGORICAL) else NHS["mid_grey"]
    return colour, WARD_SYMBOLS[ward % len(WARD_SYMBOLS)]


def _service_groups(points: pd.DataFrame) -> dict[str, str]:
    """ward_id -> the legend group of its service: services by number of wards (then name); past the palette's
    six colours, the five largest keep theirs and the rest are OTHER_SERVICES."""
    if "service" not in points:
        return {str(w): "" for w in points["ward_id"].unique()}
    wards = points.drop_duplicates("ward_id")[["ward_id", "service"]].astype(str)
    sizes = wards.groupby("service").size()
    order = sorted(sizes.index, key=lambda s: (-sizes[s], s))
    kept = set(order if len(order) <= len(CATEGORICAL) else order[: len(CATEGORICAL) - 1])
    return {w: (s if s in kept else OTHER_SERVICES) for w, s in zip(wards["ward_id"], wards["service"])}


def basis_key(basis: str) -> str:
    """'within', 'between' or 'single' for an expected_rates basis description."""
    b = basis.lower()
    return "between" if "between" in b else "within" if "within" in b else "single"


def scatter_figure(
    points: pd.DataFrame,
    curve: pd.DataFrame | None,
    outcome: str,
    predictor: str,
    by: str = "month",
    highlight: str | None = None,
) -> tuple[go.Figure, str]:
    """Rate per 1,000 occupied bed days against the co-production score, a marker per ward-period.

    points: from analysis.questions.assaults.view.scatter_points (ward_id, ward_label, score, rate_per_1000_obd,
    occupied_bed_days, count). curve: expected_rates rows (score, basis, rate_per_1000_obd, ci_low,
    ci_high) drawn as lines with 95% bands; the between-ward line only across the wards' usual scores
    (within_ward_means). `highlight`: a ward_id drawn in NHS blue, on top, with every other ward in pale
    grey, so a lead can find their own ward among a dozen. Returns the figure and its alt text.
    """
    noun, pred = outcome_words(outcome), predictor_label(predictor)
    unit = "ward-quarter" if by == "quarter" else "ward-month"
    title = f"{noun.capitalize()} against {pred}, by {unit}"
    y_label = f"{noun.capitalize()} {rate_label()}"
    fig = go.Figure()
    curve = (
        curve
        if curve is not None
        else pd.DataFrame(columns=["score", "basis", "rate_per_1000_obd", "ci_low", "ci_high"])
    )
    biggest = float(points["occupied_bed_days"].max()) if len(points) else 1.0
    sizeref = 2.0 * max(biggest, 1.0) / MAX_MARKER_PX**2
    if len(points) > MAX_POINTS:  # 120,000 markers would be 30 MB sent on every run, and unreadable
        fig.add_trace(_density(points, pred, unit))
    groups = list(points.groupby("ward_id", sort=True)) if len(points) <= MAX_POINTS else []
    service_of = _service_groups(points) if groups else {}
    services = sorted(set(service_of.values()), key=lambda s: (s == OTHER_SERVICES, s))
    if len(services) > 1:  # in the order the colours were given: largest services first
        sizes = pd.Series(list(service_of.values())).value_counts()
        services = sorted(services, key=lambda s: (s == OTHER_SERVICES, -sizes[s], s))
    nth_in_service: dict[str, int] = {}
    style = {}
    for ward, _ in groups:  # colour by service, shape by place within it, fixed before any re-ordering
        svc = service_of[str(ward)]
        place = len(CATEGORICAL) if svc == OTHER_SERVICES else services.index(svc)  # the other services: grey
        style[str(ward)] = (svc, *ward_marker(place, nth_in_service.get(svc, 0)))
        nth_in_service[svc] = nth_in_service.get(svc, 0) + 1
    marked = highlight is not None and any(str(w) == str(highlight) for w, _ in groups)
    if marked:  # the chosen ward last, so it is drawn over the others
        groups.sort(key=lambda wg: str(wg[0]) == str(highlight))
    for ward, g in groups:
        svc, colour, symbol = style[str(ward)]
        if marked:
            colour, symbol = (NHS["blue"], "circle") if str(ward) == str(highlight) else (NHS["mid_grey"], "circle")
        hover = [
            f"<b>{plotly_literal(r.ward_label)}</b>, {r.period_label}<br>{pred}: {r.score:.0f}<br>"
            f"{fmt_number(r.count, 0)} {noun} in {fmt_number(r.occupied_bed_days, 0)} occupied bed days<br>"
            f"{fmt_number(r.rate_per_1000_obd, 2)} {rate_label()}"
            for r in g.itertuples(index=False)
        ]
        fig.add_trace(
            go.Scatter(
                x=g["score"],
                y=g["rate_per_1000_obd"],
                mode="markers",
                name=plotly_literal(g["ward_label"].iloc[0]),
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": g["occupied_bed_days"],
                    "sizemode": "area",
                    "sizeref": sizeref,
                    "sizemin": 4,
                    "opacity": (0.9 if str(ward) == str(highlight) else 0.3) if marked else 0.55,
                    "line": {"color": MARKER_OUTLINE, "width": 0.5},
                },
                text=hover,
                hovertemplate="%{text}<extra></extra>",
                legendgroup=f"service: {svc}",
                legendgrouptitle={"text": svc.capitalize() if svc else "Wards"},
                legendrank=100 + services.index(svc),
            )
        )
    # fitted lines last, so the markers never hide them; in a legend group of their own, above the wards'
    fitted_title = {"text": FITTED_GROUP}
    for key, g in _curves(curve):
        words, colour, dash, band = CURVE_STYLE[key]
        g = g.sort_values("score")
        if key == "between":
            g = within_ward_means(g, points)
        fig.add_trace(
            go.Scatter(
                x=np.r_[g["score"], g["score"][::-1]],
                y=np.r_[g["ci_high"], g["ci_low"][::-1]],
                fill="toself",
                fillcolor=band,
                line={"width": 0},
                hoverinfo="skip",
                name=f"95% band ({key.replace('single', 'fitted')})",
                legendgroup="fitted",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=g["score"],
                y=g["rate_per_1000_obd"],
                mode="lines",
                name=words,
                legendgroup="fitted",
                legendgrouptitle=fitted_title,
                line={"color": colour, "width": 3, "dash": dash},
                legendrank=1,
                hovertemplate=f"Score %{{x:.0f}}: %{{y:.2f}} {rate_label()}<extra>{words}</extra>",
            )
        )
    fig.update_xaxes(title_text=f"{pred[0].upper()}{pred[1:]} (0 to 100)")
    fig.update_yaxes(title_text=y_label, rangemode="tozero")
    text = scatter_alt_text(points, curve, outcome, predictor, by)
    if marked:
        label = points.loc[points["ward_id"].astype(str) == str(highlight), "ward_label"].iloc[0]
        text += f" {label} is drawn in blue, the other wards in grey."
    apply_style(fig, title, text)
    # the legend beside the plot, in groups: the fitted lines, then each service's wards
    fig.update_layout(
        height=640,
        legend={
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "traceorder": "grouped",
            "tracegroupgap": 10,
            "font": {"size": 12},
        },
        margin={"r": 20, "b": 70},
    )
    return fig, text


def _density(points: pd.DataFrame, pred: str, unit: str) -> go.Heatmap:
    """How many ward-periods fall in each score x rate cell (empty cells left blank)."""
    x = points["score"].to_numpy(float)
    y = points["rate_per_1000_obd"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if not len(x):
        return go.Heatmap(z=[[None]], showscale=False)
    y_top = max(float(y.max()), 1e-9)
    z, xe, ye = np.histogram2d(x, y, bins=DENSITY_BINS, range=[[float(x.min()), float(x.max()) + 1e-9], [0.0, y_top]])
    z = np.where(z > 0, z, np.nan).T  # rows are rates
    return go.Heatmap(
        x=(xe[:-1] + xe[1:]) / 2,
        y=(ye[:-1] + ye[1:]) / 2,
        z=z,
        colorscale=DENSITY_SCALE,
        name=f"{unit}s",
        colorbar={"title": {"text": f"{unit.capitalize()}s"}, "thickness": 12},
        hoverongaps=False,
        hovertemplate=f"{pred[0].upper()}{pred[1:]} about %{{x:.0f}}, rate about %{{y:.2f}}: "
        f"%{{z:,.0f}} {unit}s<extra></extra>",
    )


def _curves(curve: pd.DataFrame):
    if curve is None or curve.empty:
        return []
    keys = curve["basis"].map(basis_key)
    return [(k, curve[keys == k]) for k in ("between", "single", "within") if (keys == k).any()]


def scatter_alt_text(points: pd.DataFrame, curve: pd.DataFrame, outcome: str, predictor: str, by: str = "month") -> str:
    """One or two sentences saying what the scatter shows, generated from its data."""
    noun, pred = outcome_words(outcome), predictor_label(predictor)
    unit = "ward-quarter" if by == "quarter" else "ward-month"
    if points.empty:
        return f"Scatter of {noun} {rate_label()} against {pred}: no {unit}s have both figures."
    first = (
        (
            f"Scatter of {noun} {rate_label()} against {pred} for {len(points)} {unit}s on "
            f"{plural(points['ward_id'].nunique(), 'ward')}; marker size shows occupied bed days"
            + (
                ", colour the ward's service and shape the ward"
                if "service" in points and points["service"].nunique() > 1
                else ""
            )
        )
        if len(points) <= MAX_POINTS
        else (
            f"Density of {noun} {rate_label()} against {pred} for {len(points):,} {unit}s on "
            f"{plural(points['ward_id'].nunique(), 'ward')}; darker cells hold more {unit}s"
        )
    )
    for key, g in _curves(curve):
        if key == "between":
            continue
        g = g.sort_values("score")
        lo, hi = g.iloc[0], g.iloc[-1]
        trend = "falls" if hi["rate_per_1000_obd"] < lo["rate_per_1000_obd"] else "rises"
        return (
            f"{first}. The fitted line {trend} from {fmt_number(lo['rate_per_1000_obd'], 2)} at a score of "
            f"{lo['score']:.0f} to {fmt_number(hi['rate_per_1000_obd'], 2)} at {hi['score']:.0f}."
        )
    return first + "."


def rate_ratio_figure(
    table: pd.DataFrame, title: str, label: str = "label", group: str | None = None
) -> tuple[go.Figure, str]:
    """Rate ratios with 95% CIs on a log scale, a row per `label` (grouped by `group` if given)."""
    t = table[table["rate_ratio"].notna()].reset_index(drop=True)
    if group is not None:  # one row per label and group, so the groups never overlap
        t = t.assign(_row=t[label].astype(str) + ": " + t[group].astype(str))
        label_shown = "_row"
    else:
        label_shown = label
    fig = go.Figure()
    groups = [(None, t)] if group is None else list(t.groupby(group, sort=False))
    symbols = ("circle", "diamond", "square")
    for i, (name, g) in enumerate(groups):
        colour = CATEGORICAL[i % len(CATEGORICAL)]
        hover = [
            f"<b>{r[label_shown]}</b><br>Rate ratio {r['rate_ratio']:.2f} "
            f"(95% CI {r['ci_low']:.2f} to {r['ci_high']:.2f})"
            for _, r in g.iterrows()
        ]
        fig.add_trace(
            go.Scatter(
                x=g["rate_ratio"],
                y=g[label_shown],
                mode="markers",
                name=str(name) if name is not None else "Rate ratio",
                showlegend=name is not None,
                marker={
                    "color": colour,
                    "size": 12,
                    "symbol": symbols[i % len(symbols)],
                    "line": {"color": MARKER_OUTLINE, "width": 1},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": g["ci_high"] - g["rate_ratio"],
                    "arrayminus": g["rate_ratio"] - g["ci_low"],
                    "color": colour,
                    "thickness": 2,
                    "width": 6,
                },
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.add_vline(x=1, line={"color": NHS["dark_grey"], "width": 1.5, "dash": "dash"})
    fig.update_xaxes(type="log", title_text="Rate ratio per 10-point rise (below 1 = fewer incidents; log scale)")
    fig.update_yaxes(autorange="reversed", title_text="")
    text = rate_ratio_alt_text(t, title, label, group)
    apply_style(fig, title, text)
    if len(t):  # always show the line at 1, with a little room either side
        lo, hi = min(float(t["ci_low"].min()), 1.0) / 1.08, max(float(t["ci_high"].max()), 1.0) * 1.08
        fig.update_xaxes(range=[np.log10(lo), np.log10(hi)])
    fig.update_layout(
        height=max(300, 150 + 44 * len(t)), margin={"l": 260, "b": 130}, legend={"y": -0.5 if len(t) <= 4 else -0.3}
    )
    return fig, text


def rate_ratio_alt_text(t: pd.DataFrame, title: str, label: str = "label", group: str | None = None) -> str:
    """Which rows are clearly below 1, clearly above 1, or uncertain (CI crossing 1)."""
    if t.empty:
        return f"{title}: no rate ratios could be estimated."
    names = [f"{r[label]}{f' ({r[group]})' if group else ''}" for _, r in t.iterrows()]
    fewer = [n for n, (_, r) in zip(names, t.iterrows()) if r["ci_high"] < 1]
    more = [n for n, (_, r) in zip(names, t.iterrows()) if r["ci_low"] > 1]
    parts = [f"{title}: rate ratios with 95% confidence intervals for {len(t)} comparisons"]
    parts.append(f"clearly below 1 (fewer): {', '.join(fewer)}" if fewer else "none clearly below 1")
    if more:
        parts.append(f"clearly above 1 (more): {', '.join(more)}")
    unclear = len(t) - len(fewer) - len(more)
    if unclear:
        parts.append(f"{plural(unclear, 'interval')} {plural_word(unclear, 'includes', 'include')} 1 (no clear link)")
    return "; ".join(parts) + "."


def residual_figures(
    by_ward: pd.DataFrame, by_month: pd.DataFrame, ward_labels: dict | None = None
) -> tuple[tuple[go.Figure, str], tuple[go.Figure, str]]:
    """Mean Pearson residual by ward (bars) and by month (line): a ward or month far from 0 fits badly."""
    n_wards = len(by_ward)
    if n_wards > MAX_WARD_BARS:  # a bar per ward of 1,000 is unreadable: the wards furthest from 0, each side
        order = by_ward.sort_values("mean_pearson", ascending=False)
        half = MAX_WARD_BARS // 2
        by_ward = pd.concat([order.head(half), order.tail(half)])
    labels = by_ward["ward_id"].map(lambda w: (ward_labels or {}).get(w, str(w)))
    fw = go.Figure(
        go.Bar(
            x=by_ward["mean_pearson"],
            y=labels,
            orientation="h",
            marker={"color": CATEGORICAL[0]},
            hovertemplate="%{y}: mean residual %{x:.2f}<extra></extra>",
        )
    )
    fw.add_vline(x=0, line={"color": NHS["dark_grey"], "width": 1})
    fw.update_xaxes(title_text="Mean Pearson residual (observed above expected when positive)")
    fw.update_yaxes(autorange="reversed")
    worst = by_ward.loc[by_ward["mean_pearson"].abs().idxmax()] if len(by_ward) else None
    which = (
        f"the {half} highest and {half} lowest of {plural(n_wards, 'ward')}"
        if n_wards > MAX_WARD_BARS
        else f"{plural(len(by_ward), 'ward')}"
    )
    tw = (
        "Model residuals by ward: no wards."
        if worst is None
        else f"Model residuals by ward for {which}; the largest mean residual is "
        f"{worst['mean_pearson']:.2f} on {(ward_labels or {}).get(worst['ward_id'], worst['ward_id'])}."
    )
    apply_style(fw, "Does the model describe each ward?", tw)
    fw.update_layout(height=max(260, 60 + 28 * len(by_ward)), margin={"l": 160})
    fm = go.Figure(
        go.Scatter(
            x=by_month["month"],
            y=by_month["mean_pearson"],
            mode="lines+markers",
            line={"color": CATEGORICAL[0]},
            marker={"size": 6},
            hovertemplate="%{x|%b %Y}: mean residual %{y:.2f}<extra></extra>",
        )
    )
    fm.add_hline(y=0, line={"color": NHS["dark_grey"], "width": 1})
    fm.update_yaxes(title_text="Mean Pearson residual")
    big = by_month[by_month["mean_pearson"].abs() > 1]
    tm = (
        f"Model residuals by month, {uk_month(by_month['month'].min())} to {uk_month(by_month['month'].max())}: "
        f"{len(big)} of {len(by_month)} months have a mean residual beyond plus or minus 1."
        if len(by_month)
        else "Model residuals by month: no months."
    )
    month_axis(
        apply_style(fm, "Does the model describe each month?", tm), by_month["month"].min(), by_month["month"].max()
    )
    return (fw, tw), (fm, tm)

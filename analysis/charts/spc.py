"""Statistical process control, step 3b: draw a classified chart in the house style, with alt text."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts.style import MARKER_OUTLINE, NHS, apply_style, month_axis
from analysis.spc.mdc import MDC_COLOURS, MDC_LABELS, MDC_SYMBOLS
from analysis.text import fmt_number, month_range, plotly_literal, plural, uk_date, uk_month

HALF_MONTH = pd.Timedelta(days=15)  # segment breaks sit between two months
LANE_PX = 20  # height of one row of event labels above the plot
MAX_LANES = 2  # rows of labels above the plot; a label that fits in none is shown on hover (a marker on its line)
PROVISIONAL_NOTE = "Provisional limits (fewer than 12 {unit}): they may move as more are added"
RARE_NOTE = (
    "Rare events: only months above the upper limit are flagged; the run rules are not used "
    "because most months have none"
)
_WORDS = {
    "special_cause_improvement": "improving",
    "special_cause_concern": "concerning",
    "special_cause_neither": "unusual (neither better nor worse)",
}


def mdc_value_line(x, y, **more) -> go.Scatter:
    """The thin grey line joining a chart's values (broken at a gap), under its points; `more` (a name) after."""
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        line={"color": MDC_COLOURS["value_line"], "width": 1.5},
        connectgaps=False,
        hoverinfo="skip",
        showlegend=False,
        **more,
    )


def mdc_points(x, y, variation: str, symbol: str, text) -> go.Scatter:
    """The points of one Making Data Count `variation` in its symbol and colour (larger when special cause), with
    `text` on hover: the SPC charts' and the g chart's."""
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        name=MDC_LABELS[variation],
        marker={
            "symbol": symbol,
            "size": 10 if variation == "common_cause" else 12,
            "color": MDC_COLOURS[variation],
            "line": {"color": MARKER_OUTLINE, "width": 1},
        },
        text=text,
        hovertemplate="%{text}<extra></extra>",
        cliponaxis=False,
    )


def _events(events) -> list[tuple[pd.Timestamp, str]]:
    """Events as (date, label): the contract's events table, or pairs."""
    if events is None:
        return []
    if isinstance(events, pd.DataFrame):
        pairs: Iterable = zip(events["date"], events["label"])
    else:
        pairs = events
    return sorted((pd.Timestamp(d), str(lbl)) for d, lbl in pairs if pd.notna(d))


MERGE_WITHIN = pd.Timedelta(days=45)  # an event this close to the month new limits start from shares their label


def _month_start(x) -> pd.Timestamp:
    return pd.Timestamp(x).to_period("M").to_timestamp()


def _segment_line(d: pd.DataFrame, column: str, mask: pd.Series) -> tuple[list, list]:
    """x, y for a line drawn per segment, with a break (None) between segments."""
    xs, ys = [], []
    for _, g in d[mask].groupby("segment", sort=True):
        g = g[g[column].notna()]
        if g.empty:
            continue
        # extend each segment half a month either side so a one-value limit is still visible
        xs += [g["period"].iloc[0] - HALF_MONTH, *g["period"], g["period"].iloc[-1] + HALF_MONTH, None]
        ys += [g[column].iloc[0], *g[column], g[column].iloc[-1], None]
    return xs, ys


def _hover(d: pd.DataFrame, y_label: str) -> list[str]:
    out = []
    for r in d.itertuples(index=False):
        text = f"<b>{uk_month(r.period)}</b><br>{plotly_literal(y_label)}: {fmt_number(r.value, 2)}"
        if getattr(r, "chart", "") == "u":
            text += f"<br>{fmt_number(r.count, 0)} in {fmt_number(r.exposure, 0)} bed days"
        text += f"<br>{MDC_LABELS[r.variation]}"
        if r.rule:
            text += f": {r.rule}"
        out.append(text)
    return out


def spc_figure(
    classified_df: pd.DataFrame,
    title: str,
    y_label: str,
    events=None,
    target: float | None = None,
    unit: str = "months",
) -> tuple[go.Figure, str]:
    """The SPC chart: points coloured and shaped by variation, centre, limits, rebases, events; plus alt text.

    `unit` names the points ("months"; "surveys" for survey measures charted on the occasions they were
    recorded) in the provisional-limits note.
    """
    d = classified_df.reset_index(drop=True)
    fig = go.Figure()
    fig.add_trace(mdc_value_line(d["period"], d["value"], name="Monthly value"))
    trial = d["trial_limits"].astype(bool)
    step = "hvh" if (d["chart"] == "u").any() else "linear"
    for mask, name, dash in (
        (~trial, "Process limits", "dash"),
        (trial, f"Trial limits (provisional: fewer than 12 {unit})", "dot"),
    ):
        if not mask.any():
            continue
        for i, col in enumerate(("upper", "lower")):
            x, y = _segment_line(d, col, mask)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    name=name,
                    legendgroup=name,
                    showlegend=i == 0,
                    hoverinfo="skip",
                    line={"color": MDC_COLOURS["limits"], "width": 1.5, "dash": dash, "shape": step},
                )
            )
    x, y = _segment_line(d, "centre", pd.Series(True, index=d.index))
    fig.add_trace(
        go.Scatter(
            x=x, y=y, mode="lines", name="Average", hoverinfo="skip", line={"color": MDC_COLOURS["centre"], "width": 2}
        )
    )
    hover = np.array(_hover(d, y_label), dtype=object) if len(d) else np.array([], dtype=object)
    for variation, symbol in MDC_SYMBOLS.items():
        m = (d["variation"] == variation) & d["value"].notna()
        if not m.any():
            continue
        fig.add_trace(mdc_points(d.loc[m, "period"], d.loc[m, "value"], variation, symbol, hover[m.to_numpy()]))
    if target is not None:
        fig.add_trace(
            go.Scatter(
                x=[d["period"].min() - HALF_MONTH, d["period"].max() + HALF_MONTH],
                y=[target, target],
                mode="lines",
                name=f"Target ({fmt_number(target)})",
                hoverinfo="skip",
                line={"color": MDC_COLOURS["target"], "width": 2, "dash": "longdash"},
            )
        )
    labels = []  # (x, text, colour): rebase breaks and events, labelled above the plot
    breaks = {}  # rebase line -> the month its new limits start
    for seg, g in d.groupby("segment", sort=True):
        if seg == d["segment"].min():
            continue
        x0 = g["period"].iloc[0] - HALF_MONTH
        fig.add_shape(type="line", x0=x0, x1=x0, y0=0, y1=1, yref="paper", line={"color": NHS["dark_grey"], "width": 1})
        breaks[x0] = g["period"].iloc[0]
    for when, label in _events(events):
        fig.add_shape(
            type="line",
            x0=when,
            x1=when,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": NHS["blue"], "width": 1.5, "dash": "dot"},
        )
        text = f"{plotly_literal(label)} ({uk_date(when)})"
        start = next((b for b, first in breaks.items() if abs(first - _month_start(when)) <= MERGE_WITHIN), None)
        if start is not None:  # the event that started new limits: one label for both lines, not two piled up
            text += f"; limits from {uk_month(breaks.pop(start))}"
        labels.append((when, text, NHS["dark_blue"]))
    labels += [(x0, f"Limits recalculated from {uk_month(first)}", NHS["dark_grey"]) for x0, first in breaks.items()]
    lanes = _label_lanes(fig, labels, d["period"].min() - HALF_MONTH, d["period"].max() + HALF_MONTH)
    rare = bool(d["rare_events"].any()) if "rare_events" in d else False
    provisional = bool(d.loc[d["value"].notna(), "trial_limits"].astype(bool).any()) if len(d) else False
    notes = ([PROVISIONAL_NOTE.format(unit=unit)] if provisional else []) + ([RARE_NOTE] if rare else [])
    if notes:
        fig.update_layout(
            title_subtitle_text="<br>".join(notes), title_subtitle_font={"size": 12, "color": NHS["dark_grey"]}
        )
    fig.update_yaxes(
        title_text=wrap_title(plotly_literal(y_label)), rangemode="tozero" if (d["chart"] == "u").any() else "normal"
    )
    text = spc_alt_text(d, title, y_label, unit)
    month_axis(apply_style(fig, plotly_literal(title), text), d["period"].min(), d["period"].max())
    top = 70 + 22 * len(notes) + LANE_PX * lanes
    fig.update_layout(margin_t=top, title_y=1, title_yanchor="top", title_pad_t=10)
    return fig, text


def wrap_title(text: str, width: int = 40) -> str:
    """An axis title over two lines when long, so a rotated y title fits beside a short chart."""
    if len(text) <= width or " " not in text:
        return text
    words, best = text.split(" "), None
    for i in range(1, len(words)):  # the break that makes the longer line shortest
        a, b = " ".join(words[:i]), " ".join(words[i:])
        if best is None or max(len(a), len(b)) < max(len(best[0]), len(best[1])):
            best = (a, b)
    return f"{best[0]}<br>{best[1]}"


def _label_lanes(
    fig: go.Figure,
    labels: list,
    x_start,
    x_end,
    px_per_char: float = 7.5,
    plot_px: float = 600,
    max_lanes: int = MAX_LANES,
) -> int:
    """Put each vertical line's label above the plot, in the lowest lane where it overlaps no other.

    A label runs right from its line, or left when it would otherwise pass the right edge (where
    it would be cut off); an arrow at the line's end of the label points at it, so a label that
    ends at its line is not read as belonging to a line at its start. Widths are estimated from the text length
    on a nominal plot width, so the lanes are generous rather than exact. At most `max_lanes` rows are stacked
    (labels piled high above a chart push it down and read as one block): a label that fits in none becomes a
    small marker at the top of its line, its words shown on hover (a page lists its events in full).
    Returns the number of lanes used.
    """
    if not labels:
        return 0
    span = (pd.Timestamp(x_end) - pd.Timestamp(x_start)).total_seconds() or 1.0
    taken: list[list[tuple[float, float]]] = []
    for x, text, colour in sorted(labels, key=lambda r: pd.Timestamp(r[0])):
        pos = (pd.Timestamp(x) - pd.Timestamp(x_start)).total_seconds() / span
        width = (len(text) + 2) * px_per_char / plot_px
        right = pos + width <= 1.0 or (pos - width < 0 and pos < 0.5)  # else run left, ending at the line
        lo, hi = (pos, pos + width) if right else (pos - width, pos)
        lane = next(
            (i for i, used in enumerate(taken) if all(hi + 0.01 < a or lo - 0.01 > b for a, b in used)), len(taken)
        )
        if lane >= max_lanes:  # no room: a marker on the line, the words on hover
            fig.add_annotation(
                x=x,
                y=1,
                yref="paper",
                yanchor="top",
                showarrow=False,
                text="▼",
                hovertext=text,
                font={"size": 11, "color": colour},
            )
            continue
        if lane == len(taken):
            taken.append([])
        taken[lane].append((lo, hi))
        fig.add_annotation(
            x=x,
            y=1,
            yref="paper",
            yanchor="bottom",
            xanchor="left" if right else "right",
            yshift=2 + lane * LANE_PX,
            showarrow=False,
            text=f"← {text}" if right else f"{text} →",  # the arrow touches the label's own line
            hovertext=text,
            font={"size": 11, "color": colour},
            bgcolor="rgba(255,255,255,0.85)",
        )
    return len(taken)


def spc_alt_text(d: pd.DataFrame, title: str, y_label: str, unit: str = "months") -> str:
    """One or two sentences describing the chart, generated from the classified data."""
    shown = d[d["value"].notna()]
    if shown.empty:
        return f"{title}: no data to chart."
    last = shown.iloc[-1]
    seg = d[d["segment"] == last["segment"]]
    n_special = int(seg["special_cause"].sum())
    if n_special == 0:
        variation = "common cause variation only (no unusual months since the limits were last set)"
    else:
        kinds = seg.loc[seg["special_cause"], "variation"].value_counts()
        parts = [f"{n} {_WORDS[k]}" for k, n in kinds.items()]
        variation = f"special cause variation in {n_special} of {int(seg['value'].notna().sum())} months since the limits were last set ({', '.join(parts)})"
    first = f"{title}, {month_range(shown['period'].iloc[0], last['period'])}: {variation}"
    if d["segment"].nunique() > 1:
        first += f"; limits recalculated from {uk_month(seg['period'].iloc[0])}"
    run = _latest_run(seg)
    avg = fmt_number(last["centre"], 2)
    rare = bool(last.get("rare_events", False))
    if rare:  # a run of empty months is not news on a rare count: say what the latest month held
        second = (
            f"The latest month, {uk_month(last['period'])}, had {plural(round(last['count']), 'event')} in "
            f"{fmt_number(last['exposure'], 0)} bed days (a rate of {fmt_number(last['value'], 2)}) "
            f"against an average of {avg}"
        )
    elif run >= 2:
        side = "above" if last["value"] > last["centre"] else "below"
        second = f"The last {run} months were {'both' if run == 2 else 'all'} {side} the average of {avg}"
    else:
        second = f"The latest month, {uk_month(last['period'])}, was {fmt_number(last['value'], 2)} against an average of {avg}"
    if bool(last["trial_limits"]):
        second += f" (provisional limits, fewer than 12 {unit}: these trial limits may move as more are added)"
    elif bool(d.loc[d["value"].notna(), "trial_limits"].astype(bool).any()):
        second += f"; earlier limits are provisional (fewer than 12 {unit})"
    text = f"{first}. {second}."
    if bool(d["rare_events"].any()) if "rare_events" in d else False:
        text += f" {RARE_NOTE}."
    return text


def _latest_run(seg: pd.DataFrame) -> int:
    """How many of the latest consecutive months sit on the same side of the average (a gap ends it)."""
    seg = seg.loc[: seg["value"].last_valid_index()]
    side = np.sign(seg["value"] - seg["centre"]).to_numpy()
    run = 0
    for s in side[::-1]:
        if np.isnan(s) or s == 0 or (run and s != side[-1]):
            break
        run += 1
    return run

"""Q1 page pieces: tidy tables, plotly figures and generated sentences for co-production levels.

Every summary uses survey months only (`existence_groups.survey_rows`), as `analysis.questions.coproduction.existence` does:
a carried-forward month repeats an older survey and would count it twice.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

from analysis.charts.multiples import small_multiples, y_title
from analysis.charts.style import CATEGORICAL, NHS, apply_style, month_axis
from analysis.data.contract import ASPECTS
from analysis.questions.coproduction.existence import DEFAULT_CUTS, DEFAULT_LABELS, levels
from analysis.questions.coproduction.groups import survey_rows
from analysis.stats.reliability import agreement_summary
from analysis.text import fmt_number, plural, uk_month

ASPECT_LABELS = {"overall": "Overall index", **ASPECTS}
WHO = {"patient": "patients", "staff": "staff", "both": "patients and staff combined"}
BY_LABELS = {"ward": "ward", "service": "service", "security_level": "security level"}
BAND_COLOURS = dict(zip(DEFAULT_LABELS, (CATEGORICAL[3], CATEGORICAL[5], CATEGORICAL[0])))
ICC_WORDS = ((0.9, "excellent"), (0.75, "good"), (0.5, "moderate"))  # Koo and Li (2016)


def _r(x: float) -> str:
    return str(round(float(x)) + 0)


def _count(n: int) -> str:
    return ("no", "one", "two", "three", "four", "five")[n] if 0 <= n <= 5 else str(n)


def ward_label(ward_id, ward_name=None) -> str:
    """'Iona (W01)', or the id alone when there is no name."""
    if ward_name is None or (isinstance(ward_name, float) and math.isnan(ward_name)) or str(ward_name) == "":
        return str(ward_id)
    return f"{ward_name} ({ward_id})"


def _t_interval(x: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    x = x.dropna().astype(float)
    if len(x) == 0:
        return (np.nan, np.nan, np.nan)
    m = float(x.mean())
    if len(x) < 2:
        return (m, np.nan, np.nan)
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return (m, m - half, m + half)


# ---------------------------------------------------------------- levels over time


def levels_over_time(
    panel: pd.DataFrame, respondent: str = "patient", aspect: str = "overall", by: str = "ward"
) -> pd.DataFrame:
    """Quarterly score per ward, service or security level (survey months only).

    A ward's quarter is the mean of its survey months in that quarter; a group's quarter is the mean
    of its wards' quarters. Columns: group, quarter (first month), mean, n_wards, n_surveys.
    """
    cols = ["group", "quarter", "mean", "n_wards", "n_surveys"]
    d = survey_rows(panel, respondent, aspect)
    if not len(d):
        return pd.DataFrame(columns=cols)
    d = d.assign(quarter=d["month"].dt.to_period("Q").dt.start_time)
    if by == "ward":
        names = d["ward_name"] if "ward_name" in d.columns else pd.Series(None, index=d.index)
        d = d.assign(group=[ward_label(w, n) for w, n in zip(d["ward_id"], names)])
    else:
        d = d.dropna(subset=[by]).assign(group=lambda x: x[by].astype(str))
    wq = d.groupby(["group", "ward_id", "quarter"], sort=True)["score"].agg(["mean", "size"]).reset_index()
    out = (
        wq.groupby(["group", "quarter"], sort=True)
        .agg(mean=("mean", "mean"), n_wards=("ward_id", "nunique"), n_surveys=("size", "sum"))
        .reset_index()
    )
    if by == "ward":  # in ward-code order (W01, W02, ...), as every other chart and table lists wards
        code = d.drop_duplicates("group").set_index("group")["ward_id"].astype(str)
        out = (
            out.assign(_code=out["group"].map(code))
            .sort_values(["_code", "quarter"], kind="stable")
            .drop(columns="_code")
            .reset_index(drop=True)
        )
    return out[cols]


def levels_over_time_figure(tidy: pd.DataFrame, respondent: str, aspect: str, by: str) -> go.Figure:
    """Lines of the quarterly score: small multiples by ward, one line per group otherwise."""
    what = f"{ASPECT_LABELS.get(aspect, aspect)}, as {WHO.get(respondent, respondent)} rate it"
    title = f"Co-production over time by {BY_LABELS.get(by, by)}: {what}"
    groups = list(pd.unique(tidy["group"])) if len(tidy) else []
    hover = "<b>%{x|%b %Y}</b> quarter<br>Score: %{y:.0f}<br>Wards: %{customdata}<extra>%{fullData.name}</extra>"
    if by == "ward" and len(groups) > 1:
        fig = small_multiples(tidy, "group", "quarter", "mean", hover, customdata="n_wards")
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
                    name=g,
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
    s = (
        f"Line chart of {what}, by quarter from {span}, for {n} {BY_LABELS.get(by, by)}"
        f"{'s' if n != 1 else ''} on a 0 to 100 scale."
    )
    if n > 1:
        s += (
            f" In each one's latest quarter the highest is {hi['group']}, at {_r(hi['mean'])}, and the lowest "
            f"{lo['group']}, at {_r(lo['mean'])}."
        )
    return s


# ---------------------------------------------------------------- the four aspects


def aspect_levels(panel: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean across wards (t-interval, n = wards) of each aspect and the overall index, for patients and staff."""
    scoped = panel.assign(_scope="all wards shown")
    rows = []
    for who in ("patient", "staff"):
        for aspect, label in ASPECT_LABELS.items():
            if f"coproduction_{who}_{aspect}" not in panel.columns:
                continue
            lv = levels(scoped, who, aspect, by="_scope", level=level)
            if not len(lv):
                continue
            r = lv.iloc[0]
            rows.append(
                {
                    "respondent": who,
                    "aspect": aspect,
                    "aspect_label": label,
                    "n_wards": int(r.n_wards),
                    "mean": r["mean"],
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                }
            )
    return pd.DataFrame(rows, columns=["respondent", "aspect", "aspect_label", "n_wards", "mean", "ci_low", "ci_high"])


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
                f"{WHO[who].capitalize()} rate {hi['aspect_label'].lower()} highest ({_r(hi['mean'])}) and "
                f"{lo['aspect_label'].lower()} lowest ({_r(lo['mean'])})."
            )
    return "Grouped bar chart of the overall index and the four core aspects for patients and staff. " + " ".join(parts)


def social_distance_gap(panel: pd.DataFrame, respondent: str = "patient", level: float = 0.95) -> dict:
    """Reduced social distance minus the mean of the other three aspects: per ward over its survey months,
    then the mean across wards with a t-interval (n = wards)."""
    others = [a for a in ASPECTS if a != "reduced_social_distance"]
    cols = [f"coproduction_{respondent}_{a}" for a in ASPECTS]
    if not set(cols) <= set(panel.columns):
        return {"n_wards": 0, "gap": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    d = survey_rows(panel, respondent, "reduced_social_distance")
    other = d[[f"coproduction_{respondent}_{a}" for a in others]].mean(axis=1, skipna=False)
    d = d.assign(diff=d["score"] - other).dropna(subset=["diff"])
    per_ward = d.groupby("ward_id")["diff"].mean()
    m, lo, hi = _t_interval(per_ward, level)
    return {"n_wards": len(per_ward), "gap": m, "ci_low": lo, "ci_high": hi}


def social_distance_sentence(panel: pd.DataFrame, tidy: pd.DataFrame, level: float = 0.95) -> str:
    """Where reduced social distance sits among the four aspects, for patients and staff, in words."""
    parts = []
    for who in ("patient", "staff"):
        d = tidy[(tidy["respondent"] == who) & (tidy["aspect"] != "overall")].dropna(subset=["mean"])
        if "reduced_social_distance" not in set(d["aspect"]):
            continue
        rank = int(d["mean"].rank(ascending=False, method="min")[d["aspect"] == "reduced_social_distance"].iloc[0])
        place = {1: "the highest", len(d): "the lowest"}.get(rank, f"number {rank} from the top")
        g = social_distance_gap(panel, who, level)
        sd = d[d["aspect"] == "reduced_social_distance"].iloc[0]
        s = f"{WHO[who].capitalize()} rate it {_r(sd['mean'])}, {place} of the {_count(len(d))} aspects"
        if g["n_wards"] >= 2 and np.isfinite(g["ci_low"]):
            below = g["gap"] < 0
            lo, hi = (-g["ci_high"], -g["ci_low"]) if below else (g["ci_low"], g["ci_high"])
            clear = g["ci_low"] > 0 or g["ci_high"] < 0
            s += (
                f", {fmt_number(abs(g['gap']))} points {'below' if below else 'above'} the average of the other "
                f"three on the same surveys ({level:.0%} CI {fmt_number(lo)} to {fmt_number(hi)} points; "
                f"{'a clear difference' if clear else 'not clearly different'})"
            )
        parts.append(s + ".")
    if not parts:
        return "There are no reduced social distance scores to compare with the other aspects."
    return (
        "Reduced social distance is where the tension between therapeutic boundaries and 'humanised "
        "relationships' shows. " + " ".join(parts)
    )


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
                y=x["ward"],
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
    whose = "1 ward's" if len(d) == 1 else f"{len(d)} wards'"
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
    fig.update_yaxes(categoryorder="array", categoryarray=list(d["ward"]))
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


def reliability_sentence(rel: pd.DataFrame) -> str:
    """How many aspect-by-respondent alphas reach 0.70, and the weakest, in words."""
    d = rel[rel["respondent"].isin(["patient", "staff"])].dropna(subset=["alpha"])
    if not len(d):
        return "Alpha cannot be computed from these returns (too few complete returns per aspect)."
    ok = int((d["alpha"] >= 0.7).sum())
    lo = d.loc[d["alpha"].idxmin()]
    s = (
        f"{ok} of {len(d)} aspect scores (each aspect, patients and staff separately) reach alpha 0.70. "
        f"The weakest is {ASPECT_LABELS.get(lo['aspect'], lo['aspect']).lower()} for {WHO.get(lo['respondent'])}: "
        f"alpha {lo['alpha']:.2f} (95% CI {lo['ci_low']:.2f} to {lo['ci_high']:.2f}), "
        f"{lo['in_words'].split(' (')[0]}."
    )
    return s


# ---------------------------------------------------------------- agreement


def agreement_long(panel: pd.DataFrame, aspect: str = "overall") -> pd.DataFrame:
    """Long ward-month scores (ward_id, month, respondent, `aspect`, months_carried) for the agreement functions."""
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "ward_id": panel["ward_id"],
                    "month": panel["month"],
                    "respondent": r,
                    aspect: panel[f"coproduction_{r}_{aspect}"],
                    "months_carried": panel[f"coproduction_{r}_months_carried"],
                }
            )
            for r in ("patient", "staff")
        ],
        ignore_index=True,
    )


def agreement_overview(panel: pd.DataFrame, aspect: str = "overall") -> dict:
    """`reliability.agreement_summary` of the panel's patient and staff scores on one aspect."""
    return agreement_summary(agreement_long(panel, aspect), value=aspect)


def icc_words(icc: float) -> str:
    """ICC in plain words (Koo and Li 2016 rule of thumb)."""
    if not np.isfinite(icc):
        return "not computable"
    for cut, w in ICC_WORDS:
        if icc >= cut:
            return w
    return "poor"


def agreement_sentence(summary: dict, dis: pd.DataFrame, what: str = "co-production") -> str:
    """Patient-staff agreement in words, from `agreement_summary` and `existence.disagreement`."""
    if not summary.get("n_ward_quarters"):
        return (
            "Patients and staff were never surveyed on the same ward in the same quarter, so their views "
            "cannot be compared."
        )
    gap = summary["mean_gap"]
    who = "staff" if gap > 0 else "patients"
    s = (
        f"Across {summary['n_ward_quarters']} ward-quarters on {plural(summary['n_wards'], 'ward')}, {who} rate {what} "
        f"{fmt_number(abs(gap))} points higher on average"
    )
    if np.isfinite(summary["loa_low"]):
        s += (
            f"; on any one ward-quarter the staff-minus-patient gap usually (95% limits of agreement) lies "
            f"between {fmt_number(summary['loa_low'])} and {fmt_number(summary['loa_high'])} points"
        )
    s += "."
    if np.isfinite(summary.get("icc_2_1", np.nan)):
        s += (
            f" How closely patients' and staff's ward averages match (ICC, where 1 means identical): "
            f"{summary['icc_2_1']:.2f}, {icc_words(summary['icc_2_1'])} agreement."
        )
    if len(dis):
        higher = int((dis["gap"] > 0).sum())
        s += f" Staff rate higher than patients on {higher} of {plural(len(dis), 'ward')}"
        large = dis[dis["large_gap"]]
        thr = dis.attrs.get("threshold", 15)
        s += (
            f"; {len(large)} ward{'s' if len(large) != 1 else ''} have a gap of {thr:g} points or more."
            if len(large)
            else f"; no ward has a gap of {thr:g} points or more."
        )
    return s


def agreement_figure(dis: pd.DataFrame, names: dict | None = None) -> go.Figure:
    """Per ward: patients' and staff's mean score joined by a line (a dumbbell), largest gaps on top."""
    names = names or {}
    d = dis.iloc[::-1].assign(ward=lambda x: [ward_label(w, names.get(w)) for w in x["ward_id"]])
    fig = go.Figure()
    xs, ys = [], []
    for r in d.itertuples(index=False):
        xs += [r.mean_patient, r.mean_staff, None]
        ys += [r.ward, r.ward, None]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line={"color": NHS["mid_grey"], "width": 3}, showlegend=False, hoverinfo="skip"
        )
    )
    for i, (col, name, sym) in enumerate((("mean_patient", "Patients", "circle"), ("mean_staff", "Staff", "square"))):
        fig.add_trace(
            go.Scatter(
                x=d[col],
                y=d["ward"],
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

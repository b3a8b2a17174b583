"""Q1: can co-production exist in secure settings? Levels, bands, group differences, disagreement.

Every summary uses survey months only (`existence_groups.survey_rows`): a carried-forward month
repeats an older survey and would count it twice.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.data.contract import RESPONDENTS
from analysis.data.reference import INSTRUMENT_STATUS
from analysis.questions.coproduction.groups import group_differences, survey_rows
from analysis.stats.reliability import agreement
from analysis.stats.results import Headline, LevelsDiagnostics, ModelResult
from analysis.text import plural, whole

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")

__all__ = ["BAND_NOTE", "answer_q1", "band_note", "band_words", "bands", "disagreement", "group_differences", "levels"]

DEFAULT_CUTS = (40.0, 70.0)
DEFAULT_LABELS = ("lite", "mid", "ultra")
BAND_NOTE = (
    "Bands follow the seeds' range of co-production ('lite', 'mid', 'ultra'). The cut-offs (by default "
    "lite under 40, mid 40 to under 70, ultra 70 or more on the 0 to 100 index) are a convention of this "
    "product, not a validated cut-off."
)
LARGE_GAP = 15.0  # points; a convention for flagging wards, stated in the output


def band_note(cuts=DEFAULT_CUTS, labels=DEFAULT_LABELS) -> str:
    """The band rule for the cuts in use."""
    if tuple(cuts) == DEFAULT_CUTS and tuple(labels) == DEFAULT_LABELS:
        return BAND_NOTE
    parts = band_words(cuts, labels)
    return (
        "Bands follow the seeds' range of co-production. The cut-offs ("
        + ", ".join(f"{lab} {w}" for lab, w in zip(labels, parts))
        + " on the 0 to 100 index) are a convention of this "
        "product, not a validated cut-off."
    )


def band_words(cuts, labels) -> list[str]:
    edges = list(cuts)
    out = [f"under {edges[0]:g}"]
    out += [f"{a:g} to under {b:g}" for a, b in itertools.pairwise(edges)]
    out.append(f"{edges[-1]:g} or more")
    return out[: len(labels)]


def _tci(x: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    x = x.dropna().astype(float)
    n = len(x)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    m = float(x.mean())
    if n < 2:
        return (m, np.nan, np.nan)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return (m, m - half, m + half)


def _tci_wards(n: pd.Series, mean: pd.Series, sd: pd.Series, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """`_tci` for every ward at once from its survey count, mean and SD (NaN below two surveys): one t quantile
    per distinct count instead of a grouped apply per ward."""
    n = n.to_numpy(float)
    counts, back = np.unique(n, return_inverse=True)
    with np.errstate(invalid="ignore"):
        t = stats.t.ppf(0.5 + level / 2, np.where(counts >= 2, counts - 1, np.nan))[back]
    half = t * sd.to_numpy(float) / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    m = mean.to_numpy(float)
    return m - half, m + half


def _ward_means(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return d.groupby([*keys, "ward_id"], observed=True, sort=True)["score"].agg(["mean", "size"]).reset_index()


def levels(
    panel: pd.DataFrame, respondent: str = "patient", aspect: str = "overall", by: str = "ward", level: float = 0.95
) -> pd.DataFrame:
    """Score by ward, service, security_level, month or financial_year (survey months only).

    By ward: the ward's mean over its survey months, CI across those months. Otherwise each ward's
    mean within the group, then the mean across wards with a t-interval (n = wards). ``df`` is the interval's
    degrees of freedom: surveys - 1 for a ward, the group's wards - 1 for a group (the ward is the unit).
    """
    d = survey_rows(panel, respondent, aspect, columns=["ward_id", "month"] + ([by] if by != "ward" else []))
    cols = [
        by if by != "ward" else "ward_id",
        "n_wards",
        "n_surveys",
        "mean",
        "sd",
        "min",
        "max",
        "ci_low",
        "ci_high",
        "df",
    ]
    if not len(d):
        return pd.DataFrame(columns=cols)
    if by == "ward":
        g = d.groupby("ward_id", sort=True)["score"]
        out = g.agg(n_surveys="size", mean="mean", sd="std", min="min", max="max").reset_index()
        out["ci_low"], out["ci_high"] = _tci_wards(out["n_surveys"], out["mean"], out["sd"], level)
        out.insert(1, "n_wards", 1)
        out["df"] = (out["n_surveys"] - 1).where(out["n_surveys"] > 1).astype(float)
        extra = [c for c in ("ward_name", "service", "security_level") if c in panel.columns]
        info = panel[["ward_id", *extra]].drop_duplicates("ward_id")
        return out[cols].merge(info, on="ward_id", how="left")
    wm = _ward_means(d, [by])
    rows = []
    for key, grp in wm.groupby(by, sort=True, observed=True):
        m, lo, hi = _tci(grp["mean"], level)
        rows.append(
            {
                by: key,
                "n_wards": len(grp),
                "n_surveys": int(grp["size"].sum()),
                "mean": m,
                "sd": grp["mean"].std(ddof=1),
                "min": grp["mean"].min(),
                "max": grp["mean"].max(),
                "ci_low": lo,
                "ci_high": hi,
                "df": float(len(grp) - 1) if len(grp) > 1 else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def bands(
    panel: pd.DataFrame,
    cuts=DEFAULT_CUTS,
    labels=DEFAULT_LABELS,
    respondent: str = "patient",
    aspect: str = "overall",
    period: str = "latest",
) -> pd.DataFrame:
    """Each ward's band: from its latest survey month (`period="latest"`) or its mean over survey months."""
    if len(labels) != len(cuts) + 1:
        raise ValueError("bands need one more label than cut-offs")
    d = survey_rows(panel, respondent, aspect, columns=["ward_id", "month"]).sort_values(["ward_id", "month"])
    cols = ["ward_id", "score", "basis", "band"]
    if not len(d):
        return pd.DataFrame(columns=cols)
    g = d.groupby("ward_id", sort=True)
    if period == "latest":
        last = g.tail(1).set_index("ward_id")
        score = last["score"]
        basis = "latest survey, " + last["month"].dt.strftime("%b %Y")
    elif period == "mean":
        score = g["score"].mean()
        basis = "mean of " + g.size().astype(str) + " survey months"
    else:
        raise ValueError("period must be 'latest' or 'mean'")
    band = pd.cut(score, [-np.inf, *cuts, np.inf], right=False, labels=list(labels))
    out = pd.DataFrame({"score": score, "basis": basis, "band": band.astype(str)}).reset_index()
    extra = [c for c in ("ward_name", "service", "security_level") if c in panel.columns]
    return out[cols].merge(panel[["ward_id", *extra]].drop_duplicates("ward_id"), on="ward_id", how="left")


def band_counts(banded: pd.DataFrame, labels=DEFAULT_LABELS) -> pd.Series:
    """How many wards fall in each band (every band listed, zeros included)."""
    return banded["band"].value_counts().reindex(list(labels), fill_value=0)


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
            for r in RESPONDENTS
        ],
        ignore_index=True,
    )


def disagreement(panel: pd.DataFrame, threshold: float = LARGE_GAP, aspect: str = "overall") -> pd.DataFrame:
    """Per ward: patient and staff means over paired ward-quarters, the gap (staff minus patient) with CI,
    limits of agreement, and `large_gap` when |gap| >= `threshold` points. Largest gaps first."""
    long = agreement_long(panel, aspect)
    out = agreement(long, value=aspect)
    out["large_gap"] = out["gap"].abs() >= threshold
    out["who_rates_higher"] = np.where(out["gap"] > 0, "staff", np.where(out["gap"] < 0, "patients", "neither"))
    out = out.iloc[out["gap"].abs().sort_values(ascending=False, kind="stable").index].reset_index(drop=True)
    out.attrs["threshold"] = threshold
    return out


def _ward_level(panel: pd.DataFrame, respondent: str) -> pd.Series:
    d = survey_rows(panel, respondent, columns=["ward_id"])
    return d.groupby("ward_id", sort=True)["score"].mean()


def answer_q1(
    panel: pd.DataFrame,
    cuts=DEFAULT_CUTS,
    labels=DEFAULT_LABELS,
    threshold: float = LARGE_GAP,
    compare_by: tuple[str, ...] = ("service", "security_level"),
    level: float = 0.95,
) -> ModelResult:
    """The answer to question 1: how much co-production there is, where, and as patients and staff see it.

    The headline is the patient-rated overall index averaged across wards (each ward's mean over its
    survey months, then a t-interval across wards; staff-rated when no patient scores), with each ward's
    band, the staff-patient disagreement and the comparison of services and security levels.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`).
    cuts, labels : sequence
        Band cut-offs on the 0 to 100 index and their labels (one more label than cuts); by default
        lite under 40, mid 40 to under 70, ultra 70 or more.
    threshold : float, default 15
        A staff-patient gap of this many points or more is flagged as large.
    compare_by : tuple of str, default ("service", "security_level")
        Ward groupings compared with `group_differences` (those present in the panel).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    ModelResult
        `question` "q1", `family` "descriptive"; `headline` the mean index across wards with its CI (None
        when there are no scores); `estimates` one row per respondent with columns term, estimate,
        std_error, ci_low, ci_high, p_value, n_wards, min, max; `diagnostics` a `LevelsDiagnostics`
        (levels_by_ward, bands, band_counts, disagreement, comparisons).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> result = answer_q1(panel)
    >>> result.ok, result.estimates["term"].tolist()
    (True, ['patient overall index', 'staff overall index'])
    >>> list(result.diagnostics.bands.columns)[:4], sorted(result.diagnostics.comparisons)
    (['ward_id', 'score', 'basis', 'band'], ['security_level', 'service'])
    """
    all_wards = panel["ward_id"].nunique()
    pat, staff = _ward_level(panel, "patient"), _ward_level(panel, "staff")
    caveats = [
        INSTRUMENT_STATUS,
        band_note(cuts, labels),
        "Means use survey months only. " + panel.attrs.get("carry_forward_rule", ""),
    ]
    if panel.attrs.get("scores_note"):
        caveats.append(panel.attrs["scores_note"])
    base = {
        "question": "q1",
        "outcome": "coproduction_patient_overall",
        "predictor": None,
        "formula": "mean of ward means (survey months); t-interval across wards",
        "family": "descriptive",
        "method": "each ward's mean over its survey months, then the mean across wards with a "
        f"{level:.0%} t-interval (n = wards; t on G - 1 degrees of freedom, the ward being the unit)",
    }
    if pat.empty and staff.empty:
        return ModelResult(
            **base,
            n_wards=0,
            n_obs=0,
            estimates=pd.DataFrame(columns=["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]),
            headline=None,
            sentence="There are no co-production scores in the data, so this question cannot be answered yet: "
            "add survey returns (coproduction_responses) or scores (coproduction_scores).",
            caveats=caveats,
        )
    rows = []
    for who, s in (("patient", pat), ("staff", staff)):
        m, lo, hi = _tci(s, level)
        rows.append(
            {
                "term": f"{who} overall index",
                "estimate": m,
                "std_error": s.std(ddof=1) / np.sqrt(len(s)) if len(s) > 1 else np.nan,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": np.nan,
                "n_wards": len(s),
                "min": s.min() if len(s) else np.nan,
                "max": s.max() if len(s) else np.nan,
                "df": float(len(s) - 1) if len(s) > 1 else np.nan,
            }
        )
    est = pd.DataFrame(rows)
    lead = "patient" if len(pat) else "staff"
    r = est.set_index("term").loc[f"{lead} overall index"]
    head = Headline(
        f"mean {lead}-rated co-production index across wards (0 to 100)",
        float(r.estimate),
        float(r.ci_low),
        float(r.ci_high),
    )
    banded = bands(panel, cuts, labels, respondent=lead)
    counts = band_counts(banded, labels)
    dis = disagreement(panel, threshold)
    sentence = _sentence(est, lead, all_wards, counts, cuts, labels, dis, threshold, level)
    comparisons = {by: group_differences(panel, by=by, respondent=lead) for by in compare_by if by in panel.columns}
    for res in comparisons.values():
        if res.headline is not None:
            sentence += " " + res.sentence
        caveats += [c for c in res.caveats if c not in caveats]
    n_w = int(r.n_wards)
    if n_w < 3:
        caveats.append(f"Only {plural(n_w, 'ward')} with scores: the average cannot stand for secure care in general.")
    return ModelResult(
        **base,
        n_wards=n_w,
        n_obs=len(survey_rows(panel, lead, columns=["ward_id"])),
        estimates=est,
        headline=head,
        sentence=sentence,
        caveats=caveats,
        warnings=[w for res in comparisons.values() for w in res.warnings],
        diagnostics=LevelsDiagnostics(
            levels_by_ward=levels(panel, lead),
            bands=banded,
            band_counts=counts.to_dict(),
            disagreement=dis,
            comparisons=comparisons,
        ),
    )


def _sentence(est, lead, all_wards, counts, cuts, labels, dis, threshold, level) -> str:
    e = est.set_index("term")
    p = e.loc[f"{lead} overall index"]
    o = e.loc[f"{'staff' if lead == 'patient' else 'patient'} overall index"]
    n = int(p.n_wards)
    where = "every ward" if n == all_wards else f"{n} of {plural(all_wards, 'ward')}"
    people = "patients" if lead == "patient" else "staff"
    if n >= 2:
        s = (
            f"Co-production was measured on {where}: {people} rate it {whole(p.estimate)} on average "
            f"({level:.0%} CI {whole(p.ci_low)} to {whole(p.ci_high)}; range {whole(p['min'])} to {whole(p['max'])} "
            f"across {plural(n, 'ward')})"
        )
    else:
        s = f"Co-production was measured on {where}: {people} rate it {whole(p.estimate)} (one ward, so no range)"
    if lead == "patient" and o.n_wards > 0:
        s += f", staff {whole(o.estimate)}."
    else:
        s += "."
    words = band_words(cuts, labels)
    parts = [f"{plural(int(counts[lab]), 'ward')} '{lab}' ({w})" for lab, w in zip(labels, words)]
    s += f" On their latest survey, {', '.join(parts[:-1])} and {parts[-1]}."
    if len(dis):
        higher = int((dis["gap"] > 0).sum())
        large = dis[dis["large_gap"]]
        s += f" Staff rate co-production higher than patients on {higher} of {plural(len(dis), 'ward')}"
        if len(large):
            names = ", ".join(large["ward_id"].astype(str).head(5))
            s += f"; the gap is {threshold:g} points or more on {plural(len(large), 'ward')} ({names})."
        else:
            s += f"; no ward has a gap of {threshold:g} points or more."
    return s

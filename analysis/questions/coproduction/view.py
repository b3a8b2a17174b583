"""What the Q1 page shows: tidy tables and sentences for co-production levels, no figures.

The figures that draw these tables are in analysis/charts/coproduction.py. Every summary uses survey months
only (`groups.survey_rows`), as `analysis.questions.coproduction.existence` does: a carried-forward month
repeats an older survey and would count it twice.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from analysis.data.contract import ASPECTS
from analysis.questions.coproduction.existence import (
    DEFAULT_CUTS,
    DEFAULT_LABELS,
    agreement_long,
    band_words,
    levels,
)
from analysis.questions.coproduction.groups import survey_rows
from analysis.stats.reliability import agreement_summary
from analysis.text import fmt_number, plural, plural_word, whole

ASPECT_LABELS = {"overall": "Overall index", **ASPECTS}
WHO = {"patient": "patients", "staff": "staff", "both": "patients and staff combined"}
BY_LABELS = {"ward": "ward", "service": "service", "security_level": "security level"}
ICC_WORDS = ((0.9, "excellent"), (0.75, "good"), (0.5, "moderate"))  # Koo and Li (2016)


def _count(n: int) -> str:
    """A small count in words ('four'), as a sentence reads it; analysis/text.py has no number words."""
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
        s = f"{WHO[who].capitalize()} rate it {whole(sd['mean'])}, {place} of the {_count(len(d))} aspects"
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


def _match_words(icc: float) -> str:
    """How closely two views match, in words only ('well', 'moderately'), from the ICC's band."""
    return {"excellent": "very closely", "good": "well", "moderate": "moderately", "poor": "poorly"}.get(
        icc_words(icc), "in a way that cannot be worked out"
    )


def agreement_notes(summary: dict) -> list[str]:
    """The method behind the agreement sentence, for researchers: the 95% limits of agreement and the ICC
    with its rule of thumb (Koo and Li 2016). Empty when patients and staff were never paired."""
    if not summary.get("n_ward_quarters"):
        return []
    notes = [
        "How agreement is measured: patients and staff on the same ward are paired quarter by quarter (they are "
        "often surveyed in different months of a quarter); the gap is the staff score minus the patient score."
    ]
    if np.isfinite(summary["loa_low"]):
        notes.append(
            f"Mean gap {fmt_number(summary['mean_gap'])} points; 95% limits of agreement "
            f"{fmt_number(summary['loa_low'])} to {fmt_number(summary['loa_high'])} points (the range the gap "
            "falls in for 95% of ward-quarters)."
        )
    if np.isfinite(summary.get("icc_2_1", np.nan)):
        notes.append(
            f"ICC(2,1) of the ward averages {summary['icc_2_1']:.2f}: {icc_words(summary['icc_2_1'])} agreement "
            "(Koo and Li 2016: 0.90 excellent, 0.75 good, 0.50 moderate); a big steady gap lowers it."
        )
    return notes


BANDS_EXPLAINED = (
    "The project's poster (Reilly, Stewart and MacIntyre) describes co-production as a range. At the 'lite' end "
    "patients do small tasks and staff keep the power; in the 'mid' range patients are trained to manage their "
    "condition and take part in meetings as 'expert patients'; at the 'ultra' end it is a jointly agreed "
    "endeavour with power shared between patient and staff. This dashboard places each ward on that range by "
    "its 0 to 100 score: {bands}. These cut-offs are this product's convention, not validated ones."
)


def bands_explained(cuts=None, labels=None) -> str:
    """The lite / mid / ultra range in plain words, with the score cut-offs used ('lite' under 40, ...)."""
    cuts, labels = cuts or DEFAULT_CUTS, labels or DEFAULT_LABELS
    parts = [f"'{lab}' {w}" for lab, w in zip(labels, band_words(cuts, labels))]
    return BANDS_EXPLAINED.format(bands=", ".join(parts))


def band_figure_words(counts: dict[str, int], who: str = "patient") -> str:
    """'10 of 12 wards reach 'mid' or 'ultra' co-production (40 or more out of 100) on their latest patient
    survey.' ('' without bands; the default bands only, as the Overview's card says it)."""
    total = sum(counts.values())
    if not total or list(counts)[:1] != [DEFAULT_LABELS[0]]:
        return ""
    above = total - counts[DEFAULT_LABELS[0]]
    return (
        f"{above} of {plural(total, 'ward')} reach 'mid' or 'ultra' co-production "
        f"({whole(DEFAULT_CUTS[0])} or more out of 100) on their latest {who} survey."
    )


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
        f"Across {plural(summary['n_ward_quarters'], 'ward-quarter')} on {plural(summary['n_wards'], 'ward')}, "
        f"{who} rate {what} "
        f"{fmt_number(abs(gap))} points higher on average"
    )
    if np.isfinite(summary["loa_low"]):
        s += (
            f"; on any one ward in any one quarter the staff-minus-patient gap usually lies between "
            f"{fmt_number(summary['loa_low'])} and {fmt_number(summary['loa_high'])} points"
        )
    s += "."
    if np.isfinite(summary.get("icc_2_1", np.nan)):
        s += f" Patients' and staff's ward averages match {_match_words(summary['icc_2_1'])}."
    if len(dis):
        higher = int((dis["gap"] > 0).sum())
        s += f" Staff rate higher than patients on {higher} of {plural(len(dis), 'ward')}"
        large = dis[dis["large_gap"]]
        thr = dis.attrs.get("threshold", 15)
        s += (
            f"; {plural(len(large), 'ward')} {plural_word(len(large), 'has', 'have')} a gap of {thr:g} points or more."
            if len(large)
            else f"; no ward has a gap of {thr:g} points or more."
        )
    return s

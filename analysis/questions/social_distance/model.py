"""The staff side of reduced social distance: one row per ward and survey quarter, the links to closeness.

Closeness is the ward's reduced social distance as PATIENTS rate it (the co-production returns' aspect, 0 to
100): how near staff and patients are, in the view of the people on the receiving end. Each measure is a
ward-quarter mean over the quarter's survey months (nothing carried forward), paired with that quarter's
closeness; assaults on staff (and boundary-related incidents, when the hospital maps them) are the quarter's
count per 1,000 occupied bed days.

`closeness_link` fits a linear model with a random intercept per ward (REML, `analysis.stats.mixed`) of a
measure on closeness per 10 points, with a Satterthwaite t interval (lmerTest's method). The slope mixes the
within-ward change and the difference between wards; it is observational. Assaults use the Assaults page's
count model (`fit_counts`: within-ward rate ratio, cluster-robust by ward) with patient-rated reduced social
distance as the predictor; so do boundary-related incidents (`boundary_link`), when ward_months has them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.panel import instruments as ins
from analysis.questions.verdicts import LEVELS, change_range_words, occasion_words
from analysis.stats.counts.describe import MANY_WARDS
from analysis.stats.counts.describe import MIN_WARDS as SURE_WARDS
from analysis.stats.mixed import fit_random_intercept, satterthwaite
from analysis.stats.reliability import instrument_reliability
from analysis.text import fmt_number, plural, plural_word

PER = 10.0
CLOSENESS = "patient_rsd"
MEASURES: dict[str, str] = {
    "patient_rsd": "Reduced social distance as patients rate it (0 to 100)",
    "staff_rsd": "Reduced social distance as staff rate it (0 to 100)",
    "rsd_gap": "Gap in reduced social distance: staff minus patients (points)",
    "staff_boundaries": "Staff confidence with professional boundaries (1 to 5)",
    "staff_safety": "Experienced safety as staff rate it (EssenCES, 0 to 20)",
    "patient_safety": "Experienced safety as patients rate it (EssenCES, 0 to 20)",
    "assault_rate": "Assaults on staff per 1,000 occupied bed days",
    "boundary_rate": "Boundary-related incidents per 1,000 occupied bed days",
}
# Each measure inside a sentence, and the words for higher and lower.
WORDS: dict[str, tuple[str, str, str]] = {
    "staff_rsd": ("staff rate relationships", "closer", "more distant"),
    "rsd_gap": ("the gap between staff and patients' ratings is", "wider", "narrower"),
    "staff_boundaries": ("staff feel", "more confident with professional boundaries", "less confident with boundaries"),
    "staff_safety": ("staff feel", "safer", "less safe"),
    "patient_safety": ("patients feel", "safer", "less safe"),
    "assault_rate": ("assaults on staff", "rise", "fall"),
    "boundary_rate": ("boundary-related incidents", "rise", "fall"),
}
RATES = ("assault_rate", "boundary_rate")  # count-model measures: the verdict asks whether they change
TENSIONS = (
    {
        "key": "security_and_risk",
        "title": "Security against risk taking",
        "question": "Closer relationships ask staff to take more risks with trust. Do staff and patients feel "
        "less safe where relationships are closer, and do assaults on staff rise or fall?",
        "measures": ("staff_safety", "patient_safety", "assault_rate"),
    },
    {
        "key": "boundaries_and_relationships",
        "title": "Therapeutic boundaries against humanised relationships",
        "question": "Talking with patients as people tests where the professional boundary lies. Are staff less "
        "sure of their boundaries where relationships are closer, are more boundary-related incidents reported, and "
        "do staff see more closeness than patients?",
        "measures": ("staff_boundaries", "boundary_rate", "rsd_gap"),
    },
    {
        "key": "procedural_and_relational",
        "title": "Procedural and physical against relational security",
        "question": "Relational security rests on knowing patients well. Do staff and patients agree how close "
        "relationships are, and does closeness go with the safety that procedures and walls are meant to give?",
        "measures": ("staff_rsd", "staff_safety", "assault_rate"),
    },
)


def scored_returns(survey_returns: pd.DataFrame, instrument_table: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Each instrument in the returns scored by its rule (`analysis.panel.instruments.score`), by name."""
    if survey_returns is None or not len(survey_returns):
        return {}
    found = ins.instruments_for(instrument_table)
    out = {}
    for name in sorted(survey_returns["instrument"].astype(str).unique()):
        if name in found:
            out[name] = ins.score(ins.wide_returns(survey_returns, name), found[name])
    return out


def _quarter(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.to_period("Q").dt.start_time


def wave_table(
    panel: pd.DataFrame, survey_returns: pd.DataFrame, instrument_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per ward and quarter with any survey: closeness, the gap, boundaries, safety, assaults."""
    key = ["ward_id", "quarter"]
    p = panel.assign(quarter=_quarter(panel["month"]))
    parts = []
    for who in ("patient", "staff"):
        col, carried = f"coproduction_{who}_reduced_social_distance", f"coproduction_{who}_months_carried"
        if col in p.columns:
            surveyed = p[p[carried].fillna(0) == 0] if carried in p.columns else p
            parts.append(surveyed.groupby(key)[col].mean().rename(f"{who}_rsd"))
            n_col = f"coproduction_{who}_n_returns"
            if n_col in p.columns:  # the returns behind the quarter's mean (over its surveyed months)
                parts.append(surveyed.groupby(key)[n_col].sum(min_count=1).rename(f"n_{who}_rsd"))
    scored = scored_returns(survey_returns, instrument_table)
    for name, sub, who, out in (
        (ins.ESSENCES, "experienced_safety", "staff", "staff_safety"),
        (ins.ESSENCES, "experienced_safety", "patient", "patient_safety"),
        (ins.BOUNDARIES, "professional_boundaries", "staff", "staff_boundaries"),
    ):
        s = scored.get(name)
        if s is None or sub not in s.columns:
            continue
        s = s[s["respondent"] == who].assign(quarter=lambda d: _quarter(d["date"]))
        g = s.groupby(key)[sub]
        parts += [g.mean().rename(out), g.count().rename(f"n_{out}")]
    if not parts:
        return pd.DataFrame(columns=[*key, "ward_name", *MEASURES])
    waves = pd.concat(parts, axis=1)
    survey = [c for c in waves.columns if not c.startswith("n_")]
    waves = waves[waves[survey].notna().any(axis=1)]
    counted = [c for c in ("assaults_on_staff", "boundary_incidents") if c in p.columns]
    inc = p.groupby(key)[[*counted, "occupied_bed_days"]].sum(min_count=1)
    waves = waves.join(inc, how="left")
    waves["assault_rate"] = waves["assaults_on_staff"] / waves["occupied_bed_days"] * 1000
    if "boundary_incidents" in waves.columns:
        waves["boundary_rate"] = waves["boundary_incidents"] / waves["occupied_bed_days"] * 1000
    for c in MEASURES:
        if c not in waves.columns:
            waves[c] = np.nan
    waves["rsd_gap"] = waves["staff_rsd"] - waves["patient_rsd"]
    # A quarter only partly in the period (or with a month missing) is not a whole quarter: its means are fitted
    # but never shown (`scatter_points`, `ratings_by_ward`), so two periods a month apart show the same means.
    months = p.groupby(key)["month"].nunique()
    waves["whole_quarter"] = months.reindex(waves.index).fillna(0).to_numpy() == 3
    names = panel.drop_duplicates("ward_id").set_index("ward_id")["ward_name"] if "ward_name" in panel else None
    out = waves.reset_index()
    out.insert(1, "ward_name", out["ward_id"].map(names) if names is not None else out["ward_id"])
    return out.sort_values(key, ignore_index=True)


@dataclass(frozen=True)
class Link:
    """How a measure moves per `PER` points of closeness (random intercept per ward, Satterthwaite t)."""

    outcome: str
    estimate: float
    ci_low: float
    ci_high: float
    df: float
    n_wards: int
    n_obs: int
    intercept: float = np.nan

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.estimate) and np.isfinite(self.ci_low) and np.isfinite(self.ci_high))

    @property
    def clear(self) -> bool:
        return self.ok and (self.ci_low > 0 or self.ci_high < 0)


MIN_WARDS = 3
MIN_OBS = 8

# The returns behind each subscale mean, counted per ward-quarter by `wave_table` (a mean of one staff member's
# returns is that person's answer). The closeness measures come from the co-production panel, not from returns.
RETURNS: dict[str, str] = {
    "staff_safety": "n_staff_safety",
    "patient_safety": "n_patient_safety",
    "staff_boundaries": "n_staff_boundaries",
}


def min_returns(rule) -> int:
    """The fewest returns a shown mean may rest on: the small-number rule's threshold (a count of `rule.high`
    or fewer is hidden, so a mean of that many returns is withheld too)."""
    return int(rule.high) + 1


def whole_quarters(waves: pd.DataFrame) -> pd.DataFrame:
    """The ward-quarters wholly in the period (all three months), the only ones whose means are shown.

    Why: a mean over a quarter cut by the period changes when the period moves by a month, and the difference
    of the two (with the returns each rests on) is the mean of that one month's returns, however few. Whole
    quarters only, every shown mean is the same whichever month the period starts, so differencing two periods
    can only ever give back a whole ward-quarter's mean, which is itself shown only when enough returns make it.
    """
    if "whole_quarter" not in waves.columns:
        return waves
    return waves[waves["whole_quarter"].astype(bool)]


def partial_quarters(waves: pd.DataFrame, outcome: str) -> int:
    """How many ward-quarters with `outcome` and closeness are left out for being only partly in the period."""
    if "whole_quarter" not in waves.columns:
        return 0
    d = waves.dropna(subset=[outcome, CLOSENESS])
    return int((~d["whole_quarter"].astype(bool)).sum())


def partial_note(n_partial: int) -> str:
    """Why ward-quarters cut by the period are missing from the charts and downloads ('' when none are)."""
    if not n_partial:
        return ""
    return (
        f"{plural(n_partial, 'ward-quarter')} only partly in the period {plural_word(n_partial, 'is', 'are')} not "
        "shown here or in the downloads: this page shows whole quarters only (January to March, April to June, "
        "July to September, October to December), so comparing two periods a month apart cannot reveal one "
        "month's returns. The sentences above still use them."
    )


def _enough(d: pd.DataFrame, n_cols: list[str], rule) -> pd.Series:
    """Rows whose means each rest on at least `min_returns(rule)` returns (a count not known passes: the
    co-production scores table gives none)."""
    keep = pd.Series(True, index=d.index)
    for c in n_cols:
        if c in d.columns:
            keep &= d[c].isna() | (d[c] >= min_returns(rule))
    return keep


def scatter_points(waves: pd.DataFrame, outcome: str, rule) -> tuple[pd.DataFrame, int]:
    """The ward-quarters a chart of `outcome` against closeness may show, each with `n_returns` (the returns its
    mean rests on), and how many were withheld because their mean (or the closeness beside it) rests on fewer
    than `min_returns(rule)`. Quarters only partly in the period are left out first (`whole_quarters`; counted by
    `partial_quarters`).

    Only what is shown and leaves the app is withheld: `closeness_link` still fits every ward-quarter."""
    d = whole_quarters(waves).dropna(subset=[outcome, CLOSENESS])
    cols = ["ward_id", "ward_name", "quarter", CLOSENESS, outcome]
    close_ok = _enough(d, [f"n_{CLOSENESS}"], rule)
    n_col = RETURNS.get(outcome)
    if n_col is None or n_col not in d.columns:
        return d.loc[close_ok, cols].assign(n_returns=np.nan).reset_index(drop=True), int((~close_ok).sum())
    d = d[cols].assign(n_returns=d[n_col].fillna(0).astype(int))
    keep = (d["n_returns"] >= min_returns(rule)) & close_ok
    return d[keep].reset_index(drop=True), int((~keep).sum())


def withheld_note(n_withheld: int, rule) -> str:
    """Why some ward-quarters are missing from a chart, its download and its pictures ('' when none are)."""
    if not n_withheld:
        return ""
    its = plural_word(n_withheld, "its mean rests", "their means rest")
    it = plural_word(n_withheld, "it", "them")
    return (
        f"{plural(n_withheld, 'ward-quarter')} not shown here or in the downloads: {its} on fewer than "
        f"{plural(min_returns(rule), 'return')}, so one person's answers could be read from {it} (the small-number "
        "rule). The fitted line and the sentences above still use every return."
    )


def closeness_link(waves: pd.DataFrame, outcome: str, predictor: str = CLOSENESS, level: float = 0.95) -> Link:
    """The slope of `outcome` per 10 points of `predictor`, ward-quarters pooled with a random ward intercept."""
    d = waves.dropna(subset=[outcome, predictor])
    n_w, n = int(d["ward_id"].nunique()), len(d)
    if n_w < MIN_WARDS or n < MIN_OBS or d[predictor].std() == 0:
        return Link(outcome, np.nan, np.nan, np.nan, np.nan, n_w, n)
    x = (d[predictor].to_numpy(float) - 50.0) / PER
    X = np.column_stack([np.ones(n), x])
    y, g = d[outcome].to_numpy(float), d["ward_id"].astype(str).to_numpy()
    fit = fit_random_intercept(y, X, g)
    sat = satterthwaite(y, X, g, fit)
    c = np.array([0.0, 1.0])
    se = float(np.sqrt(c @ sat.vcov @ c))
    df = sat.df(c)
    t = stats.t.ppf(0.5 + level / 2, df) if np.isfinite(df) else np.nan
    b = float(fit.params[1])
    return Link(outcome, b, b - t * se, b + t * se, float(df), n_w, n, float(fit.params[0]))


def assaults_link(panel: pd.DataFrame):
    """Assaults on staff against patient-rated reduced social distance: the Assaults page's count model."""
    from analysis.stats.counts.fit import fit_counts

    return fit_counts(panel, "assaults_on_staff", predictor="coproduction_patient_reduced_social_distance")


def _units(outcome: str) -> str:
    return {
        "staff_boundaries": "on the 1 to 5 scale",
        "staff_safety": "on the 0 to 20 scale",
        "patient_safety": "on the 0 to 20 scale",
        "assault_rate": "per 1,000 occupied bed days",
        "boundary_rate": "per 1,000 occupied bed days",
    }.get(outcome, "points")


def _signed(x: float, up: str = "higher", down: str = "lower") -> str:
    return f"{fmt_number(abs(x), 2)} {up if x > 0 else down}" if x != 0 else "no change"


def interval_words(lo: float, hi: float) -> str:
    """A 95% interval in the words every page uses: "could be anywhere from 0.4 to 1.1 points lower"."""
    return change_range_words(lo, hi)


def _in_sentence(words: str) -> str:
    """A measure's label inside a sentence: only its first letter lowered ("EssenCES" keeps its capitals)."""
    return words[:1].lower() + words[1:]


def link_sentence(link: Link) -> str:
    """One sentence: where relationships are closer (patients' rating, per 10 points), what the measure does."""
    who, up, down = WORDS.get(link.outcome, (_in_sentence(MEASURES[link.outcome]), "higher", "lower"))
    if not link.ok:
        return (
            f"Not enough data to say how {_in_sentence(MEASURES[link.outcome])} goes with closeness: it needs at least "
            f"{plural(MIN_WARDS, 'ward')} and {plural(MIN_OBS, 'ward-quarter')} with both measured "
            f"(there are {plural(link.n_wards, 'ward')} and {plural(link.n_obs, 'ward-quarter')})."
        )
    way = up if link.estimate > 0 else down
    unit = _units(link.outcome)
    size = (
        f"{fmt_number(abs(link.estimate), 2)} points {'higher' if link.estimate > 0 else 'lower'}"
        if unit == "points"
        else f"{_signed(link.estimate)} {unit}"
    )
    interval = interval_words(link.ci_low, link.ci_high)
    data = f"{plural(link.n_wards, 'ward')}, {plural(link.n_obs, 'ward-quarter')}"
    if link.clear:
        return f"Where patients rate relationships 10 points closer, {who} {way}: {size} ({interval}; {data})."
    return (
        f"No clear link: where patients rate relationships 10 points closer, {who} {way}, by {size}, but the "
        f"range includes no change ({interval}; {data})."
    )


def _short(link: Link) -> str:
    who, up, down = WORDS[link.outcome]
    if not link.ok:
        return f"there is not enough data to say whether {who} {up} or {down}"
    if not link.clear:
        return f"there is no clear sign that {who} {up if link.outcome not in RATES else 'change'}" + (
            "" if link.outcome in RATES else f" or {down}"
        )
    return f"{who} {up if link.estimate > 0 else down}"


def verdict(safety: Link, boundaries: Link, assaults: Link, boundary: Link | None = None) -> str:
    """The answer first: where relationships are closer, do staff feel less safe, do boundary-related incidents
    rise (when the data hold them: `boundary` None leaves them out), do assaults fall?"""
    parts = [_short(safety), _short(boundaries)]
    if boundary is not None:
        parts.append(_short(boundary))
    parts.append(_short(assaults))
    return "Where relationships are closer, " + "; ".join(parts) + "."


WARD_QUARTER = (
    "Ward-quarter",
    "One ward over one three-month quarter: the staff surveys' answers in that quarter are averaged, and each "
    "ward-quarter is one dot on the charts.",
)
HIGH_QUARTERS = 8  # two years of quarters, the 24 months the Overview's rule asks for "High"


def how_sure(
    links: list[Link], assaults_level: str, assaults_why: str, n_quarters: int, others: tuple = ()
) -> tuple[str, str]:
    """(level, why) for the whole answer by the Overview's rule (analysis/overview/confidence.py), applied to
    each link the verdict speaks of, the weakest deciding: not enough data without a figure or with fewer than
    5 wards; low when the likely range includes no change; high only with 20 wards and two years; else
    moderate. `assaults_level` and `assaults_why` are the Assaults page's own (`assess`: why is '' unless downgraded);
    `others` more (level, why) pairs of the same kind (the boundary-related incidents' count model)."""
    levels, whys = [assaults_level], {assaults_level: assaults_why}
    for other_level, other_why in others:  # other count models' (level, why), as the assaults' (boundary incidents)
        levels.append(other_level)
        whys.setdefault(other_level, other_why)
    for link in links:
        what = _in_sentence(MEASURES[link.outcome].split(" (")[0])
        if not link.ok or link.n_wards < SURE_WARDS:
            level, why = LEVELS[0], f"too few wards or ward-quarters for {what}"
        elif not link.clear:
            level, why = LEVELS[1], f"the likely range includes no change for {what}"
        elif link.n_wards >= MANY_WARDS and n_quarters >= HIGH_QUARTERS:
            level, why = LEVELS[3], ""
        else:
            level, why = LEVELS[2], ""
        levels.append(level)
        whys.setdefault(level, why)
    worst = min(levels, key=LEVELS.index)
    n_wards = max((link.n_wards for link in links), default=0)
    size = f"{plural(n_wards, 'ward')}, {occasion_words(n_quarters, 3)}"
    return worst, "; ".join(p for p in (whys[worst], size, "observational data") if p)


NO_WITHIN_WARD = "never changes within a ward"
TOO_FEW_MONTHS = "Too few months in view to compare wards' assault rates with closeness; choose a longer period."


def assaults_sentence(result) -> str:
    """The assaults model's answer for the page. The count model's reasons for not fitting are written for the
    Assaults page and the command line (column names, `split='none'`); here they become a plain sentence."""
    if result.ok:
        return result.sentence_without_caveats
    if NO_WITHIN_WARD in result.sentence:
        return TOO_FEW_MONTHS
    if not re.search(r"\w_\w|=", result.sentence):  # already in plain words
        return result.sentence_without_caveats
    return (
        "There are not enough ward-months with assaults, occupied bed days and closeness in view to say how "
        "assaults on staff go with closeness; choose a longer period or more wards."
    )


def assaults_as_link(result, outcome: str = "assault_rate") -> Link:
    """The count model's within-ward rate ratio as a Link on the rate ratio's log scale (for the verdict)."""
    h = getattr(result, "headline", None)
    n_w = int(getattr(result, "n_wards", 0) or 0)
    n = int(getattr(result, "n_obs", 0) or 0)
    if h is None or not result.ok:
        return Link(outcome, np.nan, np.nan, np.nan, np.nan, n_w, n)
    return Link(outcome, np.log(h.estimate), np.log(h.ci_low), np.log(h.ci_high), np.nan, n_w, n)


# Boundary-related incidents: an optional ward_months count a hospital gets by mapping an incident category.
BOUNDARY = "boundary_incidents"
BOUNDARY_MISSING = (
    "Boundary-related incidents are not in these data, so this page cannot say whether they rise where "
    "relationships are closer. To add them, import your incident listing on the Data page and map the "
    "category your incident system uses for them (for example 'Boundary violation / inappropriate relationship' "
    "or 'Staff boundary concern') to Boundary-related incidents; or fill in the boundary_incidents column of "
    "the ward_months sheet in the template."
)
BOUNDARY_NONE = (
    "No boundary-related incidents are recorded in the months in view, so there is nothing to relate to "
    "closeness. If your incident system records them under a category that is not mapped yet, map it to "
    "Boundary-related incidents on the Data page."
)


def boundary_status(panel: pd.DataFrame) -> str:
    """'missing' (no boundary_incidents column, or never filled in), 'none' (all zero) or 'ok'."""
    if BOUNDARY not in panel.columns or panel[BOUNDARY].notna().sum() == 0:
        return "missing"
    return "none" if float(pd.to_numeric(panel[BOUNDARY], errors="coerce").fillna(0).sum()) == 0 else "ok"


def boundary_link(panel: pd.DataFrame):
    """Boundary-related incidents against patient-rated reduced social distance: the Assaults page's count model
    (rate per 1,000 occupied bed days, the within-ward rate ratio per 10 points as the headline, the
    between-ward one beside it, cluster-robust by ward). None when the data hold no boundary incidents."""
    if boundary_status(panel) == "missing":
        return None
    from analysis.stats.counts.fit import fit_counts

    return fit_counts(panel, BOUNDARY, predictor="coproduction_patient_reduced_social_distance")


def boundary_as_link(result) -> Link | None:
    """The boundary model's within-ward rate ratio as a Link for the verdict (None without the column)."""
    return None if result is None else assaults_as_link(result, "boundary_rate")


def boundary_sentence(result, status: str = "ok") -> str:
    """The boundary model's answer in plain words, or what is missing and how to get it."""
    if status == "missing" or result is None:
        return BOUNDARY_MISSING
    if status == "none":
        return BOUNDARY_NONE
    if result.ok:
        return result.sentence_without_caveats
    if NO_WITHIN_WARD in result.sentence:
        return "Too few months in view to relate boundary-related incidents to closeness; choose a longer period."
    if not re.search(r"\w_\w|=", result.sentence):  # already in plain words
        return result.sentence_without_caveats
    return (
        "There are not enough ward-months with boundary-related incidents, occupied bed days and closeness in view "
        "to say how they go with closeness; choose a longer period or more wards."
    )


def instrument_reliability_table(
    survey_returns: pd.DataFrame, instrument_table: pd.DataFrame | None = None, n_boot: int = 1000
) -> pd.DataFrame:
    """Alpha and omega with intervals per instrument, subscale and respondent group, for the returns given."""
    if survey_returns is None or not len(survey_returns):
        return pd.DataFrame()
    found = ins.instruments_for(instrument_table)
    parts = []
    for name in sorted(survey_returns["instrument"].astype(str).unique()):
        if name in found:
            wide = ins.wide_returns(survey_returns, name)
            parts.append(instrument_reliability(wide, found[name], n_boot=n_boot))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

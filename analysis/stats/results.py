"""The small result object every model in `analysis/` returns, and its typed diagnostics.

A `ModelResult` holds what every model shares (estimates, headline, sentence, caveats). What only one
kind of model has (a count model's dispersion test, a mixed model's variance components, a talking-groups
model's wards started) is in `ModelResult.diagnostics`, one small frozen dataclass per kind of model:

* `CountDiagnostics`: count models of incidents (`fit_counts`: question 2, and question 3's transfers);
* `RecoveryDiagnostics`: a recovery measure against co-production (`fit_recovery`, question 3);
* `LevelsDiagnostics`: how much co-production, where (`answer_q1`, question 1);
* `GroupDifferenceDiagnostics`: services or security levels compared (`group_differences`, question 1);
* `WardTimeSeriesDiagnostics`: one ward before and after talking groups (`its_ward`);
* `SteppedWedgeDiagnostics`: talking groups pooled across wards (`its_pooled`);
* `NotFitted`: why a count model could not be fitted;
* `Diagnostics`, the base: nothing recorded (descriptive results, other results not fitted).

Readers use attributes (`result.diagnostics.expected_rates`), checking the kind with `isinstance` when a
result may come from more than one kind of model.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

import pandas as pd

OBSERVATIONAL_CAVEAT = "This is an association in observational data, not proof that one causes the other."

_OMIT_IF_NONE = {"omit_if_none": True}  # field metadata: left out of `to_dict` when None (not estimated)


def _optional() -> Any:
    """A field that is None when the model did not estimate it, and then left out of the JSON."""
    return field(default=None, metadata=_OMIT_IF_NONE)


@dataclass
class Headline:
    """The one figure a meeting hears: e.g. a rate ratio per 10 points with its 95% CI."""

    name: str  # what the figure is, in words: "rate ratio per 10-point rise"
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None = None


@dataclass(frozen=True, kw_only=True, eq=False)
class Diagnostics:
    """What a model records beyond its estimates; this base records nothing.

    Every kind of model has its own subclass (below). `to_dict` gives the JSON form (DataFrames as
    records, in field order), `frames` the DataFrame attributes and `details` the rest.
    """

    @property
    def months(self) -> int | None:
        """The months of data behind the result, when the model records them (`n_months`), else None."""
        m = getattr(self, "n_months", None)
        return None if m is None else int(m)

    def _items(self, leave_out: Collection[str] = ()) -> list[tuple[str, Any]]:
        return [
            (f.name, getattr(self, f.name))
            for f in fields(self)
            if f.name not in leave_out and not (getattr(self, f.name) is None and f.metadata.get("omit_if_none"))
        ]

    def to_dict(self, leave_out: Collection[str] = ()) -> dict[str, Any]:
        """JSON-ready form: every attribute in order (DataFrames as records), those named in `leave_out`
        and those the model did not estimate left out."""
        return {k: _json(v) for k, v in self._items(leave_out)}

    def frames(self) -> dict[str, pd.DataFrame]:
        """The DataFrame attributes, by name, in order."""
        return {k: v for k, v in self._items() if isinstance(v, pd.DataFrame)}

    def details(self, leave_out: Collection[str] = ()) -> dict[str, Any]:
        """The attributes that are not DataFrames and not None, JSON-ready, in order."""
        return {k: _json(v) for k, v in self._items(leave_out) if v is not None and not isinstance(v, pd.DataFrame)}


@dataclass(frozen=True, kw_only=True, eq=False)
class NotFitted(Diagnostics):
    """Why a count model could not be fitted.

    Attributes: reason (str, in words, e.g. "Only 4 usable ward-months, too few for 6 model terms.").
    """

    reason: str = ""


@dataclass(frozen=True, kw_only=True, eq=False)
class CountDiagnostics(Diagnostics):
    """A count model of incidents (Poisson or negative binomial): its choice, fit and checks.

    Attributes
    ----------
    family_choice : str, why Poisson or negative binomial was used, in words.
    dispersion : dict, the over-dispersion test: alpha, theta, lr_statistic, p_value, pearson_ratio, test.
    comparison : dict, Poisson against negative binomial: aic_poisson, aic_negbin, llf_poisson, llf_negbin,
        lr_statistic, lr_p_value, note.
    alpha, theta : float, the negative binomial dispersion used (alpha 0 for Poisson; theta = 1 / alpha).
    model_based_se : dict, term -> model-based (not cluster-robust) standard error.
    standard_errors : str, the errors behind the intervals: "CR2" (bias-reduced cluster-robust, Satterthwaite
        degrees of freedom; the default below 30 wards), "CR1" (t(G-1); from 30 wards), "GEE" (robust, t(G-1))
        or "model" (one ward).
    degrees_of_freedom : dict, term -> the t reference's degrees of freedom (None for a normal reference).
    interval_note : str or None, the words to show beside the interval when simulation found intervals of
        this kind too narrow for so few wards; None otherwise.
    expected_rates : DataFrame, expected rates at chosen scores; columns score, basis,
        rate_per_1000_obd, ci_low, ci_high.
    formula : str; n_dropped : dict, reason -> ward-months left out; n_months : int, months analysed.
    lag, per, split, errors, adjust : the model's choices (months of lag, points per step, within/between
        split, standard errors, adjustments).
    season_coding, trend_coding : str or None, how season and trend were coded when adjusted for.
    between : dict or None, the between-ward rate ratio (rate_ratio, ci_low, ci_high, p_value); None
        when not estimated (no split, fixed effects, one ward).
    residuals_by_ward, residuals_by_month : DataFrame, observed against expected incidents; columns
        ward_id (or month), n, observed, expected, mean_pearson, sd_pearson, max_abs_pearson.
    zeros : dict or None, observed against expected months with none: observed_zeros, expected_zeros, z,
        p_value, excess, note, sentence (and alternative when there is an excess); None when not checked.
    """

    family_choice: str = ""
    dispersion: dict[str, Any] = field(default_factory=dict)
    comparison: dict[str, Any] = field(default_factory=dict)
    alpha: float = math.nan
    theta: float = math.nan
    model_based_se: dict[str, float] = field(default_factory=dict)
    standard_errors: str = ""
    degrees_of_freedom: dict[str, float | None] = field(default_factory=dict)
    interval_note: str | None = None
    expected_rates: pd.DataFrame | None = None
    formula: str = ""
    n_dropped: dict[str, int] = field(default_factory=dict)
    n_months: int | None = None
    lag: int = 0
    per: float = 10.0
    split: str = "within_between"
    errors: str = "cluster"
    adjust: list[str] = field(default_factory=list)
    season_coding: str | None = None
    trend_coding: str | None = None
    between: dict[str, float] | None = _optional()
    residuals_by_ward: pd.DataFrame | None = None
    residuals_by_month: pd.DataFrame | None = None
    zeros: dict[str, Any] | None = _optional()


@dataclass(frozen=True, kw_only=True, eq=False)
class RecoveryDiagnostics(Diagnostics):
    """A recovery measure against co-production (linear mixed model, or patient-weighted least squares).

    Attributes
    ----------
    lag, split, weights, adjust, per : the model's choices (months of lag, within/between split,
        "none" or "n_patients", adjustments, points per step).
    n_months : int, months with scores for the measure.
    direction : str, which way is better for the measure, in words.
    variance_components : dict, ward_variance, residual_variance (and icc, reml_loglik for the mixed model).
    unweighted_mixed_model : DataFrame or None, the mixed model's estimates when the headline is the
        weighted fit; columns term, estimate, std_error, ci_low, ci_high, p_value.
    weighted_sensitivity : DataFrame or None, the patient-weighted fit as a sensitivity check when the
        headline is the mixed model; same columns.
    between : dict or None, the between-ward change per 10 points: estimate, ci_low, ci_high, p_value.
    """

    lag: int = 0
    split: str = "within_between"
    weights: str = "none"
    adjust: list[str] = field(default_factory=list)
    per: float = 10.0
    n_months: int | None = None
    direction: str = ""
    variance_components: dict[str, float] = field(default_factory=dict)
    unweighted_mixed_model: pd.DataFrame | None = _optional()
    weighted_sensitivity: pd.DataFrame | None = _optional()
    between: dict[str, float] | None = _optional()


@dataclass(frozen=True, kw_only=True, eq=False)
class LevelsDiagnostics(Diagnostics):
    """How much co-production there is and where (question 1).

    Attributes
    ----------
    levels_by_ward : DataFrame, each ward's mean score over its survey months; columns ward_id, n_wards,
        n_surveys, mean, sd, min, max, ci_low, ci_high (and ward_name, service, security_level when known).
    bands : DataFrame, each ward's band; columns ward_id, score, basis, band (and ward details).
    band_counts : dict, band -> number of wards (every band, zeros included).
    disagreement : DataFrame, staff against patients per ward; columns of `stats.reliability.agreement`
        plus large_gap and who_rates_higher.
    comparisons : dict, "service" / "security_level" -> the `group_differences` ModelResult.
    """

    levels_by_ward: pd.DataFrame | None = None
    bands: pd.DataFrame | None = None
    band_counts: dict[str, int] = field(default_factory=dict)
    disagreement: pd.DataFrame | None = None
    comparisons: dict[str, ModelResult] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, eq=False)
class GroupDifferenceDiagnostics(Diagnostics):
    """Groups of wards compared with a linear mixed model (ward random intercept).

    Attributes
    ----------
    ward_variance, residual_variance : float, the REML variance components.
    wald_chi2 : float and wald_df : int, the Wald statistic that all group means are equal and its df
        (wald_chi2 / wald_df is the F statistic; the p-value comes from the F test, not the chi-square).
    f_statistic : float, f_df_numerator : int, f_df_denominator : float, the F test that all group means are
        equal, with Satterthwaite denominator degrees of freedom (as lmerTest).
    gap_std_error, gap_df, gap_critical_value : float, the highest-minus-lowest gap's standard error, its
        Satterthwaite degrees of freedom and the Tukey-Kramer multiplier of its all-pairs interval.
    converged : bool.
    """

    ward_variance: float = math.nan
    residual_variance: float = math.nan
    wald_chi2: float = math.nan
    wald_df: int = 0
    f_statistic: float = math.nan
    f_df_numerator: int = 0
    f_df_denominator: float = math.nan
    gap_std_error: float = math.nan
    gap_df: float = math.nan
    gap_critical_value: float = math.nan
    converged: bool = True


@dataclass(frozen=True, kw_only=True, eq=False)
class WardTimeSeriesDiagnostics(Diagnostics):
    """One ward's interrupted time series around its talking-groups start.

    Attributes
    ----------
    autocorrelation : dict, are neighbouring months alike: durbin_watson, ljung_box_p (and breusch_godfrey_p
        for linear models), autocorrelated, words, detail.
    hac : bool, whether Newey-West standard errors were used; maxlags : int, their lags.
    start : Timestamp, the ward's start month.
    months_before, months_after : int, months of data either side of the start.
    """

    autocorrelation: dict[str, Any] = field(default_factory=dict)
    hac: bool = False
    maxlags: int = 3
    start: pd.Timestamp | None = None
    months_before: int = 0
    months_after: int = 0


@dataclass(frozen=True, kw_only=True, eq=False)
class SteppedWedgeDiagnostics(Diagnostics):
    """Talking groups pooled across wards with staggered starts (stepped wedge).

    Attributes
    ----------
    time_trend : str, how the hospital-wide change over time is allowed for, in words.
    slope_change_per_month : dict or None, the change in the monthly trend after the start (a row of the
        estimates: estimate, std_error, ci_low, ci_high, p_value, and rate_ratio, rr_ci_low, rr_ci_high for
        counts); None when that model could not be fitted.
    level_change_with_slope : dict or None, the level change from the model with the slope added (same keys).
    wards_started : int, wards that started talking groups; n_months : int, months analysed.
    fresh_survey_months_only : bool, whether only months with a fresh survey return were used.
    """

    time_trend: str = ""
    slope_change_per_month: dict[str, float] | None = None
    level_change_with_slope: dict[str, float] | None = None
    wards_started: int = 0
    n_months: int | None = None
    fresh_survey_months_only: bool = False


D = TypeVar("D", bound=Diagnostics)


@dataclass
class ModelResult:
    """Numbers, model description, sample size, warnings and the plain-language answer."""

    question: str  # "q1", "q2", "q3", "talking_groups", ...
    outcome: str
    predictor: str | None
    formula: str
    family: str
    method: str  # how the model was fitted, in words, including the standard errors
    n_wards: int
    n_obs: int
    estimates: pd.DataFrame  # tidy: term, estimate, std_error, ci_low, ci_high, p_value (+ any transformed columns)
    headline: Headline | None
    sentence: str  # the answer a ward manager understands, generated from the numbers
    caveats: list[str] = field(default_factory=list)  # plain-language limits (observational, few wards, ...)
    warnings: list[str] = field(default_factory=list)  # fitting problems (convergence, Hessian), in words
    diagnostics: Diagnostics = field(default_factory=Diagnostics)  # typed: one dataclass per kind of model

    def diagnostics_as(self, kind: type[D]) -> D | None:
        """The diagnostics when they are of `kind` (e.g. `CountDiagnostics`), else None (another kind of model,
        or a model that was not fitted)."""
        return self.diagnostics if isinstance(self.diagnostics, kind) else None

    @property
    def ok(self) -> bool:
        return self.headline is not None and all(
            math.isfinite(v) for v in (self.headline.estimate, self.headline.ci_low, self.headline.ci_high)
        )

    @property
    def sentence_without_caveats(self) -> str:
        """The sentence with its caveats taken out, for a layout that shows the caveats on their own."""
        text = self.sentence
        for c in self.caveats:
            text = text.replace(c, "")
        return " ".join(text.split())

    def to_dict(self, leave_out: Collection[str] = ()) -> dict[str, Any]:
        """JSON-ready form for the command line and exports (DataFrames become records).

        leave_out: names of diagnostics attributes to leave out (an export withholding per-row frames).
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "estimates":
                v = _records(v)
            elif f.name == "headline":
                v = asdict(v) if v is not None else None
            elif f.name == "diagnostics":
                v = v.to_dict(leave_out)
            elif isinstance(v, list):
                v = list(v)
            out[f.name] = v
        return _clean(out)


def _json(v: Any) -> Any:
    if isinstance(v, pd.DataFrame):
        return _records(v)
    if isinstance(v, ModelResult):
        return v.to_dict()
    if isinstance(v, dict):
        return _clean({k: _json(x) for k, x in v.items()})
    return _clean(v)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return _clean(v.item())
        except (ValueError, AttributeError):
            return v
    return v

"""The small result object every model in `analysis/` returns."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

OBSERVATIONAL_CAVEAT = "This is an association in observational data, not proof that one causes the other."


@dataclass
class Headline:
    """The one figure a meeting hears: e.g. a rate ratio per 10 points with its 95% CI."""

    name: str  # what the figure is, in words: "rate ratio per 10-point rise"
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None = None


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
    extras: dict[str, Any] = field(default_factory=dict)  # AIC, comparisons, diagnostics frames, ...

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the command line and exports (DataFrames become records)."""
        out = asdict(self)
        out["estimates"] = _records(self.estimates)
        out["extras"] = {k: (_records(v) if isinstance(v, pd.DataFrame) else v) for k, v in self.extras.items()}
        return _clean(out)


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

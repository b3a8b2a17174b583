"""Turn the panel into the rows and design matrix a count model uses, saying what was dropped and why."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis._lazy import lazy_attr, lazy_module
from analysis.data.contract import ADJUSTMENTS, CATEGORICAL_ADJUSTMENTS, NUMERIC_ADJUSTMENTS
from analysis.panel.measures import MEASURES
from analysis.panel.tools import add_lag, within_between
from analysis.stats.counts.spec import CountModelSpec
from analysis.text import plural

# scipy is imported on first use (analysis._lazy): a page drawn from kept answers needs none of it
sparse = lazy_module("scipy.sparse")
solve_triangular = lazy_attr("scipy.linalg", "solve_triangular")


class DataProblem(ValueError):
    """The data cannot support the model; the message says what is needed, in words."""


@dataclass
class Design:
    data: pd.DataFrame  # the analysis rows
    y: np.ndarray
    X: pd.DataFrame  # includes "const"
    offset: np.ndarray  # log(exposure)
    groups: np.ndarray  # ward codes 0..G-1
    predictor_terms: dict[str, str]  # design column -> "within" / "between" / "single"
    source: dict[str, str]  # design column -> the user's input name
    dropped: dict[str, int]  # reason -> rows
    notes: list[str] = field(default_factory=list)  # plain caveats from preparation
    formula: str = ""
    n_wards: int = 0
    n_months: int = 0
    ward_labels: np.ndarray | None = None


def prepare(panel: pd.DataFrame, spec: CountModelSpec, ward_indicators: bool = True) -> Design:
    """Rows, design matrix, offset and ward groups for the count model `spec`; raises DataProblem when impossible.

    With ward fixed effects the design has one indicator column per ward after the first; `ward_indicators=False`
    leaves them out (for `analysis.stats.counts.absorbed`, which absorbs the wards instead)."""
    outcome, exposure, predictor, lag, adjust = spec.outcome, spec.exposure, spec.predictor, spec.lag, spec.adjust
    split, ward, month, per, fixed_effects = spec.split, spec.ward, spec.month, spec.per, spec.fixed_effects
    for col in (outcome, exposure, predictor, ward, month):
        if col not in panel.columns:
            raise DataProblem(f"The data have no column '{col}', which this model needs.")
    unknown = [a for a in adjust if a not in ADJUSTMENTS]
    if unknown:
        raise DataProblem(f"Unknown adjustment {unknown}; choose from {list(ADJUSTMENTS)}.")
    if split not in ("within_between", "none"):
        raise DataProblem("split must be 'within_between' or 'none'.")
    if panel.empty:
        raise DataProblem("There are no ward-months in the data.")

    # only the columns the model reads (a national panel has dozens more, and copying them cost a second)
    keep = [outcome, exposure, predictor, ward, month, "calendar_month", "month_index"]
    keep += [c for a in adjust for c in (a, *_adjust_source_columns(a, month))]
    df = panel[[c for c in dict.fromkeys(keep) if c in panel.columns]].copy()
    base = predictor
    if lag:
        base = spec.predictor_column
        df = add_lag(df, predictor, int(lag), ward=ward, month=month, name=base)
    df = _add_time_columns(df, month)

    dropped: dict[str, int] = {}
    notes: list[str] = []

    def drop(mask: pd.Series, reason: str) -> None:
        nonlocal df
        n = int(mask.sum())
        if n:
            dropped[reason] = dropped.get(reason, 0) + n
            df = df.loc[~mask]

    if df[predictor].notna().sum() == 0:
        raise DataProblem(
            f"Every {predictor} score is missing, so there is nothing to relate {outcome} to. "
            "The model needs co-production survey scores for at least some ward-months."
        )
    exp = pd.to_numeric(df[exposure], errors="coerce")
    drop(~(exp > 0), f"no {exposure.replace('_', ' ')} (zero or missing)")
    drop(pd.to_numeric(df[outcome], errors="coerce").isna(), f"{outcome.replace('_', ' ')} missing")
    what = f"no {MEASURES[predictor].words}" if predictor in MEASURES else "no co-production score"
    drop(df[base].isna(), what + (f" {plural(lag, 'month')} earlier" if lag else ""))
    for a in adjust:
        for col in _adjust_source_columns(a, month):
            if col not in df.columns:
                raise DataProblem(f"Adjusting for {a} needs the column '{col}', which the data do not have.")
            drop(df[col].isna(), f"{col.replace('_', ' ')} missing")
    if df.empty:
        reasons = "; ".join(f"{k}: {v}" for k, v in dropped.items())
        raise DataProblem(
            f"No ward-month has both {outcome.replace('_', ' ')} and a co-production score ({reasons}). "
            "The model needs months with occupied bed days, incident counts and survey scores."
        )
    df = df.sort_values([ward, month]).reset_index(drop=True)

    codes, labels = pd.factorize(df[ward], sort=True)
    n_wards = len(labels)
    x = df[base].astype(float) / per
    cols: dict[str, pd.Series] = {"const": pd.Series(1.0, index=df.index)}
    terms: dict[str, str] = {}
    source: dict[str, str] = {"const": "intercept"}
    if split == "within_between" or fixed_effects:
        wb = within_between(df.assign(_x=x), "_x", ward=ward)
        if wb["_x_within"].abs().max() < 1e-12:
            raise DataProblem(
                f"{predictor} never changes within a ward in these data, so a within-ward comparison is "
                "impossible. Use split='none' to compare wards instead, or add more survey months."
            )
        cols[f"{base}_within"] = wb["_x_within"]
        terms[f"{base}_within"] = "within"
        if not fixed_effects:
            if n_wards > 1:
                cols[f"{base}_ward_mean"] = wb["_x_ward_mean"]
                terms[f"{base}_ward_mean"] = "between"
            else:
                notes.append("With one ward there is no between-ward comparison; only the month-to-month one.")
    else:
        cols[base] = x
        terms[base] = "single"
    for t in terms:
        source[t] = predictor

    adjust_cols, adjust_notes = _adjust_columns(df, adjust, fixed_effects, month)
    notes += adjust_notes
    for name, (series, src) in adjust_cols.items():
        cols[name] = series
        source[name] = src
    if fixed_effects and ward_indicators:
        dummies = pd.get_dummies(
            pd.Series(labels[codes], index=df.index), prefix="ward", prefix_sep="=", drop_first=True, dtype=float
        )
        for c in dummies.columns:
            cols[c] = dummies[c]
            source[c] = ward
    X = pd.DataFrame(cols)
    X, collinear_notes = _drop_collinear(X, terms, source)
    notes += collinear_notes

    formula = _formula(outcome, exposure, terms, adjust_cols, source, X, fixed_effects, ward)
    return Design(
        data=df,
        y=df[outcome].to_numpy(float),
        X=X,
        offset=np.log(df[exposure].to_numpy(float)),
        groups=codes,
        predictor_terms=terms,
        source=source,
        dropped=dropped,
        notes=notes,
        formula=formula,
        n_wards=n_wards,
        n_months=int(df[month].nunique()),
        ward_labels=np.asarray(labels),
    )


def _add_time_columns(df: pd.DataFrame, month: str) -> pd.DataFrame:
    m = pd.to_datetime(df[month])
    if "calendar_month" not in df.columns:
        df["calendar_month"] = m.dt.month
    if "month_index" not in df.columns:
        first = m.min()
        df["month_index"] = (m.dt.year - first.year) * 12 + (m.dt.month - first.month)
    return df


def _adjust_source_columns(a: str, month: str) -> list[str]:
    if a == "season":
        return ["calendar_month"]
    if a == "trend":
        return ["month_index"]
    return [a]


def _adjust_columns(df, adjust, fixed_effects, month):
    out: dict[str, tuple[pd.Series, str]] = {}
    notes: list[str] = []
    for a in adjust:
        if a in NUMERIC_ADJUSTMENTS:
            out[a] = (df[a].astype(float), a)
        elif a in CATEGORICAL_ADJUSTMENTS:
            if fixed_effects:
                notes.append(
                    f"{a.replace('_', ' ').capitalize()} does not change within a ward, so the ward fixed effects "
                    "already allow for it; it was not added separately."
                )
                continue
            d = pd.get_dummies(df[a].astype(str), prefix=a, prefix_sep="=", drop_first=True, dtype=float)
            for c in d.columns:
                out[c] = (d[c], a)
        elif a == "season":
            angle = 2 * np.pi * df["calendar_month"].astype(float) / 12
            out["season_sin"] = (np.sin(angle), "season")
            out["season_cos"] = (np.cos(angle), "season")
        elif a == "trend":
            out["trend_per_year"] = (df["month_index"].astype(float) / 12, "trend")
    return out, notes


def collinear_columns(X: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Columns that add nothing (in order), each with the earlier columns that already carry it.

    Column j adds nothing when its residual against the kept earlier columns (all scaled to length one) is
    shorter than 1e-8; its partners are the kept columns with a least-squares weight above 1e-8. Solving a
    least-squares problem for every column costs about the cube of the columns (minutes with 1,000 ward
    indicators), so the residual lengths are first read off an incremental Cholesky factor of the columns'
    cross-product matrix (built sparse: ward indicators are mostly zeros). Only a column whose residual there
    is short (below 1e-3) is settled by the least-squares solve itself, exactly as before; once such a column
    turns out to be kept, the factor is ill-conditioned and every later column is settled by the solve too.
    """
    Z = X.to_numpy(float)
    norms = np.sqrt((Z**2).sum(axis=0))
    norms[norms == 0] = 1.0
    Z = Z / norms
    n_cols = Z.shape[1]
    gram = _cross_products(Z)
    chol = np.zeros((n_cols, n_cols))
    kept: list[int] = []
    problems = []
    exact_only = False
    for j in range(n_cols):
        if not kept:
            if np.abs(Z[:, j]).max() > 0:
                kept.append(j)
                chol[0, 0] = np.sqrt(gram[j, j])
            else:
                problems.append((X.columns[j], []))
            continue
        k = len(kept)
        if not exact_only:
            v = solve_triangular(chol[:k, :k], gram[kept, j], lower=True, check_finite=False)
            short = gram[j, j] - v @ v
            if short > _SCREEN**2:  # clearly adds something: the exact solve would keep it too
                chol[k, :k] = v
                chol[k, k] = np.sqrt(short)
                kept.append(j)
                continue
        A = Z[:, kept]
        coef, *_ = np.linalg.lstsq(A, Z[:, j], rcond=None)
        resid = Z[:, j] - A @ coef
        if np.linalg.norm(resid) < 1e-8:
            partners = [X.columns[kept[i]] for i in np.flatnonzero(np.abs(coef) > 1e-8)]
            problems.append((X.columns[j], partners))
        else:
            kept.append(j)
            exact_only = True
    return problems


_SCREEN = 1e-3  # residual length above which the Cholesky screen keeps a column without a least-squares solve


def _cross_products(Z: np.ndarray) -> np.ndarray:
    """Z'Z, through a sparse product when most entries are zero (ward indicators), else dense."""
    nonzero = np.count_nonzero(Z)
    if Z.size and nonzero < 0.25 * Z.size:
        S = sparse.csc_matrix(Z)
        return (S.T @ S).toarray()
    return Z.T @ Z


def _drop_collinear(X: pd.DataFrame, terms: dict[str, str], source: dict[str, str]):
    notes = []
    for col, partners in collinear_columns(X):
        names = sorted({source.get(p, p) for p in partners} - {"intercept"})
        what = source.get(col, col)
        if col in terms:
            with_ = (" and ".join(names)) if names else "a constant"
            raise DataProblem(
                f"The co-production input '{col}' carries the same information as {with_} in these data "
                "(they are perfectly collinear), so the model cannot separate them. Remove the overlapping "
                "input or use more varied data."
            )
        X = X.drop(columns=col)
        if names:
            notes.append(
                f"'{what}' ({col}) carries the same information as {', '.join(repr(n) for n in names)} in these "
                "data (perfectly collinear), so it was left out of the model."
            )
        else:
            notes.append(f"'{what}' ({col}) does not vary in these data, so it was left out of the model.")
    return X, notes


def _formula(outcome, exposure, terms, adjust_cols, source, X, fixed_effects, ward) -> str:
    rhs = list(terms)
    seen = set()
    for name in adjust_cols:
        if name not in X.columns:
            continue
        src = source[name]
        if src in CATEGORICAL_ADJUSTMENTS:
            if src not in seen:
                rhs.append(f"C({src})")
        elif name not in rhs:
            rhs.append(name)
        seen.add(src)
    if fixed_effects:
        rhs.append(f"C({ward})")
    return f"{outcome} ~ " + " + ".join(rhs) + f" + offset(log({exposure}))"

"""Survey instruments: items with subscales, who answers them, their scale, reverse keys and scoring rule.

A hospital may use several instruments. Three are built in:

- ``coproduction``: the product's co-production working instrument (analysis/data/reference.py), scored
  exactly as before by `analysis.panel.scoring` (0 to 100 per core aspect). Its items' subscales are the
  four core aspects.
- ``essences``: the structure and scoring of the Essen Climate Evaluation Schema (Schalast, Redies,
  Collins, Stacey and Howells 2008, Criminal Behaviour and Mental Health 18, 49-58; manual: Schalast and
  Tonkin 2016, Hogrefe): 17 items, three subscales of five (therapeutic hold, patients' cohesion and mutual
  support, experienced safety) and two filler items that are not scored, answered 0 to 4, each subscale the
  sum of its five items (0 to 20). No item wording is shipped (the questionnaire is published under
  copyright). Items are named by subscale and position within it (``ess_th1`` .. ``ess_es5``,
  ``ess_filler1``, ``ess_filler2``); a hospital enters each answer under the name its licensed form's key
  gives the item. The reverse keys below could NOT be confirmed from a public source for this release
  (the published key is in the manual): the built-in marks the experienced-safety items worded as threat
  (``ess_es1`` to ``ess_es4``) as reversed, so that a higher safety score always means safer. A hospital
  holding the manual should check the key and, where it differs, give its own rows for ``essences`` in
  the instrument table (they replace the built-in definition). Searched for this release (December 2026):
  the 2008 paper's abstract, the Australian prison validation (Day, Casey, Vess and Huisy 2011), the UK
  high-secure validation (Tonkin et al., doi 10.1002/cbm.745) and public repositories for scoring code.
  The abstracts name the safety dimension "Safety (versus threat of aggression and violence)", which fits
  threat-worded items turned round, but none gives the item numbers; no public scoring code was found.
  Searched again (2026-12-05: abstracts of the Tomlin and Tonkin 2022 Mokken analysis, a 2017 general-psychiatry
  validation and Barker et al. 2021; the manual's sample pages): two independent analyses found one therapeutic
  hold item (item 16 in the 2017 paper) lowering that subscale's consistency, the usual sign of a negatively
  worded item, so the therapeutic hold subscale may hold a reverse-keyed item the built-in does not turn round,
  and clinicians have reported items with double negatives. Neither is confirmed; the manual decides.
- ``staff_boundaries``: a short staff instrument written for this product on professional boundaries when
  social distance is reduced: working, not validated.

The instrument table (contract ``instrument``) describes a hospital's own instruments, one row per item;
rows with a blank ``instrument`` are the co-production instrument as before (``aspect`` is their subscale).
Returns for any instrument other than co-production are the long ``survey_returns`` table (one row per
answer); `wide_returns` turns them into one row per return and `score` scores them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.contract import ASPECTS
from analysis.data.instrument_checks import COPRODUCTION, instrument_names
from analysis.data.instrument_items import SETTINGS, boundaries_items, essences_items
from analysis.data.reference import INSTRUMENT_STATUS, default_instrument

ESSENCES = "essences"
BOUNDARIES = "staff_boundaries"
SCORING_RULES = ("mean", "sum")
RESPONDENT_GROUPS = {"patient": ("patient",), "staff": ("staff",), "both": ("patient", "staff")}
NOT_VALIDATED = "working, not validated"

SUBSCALE_LABELS: dict[str, str] = {
    **ASPECTS,
    "therapeutic_hold": "Therapeutic hold",
    "patients_cohesion": "Patients' cohesion and mutual support",
    "experienced_safety": "Experienced safety",
    "professional_boundaries": "Confidence with professional boundaries",
    "total": "Total",
}


@dataclass(frozen=True)
class Instrument:
    """One instrument: its items (item, subscale, reverse, scale_min, scale_max, scored, wording) and rules."""

    name: str
    title: str
    status: str
    respondents: tuple[str, ...]
    scoring: str  # "mean" or "sum" of a subscale's items (sum pro-rated over answered items)
    min_share_answered: float  # a subscale is scored when at least this share of its items is answered
    higher_is_better: bool  # direction of every subscale after reverse keys are applied
    items: pd.DataFrame
    source: str = ""

    @property
    def subscales(self) -> list[str]:
        s = self.items[self.items["scored"]]
        return list(pd.unique(s["subscale"].astype(str)))

    def items_of(self, subscale: str) -> list[str]:
        s = self.items[self.items["scored"] & (self.items["subscale"].astype(str) == subscale)]
        return s["item"].astype(str).tolist()

    @property
    def scored_items(self) -> list[str]:
        return self.items.loc[self.items["scored"], "item"].astype(str).tolist()

    def score_range(self, subscale: str) -> tuple[float, float]:
        """The lowest and highest score of a subscale under the scoring rule."""
        rows = self.items[self.items["item"].isin(self.items_of(subscale))]
        lo, hi = rows["scale_min"].astype(float), rows["scale_max"].astype(float)
        if self.scoring == "sum":
            return float(lo.sum()), float(hi.sum())
        return float(lo.min()), float(hi.max())

    def rule_words(self) -> str:
        """The scoring rule in words."""
        share = {0.0: "at least one", 0.5: "at least half", 1.0: "all"}.get(
            self.min_share_answered, f"at least {self.min_share_answered:.0%}"
        )
        how = (
            "the sum of its items; when some are unanswered, the mean of the answered items times the number "
            "of items (pro-rated)"
            if self.scoring == "sum"
            else "the mean of its answered items"
        )
        return (
            f"Reverse-keyed items are turned round on their scale first. A subscale's score is {how}, given "
            f"only when the return answers {share} of the subscale's items; otherwise it is missing."
        )


def coproduction_instrument(table: pd.DataFrame | None = None) -> Instrument:
    """The co-production instrument: the hospital's own rows with a blank instrument name, or the default."""
    inst = coproduction_rows(table) if table is not None else default_instrument()
    if not len(inst):
        inst = default_instrument()
    items = pd.DataFrame(
        {
            "item": inst["item"].astype(str).to_numpy(),
            "subscale": inst["aspect"].astype(str).to_numpy(),
            "reverse": inst["reverse"].fillna(False).astype(bool).to_numpy(),
            "scale_min": inst["scale_min"].astype(float).to_numpy(),
            "scale_max": inst["scale_max"].astype(float).to_numpy(),
            "scored": True,
            "wording": inst["wording"].astype(str).to_numpy() if "wording" in inst else "",
        }
    )
    return Instrument(
        COPRODUCTION,
        "Co-production working instrument",
        INSTRUMENT_STATUS,
        ("patient", "staff"),
        "mean",
        0.5,
        True,
        items,
        "Written for this product from the four core aspects of co-production (Reilly, Stewart and MacIntyre).",
    )


def essences() -> Instrument:
    """EssenCES structure and scoring (no wording); see the module docstring for the reverse-key caveat."""
    who, scoring, share = SETTINGS[ESSENCES]
    return Instrument(
        ESSENCES,
        "Essen Climate Evaluation Schema (EssenCES), structure and scoring only",
        "Published and validated in forensic wards (Schalast et al. 2008). The product ships its structure and "
        "scoring only, not its wording; the reverse keys could not be confirmed against the manual here: check "
        "them against your licensed form's key, the therapeutic hold items first.",
        who,
        scoring,
        share,
        True,
        essences_items(),
        "Schalast N, Redies M, Collins M, Stacey J, Howells K (2008) Criminal Behaviour and Mental Health "
        "18:49-58; Schalast N, Tonkin M (eds) (2016) The Essen Climate Evaluation Schema: a manual and more.",
    )


def staff_boundaries() -> Instrument:
    """The product's own staff instrument on professional boundaries (working, not validated)."""
    who, scoring, share = SETTINGS[BOUNDARIES]
    return Instrument(
        BOUNDARIES,
        "Staff professional boundaries (working instrument)",
        "Working instrument, not validated: seven items written for this product on holding professional "
        "boundaries while relationships with patients are closer. Its reliability is reported from your own "
        "returns; do not treat its scores as a validated scale.",
        who,
        scoring,
        share,
        True,
        boundaries_items(),
        "Written for this product (2026).",
    )


def builtin_instruments() -> dict[str, Instrument]:
    """The three built-in instruments by name."""
    return {i.name: i for i in (coproduction_instrument(), essences(), staff_boundaries())}


def coproduction_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of an instrument table that belong to the co-production instrument (blank name or its name)."""
    if "instrument" not in table.columns:
        return table
    return table[(instrument_names(table) == COPRODUCTION).to_numpy()]


def _setting(g: pd.DataFrame, column: str, default):
    if column not in g.columns:
        return default
    v = g[column].dropna()
    v = v[v.astype(str).str.strip() != ""]
    return v.iloc[0] if len(v) else default


def problems(table: pd.DataFrame) -> list[str]:
    """Every problem with a hospital's instrument table, as sentences (empty when it can be used)."""
    out: list[str] = []
    names = instrument_names(table)
    for name, g in table.groupby(names.to_numpy(), sort=True):
        if name == COPRODUCTION:
            aspect = g["aspect"] if "aspect" in g.columns else pd.Series(np.nan, index=g.index)
            bad = g.loc[aspect.isna() | (aspect.astype(str).str.strip() == ""), "item"]
            out += [f"Item {i} of the co-production instrument has no aspect (every item needs one)." for i in bad]
            continue
        sub = g["subscale"] if "subscale" in g.columns else pd.Series(np.nan, index=g.index)
        scored = g["scored"].fillna(True).astype(bool) if "scored" in g.columns else pd.Series(True, index=g.index)
        empty = sub.isna() | (sub.astype(str).str.strip() == "")
        out += [
            f"Item {i} of instrument {name} is in no subscale: give its subscale, or mark it scored = no."
            for i in g.loc[empty & scored, "item"]
        ]
        for col in ("respondents", "scoring", "min_share_answered", "higher_is_better"):
            if col in g.columns and g[col].dropna().astype(str).nunique() > 1:
                out.append(f"Instrument {name} gives more than one {col}; give the same value on each of its rows.")
    return out


def from_table(table: pd.DataFrame) -> dict[str, Instrument]:
    """Instruments a hospital's instrument table defines, by name (raises ValueError on `problems`)."""
    issues = problems(table)
    if issues:
        raise ValueError(" ".join(issues))
    out: dict[str, Instrument] = {}
    names = instrument_names(table)
    for name, g in table.groupby(names.to_numpy(), sort=False):
        if name == COPRODUCTION:
            out[name] = coproduction_instrument(table)
            continue
        scored = g["scored"].fillna(True).astype(bool) if "scored" in g.columns else pd.Series(True, index=g.index)
        items = pd.DataFrame(
            {
                "item": g["item"].astype(str).to_numpy(),
                "subscale": g["subscale"].astype("string").fillna("").to_numpy(),
                "reverse": g["reverse"].fillna(False).astype(bool).to_numpy(),
                "scale_min": g["scale_min"].astype(float).to_numpy(),
                "scale_max": g["scale_max"].astype(float).to_numpy(),
                "scored": scored.to_numpy(),
                "wording": g["wording"].astype("string").fillna("").to_numpy() if "wording" in g else "",
            }
        )
        who = str(_setting(g, "respondents", "both"))
        out[name] = Instrument(
            name=name,
            title=name,
            status="Defined by the hospital in its instrument table.",
            respondents=RESPONDENT_GROUPS.get(who, ("patient", "staff")),
            scoring=str(_setting(g, "scoring", "mean")),
            min_share_answered=float(_setting(g, "min_share_answered", 0.5)),
            higher_is_better=bool(_setting(g, "higher_is_better", True)),
            items=items,
        )
    return out


def instruments_for(table: pd.DataFrame | None) -> dict[str, Instrument]:
    """The built-in instruments, with any the hospital's table defines replacing them (by name) or added."""
    out = builtin_instruments()
    if table is not None and len(table):
        out.update(from_table(table))
    return out


def wide_returns(survey_returns: pd.DataFrame, instrument: str) -> pd.DataFrame:
    """One row per return of one instrument from the long survey_returns table: ids then one column per item."""
    r = survey_returns[survey_returns["instrument"].astype(str) == instrument]
    ids = ["response_id", "ward_id", "date", "respondent"]
    if not len(r):
        return pd.DataFrame(columns=ids)
    wide = r.pivot_table(index="response_id", columns="item", values="answer", aggfunc="first")
    meta = r.drop_duplicates("response_id").set_index("response_id")[ids[1:]]
    out = meta.join(wide).reset_index()
    out.columns.name = None
    return out


def keyed(returns: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Each item of the instrument on its own scale with reverse items turned round (NaN when unanswered)."""
    out = {}
    for row in inst.items.itertuples(index=False):
        item = str(row.item)
        if item not in returns.columns:
            out[item] = np.full(len(returns), np.nan)
            continue
        x = pd.to_numeric(returns[item], errors="coerce").astype(float).to_numpy()
        out[item] = row.scale_min + row.scale_max - x if bool(row.reverse) else x
    return pd.DataFrame(out, index=returns.index)


def score(returns: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """One row per return: each subscale's score, the items answered per subscale, and whether any is scored.

    `returns` is wide (as `wide_returns` gives). The rule is `inst.rule_words()`; filler items (scored = no)
    never count. Returns from respondents the instrument is not for are left out.
    """
    r = returns[returns["respondent"].astype(str).isin(inst.respondents)]
    k = keyed(r, inst)
    out = pd.DataFrame(
        {
            "response_id": r["response_id"].to_numpy(),
            "ward_id": r["ward_id"].to_numpy(),
            "date": pd.to_datetime(r["date"]).to_numpy(),
            "respondent": r["respondent"].astype(str).to_numpy(),
        }
    )
    out["month"] = out["date"].dt.to_period("M").dt.to_timestamp()
    for s in inst.subscales:
        cols = inst.items_of(s)
        block = k[cols].to_numpy()
        n_ans = np.isfinite(block).sum(axis=1)
        total = np.where(np.isfinite(block), block, 0.0).sum(axis=1)
        mean = np.divide(total, n_ans, out=np.full(len(total), np.nan), where=n_ans > 0)
        value = mean * len(cols) if inst.scoring == "sum" else mean
        ok = (n_ans > 0) & (n_ans >= inst.min_share_answered * len(cols))
        out[s] = np.where(ok, value, np.nan)
        out[f"n_items_{s}"] = n_ans
    out["scored"] = out[inst.subscales].notna().any(axis=1) if inst.subscales else False
    return out


def monthly(scored: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Ward-month-respondent means of each subscale over the returns that have it, with n_returns per subscale."""
    key = ["ward_id", "month", "respondent"]
    g = scored.groupby(key, observed=True, sort=True)
    out = g[inst.subscales].mean()
    for s in inst.subscales:
        out[f"n_{s}"] = g[s].count()
    out["n_returns"] = g.size()
    return out.reset_index()


# ---------------------------------------------------------------- instrument scores as ward-month panel columns
SURVEY_TABLE = "survey_returns"


@dataclass(frozen=True)
class PanelScore:
    """A built-in instrument's subscale, as one respondent group rates it, as a ward-month panel column.

    The column is the mean, over the ward's returns dated in the month, of each return's subscale score under the
    instrument's rule (`score`); a month without a scored return is missing (nothing is carried forward).
    ``<column>_n_returns`` counts the returns behind it. `analysis.panel.measures` makes one `Measure` of each.
    """

    column: str
    instrument: str
    respondent: str
    subscale: str
    words: str  # a noun phrase for a sentence
    step: str  # one step of `per` in words, after "per"
    per: float
    at: tuple[float, ...]
    higher_is_better: bool
    about: str  # how the column is scored, in words


_ESS_RULE = (
    "Each EssenCES return's subscale is the sum of its five items (0 to 4 each; reverse-keyed items turned round; "
    "when one item is unanswered the sum is pro-rated; a return answering fewer than 4 of the 5 is left out), so it "
    "runs from 0 to 20; the ward-month's score is the mean over its returns that month. Higher is better."
)
_SB_RULE = (
    "Each return's score is the mean of the seven items it answers (1 to 5; the two reverse-keyed items turned "
    "round; a return answering fewer than half is left out); the ward-month's score is the mean over its returns "
    "that month. Higher is better. A working instrument written for this product, not validated."
)
_ESS_WORDS = {
    "therapeutic_hold": "therapeutic hold",
    "patients_cohesion": "patients' cohesion and mutual support",
    "experienced_safety": "experienced safety",
}
_RATED = {"patient": "patient-rated", "staff": "staff-rated"}
PANEL_SCORES: tuple[PanelScore, ...] = (
    *(
        PanelScore(
            f"essences_{who}_{sub}",
            ESSENCES,
            who,
            sub,
            f"{_RATED[who]} {words} (EssenCES, 0 to 20)",
            "2 points more of 20",
            2.0,
            (8.0, 12.0, 16.0),
            True,
            _ESS_RULE,
        )
        for who in ("patient", "staff")
        for sub, words in _ESS_WORDS.items()
    ),
    PanelScore(
        "boundaries_staff_confidence",
        BOUNDARIES,
        "staff",
        "professional_boundaries",
        "staff confidence with professional boundaries (working instrument, 1 to 5)",
        "1 point more of 5",
        1.0,
        (3.0, 3.5, 4.0),
        True,
        _SB_RULE,
    ),
)


def ward_month_instrument_scores(
    survey_returns: pd.DataFrame | None, instrument_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per ward-month with a scored return: ``ward_id`` (text), ``month``, then each `PANEL_SCORES` column
    the returns give and its ``<column>_n_returns`` (returns scored on that subscale).

    Each instrument is scored by its own rule (`score`: reverse keys, pro-rating, the answered-items threshold),
    with a hospital's own definition in its instrument table replacing the built-in one (`instruments_for`).

    Examples
    --------
    >>> r = pd.DataFrame(
    ...     {
    ...         "response_id": ["R1"] * 7 + ["R2"] * 7,
    ...         "ward_id": "W01",
    ...         "date": "2024-05-03",
    ...         "respondent": "staff",
    ...         "instrument": "staff_boundaries",
    ...         "item": [f"sb{k}" for k in range(1, 8)] * 2,
    ...         "answer": [4, 4, 2, 4, 4, 2, 4] + [5, 5, 1, 5, 5, 1, 5],
    ...     }
    ... )
    >>> ward_month_instrument_scores(r).iloc[0, 2:].astype(float).tolist()  # R1: 4 after sb3, sb6 turned; R2: 5
    [4.5, 2.0]
    """
    cols = ["ward_id", "month"]
    if survey_returns is None or not len(survey_returns) or "instrument" not in survey_returns.columns:
        return pd.DataFrame(columns=cols)
    found = instruments_for(instrument_table)
    given = set(pd.unique(survey_returns["instrument"].astype(str)))
    parts = []
    for name in dict.fromkeys(p.instrument for p in PANEL_SCORES):
        if name not in given or name not in found:
            continue
        inst = found[name]
        m = monthly(score(wide_returns(survey_returns, name), inst), inst)
        m["ward_id"] = m["ward_id"].astype(str)
        for p in PANEL_SCORES:
            if p.instrument != name or p.subscale not in inst.subscales or p.respondent not in inst.respondents:
                continue
            one = m[m["respondent"] == p.respondent].set_index(cols)
            one = one[one[f"n_{p.subscale}"] > 0]
            if len(one):
                parts.append(
                    pd.DataFrame(
                        {p.column: one[p.subscale], f"{p.column}_n_returns": one[f"n_{p.subscale}"].astype(float)}
                    )
                )
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, axis=1).sort_index().reset_index()


def add_instrument_columns(
    panel: pd.DataFrame, survey_returns: pd.DataFrame | None, instrument_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The panel with each `PANEL_SCORES` column the returns give (months without a scored return missing) and its
    ``_n_returns``; unchanged when there are no returns of a built-in instrument."""
    add = ward_month_instrument_scores(survey_returns, instrument_table)
    new = [c for c in add.columns if c not in ("ward_id", "month")]
    if not new:
        return panel
    keys = pd.MultiIndex.from_frame(panel[["ward_id", "month"]].astype({"ward_id": "str"}))
    aligned = add.set_index(["ward_id", "month"]).reindex(keys)
    block = pd.DataFrame({c: aligned[c].to_numpy(dtype=float) for c in new}, index=panel.index)
    return pd.concat([panel.drop(columns=[c for c in new if c in panel.columns]), block], axis=1)

"""A hospital's own instruments as ward-month measures: one panel column, and one model measure, per subscale and
respondent group of each instrument the hospital's instrument table defines (beyond the built-in co-production,
EssenCES and staff boundaries instruments, whose scores are `analysis.panel.instruments.PANEL_SCORES`).

The column is ``inst_<instrument>_<patient|staff>_<subscale>`` (lower case, anything but letters and digits made
``_``): the mean, over the ward's returns dated in the month, of each return's subscale score under the
instrument's own rule (`analysis.panel.instruments.score`: reverse keys, mean or pro-rated sum, the answered-items
threshold); a month without a scored return is missing, and ``<column>_n_returns`` counts the returns behind it.

Its `Measure` (`measures_for`) takes everything from the instrument table, nothing from code: the words name the
respondents, the subscale, the instrument and its range ("staff-rated ward climate (calm_ward, 1 to 7)"); the range
is the subscale's lowest and highest score under its rule (`Instrument.score_range`); the direction is the table's
``higher_is_better``. The step estimates are per is about a tenth of the range, rounded to 1, 2 or 5 times a power
of ten (10 points on 0 to 100, 0.5 on 1 to 5). A score on 0 to 100 is taken by question 3 and the dose model as a
predictor like a co-production score; any other range only by question 2 (question 3 reads every step as 10
points of 0 to 100), and, as every instrument score, as an outcome of the dose and talking-groups models.

`analysis.questions.specs.fit_panel` fits a spec with these measures in `analysis.panel.measures.MEASURES`
(`measures.using`), so sentences, steps and checks read them like any built-in measure.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from analysis.data.instrument_checks import COPRODUCTION
from analysis.panel.instruments import (
    BOUNDARIES,
    ESSENCES,
    SUBSCALE_LABELS,
    SURVEY_TABLE,
    Instrument,
    instruments_for,
    monthly,
    score,
    wide_returns,
)
from analysis.panel.measures import Measure
from analysis.text import fmt_number, plural_word

PREFIX = "inst_"  # every own-instrument column starts so: a spec may name one before the data are read
BUILT_IN = (COPRODUCTION, ESSENCES, BOUNDARIES)
TABLE_WORDS = "your hospital's own survey instrument"  # then its name: each instrument is its own source
_RATED = {"patient": "patient-rated", "staff": "staff-rated"}


def table_words(instrument: str) -> str:
    """Where an own instrument's scores come from, in words: "your hospital's own survey instrument calm_ward"."""
    return f"{TABLE_WORDS} {instrument}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"


def is_own(column_name: str) -> bool:
    """Whether a panel column is a score of one of the hospital's own instruments (``inst_...``)."""
    return str(column_name).startswith(PREFIX)


def column(instrument: str, respondent: str, subscale: str) -> str:
    """The panel column of one subscale as one respondent group rates it: ``inst_calm_ward_staff_climate``."""
    return f"{PREFIX}{_slug(instrument)}_{respondent}_{_slug(subscale)}"


def own_instruments(instrument_table: pd.DataFrame | None) -> dict[str, Instrument]:
    """The instruments the hospital's table defines beyond the built-in ones, by name (none without a table)."""
    if instrument_table is None or not len(instrument_table):
        return {}
    return {n: i for n, i in instruments_for(instrument_table).items() if n not in BUILT_IN}


def nice_step(span: float) -> float:
    """About a tenth of `span`, rounded to 1, 2 or 5 times a power of ten: 100 -> 10, 20 -> 2, 4 -> 0.5, 6 -> 1."""
    if not span > 0:
        return 1.0
    tenth = span / 10
    power = 10 ** math.floor(math.log10(tenth))
    for m in (1, 2, 5, 10):
        if m * power >= tenth * (1 - 1e-9):
            return float(m * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _measure(inst: Instrument, respondent: str, subscale: str) -> Measure:
    lo, hi = inst.score_range(subscale)
    per = nice_step(hi - lo)
    label = SUBSCALE_LABELS.get(subscale, subscale.replace("_", " "))
    label = label if label[:2].isupper() else label[0].lower() + label[1:]
    rng = f"{fmt_number(lo, 2)} to {fmt_number(hi, 2)}"
    better = "Higher" if inst.higher_is_better else "Lower"
    hundred = (lo, hi) == (0.0, 100.0)
    return Measure(
        column(inst.name, respondent, subscale),
        f"{_RATED[respondent]} {label} ({inst.name}, {rng})",
        SURVEY_TABLE,
        table_words(inst.name),
        f"{fmt_number(per, 2)} {plural_word(per, 'point')} more of {fmt_number(hi, 2)}",
        per=per,
        at=tuple(lo + (hi - lo) * q for q in (0.25, 0.5, 0.75)),
        roles=("predictor", "outcome"),
        questions=("q2", "q3", "dose") if hundred else ("q2",),
        higher_is_better=inst.higher_is_better,
        about=(
            f"Your hospital's own instrument {inst.name}, as its instrument table defines it (the product has not "
            f"checked its validity). {inst.rule_words()} Scores run from {rng}; the ward-month's score is the mean "
            f"over its returns that month. {better} is better."
        ),
    )


def measures_for(instrument_table: pd.DataFrame | None) -> dict[str, Measure]:
    """One `Measure` per subscale and respondent group of each of the hospital's own instruments, by column."""
    out: dict[str, Measure] = {}
    for inst in own_instruments(instrument_table).values():
        for who in inst.respondents:
            for sub in inst.subscales:
                m = _measure(inst, who, sub)
                out[m.column] = m
    return out


def ward_month_own_scores(survey_returns: pd.DataFrame | None, instrument_table: pd.DataFrame | None) -> pd.DataFrame:
    """One row per ward-month with a scored return of an own instrument: ``ward_id`` (text), ``month``, then each
    own column the returns give and its ``<column>_n_returns``."""
    cols = ["ward_id", "month"]
    own = own_instruments(instrument_table)
    if not own or survey_returns is None or not len(survey_returns) or "instrument" not in survey_returns.columns:
        return pd.DataFrame(columns=cols)
    given = set(pd.unique(survey_returns["instrument"].astype(str)))
    parts = []
    for name, inst in own.items():
        if name not in given:
            continue
        m = monthly(score(wide_returns(survey_returns, name), inst), inst)
        m["ward_id"] = m["ward_id"].astype(str)
        for who in inst.respondents:
            for sub in inst.subscales:
                one = m[m["respondent"] == who].set_index(cols)
                one = one[one[f"n_{sub}"] > 0]
                if len(one):
                    c = column(name, who, sub)
                    parts.append(pd.DataFrame({c: one[sub], f"{c}_n_returns": one[f"n_{sub}"].astype(float)}))
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, axis=1).sort_index().reset_index()


def add_own_instrument_columns(
    panel: pd.DataFrame, survey_returns: pd.DataFrame | None, instrument_table: pd.DataFrame | None
) -> pd.DataFrame:
    """The panel with each own-instrument column the returns give (months without a scored return missing) and
    its ``_n_returns``; unchanged when the hospital defines no instrument of its own or has no returns of one."""
    add = ward_month_own_scores(survey_returns, instrument_table)
    new = [c for c in add.columns if c not in ("ward_id", "month")]
    if not new:
        return panel
    keys = pd.MultiIndex.from_frame(panel[["ward_id", "month"]].astype({"ward_id": "str"}))
    aligned = add.set_index(["ward_id", "month"]).reindex(keys)
    block = pd.DataFrame({c: aligned[c].to_numpy(dtype=float) for c in new}, index=panel.index)
    return pd.concat([panel.drop(columns=[c for c in new if c in panel.columns]), block], axis=1)

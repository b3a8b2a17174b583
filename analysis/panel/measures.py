"""Ward-month measures a model may take besides the co-production scores: one entry each in `MEASURES`.

An entry names the panel column, how it reads in a sentence, the contract table it comes from, the step its
estimates are given per, whether it may be a predictor and/or an outcome, and which questions' models take it.
The Model builder offers an entry only when its column has data; the ``fit`` command refuses a spec naming one
whose table is not loaded, saying which table to load (`analysis.questions.specs.check_data`); the count models'
sentences use its words and step (`analysis.stats.counts.describe`).

To add a measure (an instrument's score, say): make the panel column (missing where there is no data) and add one
`Measure` below. A score from 0 to 100 keeps the defaults (per 10 points, expected rates at 30, 50 and 70).
A hospital's own instruments are not listed here: their measures come from its instrument table
(`analysis.panel.own_instruments.measures_for`) and join `MEASURES` only inside `using` (one model's choosing and
fitting), so two hospitals' data never mix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from analysis.panel.instruments import PANEL_SCORES, SURVEY_TABLE

PER_SCORE = 10.0  # the co-production scores' step (points on a 0 to 100 scale)


@dataclass(frozen=True)
class Measure:
    """One ward-month panel column a model may take."""

    column: str  # the panel column
    words: str  # a noun phrase for a sentence ("a ward's ... was higher"): "patient attendances at talking groups"
    table: str  # the contract table it comes from
    table_words: str  # that table for a ward manager: "a talking-group session log"
    step: str  # one step of `per` in words, after "per": "10 more attendances"
    per: float = PER_SCORE  # estimates are per this many units of the column
    at: tuple[float, ...] = (30.0, 50.0, 70.0)  # values at which a count model gives expected rates
    roles: tuple[str, ...] = ("predictor",)  # "predictor" and/or "outcome"
    questions: tuple[str, ...] = ("q2", "q3", "dose")  # the models that take it (q3: 10 points on 0 to 100)
    higher_is_better: bool | None = None  # the direction of a score (None: neither, as for a count of meetings)
    about: str = ""  # how the column is made, in words, for a caption


class _Catalogue(MutableMapping):
    """The built-in measures, and inside `using` the data's own (a hospital's own instruments' scores, made from its
    instrument table by `analysis.panel.own_instruments.measures_for`); reads like a dict everywhere (setting an
    entry sets a built-in one, as tests do)."""

    def __init__(self, built_in: dict[str, Measure]) -> None:
        self._built_in = built_in

    def _all(self) -> dict[str, Measure]:
        extra = _DATA_MEASURES.get()
        return {**self._built_in, **extra} if extra else self._built_in

    def __getitem__(self, column: str) -> Measure:
        return self._all()[column]

    def __setitem__(self, column: str, measure: Measure) -> None:
        self._built_in[column] = measure

    def __delitem__(self, column: str) -> None:
        del self._built_in[column]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


_DATA_MEASURES: ContextVar[Mapping[str, Measure] | None] = ContextVar("data_measures", default=None)


@contextmanager
def using(extra: Mapping[str, Measure]) -> Iterator[None]:
    """`MEASURES` holds `extra` too while the block runs (this thread and task only), built-in entries first."""
    token = _DATA_MEASURES.set(dict(extra))
    try:
        yield
    finally:
        _DATA_MEASURES.reset(token)


_LOG = ("talking_group_sessions", "a talking-group session log")
_BUILT_IN: dict[str, Measure] = {
    m.column: m
    for m in (
        Measure(
            "tg_patient_attendances",
            "patient attendances at talking groups",
            *_LOG,
            "10 more attendances",
            at=(20.0, 30.0, 40.0),
            questions=("q2", "dose"),  # question 3's sentences read its step as points
        ),
        Measure(
            "tg_staff_per_meeting",
            "staff attendance per talking group",
            *_LOG,
            "1 more member of staff per meeting",
            per=1.0,
            at=(4.0, 6.0, 8.0),
            questions=("q2", "dose"),
        ),
        Measure(
            "tg_share_resolved",
            "share of talking-group items resolved by the next meeting",
            *_LOG,
            "10 points more of the items resolved",
        ),
        Measure(
            "tg_items_per_meeting",
            "items raised per talking group",
            *_LOG,
            "1 more item per meeting",
            per=1.0,
            at=(4.0, 6.0, 8.0),
            questions=("q2", "dose"),
        ),
        Measure(
            "tg_meetings",
            "talking groups held in the month",
            *_LOG,
            "1 more meeting",
            per=1.0,
            at=(1.0, 2.0, 4.0),
            questions=("q2", "dose"),
        ),
        # Instrument scores (analysis.panel.instruments.PANEL_SCORES): outcomes of the dose and talking-groups
        # models, predictors of the count model (question 3 reads every step as 10 points of 0 to 100, so not there).
        *(
            Measure(
                p.column,
                p.words,
                SURVEY_TABLE,
                "a survey of EssenCES or the staff boundaries instrument",
                p.step,
                per=p.per,
                at=p.at,
                roles=("predictor", "outcome"),
                questions=("q2",),
                higher_is_better=p.higher_is_better,
                about=p.about,
            )
            for p in PANEL_SCORES
        ),
    )
}
MEASURES: MutableMapping[str, Measure] = _Catalogue(_BUILT_IN)


def step_words(column: str, per: float) -> str:
    """What an estimate is per: 'per 10 points' for a score, 'per 10 more attendances' for a measure."""
    m = MEASURES.get(column)
    return f"per {m.step}" if m is not None and per == m.per else f"per {per:g} points"

"""A hospital's own survey instruments on a page: the context in which their scores are offered (the Model builder
and the Talking groups page read them the same way, `analysis.questions.specs.data_measures`)."""

from __future__ import annotations

from contextlib import AbstractContextManager

from analysis.questions import specs
from ui.safe import guarded


def own_measures(view) -> AbstractContextManager | None:
    """The context in which `analysis.panel.measures.MEASURES` also holds the scores of the hospital's own
    instruments, with the words, range and direction its instrument table gives; None, with a plain error on the
    page, when that table cannot be read."""
    with guarded("reading your hospital's own instruments", "Check the instrument table on the Data page."):
        return specs.data_measures(view.data.tables)
    return None

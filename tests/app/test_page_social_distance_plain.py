"""The Reduced social distance page reads like the other question pages: the answer, then how sure; the
p-value and the between-ward comparison only for researchers; the words it uses explained."""

from __future__ import annotations

import re

from tests.app.helpers import start

PAGE = "social_distance"
KINDS = ("markdown", "caption", "info", "header", "subheader")


def _researchers(at):
    return next(e for e in at.expander if e.label.startswith("For researchers"))


def test_how_sure_follows_the_answer_and_the_question_is_not_restated():
    at = start(page=PAGE)
    assert not at.exception
    answer, sure = at.markdown[0].value, at.markdown[1].value
    assert "?" not in answer  # the answer alone, not the question again beside it
    assert re.fullmatch(r"How sure: \*\*(not enough data|low|moderate|high)\*\* \(.+\)", sure)
    assert "ward" in sure and "quarterly measurements" in sure and "observational data" in sure
    assert sure.count(" wards") == 1  # the size said once


def test_p_values_and_between_ward_comparison_only_for_researchers():
    at = start(page=PAGE)
    inside = _researchers(at)
    inner = " ".join(str(x.value) for kind in KINDS for x in getattr(inside, kind))
    assert "p =" in inner and "Comparing wards with each other" in inner
    inner_ids = {id(x) for kind in KINDS for x in getattr(inside, kind)}
    outside = " ".join(str(x.value) for kind in KINDS for x in getattr(at.main, kind) if id(x) not in inner_ids)
    assert "p =" not in outside and "Comparing wards with each other" not in outside
    assert "95% interval" not in outside and "could be anywhere from" in outside  # the shared range wording


def test_words_used_on_the_page_are_explained():
    at = start(page=PAGE)
    inner = " ".join(x.value for x in _researchers(at).markdown)
    assert "Words used on this page" in inner
    for term in ("Ward-quarter", "EssenCES", "Observational data"):
        assert f"**{term}:**" in inner, term

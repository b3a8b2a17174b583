"""Checks shared by the question pages' AppTests: the verdict comes first, the method words stay in the
"For researchers" expanders (issue 13, answers first)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

KINDS = ("markdown", "caption", "info", "warning", "success")
METHOD_WORDS = ("degrees of freedom", "rate ratio")


def first_markdown(at: AppTest) -> str:
    """The first markdown of the page's main area (the title and the data caption are not markdown)."""
    return at.main.markdown[0].value


def expander_text(at: AppTest, starts: str = "For researchers") -> str:
    """Every piece of text inside the expanders whose label starts with `starts`."""
    parts = []
    for e in at.main.expander:
        if str(e.label).startswith(starts):
            for kind in KINDS:
                parts += [str(x.value) for x in getattr(e, kind)]
    return "\n".join(parts)


def body_text(at: AppTest) -> str:
    """The main area's text outside every expander (what a reader sees without opening anything)."""
    inside = {str(x.value) for e in at.main.expander for kind in KINDS for x in getattr(e, kind)}
    parts = [str(x.value) for kind in KINDS for x in getattr(at.main, kind) if str(x.value) not in inside]
    return "\n".join(parts)


def assert_method_words_kept_for_researchers(at: AppTest, alt_texts: tuple[str, ...] = ()) -> None:
    """No method word outside the researchers' expanders; `alt_texts`: the openings of chart alt texts (screen
    reader descriptions of a forest plot whose axis is the rate ratio) that may name the axis."""
    lines = [line for line in body_text(at).split("\n") if not line.startswith(alt_texts)]
    body = "\n".join(lines).lower()
    for word in METHOD_WORDS:
        assert word not in body, word

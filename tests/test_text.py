"""Words and numbers for people (analysis/text.py)."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import text


@pytest.mark.parametrize(
    "when,expected",
    [
        ("2025-03-31", "2024/25"),
        ("2025-04-01", "2025/26"),
        ("2025-03-01", "2024/25"),
        ("2000-01-15", "1999/00"),
        ("2099-12-01", "2099/00"),
        ("2024-12-31", "2024/25"),
    ],
)
def test_financial_year_starts_in_april(when, expected):
    assert text.financial_year(pd.Timestamp(when)) == expected


def test_uk_month_and_date():
    assert text.uk_month(pd.Timestamp("2024-04-01")) == "Apr 2024"
    assert text.uk_month("2024-09-15") == "Sep 2024"
    assert text.uk_month(np.datetime64("2025-01-01")) == "Jan 2025"
    assert text.uk_month(pd.NaT) == "" and text.uk_month(None) == ""
    assert text.uk_date(pd.Timestamp("2022-10-01")) == "1 Oct 2022"
    assert text.month_range("2021-04-01", "2026-03-01") == "Apr 2021 to Mar 2026"


def test_rate_label_and_numbers():
    assert text.rate_label() == "per 1,000 occupied bed days"
    assert text.rate_label(100, "patients") == "per 100 patients"
    assert text.fmt_number(1000) == "1,000" and text.fmt_number(4.26) == "4.3"
    assert text.fmt_number(2.0) == "2" and text.fmt_number(3.14159, 2) == "3.14" and text.fmt_number(None) == "no value"


def test_fmt_number_keeps_whole_digits_when_no_decimals_asked():
    from analysis.text import fmt_number

    assert fmt_number(49.5, 0) in ("50", "49")  # rounding to a whole number, never "5"
    assert fmt_number(1200.0, 0) == "1,200"
    assert fmt_number(4.25, 1) in ("4.2", "4.3")


def test_plural_counts_read_as_english():
    from analysis.text import plural

    assert [plural(1, "ward"), plural(12, "ward"), plural(1000, "ward"), plural(0, "ward")] == [
        "1 ward",
        "12 wards",
        "1,000 wards",
        "0 wards",
    ]


NAN = float("nan")


@pytest.mark.parametrize(
    "n,word,words,expected",
    [
        (1, "ward", None, "ward"),
        (2, "ward", None, "wards"),
        (0, "ward", None, "wards"),
        (-1, "ward", None, "wards"),
        (1.0, "month", None, "month"),
        (np.int64(1), "month", None, "month"),
        (1, "has", "have", "has"),
        (3, "has", "have", "have"),
        (2, "it", "them", "them"),
        (1, "month is", "months are", "month is"),
    ],
)
def test_plural_word(n, word, words, expected):
    assert text.plural_word(n, word, words) == expected


@pytest.mark.parametrize(
    "n,word,words,expected",
    [
        (1, "ward", None, "1 ward"),
        (2, "ward", None, "2 wards"),
        (0, "ward-month", None, "0 ward-months"),
        (np.int64(1), "month", None, "1 month"),
        (1234, "error", None, "1,234 errors"),
        (1, "stored ward", "stored wards", "1 stored ward"),
        (2, "instrument item", "instrument items", "2 instrument items"),
        (3, "listed bad row", None, "3 listed bad rows"),
    ],
)
def test_plural_golden(n, word, words, expected):
    assert text.plural(n, word, words) == expected


@pytest.mark.parametrize(
    "items,most,rest,expected",
    [
        ([], None, "more", ""),
        (["W01"], None, "more", "W01"),
        (["W01", "W02"], None, "more", "W01 and W02"),
        (["W01", "W02", "W03"], None, "more", "W01, W02 and W03"),
        (("a", "b", "c"), 3, "more", "a, b and c"),
        (["a", "b", "c", "d"], 3, "more", "a, b, c and 1 more"),
        (list("abcdefghijkl"), 10, "other wards", "a, b, c, d, e, f, g, h, i, j and 2 other wards"),
        ([1, 2], None, "more", "1 and 2"),
    ],
)
def test_listed(items, most, rest, expected):
    assert text.listed(items, most, rest) == expected


@pytest.mark.parametrize(
    "x,expected",
    [
        (61.4, "61"),
        (61.6, "62"),
        (0.5, "0"),  # half to even, as Python's round
        (1.5, "2"),
        (2.5, "2"),
        (-0.4, "0"),  # never '-0'
        (-0.5, "0"),
        (-2.6, "-3"),
        (0, "0"),
        (100.0, "100"),
        (1234.4, "1,234"),
        (np.float64(49.5), "50"),
        (None, "no value"),
        (NAN, "no value"),
    ],
)
def test_whole(x, expected):
    assert text.whole(x) == expected


def test_whole_matches_the_rounding_it_replaced():
    """The old `_r` (str(round(float(x)) + 0)) on every tenth from -100 to 100."""
    for i in range(-1000, 1001):
        x = i / 10
        assert text.whole(x) == str(round(float(x)) + 0)


@pytest.mark.parametrize(
    "ratio,digits,signed,expected",
    [
        (0.78, 0, False, "22%"),
        (1.05, 0, False, "5%"),
        (1.0, 0, False, "0%"),
        (0.0, 0, False, "100%"),
        (12.0, 0, False, "1,100%"),  # 1,000 separators
        (1.125, 0, False, "12%"),  # 12.5 -> 12: half to even
        (1.135, 0, False, "14%"),
        (0.996, None, False, "0.4%"),  # one decimal under 1%
        (1.0096, None, False, "1.0%"),  # 0.96 keeps its decimal, as the count-model sentences always have
        (1.0, None, False, "0.0%"),
        (1.3, None, False, "30%"),
        (0.982, 1, True, "-1.8%"),
        (1.02, 1, True, "+2.0%"),
        (1.0, 1, True, "+0.0%"),
        (0.5, 0, True, "-50%"),
        (None, 0, False, "no value"),
        (NAN, 0, False, "no value"),
        (NAN, 1, True, "no value"),
    ],
)
def test_ratio_percent(ratio, digits, signed, expected):
    assert text.ratio_percent(ratio, digits, signed) == expected


@pytest.mark.parametrize(
    "ratio,kwargs,expected",
    [
        (0.78, {}, "22% fewer"),
        (1.05, {}, "5% more"),
        (1.0, {}, "no change"),
        (1.004, {}, "no change"),  # rounds to 0%
        (0.996, {}, "no change"),
        (1.006, {}, "1% more"),
        (1.004, {"digits": None}, "0.4% more"),
        (1.0004, {"digits": None}, "no change"),  # rounds to 0.0%
        (1.0006, {"digits": None}, "0.1% more"),
        (0.99, {"digits": None}, "1% fewer"),
        (11.5, {}, "1,050% more"),
        (0.0, {}, "100% fewer"),
        (0.77, {"more": "higher", "fewer": "lower"}, "23% lower"),
        (1.3, {"more": "higher", "fewer": "lower"}, "30% higher"),
        (1.0, {"same": "about the same"}, "about the same"),
        (None, {}, "no value"),
        (NAN, {}, "no value"),
    ],
)
def test_percent_change(ratio, kwargs, expected):
    assert text.percent_change(ratio, **kwargs) == expected


def test_percent_change_matches_the_formatters_it_replaced():
    """wards/change.py's `_pct`, talking_groups' `pct` and overview's `_pct_key` main figure, over a grid."""

    def old_ward(rr):
        change = (rr - 1) * 100
        if round(abs(change)) == 0:
            return "no change"
        return f"{text.fmt_number(abs(change), 0)}% {'higher' if change > 0 else 'lower'}"

    def old_key(rr):
        p = (rr - 1) * 100
        a = abs(p)
        num = f"{a:.1f}" if a < 1 else f"{a:.0f}"
        return "no change" if abs(p) < 0.05 else f"{num}% {'fewer' if p < 0 else 'more'}"

    for i in range(1, 4000):
        rr = i / 1000 + 0.0003  # off the exact halves, where float noise decides
        assert text.percent_change(rr, more="higher", fewer="lower") == old_ward(rr)
        assert text.percent_change(rr, None) == old_key(rr)


def test_fixed_and_fmt_number_edges():
    assert text.fixed(0.25) == "0.25" and text.fixed(-0.001) == "0" and text.fixed(NAN) == "n/a"
    assert text.fmt_number(0) == "0" and text.fmt_number(-1234.56) == "-1,234.6" and text.fmt_number(NAN) == "no value"
    assert text.fmt_number(0.25, 6) == "0.25" and text.fmt_number(100.0, 6) == "100"  # contract bounds as written


# A plural written by hand: `"s" if n != 1 else ""`, `"ward" if n == 1 else "wards"`, `'it' if k > 1 else 'them'`.
# They go through text.plural / text.plural_word so a count reads the same everywhere (and 1,000 has its comma).
ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("analysis", "ui", "pages", "dashboard.py")
KEPT = {
    # (path, source of the expression): why it stays
    (
        "analysis/panel/scoring.py",
        '"month" if months == 1 else f"{months} months"',
    ): "'the next month' reads better than 'the next 1 month'; plural() always writes the number",
    (
        "analysis/sample/readme.py",
        '" (a stated null)" if r == 1 else ""',
    ): "not a plural: a rate ratio of exactly 1 is the sample's stated null effect",
    (
        "analysis/charts/recovery.py",
        'f"and in {uk_month(last)} the score was {latest.min():.1f}; " if latest.nunique() == 1 '
        'else f"and in {uk_month(last)} they ran from {latest.min():.1f} to {latest.max():.1f}; "',
    ): "not a plural: one latest score is stated, several are given as a range",
}
PENDING: set[str] = set()  # hand-written plurals waiting for a change that moves their files
PENDING_FILES = ("analysis/charts/", "analysis/questions/", "analysis/pack/sections.py", "pages/")


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _count_is_one(test: ast.AST) -> bool:
    """`n == 1`, `len(x) != 1`: a count against the whole number 1 (not `rr < 1.0`, a ratio's direction)."""
    return (
        isinstance(test, ast.Compare)
        and all(isinstance(op, (ast.Eq, ast.NotEq)) for op in test.ops)
        and any(isinstance(c, ast.Constant) and type(c.value) is int and c.value == 1 for c in test.comparators)
    )


def _differ_by_an_s(a: ast.AST, b: ast.AST) -> bool:
    """'s' and '', 's: ' and ': ', 'wards' and 'ward': one literal is the other with one 's' more."""
    if not all(isinstance(x, ast.Constant) and isinstance(x.value, str) for x in (a, b)):
        return False
    long, short = sorted((a.value, b.value), key=len, reverse=True)
    return len(long) == len(short) + 1 and any(
        long[i] == "s" and long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


def hand_written_plurals(root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(path, line, source) of every hand-written plural or local plural helper outside analysis/text.py."""
    found = []
    files = [p for name in SCANNED for p in ([root / name] if name.endswith(".py") else (root / name).rglob("*.py"))]
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        if rel == "analysis/text.py" or "/.venv/" in rel:
            continue
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.IfExp) and _is_text(node.body) and _is_text(node.orelse):
                if _count_is_one(node.test) or _differ_by_an_s(node.body, node.orelse):
                    found.append((rel, node.lineno, ast.get_source_segment(source, node)))
            elif isinstance(node, ast.FunctionDef) and "plural" in node.name.lower():
                found.append((rel, node.lineno, f"def {node.name}"))
    return found


def test_no_hand_written_plurals():
    """Counts with their nouns go through text.plural / text.plural_word (KEPT and PENDING say why not)."""
    new = [
        f"{rel}:{line}: {src}"
        for rel, line, src in hand_written_plurals()
        if (rel, _flat(src)) not in _kept() and not (_flat(src) in PENDING and rel.startswith(PENDING_FILES))
    ]
    assert not new, "use analysis.text.plural / plural_word instead of:\n" + "\n".join(new)


def test_kept_plurals_still_exist():
    """A KEPT entry whose expression has gone is stale: delete it so the allow-list stays honest."""
    present = {(rel, _flat(src)) for rel, _, src in hand_written_plurals()}
    assert not _kept() - present


def _flat(src: str) -> str:
    """An expression's source on one line, so the formatter's line breaks do not change its identity."""
    return " ".join(src.split())


def _kept() -> set[tuple[str, str]]:
    return {(rel, _flat(src)) for rel, src in KEPT}


# --- literal and plotly_literal: text from the data shown as typed (issue 16, defect 7) ----------------------

_UNESCAPE = __import__("re").compile(r"\\([!-/:-@\[-`{-~])")


def _reads(markdown: str) -> str:
    """What a reader sees of an escaped string: CommonMark's backslash escapes undone, word joiners dropped."""
    return _UNESCAPE.sub(r"\1", markdown).replace("\u2060", "")


@pytest.mark.parametrize(
    "raw",
    [
        "![](http://127.0.0.1:9/b.png)",
        "[click](http://127.0.0.1:9/)",
        "<img src=x onerror=alert(1)>",
        ":red[alarm] :material/warning: :smile: :streamlit:",
        "**x** _y_ `z` ~~s~~ $x$ # h | t",
        "back\\slash \\*not bold\\*",
        "- item",
        "1. item",
        "a -- b -> c <= d",
        "www.example.com and a@b.co",
        "line one\nline two",
    ],
)
def test_literal_escapes_every_markdown_special_and_reads_back(raw):
    out = text.literal(raw)
    assert _reads(out) == " ".join(raw.splitlines())  # read as typed: escaped once, never twice
    assert "\n" not in out
    for i, ch in enumerate(out):  # every mark markdown, HTML or Streamlit acts on is escaped
        after = out[i + 1 : i + 2]
        if (
            ch in "[]*`$|~#@"
            or (ch in "<:" and after not in ("", " "))
            or (ch == "&" and (after.isalnum() or after == "#"))
            or (ch == "!" and out[i + 1 : i + 3] == "\\[")
        ):
            assert (len(out[:i]) - len(out[:i].rstrip("\\"))) % 2 == 1, (ch, i, out)  # an odd run of backslashes
    assert "\\:" + "\u2060" in out or ":" not in raw.replace(": ", "")


@pytest.mark.parametrize("name", ["Tìr nan Òg", "St Mary's", "O'Neil-Smith", "QPR-15", "HoNOS-Secure", "W01", "2.5"])
def test_literal_leaves_ordinary_names_unchanged(name):
    assert text.literal(name) == name


def test_plotly_literal_shows_html_as_typed():
    assert text.plotly_literal("<a href='x'>A & B</a>") == "&lt;a href='x'&gt;A &amp; B&lt;/a&gt;"
    assert text.plotly_literal("Tìr nan Òg") == "Tìr nan Òg"

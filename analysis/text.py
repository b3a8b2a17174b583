"""Words and numbers for people: UK months and dates, financial years, counts with their nouns, rates.

Every sentence, table and chart label in the product formats its numbers and dates here, so one
figure reads the same on a page, in a pack and on the command line.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from analysis._lazy import lazy_module

# Imported on first use: the app's first paint (ui/first_paint.py) and sign-in screen use these words before
# any library is imported.
pd = lazy_module("pandas")


def _ts(value) -> pd.Timestamp:
    return value if isinstance(value, pd.Timestamp) else pd.Timestamp(value)


def uk_month(value) -> str:
    """'Apr 2024' for a date, month or timestamp; '' for a missing value."""
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return ""
    ts = _ts(value)
    return "" if pd.isna(ts) else ts.strftime("%b %Y")


def uk_months(values) -> pd.Series:
    """`uk_month` of each value of a column, as ``values.map(uk_month)`` gives it, each distinct value formatted
    once (a national table has thousands of rows and about a hundred months); the index of `values` when it is a
    Series.

    >>> uk_months(pd.Series(pd.to_datetime(["2024-04-01", None, "2024-04-30"]))).tolist()
    ['Apr 2024', '', 'Apr 2024']
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, distinct = pd.factorize(s, use_na_sentinel=True)
    words = pd.Series([*(uk_month(v) for v in distinct), ""], dtype=object).to_numpy()
    return pd.Series(words[codes], index=s.index)  # code -1 (missing) is the last, ''; the dtype `map` would give


def uk_date(value) -> str:
    """'1 Apr 2024' (no leading zero); '' for a missing value."""
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return ""
    ts = _ts(value)
    return "" if pd.isna(ts) else f"{ts.day} {ts.strftime('%b %Y')}"


def financial_year(value) -> str:
    """The UK financial year (April to March) a date falls in: Mar 2025 -> '2024/25'."""
    ts = _ts(value)
    start = ts.year if ts.month >= 4 else ts.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def month_range(start, end) -> str:
    """'Apr 2021 to Mar 2026'."""
    return f"{uk_month(start)} to {uk_month(end)}"


def quarter(value) -> str:
    """The financial-year quarter a date falls in (Q1 is April to June): Oct 2025 -> 'Q3 2025/26'."""
    ts = _ts(value)
    return f"Q{(ts.month - 4) % 12 // 3 + 1} {financial_year(ts)}"


PERIODS_BY = ("months", "quarters", "years")  # how a span of months is named: months, quarters, financial years


def period_words(start, end, by: str = "months") -> str:
    """A span of whole months (first and last month included) in the words of `by`.

    "years" names financial years ('2024/25', '2023/24 to 2024/25'), "quarters" financial-year quarters
    ('Q1 2024/25', 'Q3 to Q4 2025/26', 'Q4 2024/25 to Q1 2025/26'), "months" months ('Oct 2025',
    'Oct 2025 to Mar 2026'). A span that does not start and end on the boundaries `by` names falls back to
    quarters (when it can) and then to months, so the words never claim months that are not there.

    >>> period_words("2024-04", "2025-03", "years"), period_words("2025-10", "2026-03", "quarters")
    ('2024/25', 'Q3 to Q4 2025/26')
    >>> period_words("2025-10", "2026-03"), period_words("2025-05", "2025-06", "years")
    ('Oct 2025 to Mar 2026', 'May 2025 to Jun 2025')
    """
    a, b = _ts(start), _ts(end)
    if by == "years" and a.month == 4 and b.month == 3:
        fa, fb = financial_year(a), financial_year(b)
        return fa if fa == fb else f"{fa} to {fb}"
    if by in ("years", "quarters") and a.month in (1, 4, 7, 10) and b.month in (3, 6, 9, 12):
        qa, qb = quarter(a), quarter(b)
        if qa == qb:
            return qa
        fa, fb = financial_year(a), financial_year(b)
        return f"{qa.split()[0]} to {qb}" if fa == fb else f"{qa} to {qb}"
    return uk_month(a) if (a.year, a.month) == (b.year, b.month) else month_range(a, b)


def rate_label(per: float = 1000, denominator: str = "occupied bed days") -> str:
    """'per 1,000 occupied bed days': every rate says what it is per."""
    return f"per {fmt_number(per)} {denominator}"


def fmt_number(x, digits: int = 1) -> str:
    """Thousands separators, trailing zeros dropped: 1000 -> '1,000', 4.25 -> '4.3', 2.0 -> '2'."""
    if x is None or pd.isna(x):
        return "no value"
    x = float(x)
    if x.is_integer():
        return f"{int(x):,}"
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if digits > 0 else text


def plural(n, word: str, words: str | None = None) -> str:
    """'1 ward', '12 wards', '1,000 wards': a count with its noun, singular when it is one."""
    return f"{fmt_number(n)} {word if n == 1 else (words or word + 's')}"


def fixed(x: float, n: int = 2) -> str:
    """A number for prose with at most `n` decimals and no trailing zeros: 0.250 -> '0.25'; 'n/a' if not finite."""
    if isinstance(x, float) and not math.isfinite(x):
        return "n/a"
    s = f"{x:.{n}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def plural_word(n, word: str, words: str | None = None) -> str:
    """The noun (or verb) alone, singular when `n` is one: ('ward', 'wards'), ('has', 'have').

    >>> plural_word(1, "ward"), plural_word(3, "ward"), plural_word(0, "ward")
    ('ward', 'wards', 'wards')
    >>> plural_word(1, "has", "have"), plural_word(2, "month is", "months are")
    ('has', 'months are')
    """
    return word if n == 1 else (words or word + "s")


def listed(items, most: int | None = None, rest: str = "more") -> str:
    """Names joined for a sentence: 'A', 'A and B', 'A, B and C'; past `most`, 'A, B and 3 more'.

    >>> listed(["W01"]), listed(["W01", "W02"]), listed(["W01", "W02", "W03"])
    ('W01', 'W01 and W02', 'W01, W02 and W03')
    >>> listed(["a", "b", "c", "d", "e"], most=2), listed(["a", "b", "c"], most=2, rest="other wards"), listed([])
    ('a, b and 3 more', 'a, b and 1 other wards', '')
    """
    items = [str(i) for i in items]
    if most is not None and len(items) > most:
        return ", ".join(items[:most]) + f" and {len(items) - most} {rest}"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def whole(x) -> str:
    """A figure rounded to a whole number for a sentence: half to even as Python rounds, never '-0'.

    >>> whole(61.4), whole(2.5), whole(3.5), whole(-0.4), whole(-7.6), whole(1234.5)
    ('61', '2', '4', '0', '-8', '1,234')
    >>> whole(None), whole(float("nan"))
    ('no value', 'no value')
    """
    s = fmt_number(x, 0)
    return "0" if s == "-0" else s


def ratio_percent(ratio, digits: int | None = 0, signed: bool = False) -> str:
    """The change a ratio makes, as a percent: 0.78 -> '22%' (its size; '-22%' when `signed`).

    `digits` decimals are always shown ('+2.0%'), rounding half to even; `digits=None` shows one
    decimal under 1% and whole percents from 1% up, for rate ratios that are often near 1.

    >>> ratio_percent(0.78), ratio_percent(1.05), ratio_percent(0.996, None), ratio_percent(1.3, None)
    ('22%', '5%', '0.4%', '30%')
    >>> ratio_percent(0.982, 1, signed=True), ratio_percent(1.02, 1, signed=True), ratio_percent(12)
    ('-1.8%', '+2.0%', '1,100%')
    >>> ratio_percent(float("nan"))
    'no value'
    """
    if ratio is None or pd.isna(ratio):
        return "no value"
    p = (float(ratio) - 1) * 100
    if not signed:
        p = abs(p)
    if digits is None:
        digits = 1 if abs(p) < 1 else 0
    return f"{p:{'+' if signed else ''},.{digits}f}%"


def percent_change(
    ratio, digits: int | None = 0, more: str = "more", fewer: str = "fewer", same: str = "no change"
) -> str:
    """A ratio as a change in words: 0.78 -> '22% fewer', 1.05 -> '5% more'; `same` when the figure shows 0.

    `digits` as in `ratio_percent`; `more` and `fewer` name the direction ('higher', 'lower').

    >>> percent_change(0.78), percent_change(1.05), percent_change(1.004), percent_change(1.004, None)
    ('22% fewer', '5% more', 'no change', '0.4% more')
    >>> percent_change(0.77, more="higher", fewer="lower"), percent_change(float("nan"))
    ('23% lower', 'no value')
    """
    figure = ratio_percent(ratio, digits)
    if figure == "no value":
        return figure
    if not figure.strip("0.,%"):
        return same
    return f"{figure} {fewer if ratio < 1 else more}"


_JOINER = "\u2060"  # WORD JOINER: invisible; it breaks a pattern Streamlit would otherwise act on
_ALWAYS = frozenset("\\`*[]|~$#@{}")  # markdown, maths, autolinks: escaped wherever they are
_TYPOGRAPHY = frozenset("-<>=~")  # Streamlit turns " -- ", " -> ", " <= " and so on into dashes and arrows
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])(?=\s|$)")


def literal(value) -> str:
    """Any text from the data (a ward's name, an event label, a measure, a file or column name) made safe to
    embed in Streamlit markdown: it reads exactly as written and nothing in it is acted on.

    The characters markdown, HTML, maths and Streamlit act on are backslash-escaped where they would act
    (CommonMark shows an escaped mark as itself: no links, images, bold, HTML, entities or maths); a colon before a word or a slash is
    escaped and followed by an invisible word joiner, so ``:red[...]``, ``:material/...:``, ``:smile:`` and
    ``http://`` stay as typed; ``-`` or ``+`` starting the text, a hyphen beside ``-<>=~`` (the dashes and
    arrows Streamlit makes) and an underscore not inside a word are escaped too, and a line break becomes a
    space. Hyphens and underscores within words, apostrophes, full stops, commas, brackets and signed numbers
    mid-sentence are left as they are, so ordinary names and sentences are unchanged. Escape once,
    where the text meets markdown: escaped twice, the backslashes show.

    >>> literal("![](x.png) **bold** <b> p < 0.05")
    '\\\\!\\\\[\\\\](x.png) \\\\*\\\\*bold\\\\*\\\\* \\\\<b> p < 0.05'
    >>> literal(":red[alarm]") == "\\\\:\\u2060red\\\\[alarm\\\\]"
    True
    >>> literal("Tìr nan Òg"), literal("O'Neil-Smith (QPR-15), +2.5"), literal(None), literal("a\\\\b")
    ('Tìr nan Òg', "O'Neil-Smith (QPR-15), +2.5", '', 'a\\\\\\\\b')
    >>> literal("_rehab_ and assaults_on_staff"), literal("- 1. + x")
    ('\\\\_rehab\\\\_ and assaults_on_staff', '\\\\- 1. + x')
    """
    if value is None:
        return ""
    text = " ".join(str(value).splitlines())
    out = []
    for i, ch in enumerate(text):
        before, after = text[i - 1 : i] if i else "", text[i + 1 : i + 2]
        if ch == ":" and after and not after.isspace():
            out.append("\\:" + _JOINER)
        elif ch in _TYPOGRAPHY and (after in _TYPOGRAPHY and after or before in _TYPOGRAPHY and before):
            out.append("\\" + ch + (_JOINER if after in _TYPOGRAPHY and after else ""))
        elif (
            ch in _ALWAYS
            or (ch in "-+>" and not text[:i].strip())  # a list marker or quote only where the text starts
            or (ch == "<" and after and not after.isspace())  # a tag or autolink, not "p < 0.001"
            or (ch == "&" and (after.isalnum() or after == "#"))  # an entity, not "A & B"
            or (ch == "!" and after == "[")  # an image
            or (ch == "_" and not (before.isalnum() and after.isalnum()))  # snake_case stays as it is
            or (ch == "." and text[:i].lower().endswith("www"))  # an autolink
        ):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return _LIST_START.sub(r"\1\2\\\3", "".join(out))


def plotly_literal(value) -> str:
    """Text from the data made safe for a Plotly title, label, legend or hover text, which read a little HTML
    (``<a href>``, ``<b>``, ``<br>``) and entities: ``&``, ``<`` and ``>`` become entities, shown as typed.

    >>> plotly_literal('<a href="http://x">Iona & Skye</a>'), plotly_literal(None)
    ('&lt;a href="http://x"&gt;Iona &amp; Skye&lt;/a&gt;', '')
    """
    if value is None:
        return ""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

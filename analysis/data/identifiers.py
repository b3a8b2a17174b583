"""The patient-identifier guard: the dashboard takes ward-level totals only.

A file is refused when a column's name looks like a patient identifier (CHI, NHS number,
names, date of birth, hospital number, postcode, ...), when any cell is or contains a 10-digit
number that passes the modulus-11 check digit of NHS numbers (CHI numbers, Scotland's, use the
same check after a date of birth ddmmyy), or when a text cell holds a date of birth (DOB, D.O.B.
or "born" before a date, or an old enough date beside a capitalised name with initials). Each
finding names the sheet, spreadsheet row and column and shows the cell masked ("943 *** ****",
"DOB ██/██/████"); a full identifier is never echoed.

The search is vectorised: each column's distinct values are searched with pandas' ``.str``
regular expressions, and only the few matches are looked at one by one.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.data import contract
from analysis.data.parsing import cell_text, normalise_name
from analysis.text import listed, plural, plural_word

# Whole normalised names (underscores removed) that are patient identifiers.
_EXACT = {
    "chi",
    "chino",
    "chinumber",
    "chinum",
    "nhs",
    "nhsno",
    "nhsnumber",
    "nhsnum",
    "nhsid",
    "dob",
    "dateofbirth",
    "birthdate",
    "birthday",
    "forename",
    "forenames",
    "firstname",
    "givenname",
    "surname",
    "lastname",
    "familyname",
    "middlename",
    "maidenname",
    "fullname",
    "patientname",
    "patientsname",
    "nameofpatient",
    "hospitalnumber",
    "hospitalno",
    "hospitalnum",
    "casenumber",
    "caseno",
    "casenum",
    "casenoteno",
    "casenotenumber",
    "unitnumber",
    "unitno",
    "mrn",
    "crn",
    "medicalrecordnumber",
    "postcode",
    "postalcode",
    "zipcode",
    "address",
    "homeaddress",
    "patientid",
    "patientnumber",
    "patientno",
    "patientidentifier",
    "patientref",
    "patientreference",
    "initials",
    "patientinitials",
    "ninumber",
    "nationalinsurancenumber",
    "chinumberofpatient",
}
# Tokens that are identifiers wherever they appear in a name ("patient_chi", "dob_of_client").
_TOKENS = {"chi", "dob", "forename", "forenames", "surname", "postcode", "nhsno", "nhsnumber", "mrn"}
_NUMBER_WORDS = {"number", "no", "num", "id", "identifier", "ref", "reference"}
_NAME_WORDS = {"name", "names", "initial", "initials", "forename", "forenames", "surnames"}  # "patient_names"
_OWNER_WORDS = {"nhs", "chi", "patient", "case", "client", "serviceuser"}

_CANDIDATE = re.compile(r"\d[\d \-]{8,14}\d")
# Ten digits with up to three spaces or hyphens between any two, starting and ending at a digit group's edge
# (letters may touch it: "NHS9434765919"; "W01 943 476 5919" holds one; a 12-digit number holds none).
_SEP = r"[ \-\u00a0]{0,3}"
_RUN = re.compile(rf"(?<!\d)(\d(?:{_SEP}\d){{9}})(?!\d)", re.ASCII)  # \d is 0-9 only
_MONTH_WORD = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"


def _date(tag: str) -> str:
    """A date as people write one (day first, or ISO), its year captured as y1<tag>, y2<tag> or y3<tag>."""
    return (
        rf"(?<!\d)(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?P<y1{tag}>\d{{4}}|\d{{2}})"
        rf"|\d{{1,2}}(?:st|nd|rd|th)?[ \-]{_MONTH_WORD}[ \-,]{{1,2}}(?P<y2{tag}>\d{{4}}|\d{{2}})"
        rf"|(?P<y3{tag}>(?:19|20)\d{{2}})-\d{{1,2}}-\d{{1,2}})(?!\d)"
    )


# "DOB 01/02/1980", "D.O.B: 1 Feb 1980", "date of birth 01-02-80", "born 1980-02-01".
_DOB = re.compile(
    r"(?i:\b(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*)" + _date("a"), re.ASCII
)
# A capitalised name with initials: "J. Smith", "J P Smith", "JP Smith", "Smith, J.", "Smith J P".
_NAME = (
    r"(?:\b[A-Z]\.?\s?(?:[A-Z]\.?\s?)?[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?\b"
    r"|\b[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?,?\s[A-Z]\.?(?:\s?[A-Z]\.?)?(?![A-Za-z]))"
)
_NAME_DATE = re.compile(rf"{_NAME}[\s,;:\(\)\-]{{1,4}}{_date('b')}|{_date('c')}[\s,;:\(\)\-]{{1,4}}{_NAME}", re.ASCII)


def _plain(*patterns: re.Pattern) -> re.Pattern:
    """The patterns as one, without capturing groups: for a first pass with .str.contains."""
    text = "|".join(p.pattern for p in patterns)
    return re.compile(re.sub(r"(?<!\\)\((?!\?)", "(?:", re.sub(r"\?P<\w+>", "?:", text)), re.ASCII)


_TEXT_ANY = _plain(_RUN, _DOB, _NAME_DATE)  # any of the three, searched in every distinct value
_RUN_ANY = _plain(_RUN)


def _shortest(pattern: re.Pattern) -> int:
    """The fewest characters a match of `pattern` can have (0 when Python cannot say): shorter cells are not
    searched."""
    try:
        from re import _parser  # Python 3.11 and later
    except ImportError:  # pragma: no cover
        return 0
    try:
        return int(_parser.parse(pattern.pattern, pattern.flags).getwidth()[0])
    except Exception:  # pragma: no cover - a pattern it cannot measure is searched everywhere
        return 0


_SHORTEST = {True: _shortest(_TEXT_ANY), False: _shortest(_RUN_ANY)}
_DOB_ANY = _plain(_DOB)
_BIRTH_AGE = 12  # a date beside a name is taken as a date of birth only when at least this many years ago
_CHI = "a CHI or NHS number"  # passes the check digit and starts with a date ddmmyy
_NHS = "an NHS number"  # passes the check digit; not a date, so not a CHI number
_BIRTH = "a date of birth"
_NAME_BIRTH = "a name with a date of birth"
_COLUMN = "a patient identifier column"
_SHOWN = 20  # cells listed one by one per column; the rest are counted
_NOT_TEXT = ("month", "date", "count", "number", "flag")  # contract kinds searched for whole numbers only


def identifier_column_name(name: object) -> bool:
    """True when a column header looks like a patient identifier."""
    text = cell_text(name).strip().lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", text) if t]
    if not tokens:
        return False
    joined = "".join(tokens)
    if joined in _EXACT or any(t in _TOKENS for t in tokens):
        return True
    if "birth" in tokens and ("date" in tokens or "of" in tokens):
        return True
    owners = {t for t in tokens if t in _OWNER_WORDS} | ({"serviceuser"} if "serviceuser" in joined else set())
    return bool(owners) and any(t in _NUMBER_WORDS or t in _NAME_WORDS for t in tokens) and "ward" not in tokens


def check_digit_ok(digits: str) -> bool:
    """The modulus-11 check used by both CHI and NHS numbers (10 digits, the last is the check)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def chi_date_ok(digits: pd.Series) -> np.ndarray:
    """For 10-digit strings: do the first six digits make a real date ddmmyy (as a CHI number's do)?"""
    return pd.to_datetime(digits.str[:6], format="%d%m%y", errors="coerce").notna().to_numpy(dtype=bool)


def check_digits_ok(digits: pd.Series) -> np.ndarray:
    """check_digit_ok for many 10-digit strings at once (numpy)."""
    if not len(digits):
        return np.zeros(0, bool)
    d = np.frombuffer("".join(digits).encode("ascii"), dtype=np.uint8).reshape(-1, 10).astype(np.int64) - 48
    check = 11 - (d[:, :9] @ np.arange(10, 1, -1)) % 11
    check[check == 11] = 0
    return (check != 10) & (check == d[:, 9])


def _digits(v: object) -> str | None:
    """The 10 digits of a cell written like a CHI/NHS number, or None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
        n = int(v)
        # A CHI starting with 0 loses its leading zero in a numeric cell.
        return f"{n:010d}" if 100_000_000 <= n <= 9_999_999_999 else None
    if not isinstance(v, str):
        return None
    s = v.strip()
    if not _CANDIDATE.fullmatch(s) and not re.fullmatch(r"\d{9}", s):
        return None
    d = re.sub(r"[ \-]", "", s)
    if len(d) == 9:
        d = "0" + d
    return d if len(d) == 10 else None


def mask(digits: str) -> str:
    """An identifier with all but its first three digits hidden: '943*******'."""
    return digits[:3] + "*" * (len(digits) - 3)


def masked_text(text: str) -> str:
    """A cell with its CHI/NHS-like numbers ('943 *** ****') and dates beside a name or DOB ('██/██/████') hidden."""

    def number(m: re.Match) -> str:
        if not check_digit_ok(re.sub(r"\D", "", m[1])):
            return m[0]
        seen = 0
        out = []
        for ch in m[0]:
            seen += ch.isdigit()
            out.append("*" if ch.isdigit() and seen > 3 else ch)
        return "".join(out)

    def dates(m: re.Match) -> str:
        return re.sub(r"\d", "█", m[0])

    out = _NAME_DATE.sub(dates, _DOB.sub(dates, _RUN.sub(number, text)))
    return out if len(out) <= 120 else out[:117] + "..."


def _born_long_ago(found: pd.DataFrame) -> np.ndarray:
    """For extractall rows of _NAME_DATE: is the date's year at least _BIRTH_AGE years ago?"""
    text = found.bfill(axis=1).iloc[:, 0].fillna("").astype(object)  # the one year group that matched
    year = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    this_year = pd.Timestamp.now().year
    two = (text.str.len() == 2).to_numpy(dtype=bool)
    year = np.where(two, np.where(year > this_year % 100, 1900 + year, 2000 + year), year)
    return year <= this_year - _BIRTH_AGE


def _text_length(values: np.ndarray) -> np.ndarray:
    """The length of each text value; -1 for anything else (never searched as text)."""
    if set(map(type, values)) <= {str}:
        return np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    return np.fromiter((len(v) if isinstance(v, str) else -1 for v in values), dtype=np.int64, count=len(values))


def text_hits(values: pd.Series, names: bool = True) -> pd.Series:
    """For distinct cell values: the identifier each holds (_CHI, _NHS, _BIRTH, _NAME_BIRTH) or '' (vectorised).

    Only strings are searched; with `names` False, for CHI/NHS numbers only (a numeric or date column).
    """
    what = pd.Series("", index=pd.RangeIndex(len(values)), dtype=object)
    values = values.reset_index(drop=True)
    long = _text_length(values.to_numpy(dtype=object)) >= _SHORTEST[names]  # shorter cells hold no match
    if not long.any():
        return what
    found = np.zeros(len(values), bool)
    found[long] = values[long].str.contains(_TEXT_ANY if names else _RUN_ANY, na=False).to_numpy(dtype=bool)
    cand = values[found]
    if not len(cand):
        return what
    runs = cand.str.extractall(_RUN)[0].str.replace(r"[^0-9]", "", regex=True)
    valid = check_digits_ok(runs)
    chi = valid & chi_date_ok(runs)
    what[runs.index.get_level_values(0)[valid & ~chi].unique()] = _NHS
    what[runs.index.get_level_values(0)[chi].unique()] = _CHI
    if names:
        rest = cand[(what[cand.index] == "").to_numpy(dtype=bool)]
        dob = rest.str.contains(_DOB_ANY, na=False).to_numpy(dtype=bool)
        what[rest.index[dob]] = _BIRTH
        rest = rest[~dob]
        found = rest.str.extractall(_NAME_DATE)
        if len(found):
            what[found.index.get_level_values(0)[_born_long_ago(found)].unique()] = _NAME_BIRTH
    return what


def _text_columns(table: str | None, header: list[object]) -> list[bool]:
    """Which columns are searched as text: all, unless the contract gives the column a numeric or date kind."""
    fields = {normalise_name(f.name): f.kind for f in contract.TABLES[table].fields} if table in contract.TABLES else {}
    return [fields.get(normalise_name(h), "text") not in _NOT_TEXT for h in header]


def _distinct(raw: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct cells) of a column: a categorical's own, or the values pandas finds distinct (code -1: none)."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        return raw.cat.codes.to_numpy(dtype=np.int64), pd.Series(np.asarray(raw.cat.categories, dtype=object))
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object))  # the values pd.unique finds distinct; empty: -1
    return codes.astype(np.int64), pd.Series(uniques, dtype=object)


def _column_hits(raw: pd.Series, names: bool) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Positions of the identifier cells of one raw column, and for each its (masked value, what)."""
    codes, uniques = _distinct(raw)
    what = text_hits(uniques, names)
    values, found = uniques.to_numpy(dtype=object), what.to_numpy(dtype=object)
    shown = {int(k): (masked_text(values[k]), found[k]) for k in np.flatnonzero(found != "")}
    length = _text_length(values)
    short = (length >= 0) & (length < 9)
    for k in np.flatnonzero((found == "") & ~short):  # text shorter than 9 characters holds no 9 or 10 digits
        v = values[k]
        d = _digits(v)  # a whole cell: a number, or a CHI that lost its leading 0 ("101901232")
        if d is not None and check_digit_ok(d):
            shown[int(k)] = (mask(d), _CHI if chi_date_ok(pd.Series([d]))[0] else _NHS)
    if not shown:
        return np.zeros(0, int), []
    hit = np.zeros(len(uniques) + 1, bool)  # [-1]: an empty cell
    hit[list(shown)] = True
    positions = np.flatnonzero(hit[codes])
    return positions, [shown[int(codes[p])] for p in positions[:_SHOWN]]


def _finding(sheet: str, column: str, what: str, problem: str, row=None, value: str = "", more: int = 0) -> dict:
    return {
        "sheet": sheet,
        "row": row,
        "column": column,
        "value": value,
        "what": what,
        "problem": problem,
        "more": more,
    }


def scan_sheet(
    sheet: str,
    header: list[object],
    frame: pd.DataFrame,
    rows: list[int] | None = None,
    table: str | None = None,
) -> list[dict]:
    """Refusal findings for one raw sheet: sheet, row (None for a column), column, value (masked), problem.

    `rows` are the spreadsheet rows of the frame's rows (position + 2 when not given); `table` is the
    contract table the sheet holds, whose numeric and date columns are searched for CHI/NHS numbers only.
    """
    rows = list(rows) if rows is not None else [i + 2 for i in range(len(frame))]
    text_cols = _text_columns(table, header)
    findings = []
    for i, col in enumerate(header):
        label = cell_text(col)
        digits = _digits(col)
        if digits is not None and check_digit_ok(digits):
            label = mask(digits)
        elif label and text_hits(pd.Series([label], dtype=object)).iat[0]:
            label = masked_text(label)
        if identifier_column_name(col) or label != cell_text(col):
            problem = (
                f"the column '{label}' looks like a patient identifier; remove it and upload ward-level totals only"
            )
            findings.append(_finding(sheet, label, _COLUMN, problem))
            continue
        if i >= frame.shape[1]:
            continue
        positions, shown = _column_hits(frame.iloc[:, i], text_cols[i])
        for pos, (value, what) in zip(positions[:_SHOWN], shown):
            problem = (
                f"'{value}' looks like it holds {what}; remove patient identifiers and upload ward-level totals only"
            )
            findings.append(_finding(sheet, label, what, problem, row=rows[pos], value=value))
        if len(positions) > _SHOWN:
            more = len(positions) - _SHOWN
            problem = f"{plural(more, 'more value')} in column '{label}' look like patient identifiers"
            findings.append(_finding(sheet, label, "", problem, more=more))
    return findings


def refusal_reason(findings: list[dict]) -> str | None:
    """One plain-English refusal from the findings, a sentence per sheet and column, or None when there are none."""
    if not findings:
        return None
    parts = [f"sheet '{f['sheet']}': {f['problem']}" for f in findings if f["what"] == _COLUMN]
    cells: dict[tuple[str, str], list[dict]] = {}
    for f in findings:
        if f["what"] != _COLUMN:
            cells.setdefault((f["sheet"], f["column"]), []).append(f)
    for (sheet, column), found in cells.items():
        listed_cells = [f for f in found if f["row"] is not None]
        n = len(listed_cells) + sum(f["more"] for f in found)
        kinds = listed(sorted({f["what"] for f in listed_cells}))
        shown = ", ".join(f"row {f['row']}: '{f['value']}'" for f in listed_cells[:3]) + (", ..." if n > 3 else "")
        look = plural_word(n, "looks", "look")
        parts.append(
            f"sheet '{sheet}', column '{column}': {plural(n, 'value')} {look} like {kinds} ({shown}); "
            "remove patient identifiers and upload ward-level totals only"
        )
    return "This file looks like it holds patient identifiers, so nothing was read from it. " + " ".join(
        p + "." for p in parts
    )

"""The patient-identifier guard: the dashboard takes ward-level totals only.

A file is refused when a column's name looks like a patient identifier (CHI, NHS number,
names, date of birth, hospital number, postcode, ...) or when any cell holds a 10-digit
number that passes the modulus-11 check digit shared by CHI and NHS numbers. Reasons name
the sheet and column but never echo a full identifier.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.data.parsing import cell_text
from analysis.text import plural

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
_OWNER_WORDS = {"nhs", "chi", "patient", "case", "client", "serviceuser"}

_CANDIDATE = re.compile(r"\d[\d \-]{8,14}\d")


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
    owners = {t for t in tokens if t in _OWNER_WORDS}
    return bool(owners) and any(t in _NUMBER_WORDS for t in tokens) and "ward" not in tokens


def check_digit_ok(digits: str) -> bool:
    """The modulus-11 check used by both CHI and NHS numbers (10 digits, the last is the check)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


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
    """An identifier with all but its last two digits hidden."""
    return "*" * (len(digits) - 2) + digits[-2:]


def identifier_values(column: pd.Series) -> list[str]:
    """The cells of a raw column that are valid CHI/NHS numbers (as 10 digits)."""
    found = []
    for v in pd.unique(column.to_numpy(dtype=object)):
        d = _digits(v)
        if d is not None and check_digit_ok(d):
            found.extend([d] * int((column == v).sum()))
    return found


def scan_sheet(sheet: str, header: list[object], frame: pd.DataFrame) -> list[dict]:
    """Refusal findings for one raw sheet (header + positional columns): sheet, column, value, problem."""
    findings = []
    for i, col in enumerate(header):
        label = cell_text(col)
        digits = _digits(col)
        if digits is not None and check_digit_ok(digits):
            label = mask(digits)
        if identifier_column_name(col) or label != cell_text(col):
            findings.append(
                {
                    "sheet": sheet,
                    "column": label,
                    "value": "",
                    "problem": f"the column '{label}' looks like a patient identifier; "
                    "remove it and upload ward-level totals only",
                }
            )
            continue
        hits = identifier_values(frame.iloc[:, i]) if i < frame.shape[1] else []
        if hits:
            n = len(hits)
            findings.append(
                {
                    "sheet": sheet,
                    "column": label,
                    "value": mask(hits[0]),
                    "problem": f"{plural(n, 'value')} in column '{label}' look like CHI or NHS "
                    f"numbers (e.g. {mask(hits[0])}); remove patient identifiers and upload ward-level "
                    "totals only",
                }
            )
    return findings


def refusal_reason(findings: list[dict]) -> str | None:
    """One plain-English refusal built from the findings, or None when there are none."""
    if not findings:
        return None
    parts = [f"sheet '{f['sheet']}': {f['problem']}" for f in findings]
    return "This file looks like it holds patient identifiers, so nothing was read from it. " + " ".join(
        p + "." for p in parts
    )

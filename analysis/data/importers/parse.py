"""SQL for the cells of raw exports (dates three ways, times two ways, decimal commas) and how wards are named."""

from __future__ import annotations

import re

import pandas as pd

from analysis.data.importers.profile import MappingProfile, label_key

DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%y",
    "%d/%m/%y",
)
EXCEL_SERIALS = (20_000, 80_000)  # 1954 to 2119: a bare number in this range in a date column is an Excel date
YEARS = (1990, 2200)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def number_sql(col: str, decimal_comma: bool) -> str:
    """A text column as a DOUBLE (NULL when it is not a number); decimal commas read as points."""
    c = quote(col)
    if decimal_comma:
        c = f"replace(replace({c}, '.', ''), ',', '.')"  # 1.234,5 -> 1234.5
    else:
        c = f"replace({c}, ',', '')"  # 1,234.5 -> 1234.5
    return f"try_cast({c} AS DOUBLE)"


def timestamp_sql(col: str, decimal_comma: bool) -> str:
    """A text date (dd/mm/yyyy, ISO, an Excel serial, with or without a time of day) as a TIMESTAMP, or NULL."""
    c = quote(col)
    formats = "[" + ", ".join(f"'{f}'" for f in DATE_FORMATS) + "]"
    serial = number_sql(col, decimal_comma)
    lo, hi = EXCEL_SERIALS
    ts = (
        f"coalesce(try_strptime({c}, {formats}), CASE WHEN {serial} BETWEEN {lo} AND {hi} THEN "
        f"TIMESTAMP '1899-12-30' + to_microseconds(CAST(round({serial} * 86400000000) AS BIGINT)) END)"
    )
    y0, y1 = YEARS
    return f"CASE WHEN year({ts}) BETWEEN {y0} AND {y1} THEN {ts} END"


def date_map(con, column: str, decimal_comma: bool, name: str, table: str = "raw") -> None:
    """Table `name` (text, ts): each distinct trimmed text of `column` parsed once (a file has few distinct dates)."""
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS SELECT {quote(column)} AS text, {timestamp_sql(column, decimal_comma)} AS ts "
        f"FROM (SELECT DISTINCT trim({quote(column)}) AS {quote(column)} FROM {table} WHERE {quote(column)} IS NOT NULL)"
    ).fetchall()


def minutes_sql(col: str, decimal_comma: bool) -> str:
    """A time of day (HHMM, HH:MM, HH:MM:SS or an Excel fraction of a day) as minutes after midnight, or NULL."""
    c = f"trim({quote(col)})"
    frac = number_sql(col, decimal_comma)
    hm = f"regexp_extract({c}, '^([0-9]{{1,2}}):?([0-9]{{2}})(?::[0-9]{{2}}(?:\\.[0-9]+)?)?$', ['h', 'm'])"
    return (
        f"CASE WHEN regexp_full_match({c}, '[0-9]{{1,2}}:?[0-9]{{2}}(:[0-9]{{2}}(\\.[0-9]+)?)?') "
        f"AND try_cast({hm}.h AS INTEGER) < 24 AND try_cast({hm}.m AS INTEGER) < 60 "
        f"THEN try_cast({hm}.h AS INTEGER) * 60 + try_cast({hm}.m AS INTEGER) "
        f"WHEN regexp_full_match({c}, '0?[.,][0-9]+') AND {frac} < 1 THEN CAST(floor({frac} * 1440 + 0.5) AS INTEGER) "
        "END"
    )


def compact(text: object) -> str:
    """A header as aliases match it: letters and digits only, lower case ('Ward_ID' -> 'wardid')."""
    return re.sub(r"[^a-z0-9]", "", label_key(text))


class WardNames:
    """Which ward a label names: the profile's location map first, then a ward_id or ward name of the wards table.

    Without a wards table, a label the profile does not map is taken as the ward_id itself only when
    `as_is` is set (bed-day and episode files name wards by their code)."""

    def __init__(self, profile: MappingProfile | None, wards: pd.DataFrame | None, as_is: bool = False) -> None:
        self.profile = profile
        self.as_is = as_is and wards is None
        self.known: dict[str, str] = {}
        self.ward_ids: set[str] | None = None
        if wards is not None and len(wards):
            ids = wards["ward_id"].astype(str)
            self.ward_ids = set(ids)
            names = wards["ward_name"].astype(str) if "ward_name" in wards else ids
            for ward_id, name in zip(ids, names):
                self.known.setdefault(label_key(name), ward_id)
            for ward_id in ids:
                self.known[label_key(ward_id)] = ward_id

    def ward(self, label: object) -> str | None:
        if label is None or label_key(label) == "":
            return None
        mapped = self.profile.ward_for(label) if self.profile is not None else None
        if mapped:
            return mapped
        found = self.known.get(label_key(label))
        if found:
            return found
        return str(label).strip() if self.as_is else None

    def frame(self, labels: list[object]) -> pd.DataFrame:
        """label -> ward_id ('' when not known) for distinct raw labels."""
        return pd.DataFrame({"label": pd.Series(labels, dtype=object), "ward_id": [self.ward(v) or "" for v in labels]})

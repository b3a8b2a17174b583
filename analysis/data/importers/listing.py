"""An incident listing through a mapping profile: distinct labels resolved in Python, every row classified by
array operations on their codes.

The listing is read in one pass (`columns.read_columns`): each mapped column dictionary-encoded, so that locations,
category combinations, statuses and dates are resolved once per distinct text (a national listing has a few
thousand) and each row is then a handful of small integers. Each row gets the first reason that applies, in the
order of `LISTING_REASONS` (unreadable date, rejected status, duplicate reference, unmapped location, unmapped
category, counts as nothing, outside the bed-day months), or none (counted). A duplicate is a later row with the
reference of an earlier row that passed the first two tests (found by DuckDB's hash of the reference, then
exactly on its text). The columns only shown with excluded rows (`SHOWN_ONLY`) are read when those rows are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.data.importers.columns import Columns, identifier_cells, read_columns
from analysis.data.importers.parse import WardNames, timestamp_sql
from analysis.data.importers.profile import CATEGORY_ROLES, ROLES, MappingProfile, label_key
from analysis.data.importers.reconcile import LISTING_REASONS, LazyRows, Reconciliation
from analysis.data.importers.tables import Opened

LISTING = "incident listing"


class ListingError(Exception):
    """The listing cannot be used with this profile; the message is for the user."""


def roles_in_file(opened: Opened, profile: MappingProfile) -> dict[str, str]:
    """Role -> the file's column for each role the profile maps; ListingError when a mapped column is missing."""
    have = {label_key(c): c for c in opened.layout.columns}
    missing = [f"{ROLES[r].lower()} ('{c}')" for r, c in profile.columns.items() if label_key(c) not in have]
    if missing:
        raise ListingError(
            "the listing has no column for the profile's "
            + ", ".join(missing)
            + "; its columns are: "
            + ", ".join(f"'{c}'" for c in opened.layout.columns)
        )
    need = profile.missing_roles()
    if need:
        raise ListingError(
            "the profile does not say which column is the " + " or the ".join(ROLES[r].lower() for r in need)
        )
    return {r: have[label_key(c)] for r, c in profile.columns.items()}


def dropped(opened: Opened, roles: dict[str, str]) -> list[str]:
    used = {label_key(c) for c in roles.values()}
    return [c for c in opened.layout.columns if label_key(c) not in used]


# Columns only shown with excluded rows: read from the file again when those rows are asked for
SHOWN_ONLY = ("time", "site", "severity")


def load_listing(
    con, opened: Opened, profile: MappingProfile, only: tuple[str, ...] | None = None
) -> tuple[dict[str, str], list[str], Columns]:
    """Read the mapped columns of the listing in one pass (`columns.read_columns`: dictionary-encoded, the
    reference as text); with `only`, just those roles (by default all but `SHOWN_ONLY`). (roles, dropped columns,
    the columns).

    Raises ListingError when a mapped column is missing or a cell of one is a CHI or NHS number."""
    roles = roles_in_file(opened, profile)
    text_roles = tuple(r for r in roles if r in ("reference", "location", "site"))  # where a person's number could be
    keep = tuple(r for r in roles if r not in SHOWN_ONLY) if only is None else only
    cols = read_columns(con, opened, roles, plain=("reference",), only=keep, check=text_roles)
    found = identifier_cells({r: cols.candidates[r] for r in text_roles})
    if found:
        raise ListingError(
            "This file looks like it holds patient identifiers, so it was not imported: "
            + "; ".join(f"the column '{roles[r]}' holds '{v}', which looks like a CHI or NHS number" for r, v in found)
            + ". Remove them from the export and try again."
        )
    return roles, dropped(opened, roles), cols


def shown_columns(con, opened: Opened, roles: dict[str, str]) -> Columns:
    """The `SHOWN_ONLY` columns of the listing's rows (the same rows, in the same order, as `load_listing`)."""
    return read_columns(con, opened, roles, only=tuple(r for r in roles if r in SHOWN_ONLY))


def _cat_cols(roles: dict[str, str]) -> list[str]:
    return [r for r in CATEGORY_ROLES if r in roles]


@dataclass
class Listing:
    """A listing read through a profile: its columns and, row by row, what the profile makes of them."""

    roles: dict[str, str]
    cols: Columns
    found: dict[str, pd.DataFrame] = field(default_factory=dict)
    combo: np.ndarray | None = None  # each row's category combination (a row of found["categories"])
    combo_measure: list = field(default_factory=list)  # each combination's measure (None unmapped, "" nothing)
    day: np.ndarray | None = None  # days since 1970-01-01; DAY_NONE when the date cannot be read
    ward: np.ndarray | None = None  # index into `wards`; -1 unmapped
    wards: list[str] = field(default_factory=list)
    measure: np.ndarray | None = None  # index into `measures`; UNMAPPED / NOTHING
    measures: list[str] = field(default_factory=list)
    reason: np.ndarray | None = None  # index into REASON_KEYS; 0 counted


DAY_NONE = -(1 << 62)
UNMAPPED, NOTHING = -2, -1

REASON_KEYS = ("", *LISTING_REASONS)


def _combine(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(each row's combination number, a row of each combination, rows per combination) for columns of
    small integer codes, combinations numbered in order of their codes."""
    n = len(codes[0]) if codes else 0
    key = np.zeros(n, np.int64)
    span = 1
    for c, size in zip(codes, sizes):
        if span * (size + 1) > 1 << 40:  # too many to number directly: renumber what is there so far
            _, key = np.unique(key, return_inverse=True)
            span = int(key.max()) + 1 if n else 1
        key = key * (size + 1) + c
        span *= size + 1
    if span <= max(4 * n, 1 << 16):
        counts = np.bincount(key, minlength=span)
        present = np.flatnonzero(counts)
        number = np.full(span, -1, np.int64)
        number[present] = np.arange(len(present))
        inverse = number[key]
        at = np.zeros(span, np.int64)
        at[key] = np.arange(n, dtype=np.int64)  # a row of each combination (whichever is written last)
        return inverse, at[present], counts[present]
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return inverse.reshape(-1), first, counts


def _repeated(h: np.ndarray) -> np.ndarray:
    """Which entries of `h` (uint64) occur more than once: the repeated values from a sort, then each entry
    looked up in a bitmap of their low bits, and exactly only where the bitmap says it might be one."""
    out = np.zeros(len(h), bool)
    s = np.sort(h)
    twice = s[1:][s[1:] == s[:-1]]
    if len(twice):
        low = np.uint64((1 << 24) - 1)
        table = np.zeros(1 << 24, bool)
        table[(twice & low).astype(np.intp)] = True
        maybe = np.flatnonzero(table[(h & low).astype(np.intp)])
        out[maybe[np.isin(h[maybe], twice)]] = True
    return out


def distinct(listing: Listing, profile: MappingProfile, wards: WardNames) -> dict[str, pd.DataFrame]:
    """Distinct locations, category combinations and statuses with their row counts, resolved by the profile."""
    cols, roles = listing.cols, listing.roles
    loc_codes = cols.codes("location")
    names = cols.values("location")
    rows = np.bincount(loc_codes, minlength=len(names))
    at = np.flatnonzero(rows)
    loc = pd.DataFrame({"location": pd.Series([names[i] for i in at], dtype="str"), "rows": rows[at]})
    loc["ward_id"] = [wards.ward(v) or "" for v in loc["location"]]
    loc["mapped"] = loc["ward_id"] != ""
    loc["location"] = loc["location"].fillna("")
    cats = _cat_cols(roles)
    if cats:
        codes = [cols.codes(r) for r in cats]
        combo, first, counts = _combine(codes, [len(cols.values(r)) - 1 for r in cats])
        cat = pd.DataFrame({"rows": counts.astype(np.int64)})
        for r, c in zip(cats, codes):
            vals = cols.values(r)
            cat[r] = pd.Series([vals[i] for i in c[first]], dtype=object)
    else:
        combo = np.zeros(len(cols), np.int64)
        cat = pd.DataFrame({"rows": [len(cols)]})
    for r in CATEGORY_ROLES:
        if r not in cat:
            cat[r] = ""
        cat[r] = cat[r].astype(object).where(cat[r].notna(), "")
    cat["measure"] = [
        profile.measure_for(t, c, s) for t, c, s in zip(cat["type"], cat["category"], cat["sub_category"])
    ]
    cat["mapped"] = cat["measure"].notna()
    listing.combo = combo
    listing.combo_measure = list(cat["measure"])
    if "status" in roles:
        st_names = cols.values("status")
        st_rows = np.bincount(cols.codes("status"), minlength=len(st_names))
        at = np.flatnonzero(st_rows)
        st = pd.DataFrame({"status": pd.Series([st_names[i] for i in at], dtype=object), "rows": st_rows[at]})
        st["status"] = st["status"].astype(object).where(st["status"].notna(), "")
    else:
        st = pd.DataFrame({"status": pd.Series(dtype=object), "rows": pd.Series(dtype="int64")})
    excluded = {label_key(s) for s in profile.excluded_statuses}
    st["excluded"] = [label_key(s) in excluded and label_key(s) != "" for s in st["status"]]

    def order(f: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        return f.sort_values(["mapped", "rows", *by], ascending=[True, False, *[True] * len(by)], ignore_index=True)

    cat = order(cat[["type", "category", "sub_category", "rows", "measure", "mapped"]], list(CATEGORY_ROLES))
    cat["measure"] = pd.Series([m if isinstance(m, str) else None for m in cat["measure"]], dtype=object)
    found = {
        "locations": order(loc[["location", "rows", "ward_id", "mapped"]], ["location"]),
        "categories": cat,
        "statuses": st.sort_values(["excluded", "rows"], ascending=[False, False], ignore_index=True)[
            ["status", "rows", "excluded"]
        ],
    }
    listing.found = found
    return found


def _days(con, dates, decimal_comma: bool) -> np.ndarray:
    """Each distinct date text (and, last, an empty cell) as days since 1970-01-01, DAY_NONE when unreadable:
    each text parsed once in DuckDB (a listing has a few thousand)."""
    texts = pa.table({"i": pa.array(range(len(dates)), pa.int64()), "date": dates})
    con.register("date_texts", texts)
    got = con.execute(
        f"SELECT coalesce(CAST({timestamp_sql('t', decimal_comma)} AS DATE) - DATE '1970-01-01', {DAY_NONE}) AS d "
        "FROM (SELECT i, trim(date) AS t FROM date_texts) ORDER BY i"
    ).fetchall()
    con.unregister("date_texts")
    return np.asarray([d for (d,) in got] + [DAY_NONE], np.int64)


def classify(con, listing: Listing, decimal_comma: bool) -> None:
    """Each row's day, ward, measure and reason (without the bed-day months: see `reconcile`): the first that
    applies of an unreadable date, a rejected status, a duplicate reference, an unmapped location, an unmapped
    category, a category that counts as nothing."""
    cols, roles, found = listing.cols, listing.roles, listing.found
    n = len(cols)
    listing.day = _days(con, cols.distinct("date"), decimal_comma)[cols.codes("date")]
    ward_of = dict(zip(found["locations"]["location"], found["locations"]["ward_id"]))
    listing.wards = sorted({w for w in ward_of.values() if w})
    number = {w: i for i, w in enumerate(listing.wards)}
    by_label = [number.get(ward_of.get("" if v is None else v, ""), -1) for v in cols.values("location")]
    listing.ward = np.asarray(by_label, np.int64)[cols.codes("location")]
    listing.measures = sorted({m for m in listing.combo_measure if isinstance(m, str) and m})
    mnum = {m: i for i, m in enumerate(listing.measures)}
    per_combo = [UNMAPPED if not isinstance(m, str) else mnum[m] if m else NOTHING for m in listing.combo_measure]
    listing.measure = np.asarray(per_combo, np.int64)[listing.combo] if n else np.zeros(0, np.int64)
    readable = listing.day != DAY_NONE
    if "status" in roles:
        out = {s for s, x in zip(found["statuses"]["status"], found["statuses"]["excluded"]) if x}
        rejected = np.asarray([v is not None and v in out for v in cols.values("status")], bool)[cols.codes("status")]
    else:
        rejected = np.zeros(n, bool)
    dup = np.zeros(n, bool)
    if "reference" in roles:
        ref = cols.columns["reference"]
        passing = np.flatnonzero(readable & ~rejected & ~ref.is_null().to_numpy(zero_copy_only=False))
        # references whose hash passes more than once, then (exactly, on the text) every later row of one
        again = passing[_repeated(cols.hashes["reference"][passing])]
        later = ref.take(pa.array(again)).to_pandas().duplicated(keep="first").to_numpy()  # rows in file order
        dup[again[later]] = True
    reason = np.zeros(n, np.int8)
    tests = [
        ~readable,
        rejected,
        dup,
        listing.ward < 0,
        listing.measure == UNMAPPED,
        listing.measure == NOTHING,
    ]
    for k in range(len(tests), 0, -1):  # the first reason that applies wins
        reason[tests[k - 1]] = k
    listing.reason = reason


def reconcile(listing: Listing, months: pd.DataFrame, shown=None) -> Reconciliation:
    """The reconciliation; `months` are the bed-day months (ward_id, month): a counted row outside them is
    excluded for that reason. `shown()` gives the columns not read yet (`shown_columns`), read only when excluded
    rows are asked for."""
    reason, day = listing.reason, listing.day
    counted = np.flatnonzero(reason == 0)
    if len(counted):
        d = day[counted].astype("datetime64[D]")
        month = d.astype("datetime64[M]").astype(np.int64)
        lo = int(month.min())
        span = int(month.max()) - lo + 1
        held = np.zeros((len(listing.wards) + 1, span), bool)
        bdm_month = pd.to_datetime(months["month"]).to_numpy().astype("datetime64[M]").astype(np.int64)
        number = {w: i for i, w in enumerate(listing.wards)}
        w = np.asarray([number.get(x, -1) for x in months["ward_id"]], np.int64)
        ok = (w >= 0) & (bdm_month >= lo) & (bdm_month < lo + span)
        held[w[ok], bdm_month[ok] - lo] = True
        outside = ~held[listing.ward[counted], month - lo]
        reason[counted[outside]] = REASON_KEYS.index("outside_bed_day_months")
    per = np.bincount(reason, minlength=len(REASON_KEYS))
    cols, roles = listing.cols, listing.roles
    mapped = [r for r in ROLES if r in roles]

    later: list[Columns] = []

    def fetch(key: str) -> pd.DataFrame:
        keep = reason == REASON_KEYS.index(key)
        out = pd.DataFrame({"row": cols.rows[keep]})
        for c in mapped:
            if c not in cols.columns and not later:
                later.append(shown_later())
            source = cols if c in cols.columns else later[0]
            out[c] = source.text(c, keep)
        return out

    def shown_later() -> Columns:
        if shown is None:  # pragma: no cover - the engine gives it whenever a column was left unread
            raise ValueError("the listing's other columns were not read")
        more = shown()
        if not np.array_equal(more.rows, cols.rows):  # the file changed since it was read
            raise ValueError("the listing changed after it was imported; import it again to list its rows")
        return more

    return Reconciliation(
        LISTING,
        rows_read=len(cols),
        rows_counted=int(per[0]),
        excluded=LazyRows({k: int(per[REASON_KEYS.index(k)]) for k in LISTING_REASONS}, fetch),
        reasons=dict(LISTING_REASONS),
    )


def _labels(names: list[str], codes: np.ndarray) -> pd.Series:
    """names[code] for each code, as a pandas text Series (made in Arrow: a day-by-day table has a million rows)."""
    return pa.array(names, pa.string()).take(pa.array(codes)).to_pandas()


def counts(listing: Listing, measures: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ward_id, month and one count column per measure; ward_id, measure, date, incidents per day), both in
    order of ward_id, then month or measure and date."""
    counted = listing.reason == 0
    ward, measure, day = listing.ward[counted], listing.measure[counted], listing.day[counted]
    n_measures = len(listing.measures)
    wide = pd.DataFrame({"ward_id": pd.Series(dtype="str"), "month": pd.Series(dtype="datetime64[us]")})
    daily = pd.DataFrame(
        {
            "ward_id": pd.Series(dtype="str"),
            "measure": pd.Series(dtype="str"),
            "date": pd.Series(dtype="datetime64[us]"),
            "incidents": pd.Series(dtype="int64"),
        }
    )
    if len(day):
        lo = int(day.min())
        n_days = int(day.max()) - lo + 1
        # wards and measures are numbered in sorted order, so the groups come out sorted
        groups, n = np.unique((ward * n_measures + measure) * n_days + (day - lo), return_counts=True)
        w, rest = np.divmod(groups, n_measures * n_days)
        m, d = np.divmod(rest, n_days)
        dates = (d + lo).astype("datetime64[D]")
        daily = pd.DataFrame(
            {
                "ward_id": _labels(listing.wards, w),
                "measure": _labels(listing.measures, m),
                "date": dates.astype("datetime64[us]"),
                "incidents": n.astype(np.int64),
            }
        )
        month = dates.astype("datetime64[M]").astype(np.int64)
        m0 = int(month.min())
        n_months = int(month.max()) - m0 + 1
        cells, at = np.unique(w * n_months + (month - m0), return_inverse=True)
        sums = np.bincount(at.reshape(-1) * n_measures + m, weights=n, minlength=len(cells) * n_measures)
        sums = np.rint(sums).astype(np.int64).reshape(len(cells), n_measures)
        cw, cm = np.divmod(cells, n_months)
        wide = pd.DataFrame(
            {
                "ward_id": _labels(listing.wards, cw),
                "month": (cm + m0).astype("datetime64[M]").astype("datetime64[us]"),
            }
        )
    number = {x: i for i, x in enumerate(listing.measures)}
    for x in measures:
        wide[x] = sums[:, number[x]] if len(day) and x in number else np.zeros(len(wide), np.int64)
    return wide, daily


def span(listing: Listing) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last readable incident dates of the listing."""
    day = listing.day[listing.day != DAY_NONE]
    if not len(day):
        return None, None
    lo, hi = (pd.Timestamp(np.datetime64(int(x), "D")) for x in (day.min(), day.max()))
    return lo, hi

"""An incident listing through a mapping profile: distinct labels resolved in Python, every row classified in SQL.

Each row gets the first reason that applies, in the order of `LISTING_REASONS` (unreadable date, rejected status,
duplicate reference, unmapped location, unmapped category, counts as nothing, outside the bed-day months), or none
(counted). A duplicate is a later row with the reference of an earlier row that passed the first two tests.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.importers.parse import WardNames, quote, timestamp_sql
from analysis.data.importers.profile import CATEGORY_ROLES, ROLES, MappingProfile, label_key
from analysis.data.importers.reconcile import LISTING_REASONS, LazyRows, Reconciliation
from analysis.data.importers.tables import Opened, identifier_values, load, run

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


def load_listing(con, opened: Opened, profile: MappingProfile) -> tuple[dict[str, str], list[str]]:
    """Load the mapped columns into DuckDB table ``raw`` (columns named by role); (roles, dropped columns).

    Raises ListingError when a mapped column is missing or a cell of one is a CHI or NHS number."""
    roles = roles_in_file(opened, profile)
    load(con, opened, roles)
    text_roles = [r for r in roles if r in ("reference", "location", "site")]  # where a person's number could be
    found = identifier_values(con, "raw", text_roles)
    if found:
        raise ListingError(
            "This file looks like it holds patient identifiers, so it was not imported: "
            + "; ".join(f"the column '{roles[r]}' holds '{v}', which looks like a CHI or NHS number" for r, v in found)
            + ". Remove them from the export and try again."
        )
    return roles, dropped(opened, roles)


def _cat_cols(roles: dict[str, str]) -> list[str]:
    return [r for r in CATEGORY_ROLES if r in roles]


def distinct(con, roles: dict[str, str], profile: MappingProfile, wards: WardNames) -> dict[str, pd.DataFrame]:
    """Distinct locations, category combinations and statuses with their row counts, resolved by the profile."""
    loc = con.execute("SELECT location, count(*) AS rows FROM raw GROUP BY location").df()
    loc["ward_id"] = [wards.ward(v) or "" for v in loc["location"]]
    loc["mapped"] = loc["ward_id"] != ""
    loc["location"] = loc["location"].fillna("")
    cats = _cat_cols(roles)
    if cats:
        cat = con.execute(f"SELECT {', '.join(cats)}, count(*) AS rows FROM raw GROUP BY ALL").df()
    else:
        cat = pd.DataFrame({"rows": [con.execute("SELECT count(*) FROM raw").fetchall()[0][0]]})
    for r in CATEGORY_ROLES:
        if r not in cat:
            cat[r] = ""
        cat[r] = cat[r].astype(object).where(cat[r].notna(), "")
    cat["measure"] = [
        profile.measure_for(t, c, s) for t, c, s in zip(cat["type"], cat["category"], cat["sub_category"])
    ]
    cat["mapped"] = cat["measure"].notna()
    if "status" in roles:
        st = con.execute("SELECT status, count(*) AS rows FROM raw GROUP BY status").df()
        st["status"] = st["status"].astype(object).where(st["status"].notna(), "")
    else:
        st = pd.DataFrame({"status": pd.Series(dtype=object), "rows": pd.Series(dtype="int64")})
    excluded = {label_key(s) for s in profile.excluded_statuses}
    st["excluded"] = [label_key(s) in excluded and label_key(s) != "" for s in st["status"]]

    def order(f: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        return f.sort_values(["mapped", "rows", *by], ascending=[True, False, *[True] * len(by)], ignore_index=True)

    cat = order(cat[["type", "category", "sub_category", "rows", "measure", "mapped"]], list(CATEGORY_ROLES))
    cat["measure"] = pd.Series([m if isinstance(m, str) else None for m in cat["measure"]], dtype=object)
    return {
        "locations": order(loc[["location", "rows", "ward_id", "mapped"]], ["location"]),
        "categories": cat,
        "statuses": st.sort_values(["excluded", "rows"], ascending=[False, False], ignore_index=True)[
            ["status", "rows", "excluded"]
        ],
    }


def classify(con, roles: dict[str, str], found: dict[str, pd.DataFrame], decimal_comma: bool) -> None:
    """Table ``cls``: every row of ``raw`` with ts (its date, TIMESTAMP), ward_id, measure and whether its status is
    excluded; table ``dups``: the rows whose reference an earlier (readable, not rejected) row has."""
    locmap = found["locations"].assign(location=found["locations"]["location"].astype(str))
    cats = _cat_cols(roles)
    catmap = found["categories"].copy()
    for r in CATEGORY_ROLES:
        catmap[r] = catmap[r].astype(str)
    catmap["measure"] = catmap["measure"].astype(object)
    excluded = [str(s) for s, x in zip(found["statuses"]["status"], found["statuses"]["excluded"]) if x]
    con.register("locmap", locmap[["location", "ward_id"]])
    con.register("catmap", catmap[[*CATEGORY_ROLES, "measure"]])
    con.register("rejected", pd.DataFrame({"status": pd.Series(excluded, dtype=object)}))
    # dates are parsed once per distinct text (a listing has a few thousand), then joined on the text as read
    run(
        con,
        f"CREATE OR REPLACE TABLE dmap AS SELECT date, {timestamp_sql('t', decimal_comma)} AS ts "
        "FROM (SELECT date, trim(date) AS t FROM (SELECT DISTINCT date FROM raw WHERE date IS NOT NULL))",
    )
    status_test = "coalesce(r.status, '') IN (SELECT status FROM rejected)" if "status" in roles else "false"
    ref = "r.reference" if "reference" in roles else "NULL"
    cat_join = " AND ".join(f"coalesce(r.{c}, '') = m.{c}" for c in cats) or "true"
    run(
        con,
        f"""
        CREATE OR REPLACE TABLE cls AS
        SELECT r."row", {ref} AS reference, dm.ts AS ts, nullif(l.ward_id, '') AS ward_id, m.measure,
               {status_test} AS rejected
        FROM raw r
        LEFT JOIN dmap dm ON r.date = dm.date
        LEFT JOIN locmap l ON coalesce(r.location, '') = l.location
        LEFT JOIN catmap m ON {cat_join}
        """,
    )
    if "reference" in roles:
        run(
            con,
            """
            CREATE OR REPLACE TABLE dups AS
            WITH twice AS (SELECT reference, min("row") AS first FROM cls
                           WHERE ts IS NOT NULL AND NOT rejected AND reference IS NOT NULL
                           GROUP BY reference HAVING count(*) > 1)
            SELECT c."row" FROM cls c JOIN twice t ON c.reference = t.reference AND c."row" > t.first
            WHERE c.ts IS NOT NULL AND NOT c.rejected
            """,
        )
    else:
        run(con, 'CREATE OR REPLACE TABLE dups ("row" BIGINT)')


def reconcile(con, roles: dict[str, str], months: pd.DataFrame) -> Reconciliation:
    """Table ``rec`` (row, ward_id, measure, day, reason) and the reconciliation; `months` are the bed-day months
    (ward_id, month)."""
    con.register("bdm", months[["ward_id", "month"]].assign(month=pd.to_datetime(months["month"]).dt.date))
    run(
        con,
        """
        CREATE OR REPLACE VIEW rec AS
        SELECT c."row", c.ward_id, c.measure, CAST(c.ts AS DATE) AS day,
            CASE WHEN c.ts IS NULL THEN 'unreadable_date'
                 WHEN c.rejected THEN 'rejected_status'
                 WHEN d."row" IS NOT NULL THEN 'duplicate_reference'
                 WHEN c.ward_id IS NULL THEN 'unmapped_location'
                 WHEN c.measure IS NULL THEN 'unmapped_category'
                 WHEN c.measure = '' THEN 'counts_as_nothing'
                 WHEN b.ward_id IS NULL THEN 'outside_bed_day_months'
                 ELSE '' END AS reason
        FROM cls c
        LEFT JOIN dups d USING ("row")
        LEFT JOIN bdm b ON b.ward_id = c.ward_id AND b.month = CAST(date_trunc('month', c.ts) AS DATE)
        """,
    )
    # one pass: rows by reason, and the counted rows by ward, measure and day
    run(
        con,
        "CREATE OR REPLACE TABLE agg AS SELECT reason, CASE WHEN reason = '' THEN ward_id END AS ward_id, "
        "CASE WHEN reason = '' THEN measure END AS measure, CASE WHEN reason = '' THEN day END AS day, "
        "count(*) AS n FROM rec GROUP BY ALL",
    )
    counts = {k: int(v) for k, v in con.execute("SELECT reason, sum(n) FROM agg GROUP BY reason").fetchall()}
    read = int(con.execute("SELECT count(*) FROM raw").fetchall()[0][0])
    shown = [r for r in ROLES if r in roles]

    def fetch(reason: str) -> pd.DataFrame:
        cols = ", ".join(f"r.{quote(c)} AS {quote(c)}" for c in shown)
        out = con.execute(
            f'SELECT r."row", {cols} FROM rec x JOIN raw r USING ("row") WHERE x.reason = ? ORDER BY r."row"',
            [reason],
        ).df()
        return out.rename(columns={"row": "row"})

    return Reconciliation(
        LISTING,
        rows_read=read,
        rows_counted=int(counts.get("", 0)),
        excluded=LazyRows({k: int(counts.get(k, 0)) for k in LISTING_REASONS}, fetch),
        reasons=dict(LISTING_REASONS),
    )


def counts(con, measures: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ward_id, month and one count column per measure; ward_id, measure, date, incidents per day)."""
    daily = con.execute(
        """SELECT ward_id, measure, day AS date, CAST(n AS BIGINT) AS incidents FROM agg WHERE reason = ''
           ORDER BY ward_id, measure, date"""
    ).df()
    daily["date"] = pd.to_datetime(daily["date"])
    monthly = daily.assign(month=daily["date"].dt.to_period("M").dt.to_timestamp())
    wide = monthly.pivot_table(index=["ward_id", "month"], columns="measure", values="incidents", aggfunc="sum")
    wide = wide.reindex(columns=measures).fillna(0).astype("int64").reset_index()
    wide.columns.name = None
    return wide, daily


def span(con) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last readable incident dates of the listing."""
    lo, hi = con.execute("SELECT min(ts), max(ts) FROM cls").fetchall()[0]
    return (pd.Timestamp(lo).normalize() if lo else None, pd.Timestamp(hi).normalize() if hi else None)

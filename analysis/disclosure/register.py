"""The export register: every pack that leaves the app, and the refusal of one that could be differenced.

Rounding and suppression protect one table. Two tables can still be subtracted: a pack for all twelve wards and
one for all but Ward E give Ward E's count as the difference of their totals, and packs from April and from May
give April's count. So every export is recorded here (what tables, which wards and months, for whom, under which
rule, when) in its own table, ``export_register``, in the store's database (``COPRODUCTION_DATABASE_URL``, else
var/coproduction.sqlite), created on first use. An external export whose selection differs from an earlier
external export under the same rule by exactly one ward (same months), or by one month at either end (same wards),
is refused with `ExportRefused`; the same selection again is allowed (it publishes the same numbers). Internal
exports are never refused, and are recorded too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from analysis.disclosure.rules import DisclosureError

ENV_VAR = "COPRODUCTION_DATABASE_URL"  # the store's setting (analysis.store.database.ENV_VAR)
AUDIENCES = ("internal", "external")

metadata = sa.MetaData()
EXPORTS = sa.Table(
    "export_register",
    metadata,
    sa.Column("export_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("exported_at", sa.DateTime, nullable=False),
    sa.Column("audience", sa.String(16), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("wards", sa.Text, nullable=False),  # sorted ward ids, comma-separated (real ids, never codes)
    sa.Column("first_month", sa.Date, nullable=True),
    sa.Column("last_month", sa.Date, nullable=True),
    sa.Column("tables", sa.Text, nullable=False),  # JSON list of table titles
    sa.Column("formats", sa.Text, nullable=False),  # comma-separated
    sa.Column("source", sa.Text, nullable=False, default=""),
    # JSON: the pack's summary facts (verdicts, key figures, ward signals; no counts), for the next pack's
    # "what changed"; added to an older register's table on first use
    sa.Column("summary", sa.Text, nullable=True),
)


class ExportRefused(DisclosureError):
    """An external export that, beside an earlier one, would give a hidden count away by subtraction."""


@dataclass(frozen=True)
class Selection:
    """What one export covers: its wards (ids), first and last month, audience and rule."""

    wards: tuple[str, ...]
    first_month: pd.Timestamp | None
    last_month: pd.Timestamp | None
    audience: str
    rule: str
    tables: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    source: str = ""
    extra: dict = field(default_factory=dict, compare=False)
    summary: dict | None = field(default=None, compare=False)  # kept for the next pack's "what changed"

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise ValueError(f"audience must be internal or external, not {self.audience!r}")
        object.__setattr__(self, "wards", tuple(sorted(dict.fromkeys(str(w) for w in self.wards))))
        for name in ("first_month", "last_month"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else pd.Timestamp(value).to_period("M").to_timestamp())


def default_url() -> str:
    """COPRODUCTION_DATABASE_URL if set, else the store's SQLite file in <repo>/var."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        return url
    from analysis.data.dataset import REPO_ROOT

    return f"sqlite:///{Path(REPO_ROOT) / 'var' / 'coproduction.sqlite'}"


def _months_apart(a: pd.Timestamp | None, b: pd.Timestamp | None) -> int | None:
    if a is None or b is None:
        return None if a is not b else 0
    return abs((a.year - b.year) * 12 + a.month - b.month)


def differs_by_one(new: Selection, old: Selection) -> str | None:
    """Why `new` and `old` together give a hidden count away (in words), or None when they do not."""
    same_months = new.first_month == old.first_month and new.last_month == old.last_month
    wards_new, wards_old = set(new.wards), set(old.wards)
    if same_months and len(wards_new ^ wards_old) == 1:
        (ward,) = wards_new ^ wards_old
        return f"it differs from an earlier external export by one ward ({ward}) over the same months"
    if wards_new == wards_old:
        start = _months_apart(new.first_month, old.first_month)
        end = _months_apart(new.last_month, old.last_month)
        if start == 1 and end == 0:
            return "it differs from an earlier external export by one month at the start, for the same wards"
        if end == 1 and start == 0:
            return "it differs from an earlier external export by one month at the end, for the same wards"
    return None


class ExportRegister:
    """The register in the store's database (`url`, default `default_url()`); its table is made on first use."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        u = sa.engine.make_url(self.url)
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
            Path(u.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(u)
        metadata.create_all(self.engine, tables=[EXPORTS], checkfirst=True)
        columns = {c["name"] for c in sa.inspect(self.engine).get_columns(EXPORTS.name)}
        if "summary" not in columns:  # a register made before packs kept their summary
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.text(f"ALTER TABLE {EXPORTS.name} ADD COLUMN summary TEXT"))
            except sa.exc.DBAPIError:  # another process added it first
                if "summary" not in {c["name"] for c in sa.inspect(self.engine).get_columns(EXPORTS.name)}:
                    raise

    def entries(self) -> pd.DataFrame:
        """Every recorded export, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(EXPORTS).order_by(EXPORTS.c.export_id)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in EXPORTS.columns])

    def _earlier(self, conn, rule: str) -> Iterable[Selection]:
        query = sa.select(EXPORTS).where(EXPORTS.c.audience == "external", EXPORTS.c.rule == rule)
        for r in conn.execute(query).mappings():
            yield Selection(
                tuple(w for w in r["wards"].split(",") if w),
                r["first_month"],
                r["last_month"],
                "external",
                r["rule"],
            )

    def check(self, selection: Selection) -> None:
        """Raise ExportRefused when an external `selection` could be differenced with an earlier export."""
        if selection.audience != "external":
            return
        with self.engine.connect() as conn:
            for old in self._earlier(conn, selection.rule):
                why = differs_by_one(selection, old)
                if why:
                    raise ExportRefused(refusal_message(selection, old, why))

    def record(self, selection: Selection, when: dt.datetime | None = None) -> int:
        """Check `selection` (external ones may be refused), then record it; returns its register id."""
        self.check(selection)
        row = {
            "exported_at": when or dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "audience": selection.audience,
            "rule": selection.rule,
            "wards": ",".join(selection.wards),
            "first_month": None if selection.first_month is None else selection.first_month.date(),
            "last_month": None if selection.last_month is None else selection.last_month.date(),
            "tables": json.dumps(list(selection.tables), ensure_ascii=False),
            "formats": ",".join(selection.formats),
            "source": selection.source,
            "summary": None if selection.summary is None else json.dumps(selection.summary, ensure_ascii=False),
        }
        with self.engine.begin() as conn:
            return int(conn.execute(sa.insert(EXPORTS).values(**row)).inserted_primary_key[0])

    def previous_summary(self, audience: str) -> tuple[dict, dt.datetime] | None:
        """The summary facts and time of the latest recorded pack for `audience` that kept one, or None."""
        query = (
            sa.select(EXPORTS.c.summary, EXPORTS.c.exported_at)
            .where(EXPORTS.c.audience == audience, EXPORTS.c.summary.is_not(None))
            .order_by(EXPORTS.c.export_id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        try:
            return json.loads(row[0]), row[1]
        except (TypeError, ValueError):
            return None


def _when(selection: Selection) -> str:
    a, b = selection.first_month, selection.last_month
    fmt = "%b %Y"
    return "all months" if a is None else (a.strftime(fmt) if a == b else f"{a.strftime(fmt)} to {b.strftime(fmt)}")


def refusal_message(new: Selection, old: Selection, why: str) -> str:
    """The plain message for a refused export."""
    return (
        f"This external export was refused: {why} (wards {', '.join(old.wards) or 'none'}, {_when(old)}, "
        f"{old.rule} rule). Subtracting one pack's totals from the other's would give back counts that each "
        "pack hides. Choose a selection that differs by more than one ward or one month, publish the same "
        "selection as before, or make the pack for an internal audience."
    )

"""The app's saved settings, ``app_settings``: one row a setting (its name), its value as text, who changed it
and when (UTC, naive). The hospital's SPC run length is one (`analysis.spc.settings`).

A table of the store like the others: ``Store`` makes it with the rest, and its upgrade adds it (the audit
records it) to a store an earlier version made without it, or adds a column this version has and the store's
copy lacks, keeping every row. A setting is written under the store's write lock (`Store.save_setting`);
reading one (`read_setting`) never creates anything, so a store without the table reads as no setting saved.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

SETTINGS_TABLE = "app_settings"


def add_settings_table(md: sa.MetaData) -> sa.Table:
    """The settings table, defined in `md` (the store's metadata, or one of its own for a reader)."""
    return sa.Table(
        SETTINGS_TABLE,
        md,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),  # UTC, naive
        sa.Column("who", sa.String(320), nullable=False, default=""),
    )


SETTINGS = add_settings_table(sa.MetaData())  # for reading outside a Store


def read_setting(engine: sa.Engine, name: str) -> str | None:
    """The saved value of setting `name`, None when none is saved or the store has no settings table (which
    reading never makes)."""
    if not sa.inspect(engine).has_table(SETTINGS_TABLE):
        return None
    with engine.connect() as conn:
        return conn.execute(sa.select(SETTINGS.c.value).where(SETTINGS.c.name == name)).scalar_one_or_none()


def write_setting(conn: sa.Connection, table: sa.Table, name: str, value: str, who: str = "") -> None:
    """Save `value` as setting `name` in `table`, with who changed it and when, on `conn` (in its transaction)."""
    row = {"value": value, "changed_at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "who": who}
    done = conn.execute(sa.update(table).where(table.c.name == name).values(**row)).rowcount
    if not done:
        conn.execute(sa.insert(table).values(name=name, **row))

"""Bringing a store made by an earlier version up to this one when it is opened, in the opening transaction
under the store's lock: missing columns are added (blank in the rows already stored), a column this version lets
be blank loses its NOT NULL (SQLite's tables are rebuilt for it, rows and ids kept), and the audit's CHECK learns
the action ``upgrade``, which the audit then records. Nothing is dropped or retyped: a column of another type, or
a missing one that needs a value, is a StoreError naming it.
"""

from __future__ import annotations

import sqlalchemy as sa

from analysis.store.schema import AUDIT_ACTIONS, AUDIT_TABLE, LOCAL_USER, LOCK_TABLE, StoreError, active_index_name
from analysis.text import plural_word


def _same_kind(found, wanted) -> bool:
    """Whether a stored column's type holds what this version keeps there (text, whole number, number, date,
    date and time, yes / no), whatever the database calls it."""
    try:
        return found.python_type is wanted.python_type
    except NotImplementedError:  # a type SQLAlchemy cannot read back (SQLite's column without a type)
        return False


class Upgrade:
    """Stores made by an earlier version (mixed into `Store`, whose ``__init__`` calls `_upgrade` when it opens
    the store)."""

    def _upgrade(self, conn, before: set[str]) -> str | None:
        """Bring a store made by an earlier version up to this version's tables, in the opening transaction
        (under the store's lock, so two apps opening it together upgrade it once); the audit's detail, or None.

        Tables it lacks were made by ``create_all``; here every missing column is added (blank in the rows
        already stored), and a column this version lets be blank loses its NOT NULL. Nothing is dropped or
        retyped: a column of another type, or a missing column that needs a value in every row, is a
        StoreError naming it, and nothing changes.
        """
        if "imports" not in before:  # a new store: create_all made every table as this version has them
            return None
        insp = sa.inspect(conn)
        added, relaxed, problems = [], [], []
        for table in self._md.sorted_tables:
            if table.name not in before:
                continue
            have = {c["name"]: c for c in insp.get_columns(table.name)}
            for col in table.columns:
                found = have.get(col.name)
                where = f"{table.name}.{col.name}"
                if found is None:
                    if col.nullable:
                        added.append(col)
                    else:
                        problems.append(f"{where} is missing, and this version needs a value for it in every row")
                elif not _same_kind(found["type"], col.type):
                    problems.append(
                        f"{where} is stored as {found['type']}, but this version stores "
                        f"{col.type.compile(dialect=conn.dialect)} there"
                    )
                elif col.nullable and not found.get("nullable", True):
                    relaxed.append(col)
        if problems:
            raise StoreError(
                f"The data store at {self._safe_url()} was made by another version of the app and cannot be "
                f"brought up to this one: {'; '.join(problems)}. Nothing was changed; ask whoever runs the "
                "database to fix that column, or open the store with the version that made it."
            )
        # the audit and the lock table are the store's own bookkeeping: a store made before them just gets them
        new_tables = [name for name in self._md.tables if name not in before | {AUDIT_TABLE, LOCK_TABLE}]
        if not (added or relaxed or new_tables):
            return None
        for col in added:
            self._add_column(conn, col)
        rebuilt = {col.table.name for col in relaxed} if self._dialect == "sqlite" else set()
        for col in relaxed:
            if col.table.name not in rebuilt:
                self._drop_not_null(conn, col)
        for name in sorted(rebuilt):  # SQLite cannot drop a NOT NULL in place: copy the table into a new one
            self._rebuild_sqlite_table(conn, name)
        self._allow_upgrade_in_audit(conn)
        parts = []
        if new_tables:
            parts.append(f"added {plural_word(len(new_tables), 'table')} " + ", ".join(new_tables))
        if added:
            words = plural_word(len(added), "column")
            parts.append(f"added {words} " + ", ".join(f"{c.table.name}.{c.name}" for c in added))
        if relaxed:
            words = plural_word(len(relaxed), "column")
            parts.append(f"{words} that may now be blank " + ", ".join(f"{c.table.name}.{c.name}" for c in relaxed))
        detail = "; ".join(parts)
        self._audit(conn, "upgrade", "data store", LOCAL_USER, detail=detail)
        return detail

    def _ddl(self, conn, sql: str) -> None:
        conn.exec_driver_sql(sql)

    def _add_column(self, conn, col: sa.Column) -> None:
        q = conn.dialect.identifier_preparer
        kind = col.type.compile(dialect=conn.dialect)
        add = "ADD" if self._dialect == "mssql" else "ADD COLUMN"
        self._ddl(conn, f"ALTER TABLE {q.format_table(col.table)} {add} {q.format_column(col)} {kind}")

    def _drop_not_null(self, conn, col: sa.Column) -> None:
        q = conn.dialect.identifier_preparer
        table, name = q.format_table(col.table), q.format_column(col)
        if self._dialect == "mssql":
            kind = col.type.compile(dialect=conn.dialect)
            self._ddl(conn, f"ALTER TABLE {table} ALTER COLUMN {name} {kind} NULL")
        elif self._dialect in ("mysql", "mariadb"):
            kind = col.type.compile(dialect=conn.dialect)
            self._ddl(conn, f"ALTER TABLE {table} MODIFY {name} {kind} NULL")
        else:
            self._ddl(conn, f"ALTER TABLE {table} ALTER COLUMN {name} DROP NOT NULL")

    def _rebuild_sqlite_table(self, conn, name: str) -> None:
        """Make a SQLite table anew from this version's definition and copy every row (ids and the table's
        AUTOINCREMENT counter kept), for changes SQLite's ALTER TABLE cannot make. Only for tables no other
        table refers to (the rename would carry those references to the old copy)."""
        table = self._t[name]
        referrers = [t.name for t in self._md.tables.values() if any(fk.column.table is table for fk in t.foreign_keys)]
        if referrers:
            raise StoreError(f"The store's table {name} cannot be rebuilt: {', '.join(referrers)} refers to it.")
        q = conn.dialect.identifier_preparer
        old = f"{name}__before_upgrade"
        indexes = conn.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
            {"t": name},
        ).scalars()
        for index in list(indexes):
            self._ddl(conn, f"DROP INDEX {q.quote(index)}")
        have = [c["name"] for c in sa.inspect(conn).get_columns(name)]
        counter = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": name}).scalar()
        self._ddl(conn, f"ALTER TABLE {q.quote(name)} RENAME TO {q.quote(old)}")
        conn.execute(sa.schema.CreateTable(table))
        for index in table.indexes:
            if index.name != active_index_name(name):  # made by _ensure_active_indexes, which checks first
                index.create(conn)
        cols = ", ".join(q.quote(c) for c in have if c in table.c)
        self._ddl(conn, f"INSERT INTO {q.quote(name)} ({cols}) SELECT {cols} FROM {q.quote(old)}")
        self._ddl(conn, f"DROP TABLE {q.quote(old)}")
        if counter is not None:
            conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": name})
            conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :s)"), {"t": name, "s": counter})

    def _allow_upgrade_in_audit(self, conn) -> None:
        """A store made before the audit knew the action "upgrade" has a CHECK that refuses it: widen it."""
        checks = sa.inspect(conn).get_check_constraints(AUDIT_TABLE)
        current = [c for c in checks if c.get("name") == "ck_audit_log_action" or "action" in c.get("sqltext", "")]
        if not current or any("'upgrade'" in c.get("sqltext", "") for c in current):
            return
        if self._dialect == "sqlite":
            self._rebuild_sqlite_table(conn, AUDIT_TABLE)
            return
        q = conn.dialect.identifier_preparer
        allowed = ", ".join(f"'{a}'" for a in AUDIT_ACTIONS)
        drop = "DROP CHECK" if self._dialect in ("mysql", "mariadb") else "DROP CONSTRAINT"
        for c in current:
            self._ddl(conn, f"ALTER TABLE {q.quote(AUDIT_TABLE)} {drop} {q.quote(c['name'])}")
        self._ddl(
            conn,
            f"ALTER TABLE {q.quote(AUDIT_TABLE)} ADD CONSTRAINT ck_audit_log_action CHECK (action IN ({allowed}))",
        )

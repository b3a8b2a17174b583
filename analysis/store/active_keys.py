"""One active row per key: on SQLite and PostgreSQL a partial unique index per table (``ux_<table>_active``,
defined in `analysis.store.schema`) refuses a second active row for a contract key. A store made before those
indexes gets them when opened; if it already holds keys active twice (left by imports run together before the
store locked imports), the indexes wait and `_duplicate_report` says which imports to roll back, which ``load``
and imports raise until that is done.
"""

from __future__ import annotations

import sqlalchemy as sa

from analysis.data.contract import TABLES
from analysis.store.schema import ACTIVE_INDEX_DIALECTS, active_index_name, key_expressions
from analysis.text import plural, plural_word


class ActiveKeys:
    """The one-active-row indexes and the report of keys active twice (mixed into `Store`)."""

    def _missing_active_indexes(self, conn) -> list[str]:
        if self._dialect not in ACTIVE_INDEX_DIALECTS:
            return []
        if self._dialect == "sqlite":
            names = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars()
        else:
            names = conn.execute(
                sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            ).scalars()
        have = set(names)
        return [name for name in TABLES if active_index_name(name) not in have]

    def _duplicate_report(self, conn, names: list[str]) -> str | None:
        """What to do when keys are active twice (left by imports run together before the lock), else None."""
        found, imports, example = 0, set(), None
        for name in names:
            t = self._t[name]
            keys = key_expressions(t)
            q = (
                sa.select(*keys, sa.func.min(t.c.import_id), sa.func.max(t.c.import_id))
                .where(t.c.superseded_by.is_(None))
                .group_by(*keys)
                .having(sa.func.count() > 1)
            )
            for r in conn.execute(q):
                found += 1
                imports.update(r[-2:])
                if example is None:
                    example = f"{name} {' '.join(str(v) for v in r[:-2])}, from imports {r[-2]} and {r[-1]}"
        if not found:
            return None
        ids = sorted(imports)
        listed = ", ".join(map(str, ids))
        return (
            f"The data store at {self._safe_url()} holds {plural(found, 'key')} with more than one active row "
            f"(for example {example}), left by imports that ran at the same time before the store locked "
            f"imports. Nothing was changed and no import is taken until this is put right: roll back "
            f"{plural_word(len(ids), 'import')} {listed} (on the Data page's history, or "
            f'`python -c "from analysis.store import Store; Store().rollback(N)"` for each N with '
            f"COPRODUCTION_DATABASE_URL set), then import that file once more."
        )

    def _ensure_active_indexes(self, conn) -> str | None:
        """Create the missing one-active-row indexes (stores made before them); the duplicate report if any."""
        missing = self._missing_active_indexes(conn)
        problem = self._duplicate_report(conn, missing) if missing else None
        by_name = {i.name: i for t in self._md.tables.values() for i in t.indexes}
        for name in missing:
            if problem is None or self._duplicate_report(conn, [name]) is None:
                by_name[active_index_name(name)].create(conn)
        return problem

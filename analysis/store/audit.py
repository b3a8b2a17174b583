"""The audit (``audit_log``): who did what to the data and when (UTC). Imports, roll backs, annotations, saved
mapping profiles and upgrades write their row with `_audit` inside their own transaction, so the change and its
record are kept or lost together; `record` adds one for an export; `audit` lists it, newest first.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from analysis.store.connection import _now, _plain
from analysis.store.schema import AUDIT_ACTIONS, AUDIT_TABLE, LOCAL_USER, StoreError


class Audit:
    """Writing and reading the audit (mixed into `Store`)."""

    def _audit(
        self,
        conn,
        action: str,
        target: str,
        who: str,
        role: str = "",
        *,
        import_id: int | None = None,
        rule: str | None = None,
        export_id: int | None = None,
        detail: str = "",
    ) -> int:
        if action not in AUDIT_ACTIONS:
            raise StoreError(f"The audit has no action {action!r}; it records {', '.join(AUDIT_ACTIONS)}.")
        who = str(who or "").strip() or LOCAL_USER
        row = {
            "happened_at": _now(),
            "who": who[:320],
            "role": str(role or "")[:32],
            "action": action,
            "target": str(target),
            "import_id": import_id,
            "rule": None if rule is None else str(rule)[:64],
            "export_id": None if export_id is None else int(export_id),
            "detail": str(detail or ""),
        }
        return int(conn.execute(self._t[AUDIT_TABLE].insert().values(**row)).inserted_primary_key[0])

    def record(
        self,
        action: str,
        target: str,
        *,
        who: str = LOCAL_USER,
        role: str = "",
        rule: str | None = None,
        export_id: int | None = None,
        import_id: int | None = None,
        detail: str = "",
    ) -> int:
        """Add one row to the audit (an export, an annotation ...) and return its id.

        `target` names what was acted on (a file or table name, an import number), never its contents; `rule`
        is an export's disclosure rule and `export_id` its entry in the export register, when it has one.
        Imports and roll backs are audited by `import_tables` and `rollback` themselves.
        """
        try:
            with self._engine.begin() as conn:
                return self._audit(
                    conn,
                    action,
                    target,
                    who,
                    role,
                    import_id=import_id,
                    rule=rule,
                    export_id=export_id,
                    detail=detail,
                )
        except SQLAlchemyError as e:
            raise StoreError(f"The audit could not be written: {_plain(e)}.") from e

    def audit(self, limit: int | None = None) -> pd.DataFrame:
        """The audit, newest first (the `limit` newest rows when given): ``audit_id``, ``happened_at`` (UTC),
        ``who``, ``role``, ``action``, ``target``, ``import_id``, ``rule``, ``export_id``, ``detail``."""
        t = self._t[AUDIT_TABLE]
        query = sa.select(t).order_by(t.c.audit_id.desc())
        if limit is not None:
            query = query.limit(int(limit))
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(
            {
                "audit_id": pd.Series([r["audit_id"] for r in rows], dtype="int64"),
                "happened_at": pd.to_datetime(pd.Series([r["happened_at"] for r in rows], dtype=object))
                .astype("datetime64[ns]")
                .dt.tz_localize("UTC"),
                "who": pd.Series([r["who"] for r in rows], dtype="str"),
                "role": pd.Series([r["role"] for r in rows], dtype="str"),
                "action": pd.Series([r["action"] for r in rows], dtype="str"),
                "target": pd.Series([r["target"] for r in rows], dtype="str"),
                "import_id": pd.Series([r["import_id"] for r in rows], dtype="Int64"),
                "rule": pd.Series([r["rule"] for r in rows], dtype="str"),
                "export_id": pd.Series([r["export_id"] for r in rows], dtype="Int64"),
                "detail": pd.Series([r["detail"] for r in rows], dtype="str"),
            }
        )

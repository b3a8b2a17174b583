"""Changing the stored data, always as one import: planning what an import would replace, storing a checked
file's tables (rows it replaces are marked ``superseded_by``, never deleted), adding, changing or removing events
(`annotate`, an import of its own) and rolling an import back, which deletes its rows and brings back exactly what
it replaced. Each is one transaction under the store's lock and writes its audit row in that transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from analysis.data.contract import EVENT_KINDS, TABLES
from analysis.store.connection import _now, _plain
from analysis.store.io import prepare, rows_text
from analysis.store.plan import describe_plan as _describe_plan
from analysis.store.plan import group_columns, group_key, plan_frame
from analysis.store.profiles import IMPORT_PROFILES_TABLE
from analysis.store.schema import ITEMS_TABLE, LOCAL_USER, RESPONSES, StoreError

_CHUNK = 500  # ids per IN (...) list, well under every backend's parameter limit


class Imports:
    """Plan, import, annotate and roll back (mixed into `Store`)."""

    # ------------------------------------------------------------ planning
    def _active_groups(self, conn, name: str) -> list[tuple[int, tuple]]:
        t = self._t[name]
        cols = [t.c[c] for c in group_columns(name)]
        rows = conn.execute(sa.select(t.c.row_id, *cols).where(t.c.superseded_by.is_(None)))
        return [(r[0], group_key(name, tuple(r[1:]))) for r in rows]

    def _plan(self, conn, prepared: dict) -> tuple[pd.DataFrame, dict[str, list[int]]]:
        new, now, doomed = {}, {}, {}
        for name, p in prepared.items():
            new[name] = Counter(p.groups)
            wanted = set(new[name])
            active = [(rid, g) for rid, g in self._active_groups(conn, name) if g in wanted]
            now[name] = Counter(g for _, g in active)
            doomed[name] = [rid for rid, _ in active]
        if RESPONSES in prepared:
            self._check_response_ids(conn, prepared[RESPONSES], set(doomed[RESPONSES]))
        return plan_frame(new, now), doomed

    def _check_response_ids(self, conn, p, replaced_rows: set[int]) -> None:
        t = self._t[RESPONSES]
        ids = set(p.rows_by_column["response_id"])
        clash = set()
        for rid, resp in conn.execute(sa.select(t.c.row_id, t.c.response_id).where(t.c.superseded_by.is_(None))):
            if resp in ids and rid not in replaced_rows:
                clash.add(resp)
        if clash:
            shown = ", ".join(sorted(clash)[:5]) + (" ..." if len(clash) > 5 else "")
            raise StoreError(
                f"{len(clash)} survey return reference(s) in this file ({shown}) are already stored for other "
                "ward-months. Each return needs its own reference; nothing was imported."
            )

    def plan_import(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """What importing these tables would replace (empty when it only adds data)."""
        try:
            with self._read() as conn:
                prepared = prepare(conn, self._t, tables)
                plan, _ = self._plan(conn, prepared)
        except SQLAlchemyError as e:
            raise StoreError(f"The data store could not be read: {_plain(e)}.") from e
        return plan

    describe_plan = staticmethod(_describe_plan)

    # ------------------------------------------------------------ writing
    def import_tables(
        self,
        tables: dict[str, pd.DataFrame],
        file_name: str,
        content_hash: str,
        note: str = "",
        *,
        who: str = LOCAL_USER,
        role: str = "",
        profile: tuple[str, int | None, str] | None = None,
    ) -> int:
        """Store the tables as one import, replacing the ward-months they cover; returns the import id.

        One transaction, which also writes the audit row (`who`, `role`): on any failure nothing is written
        and StoreError is raised. ``profile`` (name, version or None, fingerprint): the mapping profile an import
        from an incident listing used, recorded with it (see `import_profiles`).
        """
        try:
            with self._write() as conn:
                import_id = self._import(conn, tables, file_name, content_hash, note)
                if profile is not None:
                    name, version, fingerprint = profile
                    conn.execute(
                        self._t[IMPORT_PROFILES_TABLE]
                        .insert()
                        .values(
                            import_id=import_id,
                            profile_name=str(name)[:200],
                            profile_version=None if version is None else int(version),
                            fingerprint=str(fingerprint or "")[:64],
                        )
                    )
                counts = {name: len(df) for name, df in tables.items() if name in TABLES}
                self._audit(conn, "import", str(file_name), who, role, import_id=import_id, detail=rows_text(counts))
                return import_id
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"The import of {file_name} failed and nothing was stored: {_plain(e)}.") from e
        except Exception as e:
            raise StoreError(f"The import of {file_name} failed and nothing was stored: {e}") from e

    def _import(self, conn, tables, file_name, content_hash, note) -> int:
        if self._duplicates:  # put right since the store was opened? (the indexes are created if so)
            self._duplicates = self._ensure_active_indexes(conn)
            if self._duplicates:
                raise StoreError(self._duplicates)
        prepared = prepare(conn, self._t, tables)
        if not prepared:
            raise StoreError(f"{file_name} has no rows to import; nothing was stored.")
        plan, doomed = self._plan(conn, prepared)
        imp = self._t["imports"]
        counts = {name: len(p.groups) for name, p in prepared.items()}
        replaced = plan.assign(month=plan["month"].dt.strftime("%Y-%m")).astype(object)
        replaced = replaced.where(replaced.notna(), None).to_dict("records")
        import_id = conn.execute(
            imp.insert().values(
                imported_at=_now(),
                file_name=str(file_name),
                content_hash=str(content_hash),
                rows_per_table=json.dumps(counts),
                status="active",
                rolled_back_at=None,
                note=str(note or ""),
                replaced=json.dumps(replaced, default=str),
            )
        ).inserted_primary_key[0]
        for name, p in prepared.items():
            self._set_superseded(conn, name, doomed[name], import_id)
            self._insert_table(conn, name, p, import_id)
        return int(import_id)

    def annotate(
        self,
        add: pd.DataFrame | None = None,
        retire: list[tuple] | None = None,
        *,
        who: str = LOCAL_USER,
        role: str = "",
        description: str = "",
    ) -> int:
        """Add, change or remove events (rows of the events table) as one import; returns the import id.

        `add` holds new events (the contract's events columns); `retire` lists the keys (ward_id or None, date,
        kind, label) of stored events to take away. An edit is both: retire the old event, add the new one. The
        retired rows are marked superseded by this import, as rows an import replaces are, so rolling it back
        brings them back; the import is listed in the history (`description` as its name) and audited as
        "annotate" in the same transaction. StoreError when there is nothing to do or an event to retire is no
        longer stored (someone else changed it since the page was drawn); nothing is written then.
        """
        name = "events"
        keys = [self._event_key(k) for k in (retire or [])]
        added = add if add is not None and len(add) else None
        if added is None and not keys:
            raise StoreError("There is no event to add, change or remove; nothing was stored.")
        if added is not None:
            odd = sorted({str(k) for k in added.get("kind", pd.Series(dtype="str")) if str(k) not in EVENT_KINDS})
            if odd or "label" not in added or added["label"].isna().any():
                why = f"the kind {', '.join(odd)} is not one of {', '.join(EVENT_KINDS)}" if odd else "a label is blank"
                raise StoreError(f"Nothing was stored: {why}.")
        what = str(description or "Events changed on the ward profile")
        try:
            with self._write() as conn:
                if self._duplicates:
                    self._duplicates = self._ensure_active_indexes(conn)
                    if self._duplicates:
                        raise StoreError(self._duplicates)
                prepared = prepare(conn, self._t, {name: added}) if added is not None else {}
                active = self._active_groups(conn, name)
                by_group: dict[tuple, list[int]] = {}
                for rid, g in active:
                    by_group.setdefault(g, []).append(rid)
                gone = [k for k in keys if k not in by_group]
                if gone:
                    shown = "; ".join(f"{k[1].isoformat()} {k[3]}" for k in gone[:3])
                    raise StoreError(
                        f"Nothing was stored: the event to change or remove ({shown}) is no longer in the store; "
                        "someone may have changed it since the page was drawn. Reload the page."
                    )
                new_groups = list(prepared[name].groups) if prepared else []
                doomed = sorted({rid for g in [*keys, *new_groups] for rid in by_group.get(g, [])})
                replaced = [
                    {"table": name, "ward_id": g[0], "month": None, "key": str(g), "rows_now": 1, "rows_new": 0}
                    for g in keys
                ]
                counts = {name: len(new_groups)} if new_groups else {}
                imp = self._t["imports"]
                digest = json.dumps([[str(v) for v in k] for k in keys] + [[str(v) for v in g] for g in new_groups])
                import_id = int(
                    conn.execute(
                        imp.insert().values(
                            imported_at=_now(),
                            file_name=what,
                            content_hash=hashlib.sha256(digest.encode("utf-8")).hexdigest(),
                            rows_per_table=json.dumps(counts),
                            status="active",
                            rolled_back_at=None,
                            note="annotation",
                            replaced=json.dumps(replaced, default=str),
                        )
                    ).inserted_primary_key[0]
                )
                self._set_superseded(conn, name, doomed, import_id)
                if prepared:
                    self._insert_table(conn, name, prepared[name], import_id)
                detail = f"events added {len(new_groups)}, removed {len(keys)}"
                self._audit(conn, "annotate", name, who, role, import_id=import_id, detail=detail)
                return import_id
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"The events could not be changed and nothing was stored: {_plain(e)}.") from e

    @staticmethod
    def _event_key(key) -> tuple:
        """An event's key as the store groups it: (ward_id or None, datetime.date, kind, label)."""
        try:
            ward, day, kind, label = key
        except (TypeError, ValueError) as e:
            raise StoreError(f"An event is named by (ward_id, date, kind, label), not {key!r}.") from e
        blank = ward is None or (not isinstance(ward, str) and pd.isna(ward)) or str(ward).strip() == ""
        return (None if blank else str(ward), pd.Timestamp(day).date(), str(kind), str(label))

    def _set_superseded(self, conn, name: str, row_ids: list[int], value: int | None) -> None:
        t = self._t[name]
        for i in range(0, len(row_ids), _CHUNK):
            chunk = row_ids[i : i + _CHUNK]
            conn.execute(sa.update(t).where(t.c.row_id.in_(chunk)).values(superseded_by=value))

    def _insert_table(self, conn, name: str, p, import_id: int) -> None:
        t = self._t[name]
        rows = [{**r, "import_id": import_id, "superseded_by": None} for r in p.rows]
        conn.execute(t.insert(), rows)
        if not p.items:
            return
        found = conn.execute(sa.select(t.c.response_id, t.c.row_id).where(t.c.import_id == import_id))
        ids = {row[0]: row[1] for row in found}  # a CursorResult has keys(), so dict() would read it as a mapping
        responses = p.rows_by_column["response_id"]
        item_rows = [
            {"response_row_id": ids[resp], "position": pos, "import_id": import_id, "item": item, "value": v}
            for pos, (item, values) in enumerate(p.items)
            for resp, v in zip(responses, values)
        ]
        conn.execute(self._t[ITEMS_TABLE].insert(), item_rows)

    def rollback(self, import_id: int, *, who: str = LOCAL_USER, role: str = "") -> None:
        """Undo one import: delete its rows and bring back what it replaced (one transaction, audited)."""
        imp = self._t["imports"]
        try:
            with self._write() as conn:
                row = conn.execute(sa.select(imp).where(imp.c.import_id == int(import_id))).mappings().first()
                if row is None:
                    raise StoreError(f"There is no import number {import_id}.")
                if row["status"] != "active":
                    raise StoreError(f"Import {import_id} ({row['file_name']}) was already rolled back.")
                for name in TABLES:
                    self._undo_table(conn, name, int(import_id))
                conn.execute(
                    sa.update(imp)
                    .where(imp.c.import_id == int(import_id))
                    .values(status="rolled_back", rolled_back_at=_now())
                )
                self._audit(conn, "rollback", str(row["file_name"]), who, role, import_id=int(import_id))
                if self._duplicates:  # rolling back a duplicate import may have put the store right
                    self._duplicates = self._ensure_active_indexes(conn)
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"Rolling back import {import_id} failed and nothing changed: {_plain(e)}.") from e

    def _undo_table(self, conn, name: str, n: int) -> None:
        t = self._t[name]
        cols = [t.c[c] for c in group_columns(name)]
        # Where N's rows went: a group N replaced may since have been replaced again by a later import.
        fate: dict[tuple, int | None] = {}
        for r in conn.execute(sa.select(t.c.superseded_by, *cols).where(t.c.import_id == n)):
            fate[group_key(name, tuple(r[1:]))] = r[0]
        relink: dict[int | None, list[int]] = {}
        for r in conn.execute(sa.select(t.c.row_id, *cols).where(t.c.superseded_by == n)):
            relink.setdefault(fate.get(group_key(name, tuple(r[1:]))), []).append(r[0])
        if name == RESPONSES:
            items = self._t[ITEMS_TABLE]
            conn.execute(sa.delete(items).where(items.c.import_id == n))
        conn.execute(sa.delete(t).where(t.c.import_id == n))
        for later, row_ids in relink.items():
            self._set_superseded(conn, name, row_ids, later)

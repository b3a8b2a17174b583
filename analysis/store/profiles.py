"""The mapping profiles an incident listing is imported with (issue 12): their two tables (every saved version
of a profile, and which profile each import from a listing used), saving a profile as its next version (audited as
``map``), and listing and reading them back.
"""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from analysis.store.connection import _now, _plain
from analysis.store.schema import LOCAL_USER, StoreError

PROFILES_TABLE = "mapping_profiles"  # saved listing-import mapping profiles, every version kept
IMPORT_PROFILES_TABLE = "import_profiles"  # which profile (name and version) an import used


def _add_profile_tables(md: sa.MetaData) -> None:
    """The mapping profiles an incident-listing import is read with (issue 12): every saved version is kept
    (name + version unique), with who saved it and when (UTC); ``import_profiles`` records, for each import made
    from a listing, the profile name and version it used."""
    sa.Table(
        PROFILES_TABLE,
        md,
        sa.Column("profile_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Unicode(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("profile_json", sa.UnicodeText, nullable=False),
        sa.Column("fingerprint", sa.Unicode(64), nullable=False, default=""),  # the mapping's content hash
        sa.Column("created_by", sa.Unicode(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),  # UTC, naive
        sa.UniqueConstraint("name", "version", name="uq_mapping_profiles_name_version"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        IMPORT_PROFILES_TABLE,
        md,
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), primary_key=True),
        sa.Column("profile_name", sa.Unicode(200), nullable=False),
        sa.Column("profile_version", sa.Integer, nullable=True),  # None: a profile used without saving it
        sa.Column("fingerprint", sa.Unicode(64), nullable=False, default=""),
    )


class Profiles:
    """Saved mapping profiles (mixed into `Store`; ``_add_profile_tables`` defines their tables in its metadata)."""

    def save_profile(
        self, name: str, profile_json: str, *, fingerprint: str = "", who: str = LOCAL_USER, role: str = ""
    ) -> int:
        """Save a mapping profile under `name` as its next version (1, 2, ...) and return the version; saving
        the same JSON as the latest version keeps that version. Audited as "map"; one transaction."""
        name = str(name or "").strip()
        if not name:
            raise StoreError("A mapping profile needs a name.")
        if len(name) > 200:
            raise StoreError("A mapping profile's name can be at most 200 characters.")
        try:
            json.loads(profile_json)
        except (TypeError, ValueError) as e:
            raise StoreError(f"The mapping profile {name} is not valid JSON: {e}.") from None
        t = self._t[PROFILES_TABLE]
        try:
            with self._write() as conn:
                latest = (
                    conn.execute(sa.select(t).where(t.c.name == name).order_by(t.c.version.desc()).limit(1))
                    .mappings()
                    .first()
                )
                if latest is not None and latest["profile_json"] == profile_json:
                    return int(latest["version"])
                version = 1 if latest is None else int(latest["version"]) + 1
                who = str(who or "").strip() or LOCAL_USER
                conn.execute(
                    t.insert().values(
                        name=name,
                        version=version,
                        profile_json=str(profile_json),
                        fingerprint=str(fingerprint or "")[:64],
                        created_by=who[:320],
                        created_at=_now(),
                    )
                )
                self._audit(conn, "map", f"mapping profile {name}", who, role, detail=f"version {version}")
                return version
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"The mapping profile {name} was not saved: {_plain(e)}.") from e

    def profiles(self) -> pd.DataFrame:
        """Saved mapping profiles, every version, newest first: ``name``, ``version``, ``fingerprint``,
        ``created_by``, ``created_at`` (UTC), ``latest`` (the newest version of its name)."""
        t = self._t[PROFILES_TABLE]
        with self._read() as conn:
            rows = (
                conn.execute(
                    sa.select(t.c.name, t.c.version, t.c.fingerprint, t.c.created_by, t.c.created_at).order_by(
                        t.c.name, t.c.version.desc()
                    )
                )
                .mappings()
                .all()
            )
        df = pd.DataFrame(
            {
                "name": pd.Series([r["name"] for r in rows], dtype="str"),
                "version": pd.Series([r["version"] for r in rows], dtype="int64"),
                "fingerprint": pd.Series([r["fingerprint"] for r in rows], dtype="str"),
                "created_by": pd.Series([r["created_by"] for r in rows], dtype="str"),
                "created_at": pd.to_datetime(pd.Series([r["created_at"] for r in rows], dtype=object))
                .astype("datetime64[ns]")
                .dt.tz_localize("UTC"),
            }
        )
        df["latest"] = ~df["name"].duplicated()
        return df

    def profile(self, name: str, version: int | None = None) -> str:
        """A saved profile's JSON: the given version, or the newest. StoreError when there is none."""
        t = self._t[PROFILES_TABLE]
        q = sa.select(t.c.profile_json).where(t.c.name == str(name))
        q = q.where(t.c.version == int(version)) if version is not None else q.order_by(t.c.version.desc()).limit(1)
        with self._read() as conn:
            found = conn.execute(q).scalar()
        if found is None:
            which = f"version {version} of " if version is not None else ""
            raise StoreError(f"There is no saved {which}mapping profile named {name}.")
        return str(found)

    def import_profiles(self) -> pd.DataFrame:
        """Which mapping profile each import from a listing used: ``import_id``, ``profile_name``,
        ``profile_version`` (missing when the profile was not saved), ``fingerprint``."""
        t = self._t[IMPORT_PROFILES_TABLE]
        with self._read() as conn:
            rows = conn.execute(sa.select(t).order_by(t.c.import_id.desc())).mappings().all()
        return pd.DataFrame(
            {
                "import_id": pd.Series([r["import_id"] for r in rows], dtype="int64"),
                "profile_name": pd.Series([r["profile_name"] for r in rows], dtype="str"),
                "profile_version": pd.Series([r["profile_version"] for r in rows], dtype="Int64"),
                "fingerprint": pd.Series([r["fingerprint"] for r in rows], dtype="str"),
            }
        )

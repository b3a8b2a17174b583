"""The hospital's saved SPC setting: the run length of the shift and trend rules, kept in the store's database.

The run length is a convention of the hospital, not of one user or one visit: the board's pack, the ward
manager's screen and the analyst's command line must flag the same months, and a change of convention is
a decision made once (and said in every caption and in the pack's methods). So it is saved in the app's
database (``COPRODUCTION_DATABASE_URL``, else var/coproduction.sqlite), in its own table ``app_settings``
made on first save, with who changed it and when; it is not kept in the address or in one browser session,
where each visitor could silently see a different set of signals. Reading never creates anything: a store
without the table (or with no row) gives the Making Data Count default, ``RUN_LENGTH`` (7).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from analysis.spc.rules import RUN_LENGTH, check_run_length

RUN_LENGTH_SETTING = "spc_run_length"

metadata = sa.MetaData()
SETTINGS = sa.Table(
    "app_settings",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),  # UTC, naive
    sa.Column("who", sa.String(320), nullable=False, default=""),
)
_ENGINES: dict[str, sa.Engine] = {}


def _engine(url: str | None) -> sa.Engine:
    from analysis.store.database import _engine as store_engine
    from analysis.store.database import default_url

    url = url or default_url()
    if url not in _ENGINES:
        _ENGINES[url] = store_engine(url)
    return _ENGINES[url]


def saved_run_length(url: str | None = None) -> int:
    """The hospital's saved run length, or ``RUN_LENGTH`` (7) when none is saved (or it cannot be read)."""
    try:
        engine = _engine(url)
        if not sa.inspect(engine).has_table(SETTINGS.name):
            return RUN_LENGTH
        with engine.connect() as conn:
            value = conn.execute(
                sa.select(SETTINGS.c.value).where(SETTINGS.c.name == RUN_LENGTH_SETTING)
            ).scalar_one_or_none()
    except sa.exc.SQLAlchemyError:
        return RUN_LENGTH
    try:
        return check_run_length(int(value)) if value is not None else RUN_LENGTH
    except ValueError:
        return RUN_LENGTH


def save_run_length(run_length: int, who: str = "", url: str | None = None) -> int:
    """Save `run_length` (one of ``RUN_LENGTH_CHOICES``) as the hospital's setting; returns it."""
    n = check_run_length(run_length)
    engine = _engine(url)
    metadata.create_all(engine, tables=[SETTINGS], checkfirst=True)
    row = {"value": str(n), "changed_at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "who": who}
    with engine.begin() as conn:
        done = conn.execute(sa.update(SETTINGS).where(SETTINGS.c.name == RUN_LENGTH_SETTING).values(**row)).rowcount
        if not done:
            conn.execute(sa.insert(SETTINGS).values(name=RUN_LENGTH_SETTING, **row))
    return n

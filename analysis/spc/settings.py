"""The hospital's saved SPC setting: the run length of the shift and trend rules, kept in the store's database.

The run length is a convention of the hospital, not of one user or one visit: the board's pack, the ward
manager's screen and the analyst's command line must flag the same months, and a change of convention is
a decision made once (and said in every caption and in the pack's methods). So it is saved in the app's
database (``COPRODUCTION_DATABASE_URL``, else var/coproduction.sqlite), in the store's table ``app_settings``
(`analysis.store.app_settings`: made and upgraded with the store's other tables), with who changed it and when;
it is not kept in the address or in one browser session, where each visitor could silently see a different set
of signals. Reading never creates anything: a store without the table (or with no row) gives the Making Data
Count default, ``RUN_LENGTH`` (7).
"""

from __future__ import annotations

import sqlalchemy as sa

from analysis.spc.rules import RUN_LENGTH, check_run_length
from analysis.store.app_settings import SETTINGS, read_setting

RUN_LENGTH_SETTING = "spc_run_length"
__all__ = ["RUN_LENGTH_SETTING", "SETTINGS", "save_run_length", "saved_run_length"]
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
        value = read_setting(_engine(url), RUN_LENGTH_SETTING)
    except sa.exc.SQLAlchemyError:
        return RUN_LENGTH
    try:
        return check_run_length(int(value)) if value is not None else RUN_LENGTH
    except ValueError:
        return RUN_LENGTH


def save_run_length(run_length: int, who: str = "", url: str | None = None) -> int:
    """Save `run_length` (one of ``RUN_LENGTH_CHOICES``) as the hospital's setting, through the store (opening
    it makes or upgrades its tables, ``app_settings`` among them); returns it. A store that cannot be opened is
    a StoreError, a database error while saving a SQLAlchemyError."""
    from analysis.store.database import Store

    n = check_run_length(run_length)
    store = Store(url)
    try:
        store.save_setting(RUN_LENGTH_SETTING, str(n), who)
    finally:
        store.close()
    return n

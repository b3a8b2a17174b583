"""The store: imported data kept in a database, with every import's history and roll back.

`Store` opens the database (a SQLite file by default, any SQLAlchemy URL otherwise), imports the tables of a
checked file as one transaction, lists the history and rolls an import back; it raises `StoreError` with a
plain message when it cannot.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".database": ("Store", "default_url"),
        ".plan": ("describe_plan",),
        ".schema": ("StoreError",),
    },
)

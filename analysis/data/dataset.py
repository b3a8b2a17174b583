"""A loaded data set: the parsed contract tables plus where they came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.data.reference import builtin_measures, default_instrument

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO_ROOT / "data" / "sample"


@dataclass(frozen=True)
class Dataset:
    """Contract tables (parsed, defaults applied) and their provenance."""

    tables: dict[str, pd.DataFrame]
    source: str  # "sample" or "store"
    label: str  # shown to users: "Synthetic sample hospital", "Imported data (3 imports)"
    synthetic: bool
    provenance: dict = field(default_factory=dict)  # import ids, file names, extract date

    def table(self, name: str) -> pd.DataFrame:
        """A table, or an empty frame with the contract's columns when the data set lacks it."""
        from analysis.data.contract import TABLES

        if name in self.tables:
            return self.tables[name]
        return pd.DataFrame(columns=TABLES[name].columns)

    def fingerprint(self) -> str:
        """A hash of the full content, for caching heavy work by the data it ran on (computed once)."""
        fp = self.__dict__.get("_fingerprint")
        if fp is None:
            fp = fingerprint(self.tables)
            object.__setattr__(self, "_fingerprint", fp)  # frozen: tables never change after creation
        return fp


def fingerprint(tables: dict[str, pd.DataFrame]) -> str:
    h = hashlib.sha256()
    for name in sorted(tables):
        df = tables[name]
        h.update(name.encode())
        h.update(",".join(map(str, df.columns)).encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def with_defaults(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Add the default working instrument (when absent) and the built-in measures."""
    out = dict(tables)
    if "instrument" not in out or out["instrument"].empty:
        out["instrument"] = default_instrument()
    builtin = builtin_measures()
    given = out.get("measures")
    if given is not None and not given.empty:
        builtin = builtin[~builtin["measure"].isin(given["measure"])]
        out["measures"] = pd.concat([builtin, given], ignore_index=True)
    else:
        out["measures"] = builtin
    return out


def load_sample(path: Path = SAMPLE_DIR) -> Dataset:
    """Load the synthetic hospital shipped in data/sample, read through the same loader as uploads.

    Parameters
    ----------
    path : path-like, optional
        The folder of CSV files to read (one per table); the shipped sample, ``SAMPLE_DIR``, by default.

    Returns
    -------
    Dataset
        ``tables``: the contract tables by name (``wards``, ``ward_months``, ``coproduction_responses``,
        ``recovery``, ``events``, plus ``instrument`` and ``measures``: the default working instrument and
        the built-in recovery measures when the files do not give them), each with the columns the data
        contract lists (`analysis.data.contract.TABLES`, docs/data-contract.md) and the loader's dtypes;
        ``source`` ``"sample"``; ``label`` ``"Synthetic sample hospital"``; ``synthetic`` True;
        ``provenance`` ``{"path": ..., "content_hash": ...}`` (SHA-256 of the files read).

    Raises
    ------
    ValueError
        When the files do not pass the data contract (the message lists every problem).

    Examples
    --------
    >>> from analysis import load_sample
    >>> data = load_sample()
    >>> sorted(data.tables)
    ['coproduction_responses', 'events', 'instrument', 'measures', 'recovery', 'survey_returns',
     'talking_group_sessions', 'targets', 'ward_months', 'wards']
    >>> data.source, data.synthetic
    ('sample', True)
    >>> len(data.tables["wards"]), len(data.tables["ward_months"])
    (12, 720)
    >>> data.tables["wards"].columns.tolist()
    ['ward_id', 'ward_name', 'service', 'security_level', 'beds', 'opened', 'closed']
    """
    from analysis.data.loader import load_path

    result = load_path(path)
    if not result.ok:
        raise ValueError(f"The sample data in {path} does not pass the data contract:\n{result.problems}")
    return Dataset(
        tables=with_defaults(result.tables),
        source="sample",
        label="Synthetic sample hospital",
        synthetic=True,
        provenance={"path": str(path), "content_hash": result.content_hash},
    )

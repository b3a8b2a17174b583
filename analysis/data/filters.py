"""The shared view filters (wards, service, security level, period), applied the same way everywhere."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Filters:
    """Which wards and months a view covers. Empty tuples and None mean "all".

    The sidebar's filters, applied the same way by every page, export and command: a ward is kept when it
    passes every ward filter given (name, service and security level), a row when its month is in the period.

    Parameters
    ----------
    wards : tuple of str, optional
        ward_ids to keep.
    services : tuple of str, optional
        Services (the ``service`` column of ``wards``) to keep.
    security_levels : tuple of str, optional
        Security levels (``high``, ``medium``, ``low``) to keep.
    start, end : pandas.Timestamp, optional
        First and last month included (the first day of the month).

    Attributes
    ----------
    picks_wards : bool
        True when wards are chosen by name, service or security level.
    narrows : bool
        True when any filter is set.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis import Filters, load_sample
    >>> data = load_sample()
    >>> view = Filters(wards=("W01", "W02"), start=pd.Timestamp("2025-04-01"))
    >>> view.describe()
    'wards W01, W02; Apr 2025 to the latest month'
    >>> view.ward_ids(data.tables["wards"])
    ['W01', 'W02']
    >>> Filters().narrows, view.narrows
    (False, True)
    >>> Filters.from_dict(view.to_dict()) == view
    True
    """

    wards: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    security_levels: tuple[str, ...] = ()
    start: pd.Timestamp | None = None  # first month included
    end: pd.Timestamp | None = None  # last month included

    @property
    def picks_wards(self) -> bool:
        """True when wards are chosen by name, service or security level (not every ward)."""
        return bool(self.wards or self.services or self.security_levels)

    @property
    def narrows(self) -> bool:
        """True when any filter is set: some wards or some months only."""
        return self.picks_wards or self.start is not None or self.end is not None

    def ward_ids(self, wards: pd.DataFrame) -> list[str]:
        """The ward_ids of the `wards` table that pass the ward, service and security filters."""
        keep = pd.Series(True, index=wards.index)
        if self.wards:
            keep &= wards["ward_id"].isin(self.wards)
        if self.services:
            keep &= wards["service"].isin(self.services)
        if self.security_levels:
            keep &= wards["security_level"].isin(self.security_levels)
        return wards.loc[keep, "ward_id"].tolist()

    def apply(self, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """Cut every table to the chosen wards and months.

        Events are cut by ward only (hospital-wide ones always stay): a ward whose talking groups
        started before the chosen period is still a ward with talking groups in it.

        Parameters
        ----------
        tables : dict of str to DataFrame
            Contract tables by name, as in `Dataset.tables`. Without a ``wards`` table nothing is cut.

        Returns
        -------
        dict of str to DataFrame
            The same tables with the same columns: rows of other wards dropped from every table with a
            ``ward_id``, and rows outside ``start`` to ``end`` dropped by their ``month`` (or ``date``) column;
            each index reset.

        Examples
        --------
        >>> import pandas as pd
        >>> from analysis import Filters, load_sample
        >>> data = load_sample()
        >>> view = Filters(wards=("W01", "W02"), start=pd.Timestamp("2025-04-01"))
        >>> cut = view.apply(data.tables)
        >>> len(cut["wards"]), len(cut["ward_months"])
        (2, 24)
        >>> cut["ward_months"]["month"].min()
        Timestamp('2025-04-01 00:00:00')
        >>> cut["ward_months"].columns.equals(data.tables["ward_months"].columns)
        True
        """
        if "wards" not in tables:
            return dict(tables)
        ids = set(self.ward_ids(tables["wards"]))
        out = {}
        for name, df in tables.items():
            if "ward_id" in df.columns:
                keep = df["ward_id"].isin(ids)
                if name == "events":
                    keep |= df["ward_id"].isna()
                df = df[keep]
            when = "month" if "month" in df.columns else "date" if "date" in df.columns else None
            if name == "events":
                when = None
            if when is not None and (self.start is not None or self.end is not None):
                month = df[when].dt.to_period("M").dt.to_timestamp()
                keep = pd.Series(True, index=df.index)
                if self.start is not None:
                    keep &= month >= self.start
                if self.end is not None:
                    keep &= month <= self.end
                df = df[keep]
            out[name] = df.reset_index(drop=True)
        return out

    def describe(self) -> str:
        """The filters in words, for captions and export stamps."""
        parts = []
        if self.wards:
            parts.append("wards " + ", ".join(self.wards))
        if self.services:
            parts.append("services " + ", ".join(self.services))
        if self.security_levels:
            parts.append("security " + ", ".join(self.security_levels))
        if self.start is not None or self.end is not None:
            a = self.start.strftime("%b %Y") if self.start is not None else "the start"
            b = self.end.strftime("%b %Y") if self.end is not None else "the latest month"
            parts.append(f"{a} to {b}")
        return "; ".join(parts) if parts else "all wards, all months"

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("start", "end"):
            d[k] = d[k].strftime("%Y-%m") if d[k] is not None else None
        d = {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict | None) -> Filters:
        d = d or {}
        month = lambda v: pd.Timestamp(v).to_period("M").to_timestamp() if v else None
        return cls(
            wards=tuple(d.get("wards") or ()),
            services=tuple(d.get("services") or ()),
            security_levels=tuple(d.get("security_levels") or ()),
            start=month(d.get("start")),
            end=month(d.get("end")),
        )

"""The shared view filters (wards, service, security level, period), applied the same way everywhere.

A period is always a span of whole months (`Filters.start` to `Filters.end`); choosing it by quarter or by
financial year (`Filters.period_by`, `period_choices`) only names and snaps that span, so everything that
cuts or models the data keeps working with months.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from analysis.text import PERIODS_BY, financial_year, period_words, plural_word, quarter, uk_month


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
    period_by : {"months", "quarters", "years"}
        How the period was chosen and is named: by month, by financial-year quarter ("Q1 2024/25" is April
        to June 2024) or by financial year ("2024/25"). It names the period; it never changes the cut.

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
    period_by: str = "months"  # how the period is named: months, quarters or (financial) years

    def __post_init__(self) -> None:
        if self.period_by not in PERIODS_BY:
            raise ValueError(f"period_by must be one of {', '.join(PERIODS_BY)}, not {self.period_by!r}")

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
        """The filters in words, for captions and export stamps; the period in the words it was chosen by.

        >>> import pandas as pd
        >>> Filters(start=pd.Timestamp("2025-10-01"), end=pd.Timestamp("2026-03-01")).describe()
        'Oct 2025 to Mar 2026'
        >>> Filters(start=pd.Timestamp("2025-10-01"), end=pd.Timestamp("2026-03-01"), period_by="quarters").describe()
        'Q3 to Q4 2025/26'
        >>> Filters(services=("rehabilitation",), start=pd.Timestamp("2024-04-01"), period_by="years").describe()
        'service rehabilitation; 2024/25 to the latest month'
        """
        parts = []
        if self.wards:
            parts.append(plural_word(len(self.wards), "ward") + " " + ", ".join(self.wards))
        if self.services:
            parts.append(plural_word(len(self.services), "service") + " " + ", ".join(self.services))
        if self.security_levels:
            parts.append("security " + ", ".join(self.security_levels))
        if self.start is not None and self.end is not None:
            parts.append(period_words(self.start, self.end, self.period_by))
        elif self.start is not None or self.end is not None:
            a = _one_end(self.start, self.period_by) if self.start is not None else "the start"
            b = _one_end(self.end, self.period_by) if self.end is not None else "the latest month"
            parts.append(f"{a} to {b}")
        return "; ".join(parts) if parts else "all wards, all months"

    def to_dict(self) -> dict:
        """The cut as plain values (months as "YYYY-MM"): for model specs, export stamps and cache keys.

        `period_by` is left out: it names the period and never changes which rows are kept."""
        d = asdict(self)
        d.pop("period_by")
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
            period_by=d.get("period_by") or "months",
        )

    def without_period(self) -> Filters:
        """The same wards over every month (for comparisons that reach outside the chosen period)."""
        return Filters(self.wards, self.services, self.security_levels)


def _one_end(month: pd.Timestamp, by: str) -> str:
    """One end of a half-open period in the words of `by` (the quarter or year it starts or ends)."""
    return {"years": financial_year, "quarters": quarter}.get(by, uk_month)(month)


@dataclass(frozen=True)
class PeriodChoice:
    """One step of the period slider: its label and the first and last month ("YYYY-MM") it covers."""

    label: str
    first: str
    last: str


def _first_month(month: pd.Timestamp, by: str) -> pd.Timestamp:
    """The first month of the quarter or financial year `month` is in (the month itself for "months")."""
    if by == "months":
        return month
    step = 3 if by == "quarters" else 12
    back = (month.month - 4) % step  # financial quarters and years start in April
    return month - pd.DateOffset(months=back)


def period_choices(months: list[str], by: str = "months") -> list[PeriodChoice]:
    """The steps of the period slider for the data's months ("YYYY-MM", in order), by month, by financial
    quarter or by financial year. A quarter or year the data only partly cover is still offered; its label
    says which part ("Q4 2020/21 (from Feb 2021)").

    >>> [c.label for c in period_choices(["2025-02", "2025-03", "2025-04", "2025-05"], "quarters")]
    ['Q4 2024/25 (from Feb 2025)', 'Q1 2025/26 (to May 2025)']
    >>> period_choices(["2024-04", "2025-03", "2025-04"], "years")[0]
    PeriodChoice(label='2024/25', first='2024-04', last='2025-03')
    """
    if by not in PERIODS_BY:
        raise ValueError(f"by must be one of {', '.join(PERIODS_BY)}, not {by!r}")
    if not months:
        return []
    stamps = [pd.Timestamp(m + "-01") for m in months]
    if by == "months":
        return [PeriodChoice(uk_month(t), m, m) for t, m in zip(stamps, months)]
    groups: dict[pd.Timestamp, list[pd.Timestamp]] = {}
    for t in stamps:
        groups.setdefault(_first_month(t, by), []).append(t)
    size = 3 if by == "quarters" else 12
    name = quarter if by == "quarters" else financial_year
    out = []
    for first, got in groups.items():
        last = first + pd.DateOffset(months=size - 1)
        label = name(first)
        if got[0] > first:
            label += f" (from {uk_month(got[0])})"
        elif got[-1] < last:
            label += f" (to {uk_month(got[-1])})"
        out.append(PeriodChoice(label, got[0].strftime("%Y-%m"), got[-1].strftime("%Y-%m")))
    return out


def snap(start: str, end: str, choices: list[PeriodChoice]) -> tuple[int, int]:
    """The positions in `choices` of the steps holding `start` and `end` ("YYYY-MM"): a month range chosen
    one way, shown another (a link by month opened by quarter) widens to whole steps."""
    i = next((k for k, c in enumerate(choices) if c.last >= start), len(choices) - 1)
    j = next((k for k, c in enumerate(choices) if c.last >= end), len(choices) - 1)
    return min(i, j), max(i, j)

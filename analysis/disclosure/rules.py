"""The small-number rules: NHS England's and Scotland's presets, and the error raised when a table cannot be protected."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd


class DisclosureError(ValueError):
    """The table cannot be published safely under the rule as it stands."""


@dataclass(frozen=True)
class DisclosureRule:
    name: str
    low: int = 1
    high: int = 7
    round_to: int | None = 5
    symbol: str = "*"
    # Base that totals (a sum over wards or months a reader can choose) are rounded to when `round_to` is None:
    # a total published exactly can be differenced with another selection's total to give back a hidden cell.
    round_totals: int | None = None
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.low <= self.high:
            raise ValueError("A disclosure rule needs 1 <= low <= high.")
        if self.round_to is not None and not 2 <= self.round_to <= 2 * (self.high + 1):
            # Larger bases would round a shown count down to 0, which must always mean 0.
            raise ValueError("round_to must be between 2 and twice (high + 1).")
        if self.round_totals is not None and not 2 <= self.round_totals <= 2 * (self.high + 1):
            raise ValueError("round_totals must be between 2 and twice (high + 1).")

    @property
    def total_base(self) -> int | None:
        """The rounding base of a published total: `round_to` when the rule rounds every count, else `round_totals`."""
        return self.round_to if self.round_to is not None else self.round_totals

    def as_totals(self) -> DisclosureRule:
        """This rule for a table whose every count is a total over a selection of wards or months the reader
        chooses (each ward over the period, each month over the wards): every count is published as a total,
        rounded to `total_base`, as `protect_table`'s `selection_totals` does for the columns it names. The
        same rule when it already rounds every count to that base (NHS England)."""
        if self.total_base is None or self.round_to == self.total_base:
            return self
        return replace(self, round_to=self.total_base)

    def hides(self, n: float) -> bool:
        return self.low <= n <= self.high

    def publish(self, n: float, total: bool = False) -> int | str | None:
        """The published form of one true count: None (missing), the symbol, or an int.

        `total`: the count is a total over a selection of wards or months (rounded to `total_base`)."""
        if n is None or pd.isna(n):
            return None
        n = int(n)
        if self.hides(n):
            return self.symbol
        base = self.total_base if total else self.round_to
        if n == 0 or base is None:
            return n
        return int(base * math.floor(n / base + 0.5))

    def publish_total(self, n: float) -> int | str | None:
        """The published form of a total over a selection of wards or months (see `round_totals`)."""
        return self.publish(n, total=True)

    def bounds(self, shown: int | str | None, total: bool = False) -> tuple[float, float]:
        """What a reader can infer about the true count from its published form (`total`: as `publish`)."""
        if shown is None:
            return 0.0, math.inf
        if shown == self.symbol:
            return 1.0, math.inf  # hidden cells are never 0: 0 is always shown
        v = int(shown)
        if v == 0:
            return 0.0, 0.0
        floor = self.high + 1.0 if self.low == 1 else 1.0
        base = self.total_base if total else self.round_to
        if base is None:
            return float(v), float(v)
        half = base / 2
        return max(math.ceil(v - half), floor), math.ceil(v + half) - 1.0


RULES: dict[str, DisclosureRule] = {
    "nhs_england": DisclosureRule(
        name="nhs_england",
        low=1,
        high=7,
        round_to=5,
        description="Counts of 1 to 7 are shown as *; other counts are rounded to the nearest 5; "
        "0 is shown as 0; further cells are hidden where a total could reveal a hidden count "
        "(NHS England convention).",
        source="NHS England (NHS Digital) disclosure control methodology for Hospital Episode "
        "Statistics and the Emergency Care Data Set, in use since September 2018.",
    ),
    "scotland": DisclosureRule(
        name="scotland",
        low=1,
        high=4,
        round_to=None,
        round_totals=5,
        description="Counts of 1 to 4 (fewer than 5) are shown as *; other counts are not rounded, except "
        "totals over wards or months, which are rounded to the nearest 5 so that two selections' totals "
        "cannot be subtracted to give back a hidden count; 0 is shown as 0; further cells are hidden "
        "where a total could reveal a hidden count (Public Health Scotland practice).",
        source="Public Health Scotland Statistical Disclosure Control Protocol, version 2.1 "
        "(November 2023), which calls for a risk assessment; the fewer-than-5 threshold is this "
        "preset's choice and should be confirmed locally.",
    ),
}


def rule_from_name(name: str) -> DisclosureRule:
    """The preset called `name` ("nhs_england" or "scotland")."""
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"Unknown disclosure rule {name!r}; choose one of: {', '.join(RULES)}.") from None

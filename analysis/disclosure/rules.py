"""The small-number rules: NHS England's and Scotland's presets, and the error raised when a table cannot be protected."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.low <= self.high:
            raise ValueError("A disclosure rule needs 1 <= low <= high.")
        if self.round_to is not None and not 2 <= self.round_to <= 2 * (self.high + 1):
            # Larger bases would round a shown count down to 0, which must always mean 0.
            raise ValueError("round_to must be between 2 and twice (high + 1).")

    def hides(self, n: float) -> bool:
        return self.low <= n <= self.high

    def publish(self, n: float) -> int | str | None:
        """The published form of one true count: None (missing), the symbol, or an int."""
        if n is None or pd.isna(n):
            return None
        n = int(n)
        if self.hides(n):
            return self.symbol
        if n == 0 or self.round_to is None:
            return n
        return int(self.round_to * math.floor(n / self.round_to + 0.5))

    def bounds(self, shown: int | str | None) -> tuple[float, float]:
        """What a reader can infer about the true count from its published form."""
        if shown is None:
            return 0.0, math.inf
        if shown == self.symbol:
            return 1.0, math.inf  # hidden cells are never 0: 0 is always shown
        v = int(shown)
        if v == 0:
            return 0.0, 0.0
        floor = self.high + 1.0 if self.low == 1 else 1.0
        if self.round_to is None:
            return float(v), float(v)
        half = self.round_to / 2
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
        description="Counts of 1 to 4 (fewer than 5) are shown as *; other counts are not rounded; "
        "0 is shown as 0; further cells are hidden where a total could reveal a hidden count "
        "(Public Health Scotland practice).",
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

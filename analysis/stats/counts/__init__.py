"""Question 2 count models: incidents per occupied bed day against co-production, by ward.

`fit_counts` fits one incident count (Poisson or negative binomial, within/between-ward split, ward-clustered
errors); `fit_all_incidents` fits every count the data hold; `power_curve` and `months_for_power` simulate
power with `simulate_panel`.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".fit": ("INCIDENTS", "fit_all_incidents", "fit_counts"),
        ".power": ("months_for_power", "power_curve"),
        ".simulate": ("simulate_panel",),
    },
)

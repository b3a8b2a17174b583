"""Question 2 count models: incidents per occupied bed day against co-production, by ward."""

from analysis.stats.counts.fit import INCIDENTS, fit_all_incidents, fit_counts
from analysis.stats.counts.power import months_for_power, power_curve
from analysis.stats.counts.simulate import simulate_panel

__all__ = ["INCIDENTS", "fit_all_incidents", "fit_counts", "months_for_power", "power_curve", "simulate_panel"]

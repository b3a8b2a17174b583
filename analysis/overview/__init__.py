"""The overview: the three answers for the chosen wards and period, how sure they are, and every ward at a glance."""

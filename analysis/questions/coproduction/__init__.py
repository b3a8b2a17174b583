"""Question 1, can co-production exist in secure settings: levels by ward and group, by patients and staff."""

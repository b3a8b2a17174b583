"""Question 2, can co-production reduce assaults on staff: what the assaults page shows of the count models."""

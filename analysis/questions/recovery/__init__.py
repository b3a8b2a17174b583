"""Question 3, can co-production enhance recovery: mixed models of each recovery measure against co-production."""

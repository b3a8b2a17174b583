"""Statistical machinery shared by the questions: count models, mixed models, interrupted time series, reliability, results."""

"""One ward for its own meeting: its profile, survey scores and its last year against the year before."""

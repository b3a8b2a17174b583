"""The synthetic hospital: a seeded generator with known true effects, written byte-identically to data/sample."""

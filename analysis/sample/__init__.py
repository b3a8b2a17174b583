"""The synthetic hospital: a seeded generator with known true effects, written byte-identically to data/sample.

The generator function is `analysis.sample.generate.generate` (also `analysis.generate`); it is not
re-exported here because `analysis.sample.generate` is its module. `write_sample` writes data/sample,
`SampleHospital` is what the generator returns and `Design` holds the true effects.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".design": ("Design",),
        ".generate": ("DEFAULT_SEED", "SampleHospital", "true_coproduction", "write_sample"),
    },
)

"""Reduced social distance, the staff side: the seeds' three tensions and the measures that speak to each.

`wave_table` pairs, per ward and quarter with surveys, the patient- and staff-rated reduced social distance
(co-production returns), their gap, the staff boundaries scale, EssenCES experienced safety and assaults on
staff; `closeness_link` fits how each measure moves with closeness; `verdict` says it in plain words.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".model": (
            "TENSIONS",
            "assaults_link",
            "boundary_link",
            "closeness_link",
            "instrument_reliability_table",
            "scored_returns",
            "verdict",
            "wave_table",
        ),
    },
)

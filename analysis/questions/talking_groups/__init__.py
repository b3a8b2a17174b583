"""Talking groups (ward community meetings): what changed after each ward's meetings began.

`its_ward` is one ward's interrupted time series, `its_pooled` the stepped wedge across wards; `before_after`,
`attendance_dose` and `dose_response` are the page's charts and the attendance model.
"""

from analysis._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".model": ("attendance_dose", "before_after", "dose_response", "its_pooled", "its_ward", "start_dates"),
    },
)

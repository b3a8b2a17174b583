"""A new hospital's first listing import: its wards come from step 2's upload and are imported with the listing.

A new hospital has no ward_months to import with its wards table, so step 2's upload of that table alone stops at
the missing ward_months table. `wards_only` recognises that upload, `without_missing_months` takes that one error
away (the page says it as information instead) and `_pending_wards` hands the wards table to the listing import.
"""

from __future__ import annotations

import pandas as pd


def _pending_wards(pending) -> pd.DataFrame | None:
    """The wards table of the file uploaded in step 2 (`ui.upload.Upload`), when every one of its rows read
    without an error: a new hospital has no ward_months to import with its wards, so they come with the listing."""
    if pending is None or pending.result.refused is not None:
        return None
    wards = pending.result.tables.get("wards")
    kept = pending.result.without_bad_rows().tables.get("wards")
    if wards is None or not len(wards) or kept is None or len(kept) != len(wards):
        return None
    return wards


WARDS_MISSING_MONTHS = "the 'ward_months' table is needed"  # the start of the cross-check's sentence


def wards_only(pending) -> bool:
    """Step 2's upload holds a clean wards table and its one error is the missing ward_months table: a new
    hospital about to import its listing, whose wards are imported with it (or with ward_months)."""
    if _pending_wards(pending) is None:
        return False
    problems = pending.result.problems
    errors = problems[problems["severity"] == "error"]
    return len(errors) > 0 and errors["problem"].astype(str).str.startswith(WARDS_MISSING_MONTHS).all()


def without_missing_months(result):
    """`result` without the missing-ward_months error (said as information instead by the page)."""
    from dataclasses import replace

    problems = result.problems
    keep = ~((problems["severity"] == "error") & problems["problem"].astype(str).str.startswith(WARDS_MISSING_MONTHS))
    return replace(result, problems=problems[keep].reset_index(drop=True))

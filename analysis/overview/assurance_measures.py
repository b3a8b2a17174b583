"""Which measures the assurance grid shows unless the user chooses (`default_measures`): every measure for a
hospital's few wards; for a national table, where each measure is a chart per ward, the first few measures with a
target, else assaults on staff."""

from __future__ import annotations

import pandas as pd

from analysis.data.targets import normalised, target_measures


def default_measures(
    targets: pd.DataFrame | None,
    n_wards: int,
    catalogue: pd.DataFrame | None = None,
    most_wards: int = 30,
    most_measures: int = 3,
) -> list[str]:
    """The measures the grid shows unless the user chooses: every measure for up to `most_wards` wards; for more
    (a national table, where each measure is a chart per ward: 7 measures on 1,000 wards take as long as the
    whole ward table), the first `most_measures` measures with a target, else assaults on staff.

    >>> default_measures(None, 12)[:2], default_measures(None, 500)
    (['assaults_on_staff', 'assaults_on_patients'], ['assaults_on_staff'])
    """
    known = target_measures(catalogue)
    if n_wards <= most_wards:
        return list(known)
    named = set(normalised(targets, known)["measure"])
    return [k for k in known if k in named][:most_measures] or ["assaults_on_staff"]

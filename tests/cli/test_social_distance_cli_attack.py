"""`python -m analysis social-distance` on hostile returns (issue 14 attack): a coefficient that cannot be
computed is printed as a sentence with its reason, never as "nan"."""

from __future__ import annotations

import pandas as pd

from analysis.cli.main import main
from tests.data.test_instrument_checks import WARD_MONTHS, WARDS, _returns


def test_text_says_why_a_coefficient_is_missing_not_nan(tmp_path, capsys):
    rows = [(f"S{r}", "staff", "staff_boundaries", f"sb{i}", str(1 + (r + i) % 5)) for r in range(4) for i in (1, 2, 3)]
    tables = {"wards": WARDS, "ward_months": WARD_MONTHS, "survey_returns": _returns(rows)}
    for name, t in tables.items():
        (tmp_path / f"{name}.csv").write_text(pd.DataFrame(t).to_csv(index=False), encoding="utf-8")
    assert main(["social-distance", "--reliability-only", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower(), out
    assert "omega needs at least 10 complete returns" in out, out

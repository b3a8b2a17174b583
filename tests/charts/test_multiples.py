"""Small multiples (analysis/charts/multiples.py): a panel per ward on one shared scale."""

from __future__ import annotations

import pandas as pd

from analysis.charts.multiples import AVERAGE_NAME, small_multiples, y_title


def _data(n_wards: int = 9) -> pd.DataFrame:
    months = pd.date_range("2024-04-01", periods=4, freq="MS")
    return pd.DataFrame(
        [
            {"ward": f"W{w:02d}", "month": m, "score": 10.0 * w + i, "n": 5}
            for w in range(n_wards)
            for i, m in enumerate(months)
        ]
    )


def test_a_panel_per_ward_over_the_average_on_one_scale_across_rows():
    d = _data()
    fig = small_multiples(d, "ward", "month", "score", "%{y}", customdata="n")
    assert [a.text for a in fig.layout.annotations] == list(d["ward"].unique())
    own = [t for t in fig.data if t.name != AVERAGE_NAME]
    assert [list(t.y) for t in own] == [list(g["score"]) for _, g in d.groupby("ward")]
    average = next(t for t in fig.data if t.name == AVERAGE_NAME)
    assert list(average.y) == list(d.groupby("month")["score"].mean())
    assert sum(t.showlegend is not False for t in fig.data if t.name == AVERAGE_NAME) == 1
    # 9 wards in 3 rows of 4: every y axis follows the first, so W08's panel is on W00's scale
    axes = [k for k in fig.layout if k.startswith("yaxis")]
    assert len(axes) == 12
    assert all(fig.layout[k].matches == "y" for k in axes if k != "yaxis") and fig.layout.yaxis.matches is None


def test_y_title_once_beside_the_middle_row():
    fig = y_title(small_multiples(_data(), "ward", "month", "score", "%{y}"), "Score")
    titled = [k for k in fig.layout if k.startswith("yaxis") and fig.layout[k].title.text]
    assert titled == ["yaxis5"]  # row 2, column 1 of a 3 x 4 grid

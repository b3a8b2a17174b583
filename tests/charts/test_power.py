"""The power curve chart: power with 95% Monte Carlo error bars, the target line, alt text from the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.charts.power import power_alt_text, power_figure
from analysis.charts.style import alt_text

CURVE = pd.DataFrame(
    {"months": [12, 24, 36, 48], "power": [0.30, 0.62, 0.83, 0.95], "mc_se": [0.046, 0.049, 0.038, 0.022]}
)


def test_points_error_bars_and_target_line():
    fig = power_figure(CURVE, n_wards=12, target=0.8, months_needed=36)
    (trace,) = fig.data
    assert list(trace.x) == [12, 24, 36, 48] and list(trace.y) == [0.30, 0.62, 0.83, 0.95]
    np.testing.assert_allclose(trace.error_y.array, 1.96 * CURVE["mc_se"])
    lines = list(fig.layout.shapes)
    assert any(s.y0 == 0.8 and s.y1 == 0.8 and s.line.dash == "dash" for s in lines)  # the 80% line
    assert any(s.x0 == 36 and s.x1 == 36 for s in lines)  # months needed
    assert fig.layout.yaxis.tickformat == ".0%" and "12 wards" in fig.layout.title.text


def test_alt_text_is_generated_from_the_curve():
    text = alt_text(power_figure(CURVE, 12, 0.8, 36))
    assert text == power_alt_text(CURVE, 12, 0.8, 36)
    assert "30% at 12 months" in text and "95% at 48 months" in text and "at 36 months" in text
    short = power_alt_text(CURVE.iloc[:2], 12, 0.8, None)
    assert "does not reach the 80% line" in short


def test_no_vertical_line_when_target_not_reached():
    fig = power_figure(CURVE.iloc[:2], 12, 0.8, None)
    assert not any(s.x0 == s.x1 and s.type == "line" and s.yref == "paper" for s in fig.layout.shapes)

"""Q1 figures (analysis/charts/coproduction.py) drawn from the tables in analysis/questions/coproduction/view.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.charts import coproduction as C
from analysis.charts.style import alt_text
from analysis.questions.coproduction import view as V
from analysis.questions.coproduction.existence import bands
from tests.questions.test_coproduction_view import known_reliability, make_panel


def test_over_time_figures_small_multiples_by_ward_and_lines_by_group():
    p = make_panel(n_wards=6)
    t = V.levels_over_time(p, "patient", "overall", "ward")
    fig = C.levels_over_time_figure(t, "patient", "overall", "ward")
    titles = [a.text for a in fig.layout.annotations]
    assert sorted(titles) == sorted(t["group"].unique())
    assert fig.layout.yaxis.range == (0, 100)
    assert "6 wards" in alt_text(fig) and "Apr 2022" in alt_text(fig)
    g = V.levels_over_time(p, "patient", "overall", "service")
    fig2 = C.levels_over_time_figure(g, "patient", "overall", "service")
    assert [tr.name for tr in fig2.data] == ["admission", "rehabilitation"]
    assert "2 services" in alt_text(fig2)
    assert "empty" in C.levels_over_time_alt(g.iloc[0:0], "patient", "overall", "service")


def test_aspects_figure_sets_patients_beside_staff_and_names_the_lowest_aspect():
    rng = np.random.default_rng(3)
    effect = rng.normal(50, 8, 15)
    p = make_panel(n_wards=15, ward_effect=effect, staff_gap=10, sd_shift=-6, seed=4)
    a = V.aspect_levels(p).set_index(["respondent", "aspect"])
    fig = C.aspects_figure(a.reset_index())
    assert [tr.name for tr in fig.data] == ["Patients", "Staff"]
    assert "reduced social distance lowest" in alt_text(fig)


def test_agreement_figure_names_wards_by_name_and_code():
    from analysis.questions.coproduction.existence import disagreement

    dis = disagreement(make_panel(n_wards=8, staff_gap=12, seed=7, noise=1.0))
    fig = C.agreement_figure(dis, {"W01": "Iona"})
    assert "Iona (W01)" in set(fig.data[1].y)


def test_bands_figure_one_trace_per_band_and_cutoff_lines():
    p = make_panel(n_wards=6, ward_effect=[20, 30, 45, 55, 75, 90], noise=0.0)
    b = bands(p)
    fig = C.bands_figure(b, what="overall index")
    assert [tr.name for tr in fig.data] == ["'lite'", "'mid'", "'ultra'"]
    assert [len(tr.x) for tr in fig.data] == [2, 2, 2]
    assert sorted(s.x0 for s in fig.layout.shapes) == [40, 70]
    assert "2 'lite', 2 'mid', 2 'ultra'" in alt_text(fig)


def test_reliability_figure_names_the_weakest_aspect():
    rel = known_reliability()
    fig = C.reliability_figure(rel)
    assert [tr.name for tr in fig.data] == ["Patients", "Staff"]
    assert fig.layout.xaxis.range[0] <= 0.5
    assert "0.64" in alt_text(fig)


def test_small_multiples_over_five_years_tick_every_other_april_level():
    p = make_panel(n_wards=6, n_months=60)
    wards = C.levels_over_time_figure(V.levels_over_time(p, "patient", "overall", "ward"), "patient", "overall", "ward")
    assert {ax.dtick for ax in (wards.layout.xaxis, wards.layout.xaxis6)} == {"M24"}
    assert wards.layout.xaxis.tickangle == 0 and wards.layout.xaxis.tick0.startswith("2022-04")
    # one chart across the page keeps a tick every April
    one = C.levels_over_time_figure(
        V.levels_over_time(p, "patient", "overall", "service"), "patient", "overall", "service"
    )
    assert one.layout.xaxis.dtick == "M12" and one.layout.xaxis.tickangle is None


def test_small_multiples_list_wards_in_code_order_not_name_order():
    p = make_panel(n_wards=3)
    p["ward_name"] = p["ward_id"].map({"W01": "Skye", "W02": "Arran", "W03": "Mull"})
    t = V.levels_over_time(p, "patient", "overall", "ward")
    assert list(pd.unique(t["group"])) == [
        V.ward_label(w, n) for w, n in (("W01", "Skye"), ("W02", "Arran"), ("W03", "Mull"))
    ]
    fig = C.levels_over_time_figure(t, "patient", "overall", "ward")
    assert [a.text for a in fig.layout.annotations] == list(pd.unique(t["group"]))

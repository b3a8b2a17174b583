"""Question 2 figures (analysis/charts/assaults.py): the scatter with its fitted lines, rate ratios, residuals."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.charts import assaults as charts
from analysis.charts.style import CATEGORICAL, NHS
from analysis.questions.assaults import view as data
from analysis.stats.counts import fit_counts, simulate_panel
from tests.questions.test_assaults_view import MONTHS, between_curve, known_result, tiny_panel


def test_ward_markers_colour_the_service_and_shape_the_ward():
    """Four services of three wards: four colours, none repeated, and three shapes within each; twelve wards of
    one service: one colour, twelve shapes."""
    markers = [charts.ward_marker(s, w) for s in range(4) for w in range(3)]
    assert len(set(markers)) == 12
    colours = [c for c, _ in markers]
    assert len(set(colours)) == 4 and set(colours) <= set(CATEGORICAL)
    one = [charts.ward_marker(0, w) for w in range(12)]
    assert len({s for _, s in one}) == 12 and {c for c, _ in one} == {CATEGORICAL[0]}
    assert charts.ward_marker(len(CATEGORICAL), 0)[0] == NHS["mid_grey"]  # past the palette: grey, never a repeat


def _with_services(pts: pd.DataFrame, services: dict) -> pd.DataFrame:
    return pts.assign(service=pts["ward_id"].map(services))


def test_scatter_colours_by_service_never_repeating_and_keeps_the_fitted_lines_in_their_own_legend_group():
    """Twelve wards in four services (as the sample hospital): each service one colour of its own, each ward of
    a service its own shape; the wards listed under their service, the fitted lines under a group of their own."""
    rows = []
    services = {f"W{i + 1:02d}": s for i, s in enumerate(["admission"] * 3 + ["treatment"] * 3 + ["rehab"] * 3)}
    services.update({"W10": "learning disability", "W11": "learning disability", "W12": "learning disability"})
    for w, svc in services.items():
        rows.append(
            {
                "ward_id": w,
                "ward_label": f"{w} Name",
                "service": svc,
                "period_label": "Apr 2024",
                "score": 50.0,
                "count": 3.0,
                "occupied_bed_days": 300.0,
                "rate_per_1000_obd": 10.0,
            }
        )
    fig, alt = charts.scatter_figure(
        pd.DataFrame(rows), known_result().diagnostics.expected_rates, "assaults_on_staff", "coproduction_overall"
    )
    wards = [t for t in fig.data if t.mode == "markers"]
    assert len(wards) == 12
    by_service: dict[str, set] = {}
    for t in wards:
        by_service.setdefault(t.legendgroup, set()).add(t.marker.color)
        assert t.legendgroup == f"service: {services[t.name.split()[0]]}"
    assert all(len(c) == 1 for c in by_service.values())  # one colour per service
    assert len(set().union(*by_service.values())) == 4  # and no two services share one
    assert len({(t.marker.color, t.marker.symbol) for t in wards}) == 12
    lines = [t for t in fig.data if t.mode == "lines"]
    assert {t.legendgroup for t in lines} == {"fitted"} and all(
        t.legendgrouptitle.text == charts.FITTED_GROUP for t in lines
    )
    assert not any("Fitted" in t.name for t in wards) and {t.legendgroup for t in wards}.isdisjoint({"fitted"})
    assert fig.layout.legend.traceorder == "grouped"
    assert "colour the ward's service and shape the ward" in alt


def test_more_than_six_services_share_grey_for_the_smaller_ones():
    services = {f"W{i:02d}": f"service {chr(97 + i)}" for i in range(8)}
    services["W08"] = "service a"  # service a has two wards: the largest keeps its colour
    pts = pd.DataFrame(
        {
            "ward_id": list(services),
            "ward_label": list(services),
            "service": list(services.values()),
            "period_label": "Apr 2024",
            "score": 50.0,
            "count": 1.0,
            "occupied_bed_days": 300.0,
            "rate_per_1000_obd": 3.0,
        }
    )
    fig, _ = charts.scatter_figure(pts, None, "assaults_on_staff", "coproduction_overall")
    colour = {t.name: t.marker.color for t in fig.data}
    named = [c for c in colour.values() if c != NHS["mid_grey"]]
    assert len(set(named)) == len(CATEGORICAL) - 1  # five services with their own colour
    assert colour["W00"] == colour["W08"] and colour["W00"] != NHS["mid_grey"]
    assert sum(c == NHS["mid_grey"] for c in colour.values()) == 3  # the rest: other services, in grey
    assert {t.legendgroup for t in fig.data if t.marker.color == NHS["mid_grey"]} == {"service: other services"}


def test_scatter_figure_draws_each_ward_sized_by_bed_days_and_the_fitted_lines_on_top():
    pts = data.scatter_points(tiny_panel(), "assaults_on_staff", "coproduction_overall")
    curve = known_result().diagnostics.expected_rates
    fig, alt = charts.scatter_figure(pts, curve, "assaults_on_staff", "coproduction_overall")
    wards = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in wards] == ["W01 Iona", "W02 Lewis"]
    assert list(wards[0].marker.size) == list(pts.loc[pts["ward_id"] == "W01", "occupied_bed_days"])
    biggest = pts["occupied_bed_days"].max()
    assert 2 * biggest / wards[0].marker.sizeref == pytest.approx(charts.MAX_MARKER_PX**2)  # area mode: max -> MAX px
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 2 and fig.data.index(lines[0]) > fig.data.index(wards[-1])
    within = next(t for t in lines if "within" in t.name)
    assert list(within.y) == [5.0, 3.2]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == 2 and max(bands[0].y) in (7.0, 12.0, 6.5)
    assert "11 ward-months on 2 wards" in alt and "falls from 5 at a score of 40 to 3.2 at 60" in alt
    assert "per 1,000 occupied bed days" in fig.layout.yaxis.title.text
    assert fig.layout.meta["alt_text"] == alt


def test_scatter_figure_picks_out_one_ward_in_blue_on_top_of_the_others_in_grey():
    pts = data.scatter_points(tiny_panel(), "assaults_on_staff", "coproduction_overall")
    fig, alt = charts.scatter_figure(
        pts, known_result().diagnostics.expected_rates, "assaults_on_staff", "coproduction_overall", highlight="W01"
    )
    wards = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in wards] == ["W02 Lewis", "W01 Iona"]  # the chosen ward drawn last, over the others
    assert wards[1].marker.color == NHS["blue"] and wards[0].marker.color == NHS["mid_grey"]
    assert wards[1].marker.opacity > wards[0].marker.opacity
    assert alt.endswith("W01 Iona is drawn in blue, the other wards in grey.")
    plain, _ = charts.scatter_figure(pts, None, "assaults_on_staff", "coproduction_overall", highlight="W99")
    drawn = [t.marker for t in plain.data if t.mode == "markers"]  # an unknown ward: no change
    assert [m.color for m in drawn] == [CATEGORICAL[0]] * 2 and drawn[0].symbol != drawn[1].symbol  # one service


def test_scatter_figure_without_points_says_so():
    empty = data.scatter_points(tiny_panel().iloc[:0], "assaults_on_staff", "coproduction_overall")
    fig, alt = charts.scatter_figure(empty, None, "assaults_on_staff", "coproduction_overall")
    assert "no ward-months have both figures" in alt and len(fig.data) == 0


def test_rate_ratio_figure_puts_intervals_on_a_log_axis_and_names_clear_results():
    t = data.claims_table({"Patient-rated": known_result(), "Staff-rated": known_result(within=(1.02, 0.9, 1.15, 0.7))})
    fig, alt = charts.rate_ratio_figure(t, "Social distance", group="comparison")
    assert fig.layout.xaxis.type == "log"
    within = next(tr for tr in fig.data if tr.name == "within ward")
    assert list(within.x) == [0.8, 1.02]
    assert list(within.error_x.array) == pytest.approx([0.1, 0.13]) and list(
        within.error_x.arrayminus
    ) == pytest.approx([0.1, 0.12])
    assert "clearly below 1 (fewer): Patient-rated (within ward)" in alt
    assert "clearly above 1 (more): Patient-rated (between wards), Staff-rated (between wards)" in alt
    assert "1 interval includes 1" in alt
    assert len(set(within.y)) == 2  # each row has its own line


def test_residual_figures_name_the_worst_ward():
    by_ward = pd.DataFrame({"ward_id": ["W01", "W02"], "mean_pearson": [0.2, -1.4]})
    by_month = pd.DataFrame({"month": MONTHS[:3], "mean_pearson": [0.1, 1.6, -0.2]})
    (fw, tw), (fm, tm) = charts.residual_figures(by_ward, by_month, {"W02": "W02 Lewis"})
    assert "-1.40 on W02 Lewis" in tw and "1 of 3 months" in tm and "Apr 2024 to Jun 2024" in tm
    assert list(fw.data[0].x) == [0.2, -1.4] and list(fw.data[0].y) == ["W01", "W02 Lewis"]
    assert fm.layout.xaxis.tickformat == "%b %Y"  # UK months


def test_scatter_and_words_recover_a_known_falling_effect_from_simulated_wards():
    """Simulated wards where a 10-point rise truly cuts assaults by 30%: the page's words and line must say fewer."""
    sim = simulate_panel(12, 36, rate_ratio_per_10=0.7, rng=11, predictor="coproduction_overall")
    sim["ward_name"] = sim["ward_id"]
    grid = data.score_grid(sim, "coproduction_overall", n=9)
    r = fit_counts(sim, predictor="coproduction_overall", at=grid, zeros=False)
    assert r.headline.ci_low < 0.7 < r.headline.ci_high
    assert "fewer assaults on staff" in data.claim_texts(r)["within"]
    fig, alt = charts.scatter_figure(
        data.scatter_points(sim, "assaults_on_staff", "coproduction_overall"),
        r.diagnostics.expected_rates,
        "assaults_on_staff",
        "coproduction_overall",
    )
    within = next(t for t in fig.data if t.mode == "lines" and "within" in t.name)
    assert within.y[0] > within.y[-1] and "The fitted line falls" in alt


def test_between_ward_curve_is_drawn_only_across_the_wards_usual_scores():
    pts = pd.DataFrame({"ward_id": ["A", "A", "B", "B"], "score": [10.0, 50.0, 60.0, 80.0]})  # means 30 and 70
    curve = between_curve()
    fig, _ = charts.scatter_figure(
        pts.assign(
            ward_label=pts["ward_id"],
            period_label="Apr 2024",
            rate_per_1000_obd=1.0,
            occupied_bed_days=300.0,
            count=1.0,
        ),
        curve,
        "assaults_on_staff",
        "coproduction_overall",
    )
    between = next(t for t in fig.data if t.mode == "lines")
    assert min(between.x) == 30.0 and max(between.x) == 70.0

"""The ward profile's pure parts, checked against simulated wards with known truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.charts.ward_profile import aspects_figure, measure_figure
from analysis.data.contract import ASPECTS
from analysis.data.reference import builtin_measures
from analysis.panel.build import build_panel
from analysis.wards.profile import (
    MIN_POINTS,
    convention_text,
    measure_series,
    measures_for,
    strip_label,
    summary_table,
    usable_rebases,
    ward_events,
    ward_profile,
)
from analysis.wards.survey import aspects_sentence, has_survey, survey_aspects

MONTHS = pd.period_range("2021-04", periods=48, freq="M")
STEP = 24  # talking groups start at month 24
WARDS = pd.DataFrame(
    {
        "ward_id": ["W01", "W02"],
        "ward_name": ["Iona", "Skye"],
        "service": ["admission"] * 2,
        "security_level": ["high", "medium"],
        "beds": [12, 14],
    }
)


def _tables(seed: int = 3, before: float = 8.0, after: float = 2.0, survey_values=None) -> dict:
    rng = np.random.default_rng(seed)
    rows = []
    for w in WARDS["ward_id"]:
        for i, m in enumerate(MONTHS):
            obd = 360.0
            rate = before if i < STEP or w == "W02" else after  # per 1,000 bed days; W02 never changes
            rows.append(
                {
                    "ward_id": w,
                    "month": m.strftime("%Y-%m"),
                    "occupied_bed_days": obd,
                    "assaults_on_staff": rng.poisson(rate * obd / 1000),
                    "talking_groups_held": 4 if i >= STEP else 0,
                    "talking_group_attendances": 4 * 6 if i >= STEP else 0,
                }
            )
    events = pd.DataFrame(
        {
            "ward_id": ["W01", None, "W02"],
            "date": pd.to_datetime(
                [MONTHS[STEP].start_time + pd.Timedelta(days=9), MONTHS[40].start_time, MONTHS[10].start_time]
            ),
            "kind": ["talking_groups_started", "note", "change"],
            "label": ["Talking groups started", "New reporting system", "Refurbished"],
        }
    )
    surveys = MONTHS[::3]
    vals = survey_values if survey_values is not None else [40 + 5 * (k % 2) for k in range(len(surveys))]
    sc = []
    for w in WARDS["ward_id"]:
        for k, m in enumerate(surveys):
            for who, shift in (("patient", 0.0), ("staff", 12.0)):
                sc.append(
                    {
                        "ward_id": w,
                        "month": m.start_time,
                        "respondent": who,
                        "n_returns": 9,
                        **{a: vals[k] + shift + j for j, a in enumerate(ASPECTS)},
                    }
                )
    return {
        "wards": WARDS,
        "ward_months": pd.DataFrame(rows),
        "events": events,
        "coproduction_scores": pd.DataFrame(sc),
        "measures": builtin_measures(),
    }


@pytest.fixture(scope="module")
def tables():
    return _tables()


@pytest.fixture(scope="module")
def panel(tables):
    return build_panel(tables)


def _measure(panel, key):
    return next(m for m in measures_for(panel) if m.key == key)


def test_rebase_at_the_event_recovers_both_true_rates(panel, tables):
    m = _measure(panel, "assaults_on_staff")
    prof = ward_profile(panel, "W01", tables["events"], rebase=True)
    s = next(x for x in prof.series if x.measure.key == "assaults_on_staff")
    assert s.rebased_from == [MONTHS[STEP].start_time]  # the note is marked but never rebases
    centres = s.classified.groupby("segment")["centre"].first().to_numpy()
    assert centres[0] == pytest.approx(8.0, rel=0.2) and centres[1] == pytest.approx(2.0, rel=0.35)
    # without rebasing, the lower second half is a long run below one average: improvement (lower is better)
    flat = measure_series(panel, "W01", m)
    assert flat.classified["segment"].nunique() == 1
    assert flat.icon["key"] == "improvement_low"
    assert strip_label("Assaults on staff", flat.icon["key"]) == (
        "Assaults on staff: improving, unusually low in recent months"
    )


def test_unchanged_ward_shows_no_improvement(panel, tables):
    s = measure_series(panel, "W02", _measure(panel, "assaults_on_staff"))
    assert not s.icon["key"].startswith("improvement")
    assert s.classified["centre"].iloc[0] == pytest.approx(8.0, rel=0.2)


def test_survey_occasions_are_consecutive_points_with_textbook_limits(panel):
    s = measure_series(panel, "W01", _measure(panel, "coproduction_patient_overall"))
    c = s.classified
    assert list(c["period"]) == list(MONTHS[::3].to_timestamp())  # survey months only, nothing carried
    values = np.array([40 + 5 * (k % 2) + 1.5 for k in range(16)])  # overall = mean of aspects 0..3 added
    mr = np.abs(np.diff(values)).mean()
    assert c["centre"].iloc[0] == pytest.approx(values.mean())
    assert c["upper"].iloc[0] == pytest.approx(values.mean() + 2.66 * mr)
    assert s.measure.improvement == "increase" and s.n_points == 16


def test_rebase_on_survey_occasions_starts_at_first_survey_after_the_event(panel, tables):
    prof = ward_profile(panel, "W01", tables["events"], rebase=True)
    s = next(x for x in prof.series if x.measure.key == "coproduction_staff_overall")
    # event on 10 Apr 2023 (month 24 = Apr 2023 is itself a survey month)
    first_new = s.classified.loc[s.classified["segment"] == 1, "period"].iloc[0]
    assert first_new == MONTHS[STEP].start_time


def test_usable_rebases_drops_a_date_that_would_leave_one_value():
    months = pd.Series(pd.date_range("2022-01-01", periods=6, freq="MS"))
    assert usable_rebases(months, [pd.Timestamp("2022-01-20")]) == []  # nothing before it
    assert usable_rebases(months, [pd.Timestamp("2022-06-03")]) == []  # one value after it
    assert usable_rebases(months, [pd.Timestamp("2022-03-15")]) == [pd.Timestamp("2022-03-01")]
    # two dates too close together: the second would leave a one-value segment
    assert usable_rebases(months, ["2022-03-02", "2022-04-02"]) == [pd.Timestamp("2022-03-01")]


def test_directions_come_from_the_catalogue():
    cat = pd.concat(
        [
            builtin_measures(),
            pd.DataFrame({"measure": ["Local scale"], "min": [0.0], "max": [10.0], "higher_is_better": [pd.NA]}),
        ],
        ignore_index=True,
    )
    p = pd.DataFrame(
        {
            "ward_id": ["W01"],
            "month": [pd.Timestamp("2024-01-01")],
            "occupied_bed_days": [300.0],
            "assaults_on_staff": [1.0],
            "recovery_qpr_15": [30.0],
            "recovery_dundrum_4": [12.0],
            "recovery_local_scale": [5.0],
            "attendance_per_session": [6.0],
        }
    )
    imp = {m.key: m.improvement for m in measures_for(p, cat)}
    assert imp == {
        "assaults_on_staff": "decrease",
        "recovery_qpr_15": "increase",
        "recovery_dundrum_4": "decrease",
        "recovery_local_scale": "neither",
        "attendance_per_session": "neither",
    }


def test_too_few_points_is_not_judged(panel):
    short = panel[(panel["ward_id"] == "W01") & (panel["month"] < MONTHS[MIN_POINTS - 1].start_time)]
    s = measure_series(short, "W01", _measure(panel, "assaults_on_staff"))
    assert s.n_points == MIN_POINTS - 1 and s.icon["key"] == "no_data"


def test_ward_events_keep_own_and_hospital_wide(tables):
    e = ward_events(tables["events"], "W01")
    assert list(e["label"]) == ["Talking groups started", "New reporting system"]
    assert list(ward_events(None, "W01").columns) == ["date", "kind", "label"]


def test_profile_sentence_names_the_improving_measure(panel, tables):
    prof = ward_profile(panel, "W01", tables["events"], rebase=False)
    assert prof.ward["ward_name"] == "Iona" and prof.ward["beds"] == 12
    assert "showing improvement (assaults on staff" in prof.sentence
    assert f"of {len(prof.series)} measures" in prof.sentence
    with pytest.raises(ValueError):
        ward_profile(panel, "W99")


def test_table_names_counts_and_rates_for_disclosure(panel):
    s = measure_series(panel, "W01", _measure(panel, "assaults_on_staff"))
    assert s.counts == ["assaults_on_staff"]
    assert s.rates == {"assaults_on_staff_rate_per_1000_obd": ("assaults_on_staff", "occupied_bed_days", 1000)}
    t = s.table
    expect = t["assaults_on_staff"] / t["occupied_bed_days"] * 1000
    assert np.allclose(t["assaults_on_staff_rate_per_1000_obd"], expect.round(2))
    assert t["month"].iloc[0] == "Apr 2021"


def test_survey_aspects_latest_change_and_gap():
    vals = [30.0 + 2 * k for k in range(16)]  # a steady rise of 2 points a quarter
    p = build_panel(_tables(survey_values=vals))
    a = survey_aspects(p, "W01")
    assert a["aspect"].iloc[0] == "Overall co-production index" and len(a) == 5
    overall = a.iloc[0]
    assert overall["patients_latest"] == pytest.approx(vals[-1] + 1.5)
    assert overall["patients_change_over_year"] == pytest.approx(8.0)  # four quarters of 2 points
    assert overall["gap_patients_minus_staff"] == pytest.approx(-12.0)
    assert len(overall["patients_trend"]) == 16
    assert overall["patients_latest_month"] == "Jan 2025"
    text = aspects_sentence(a, "Iona")
    assert "up 8 points on a year earlier" in text and "staff rate it 12 points higher than patients" in text


def test_no_survey_is_said_plainly():
    t = _tables()
    del t["coproduction_scores"]
    a = survey_aspects(build_panel(t), "W01")
    assert not has_survey(a)
    assert "no co-production survey scores" in aspects_sentence(a, "Iona")


def test_figures_have_alt_text_target_and_data_range(panel, tables):
    prof = ward_profile(panel, "W01", tables["events"])
    s = prof.series[0]
    fig, alt = measure_figure(s, "Iona (W01)", prof.events, target=3.0)
    assert alt.startswith("Assaults on staff, Iona (W01), Apr 2021 to Mar 2025") and "target is 3" in alt
    assert any(str(t.name).startswith("Target") for t in fig.data)
    lo, hi = pd.to_datetime(fig.layout.xaxis.range[0]), pd.to_datetime(fig.layout.xaxis.range[1])
    assert lo < MONTHS[0].start_time and hi < MONTHS[-1].start_time + pd.Timedelta(days=31)
    afig, aalt = aspects_figure(survey_aspects(panel, "W01"), "Iona")
    assert len(afig.data) == 2 and "reduced social distance" in aalt


def test_rare_count_is_judged_only_on_high_months_and_says_so():
    # 0.8 assaults per 1,000 bed days on 360 bed days: about 0.3 a month, most months none, no change
    t = _tables(seed=5, before=0.8, after=0.8)
    p = build_panel(t)
    prof = ward_profile(p, "W01", t["events"], rebase=True)
    s = next(x for x in prof.series if x.measure.key == "assaults_on_staff")
    assert s.classified["rare_events"].all() and s.rare_events
    assert not s.classified["special_cause"].any()  # the plain u-chart's run rules would flag the zeros
    assert s.icon["key"] == "common_cause"
    assert s.strip_label == "Assaults on staff: no significant change (rare events)"
    assert (
        summary_table(prof)
        .set_index("measure")
        .loc["Assaults on staff", "rules_used"]
        .startswith("above the upper limit only")
    )
    assert "Rare events" in convention_text()
    fig, alt = measure_figure(s, "Iona (W01)", prof.events)
    assert "only months above the upper limit are flagged" in fig.layout.title.subtitle.text
    assert "the run rules are not used because most months have none" in alt
    assert "The icon beside the chart reads the latest month only (Mar 2025: no significant change)." in alt


def test_icon_note_counts_the_earlier_unusual_months(panel, tables):
    prof = ward_profile(panel, "W01", tables["events"], rebase=False)
    s = next(x for x in prof.series if x.measure.key == "assaults_on_staff")
    earlier = int(s.classified["special_cause"].iloc[:-1].sum())
    assert earlier > 0 and s.icon["key"] == "improvement_low"
    _, alt = measure_figure(s, "Iona (W01)", prof.events)
    assert f"In all, {earlier} earlier months are marked as unusual on the chart." in alt  # one segment: no split
    assert "reads the latest month only (Mar 2025: improving: unusually low assault rate" in alt


def test_icon_note_splits_earlier_unusual_months_at_the_recalculation(panel, tables):
    prof = ward_profile(panel, "W01", tables["events"], rebase=True)
    for s in prof.series:
        c = s.classified[s.classified["value"].notna()]
        earlier = int(c["special_cause"].iloc[:-1].sum())
        before = int(c.loc[c["segment"] < c["segment"].iloc[-1], "special_cause"].sum())
        _, alt = measure_figure(s, "Iona (W01)", prof.events)
        if before and earlier > before:
            assert f"({earlier - before} since the limits were recalculated, {before} before)" in alt
        elif before:
            assert "(before the limits were recalculated)" in alt
        elif earlier:
            assert f"In all, {earlier} earlier" in alt and "recalculated, " not in alt


def test_event_labels_sit_above_the_plot_without_overlap_or_running_off_the_right(panel, tables):
    prof = ward_profile(panel, "W01", tables["events"], rebase=True)
    fig, _ = measure_figure(prof.series[0], "Iona (W01)", prof.events)
    labels = [a for a in fig.layout.annotations if a.yref == "paper" and a.y == 1]
    # talking groups started and the new limits it started share one label; then the hospital-wide note
    assert len(labels) == 2 and any("; limits from " in a.text for a in labels)
    assert all(a.yanchor == "bottom" for a in labels)  # above the plot area, not over the points
    late = next(a for a in labels if a.text.startswith("New reporting system"))
    assert late.xanchor == "right"  # month 40 of 48: runs left from its line instead of off the edge
    # the arrow sits at the label's own line: the left end of a label running right, the right end otherwise
    assert late.text.endswith(" →") and all(a.text.startswith("← ") for a in labels if a.xanchor == "left")
    assert len({a.yshift for a in labels}) == len(labels)  # each would overlap another: one lane each
    assert fig.layout.margin.t >= 70 + 20 * 2 and fig.layout.height > 440  # the plot keeps its height
    # a long rate label goes over two lines so it cannot run into the title
    assert "<br>" in fig.layout.yaxis.title.text


def test_profile_sentence_says_it_reads_the_latest_month_and_names_earlier_unusual_months(panel, tables):
    prof = ward_profile(panel, "W01", tables["events"], rebase=False)
    assert "in its latest month" in prof.sentence
    last = pd.Timestamp(prof.ward["last_month"]).to_period("M")
    expected = []
    for s in prof.series:
        c = s.classified[s.classified["value"].notna()]
        per = pd.to_datetime(c["period"]).dt.to_period("M")
        n = int(((per >= last - 11) & (per < per.max()) & c["variation"].astype(str).str.startswith("special")).sum())
        if n:
            expected.append(f"{s.measure.title} ({n} {'month' if n == 1 else 'months'})")
    if expected:
        assert "Earlier in the last 12 months, unusual months on the charts: " + ", ".join(expected) in prof.sentence
    else:
        assert "No earlier month in the last 12 was unusual" in prof.sentence

"""One ward on one A4 landscape page, to print or put on the ward meeting's screen.

The page holds: the three questions' answers (the verdicts of the wards and months shown), the ward's
Making Data Count icons, four key SPC charts (assaults on staff, restraints or the next incident measure,
co-production as patients see it, the first recovery measure), talking groups (started? sessions held) and
the latest co-production survey by aspect, patients against staff.

Everything on it leaves the app, so it passes the disclosure rule like every export:

* an incident or talking-group chart is drawn from the ward's monthly counts *as published* under the rule
  (rounded, small counts hidden). A hidden month would leave a gap among the months it is hidden beside (a
  month of 0 is published, a month of 3 is not), which would pull the chart's average down; so a chart with
  any hidden month is not drawn, and the page says why instead (it stays on screen in the app);
* totals (sessions, attendances) are published as totals under the rule (rounded, small ones hidden);
* charts go on the page as pictures drawn from the quietened figure (`quiet`): no hover box with counts;
* scores (co-production, recovery) are means, drawn as they are.

`one_page(...)` builds the page's content (`OnePage`); `one_page_html(page, images)` writes it as one
self-contained HTML page, with each drawn chart as a PNG picture from `images` (made in a browser by
the caller: `ui/one_page.py`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from analysis.charts.ward_profile import measure_figure
from analysis.disclosure.protect import protect_table
from analysis.disclosure.rules import DisclosureError, DisclosureRule
from analysis.wards.profile import INCIDENTS, MeasureSeries, WardProfile, measure_series, ward_label
from analysis.wards.survey import has_survey

TALKING_COUNTS = ("talking_groups_held", "talking_group_attendances")
CHART_WIDTH, CHART_HEIGHT = 500, 340  # pixels of each chart picture (drawn at twice this)
PRIMARY_RECOVERY = "QPR-15"
HIDDEN_WORDS = "not published: too small under the small-number rule"


@dataclass
class KeyChart:
    """One of the four key charts: its figure (None when it cannot be published) and the reason if not."""

    title: str
    figure: object | None
    alt: str
    why_not: str = ""


@dataclass
class OnePage:
    """What the one-page ward summary shows, everything already protected."""

    ward: str  # "Iona (W01)"
    period: str  # "Apr 2021 to Mar 2026"
    answers: list[tuple[str, str, str]]  # (question, verdict, figure in words)
    icons: list[tuple[str, str, str]]  # (svg, measure, words)
    charts: list[KeyChart]
    talking: list[tuple[str, str]]  # (label, value)
    aspects: pd.DataFrame | None  # aspect, patients, staff (latest survey)
    notes: list[str] = field(default_factory=list)
    stamp: dict = field(default_factory=dict)


def published_counts(values: pd.Series, rule: DisclosureRule, total: bool = False) -> pd.Series:
    """The counts as published under `rule` (rounded; hidden -> NaN; missing stays missing)."""
    v = pd.to_numeric(values, errors="coerce").round()
    out = pd.Series(np.nan, index=values.index)
    known = v.notna()
    if not known.any():
        return out
    table = pd.DataFrame({"n": v[known].astype(float)})
    try:
        safe = protect_table(table, ["n"], rule, selection_totals=["n"] if total else ()).frame
    except DisclosureError:
        return out
    out[known] = pd.to_numeric(safe["n"].where(safe["n"] != rule.symbol), errors="coerce").to_numpy()
    return out


def _key_measures(profile: WardProfile) -> list[MeasureSeries]:
    """Assaults on staff, restraints (or the next incident measure), patient-rated co-production, the first
    recovery measure: those the ward has, in that order."""
    by_key = {s.measure.key: s for s in profile.series}
    incidents = [k for k in INCIDENTS if k in by_key and k != "assaults_on_staff"]
    second = "restraints" if "restraints" in by_key else (incidents[0] if incidents else None)
    recovery = [s for s in profile.series if s.measure.group == "Recovery"]
    primary = [s for s in recovery if s.measure.title == PRIMARY_RECOVERY]  # as the Overview's third answer
    recovery = (primary or recovery or [None])[0]
    recovery = recovery.measure.key if recovery is not None else None
    keys = ["assaults_on_staff", second, "coproduction_patient_overall", recovery]
    return [by_key[k] for k in keys if k is not None and k in by_key]


def key_series(profile: WardProfile) -> list[MeasureSeries]:
    """The four key measures of a ward profile (fewer when the ward lacks some): shown first on the page."""
    return _key_measures(profile)


def _protected_rows(panel: pd.DataFrame, ward_id: str, s: MeasureSeries, rule: DisclosureRule):
    """The ward's rows with this measure's counts as published, and whether any month had to be hidden."""
    rows = panel[panel["ward_id"].astype(str) == str(ward_id)].copy()
    m = s.measure
    counts = (
        [m.key]
        if m.chart == "u"
        else [c for c in TALKING_COUNTS if c in rows]
        if m.key == "attendance_per_session"
        else []
    )
    hidden = False
    for c in counts:
        had = pd.to_numeric(rows[c], errors="coerce").notna()
        if m.key == "attendance_per_session":
            had &= pd.to_numeric(rows["talking_groups_held"], errors="coerce").fillna(0) > 0
        pub = published_counts(rows[c].where(had), rule)
        hidden |= bool((had & pub.isna()).any())
        rows[c] = pub
    if m.key == "attendance_per_session" and not hidden and set(TALKING_COUNTS) <= set(rows):
        held = rows["talking_groups_held"]
        rows[m.key] = (rows["talking_group_attendances"] / held).where(held > 0)
    return rows, hidden


def _chart(panel, profile: WardProfile, s: MeasureSeries, rule: DisclosureRule) -> KeyChart:
    m = s.measure
    title = m.title
    rows, hidden = _protected_rows(panel, profile.ward["ward_id"], s, rule)
    if hidden:
        why = (
            "Chart not published: some months' counts are too small to publish under the small-number rule, "
            "and leaving those months out would make the chart misleading. It is on screen in the app."
        )
        return KeyChart(title, None, why, why)
    if m.chart == "u" or m.key == "attendance_per_session":
        s = measure_series(rows, profile.ward["ward_id"], m, s.rebased_from, s.classified.attrs.get("shift_length", 7))
    fig, alt = measure_figure(s, ward_label(profile.ward), profile.events)
    fig = quiet(fig)
    return KeyChart(title, fig, alt)


def quiet(fig):
    """The figure for a picture: hover boxes off (they can carry counts), sized for the page."""
    fig = fig.__class__(fig)
    for trace in fig.data:
        trace["hoverinfo"] = "skip"
        trace["hovertemplate"] = None
        if "text" in trace.to_plotly_json():
            trace["text"] = None
    fig.update_layout(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        font_size=13,
        title_font_size=15,
        showlegend=False,
        margin={"l": 60, "r": 15, "b": 40},
    )
    fig.update_yaxes(title_font_size=12)
    fig.update_annotations(font_size=11)
    return fig


def _talking(panel: pd.DataFrame, ward_id: str, rule: DisclosureRule) -> list[tuple[str, str]]:
    rows = panel[panel["ward_id"].astype(str) == str(ward_id)]
    start = rows["talking_groups_start"].dropna() if "talking_groups_start" in rows else pd.Series(dtype=object)
    out = [("Started", f"{pd.Timestamp(start.iloc[0]):%b %Y}" if len(start) else "Not started in the data shown")]
    for col, label in (("talking_groups_held", "Sessions held"), ("talking_group_attendances", "Attendances")):
        if col not in rows or not rows[col].notna().any():
            continue
        total = pd.Series([pd.to_numeric(rows[col], errors="coerce").sum()])
        pub = published_counts(total, rule, total=True).iloc[0]
        out.append((label, f"{int(pub):,}" if pd.notna(pub) else HIDDEN_WORDS))
    return out


def _aspects(aspects: pd.DataFrame | None) -> pd.DataFrame | None:
    if aspects is None or not has_survey(aspects):
        return None
    return pd.DataFrame(
        {
            "aspect": aspects["aspect"],
            "patients": aspects["patients_latest"].round(0),
            "staff": aspects["staff_latest"].round(0),
        }
    )


def one_page(
    panel: pd.DataFrame,
    profile: WardProfile,
    answers,
    rule: DisclosureRule,
    aspects: pd.DataFrame | None = None,
    stamp: dict | None = None,
) -> OnePage:
    """The one-page summary of `profile`'s ward (`panel`: the ward-month panel it was built from; `answers`:
    the three questions' `Answer`s for the wards and months shown; `aspects`: `survey_aspects` of the ward)."""
    w = profile.ward
    icons = []
    for s in profile.series:
        title, _, words = s.strip_label.partition(": ")
        icons.append((s.icon["svg"], title, words))
    charts = [_chart(panel, profile, s, rule) for s in _key_measures(profile)]
    notes = [
        f"Counts on this page are published under the small-number rule: {rule.description}",
        "Charts: dots coloured and shaped by Making Data Count (orange: concern; blue: improvement; grey: no "
        "significant change); dashed lines are the process limits, the solid line the average. Limits from fewer "
        "than 12 points are provisional.",
        "The three answers are for all the wards and months shown in the app, not this ward alone.",
    ]
    return OnePage(
        ward=ward_label(w),
        period=f"{w['first_month']:%b %Y} to {w['last_month']:%b %Y}",
        answers=[(a.title, a.verdict_text, a.figure) for a in answers],
        icons=icons,
        charts=charts,
        talking=_talking(panel, w["ward_id"], rule),
        aspects=_aspects(aspects),
        notes=notes,
        stamp=dict(stamp or {}),
    )


CSS = """
@page { size: A4 landscape; margin: 8mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: Arial, "Liberation Sans", Helvetica, sans-serif; color: #212B32; font-size: 8.5pt;
       width: 281mm; height: 194mm; overflow: hidden; }
.page { width: 281mm; height: 194mm; overflow: hidden; display: flex; flex-direction: column; gap: 2mm; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid #005EB8; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; color: #005EB8; }
h2 { font-size: 9.5pt; margin: 0 0 1mm 0; color: #003087; }
.answers { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3mm; }
.answer { border-left: 3px solid #005EB8; padding: 0 2mm; }
.answer .q { color: #425563; font-size: 7.5pt; }
.answer .v { font-weight: bold; font-size: 10pt; margin: 0.5mm 0; }
.answer .f { font-size: 7.5pt; }
.icons { display: grid; grid-template-columns: repeat(7, 1fr); gap: 1mm 2mm; }
.icon { display: flex; gap: 1mm; align-items: center; font-size: 6.8pt; line-height: 1.15; }
.icon svg { width: 22px; height: 22px; flex-shrink: 0; }
.charts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2mm; }
.chart img { width: 100%; height: auto; display: block; }
.chart .none { border: 1px dashed #AEB7BD; height: 46mm; padding: 2mm; font-size: 7.5pt; color: #425563; }
.bottom { display: grid; grid-template-columns: 1fr 2fr; gap: 4mm; }
table { border-collapse: collapse; font-size: 7.5pt; }
td, th { border-bottom: 1px solid #E8EDEE; padding: 0.5mm 2mm; text-align: left; }
th { color: #425563; }
td.n { text-align: right; }
.notes { font-size: 6.5pt; color: #425563; margin-top: auto; }
"""


def _answers_html(page: OnePage) -> str:
    cells = [
        f'<div class="answer"><div class="q">{escape(q)}</div><div class="v">{escape(v)}</div>'
        f'<div class="f">{escape(f)}</div></div>'
        for q, v, f in page.answers
    ]
    return f'<section><h2>The three questions: answers so far</h2><div class="answers">{"".join(cells)}</div></section>'


def _icons_html(page: OnePage) -> str:
    cells = [
        f'<div class="icon">{svg}<div><strong>{escape(t)}</strong><br>{escape(w)}</div></div>'
        for svg, t, w in page.icons
    ]
    return (
        f'<section><h2>How each measure stands (latest month)</h2><div class="icons">{"".join(cells)}</div></section>'
    )


def _charts_html(page: OnePage, images: dict[int, bytes]) -> str:
    cells = []
    for i, c in enumerate(page.charts):
        if c.figure is not None and i in images:
            data = base64.b64encode(images[i]).decode("ascii")
            body = f'<img src="data:image/png;base64,{data}" alt="{escape(c.alt)}">'
        else:
            body = f'<div class="none"><strong>{escape(c.title)}</strong><br>{escape(c.why_not or c.alt)}</div>'
        cells.append(f'<div class="chart">{body}</div>')
    return f'<section><h2>Key charts</h2><div class="charts">{"".join(cells)}</div></section>'


def _bottom_html(page: OnePage) -> str:
    talk = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in page.talking)
    left = f"<div><h2>Talking groups</h2><table>{talk}</table></div>"
    if page.aspects is None:
        right = "<div><h2>Co-production by aspect</h2><p>No co-production survey for this ward in the months shown.</p></div>"
    else:
        rows = "".join(
            f"<tr><td>{escape(str(r.aspect))}</td><td class='n'>{_score(r.patients)}</td>"
            f"<td class='n'>{_score(r.staff)}</td></tr>"
            for r in page.aspects.itertuples(index=False)
        )
        right = (
            "<div><h2>Co-production by aspect, latest survey (0 to 100)</h2><table><tr><th>Aspect</th>"
            f"<th>Patients</th><th>Staff</th></tr>{rows}</table></div>"
        )
    return f'<section class="bottom">{left}{right}</section>'


def _score(x) -> str:
    return "none" if pd.isna(x) else f"{x:.0f}"


def stamp_line(stamp: dict) -> str:
    """The provenance on one line: every export carries it."""
    return " · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in stamp.items() if v not in (None, ""))


def one_page_html(page: OnePage, images: dict[int, bytes] | None = None) -> str:
    """The page as one self-contained HTML document (A4 landscape when printed); `images`: chart index -> PNG."""
    images = images or {}
    notes = "".join(f"<div>{escape(n)}</div>" for n in page.notes)
    stamp = f"<div>{escape(stamp_line(page.stamp))}</div>" if page.stamp else ""
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>Ward summary: {escape(page.ward)}</title><style>{CSS}</style></head><body>"
        '<div class="page">'
        f"<header><h1>Ward summary: {escape(page.ward)}</h1><div>{escape(page.period)}</div></header>"
        f"{_answers_html(page)}{_icons_html(page)}{_charts_html(page, images)}{_bottom_html(page)}"
        f'<footer class="notes">{notes}{stamp}</footer>'
        "</div></body></html>"
    )


def chart_figures(page: OnePage) -> dict[int, object]:
    """The figures to draw as pictures, by chart index (those that can be published)."""
    return {i: c.figure for i, c in enumerate(page.charts) if c.figure is not None}

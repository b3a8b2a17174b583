"""What the Ward profile page works out besides the profile itself: the wards to choose from, the ward's facts on
one line, the year-on-year lines, the charts' tabs, the summary and events tables, and the page's fixed words.
Pure (no Streamlit): pages/ward_profile.py reads the widgets and calls these, ui/ward_profile.py draws them."""

from __future__ import annotations

import pandas as pd

from analysis.spc.rules import RUN_LENGTH
from analysis.text import literal, plural
from analysis.wards.change import comparison_sentence, interval_methods
from analysis.wards.one_page import key_series
from analysis.wards.profile import GROUPS, MeasureSeries, WardProfile, summary_table, ward_profile

TODO = "Choose another ward, or check this ward's figures on the Data page."
NO_MONTHS = (
    "monthly figures (the ward months table) for at least one ward.",
    "No ward in the current filters has monthly figures.",
)
ICONS_TEXT = (
    "Icons: **H** / **L** mean the latest month is unusually high / low; blue is improvement, "
    "orange is concern, purple is neither, grey is no significant change. With a target, "
    "**P** means it is consistently met, **F** consistently missed, **?** hit and miss."
)
KEY_CHARTS_NOTE = (
    "Assaults on staff, restraints, co-production as patients see it and the main recovery measure. "
    "The other measures are in the next tabs."
)
ONE_PAGE_HELP = (
    "One A4 landscape page for the ward meeting: the three answers, this ward's icons, four key charts, "
    "talking groups and the survey by aspect. "
)
SURVEY_SHOWN = [
    "aspect",
    "patients_latest",
    "patients_change_over_year",
    "patients_trend",
    "staff_latest",
    "staff_change_over_year",
    "staff_trend",
    "gap_patients_minus_staff",
]
SURVEY_TRENDS = ["patients_trend", "staff_trend"]


def ward_choices(wards: pd.DataFrame, months: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The wards with monthly figures, by identifier, and each ward's name in the box ("W01 Iona")."""
    with_data = set(months["ward_id"].astype(str).unique()) if len(months) else set()  # each ward once, not each row
    options = [str(w) for w in sorted(wards["ward_id"].astype(str)) if str(w) in with_data]
    names = {
        str(r.ward_id): f"{r.ward_id} {r.ward_name}" if pd.notna(r.ward_name) else str(r.ward_id)
        for r in wards.itertuples(index=False)
    }
    return options, names


def facts_line(w: dict) -> str:
    """The ward's service, security, beds and months on one line (not four big counters: at 900 px the counters
    cut "Admission" to "Admi...", a new user's walk)."""
    n = (w["last_month"].year - w["first_month"].year) * 12 + w["last_month"].month - w["first_month"].month + 1
    facts = [
        f"{literal(str(w['service']).capitalize())} service" if w["service"] else "service not given",
        f"{literal(str(w['security_level']).capitalize())} secure" if w["security_level"] else "security not given",
        plural(int(w["beds"]), "bed") if w["beds"] is not None else "beds not given",
        f"{plural(n, 'month')} ({w['first_month']:%b %Y} to {w['last_month']:%b %Y})",
    ]
    return " · ".join(facts)


def year_on_year_words(patients: pd.DataFrame, staff: pd.DataFrame, ward_id: str) -> tuple[str, str] | None:
    """The year-on-year block (markdown) and its caption for one ward, from `year_on_year`'s tables indexed by
    ward (patient-rated, with assaults; staff-rated); None when the ward is not in the comparison."""
    if ward_id not in patients.index:
        return None
    lines = [
        f"- **Assaults on staff:** {patients.at[ward_id, 'assaults_words']}",
        f"- **Patient-rated co-production:** {patients.at[ward_id, 'score_words']}",
    ]
    if ward_id in staff.index:
        lines.append(f"- **Staff-rated co-production:** {staff.at[ward_id, 'score_words']}")
    block = f"**Year on year: {literal(patients.attrs['compared'])}**\n\n" + "\n".join(lines)
    caption = (
        literal(comparison_sentence(patients)) + " 'Not a clear change' means the interval includes no change. "
        "One ward on its own: anything that changed on the ward could be the reason. "
        + literal(interval_methods(patients.loc[ward_id]))
    )
    return block, caption


def profile_summary(
    panel: pd.DataFrame, ward_id: str, events, rebase: bool, catalogue, run_length: int = RUN_LENGTH
) -> pd.DataFrame:
    """The profile's summary table (cached with the profile's own arguments)."""
    return summary_table(
        ward_profile(panel, ward_id, events=events, rebase=rebase, catalogue=catalogue, run_length=run_length)
    )


def events_shown(events: pd.DataFrame) -> pd.DataFrame:
    """The events marked on the charts, each date as "16 Oct 2022"."""
    return events.assign(date=events["date"].map(lambda d: f"{d.day} {d:%b %Y}"))


def not_recorded_words(titles: list[str]) -> str:
    """'Not recorded on this ward: A, B.' (each title literal: a recovery measure's name is the user's)."""
    return "Not recorded on this ward: " + ", ".join(literal(m) for m in titles) + "."


def chart_groups(profile: WardProfile) -> tuple[list[MeasureSeries], list[tuple[str, list[MeasureSeries]]]]:
    """The four key charts first, then every other measure by its group (groups without one left out)."""
    key = key_series(profile)
    keys = {s.measure.key for s in key}
    groups = [(g, [s for s in profile.series if s.measure.group == g and s.measure.key not in keys]) for g in GROUPS]
    groups = [(g, members) for g, members in groups if members]
    return key, groups


def tab_labels(groups: list[tuple[str, list[MeasureSeries]]]) -> list[str]:
    """The tabs' labels: 'Key charts', each group with its number of charts, 'Survey by aspect'."""
    return ["Key charts"] + [f"{g} ({len(members)})" for g, members in groups] + ["Survey by aspect"]


def no_survey_words(name: str) -> tuple[str, str]:
    """What the survey tab needs, and why, for a ward without survey scores."""
    return (
        "co-production survey returns (or a co-production scores table) for this ward.",
        f"There are no co-production survey scores for {literal(name)} in the months shown.",
    )


def survey_caption(aspects: pd.DataFrame) -> str:
    """The note under the survey table: the scale, the latest surveys, what the change compares."""
    return (
        "Scores are out of 100 on the working instrument (not a validated scale). Latest survey: patients "
        f"{aspects['patients_latest_month'].iloc[0] or 'none'}, staff {aspects['staff_latest_month'].iloc[0] or 'none'}. "
        "The change compares the latest survey with the one nearest to 12 months before it: one survey each, "
        "so it moves a lot from survey to survey. Whether scores are rising is answered at the top of the "
        "page, from every survey in the two years, with its 95% confidence interval."
    )

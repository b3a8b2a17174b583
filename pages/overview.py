"""The landing page: which data are loaded, today's answer to each of the three questions, what to tell
the steering group, and every ward at a glance with a link to its profile."""

from html import escape

import pandas as pd
import streamlit as st

from analysis.overview.answers import headline_metrics, three_answers, ward_table
from analysis.overview.summary import steering_summary, trend_words
from analysis.overview.wards import icon_markup, wards_to_list
from analysis.questions.recovery.model import higher_is_better, measure_range
from analysis.text import fmt_number, literal, plural, plural_word, rate_label
from analysis.wards.change import year_on_year
from ui.cache import analysed
from ui.frame import APP_TITLE, current_view, filter_caption, period_text
from ui.safe import guarded
from ui.show import DATA_PAGE, download

QUESTION_PAGES = {"q1": "pages/coproduction.py", "q2": "pages/assaults.py", "q3": "pages/recovery.py"}
PROFILE_PAGE = "pages/ward_profile.py"
NO_VALUE = "–"
# ward table columns: (header, width)
COLUMNS = (
    ("Ward", 1.3),
    ("Co-production: rising?", 1.7),
    ("Assaults on staff: improving?", 1.9),
    ("Recovery", 1.8),
    ("Talking groups", 1.3),
)


def _num(x, digits: int = 1) -> str:
    if x is None or pd.isna(x):
        return NO_VALUE
    return f"{round(float(x)):,}" if digits == 0 else fmt_number(x, digits)


def _trend(key: str, label: str) -> str:
    """The Making Data Count icon (SVG, its label as title) with its words and a direction shape beside it,
    so colour is never the only signal."""
    words, shape = trend_words(key)
    svg = icon_markup(key, label).replace('width="48" height="48"', 'width="26" height="26"', 1)
    signal = key not in ("common_cause", "no_data")  # only a signal is bold and carries a shape
    text = f"<strong>{shape} {words}</strong>" if signal else words
    return f'<span style="display:inline-flex;align-items:center;gap:0.4rem">{svg}<span>{text}</span></span>'


def _data_strip(view, metrics: dict) -> None:
    data = view.data
    wards = data.table("wards")
    services = (
        ", ".join(literal(s) for s in sorted(wards["service"].dropna().astype(str).unique())) if len(wards) else ""
    )
    st.markdown(
        f"**{literal(view.dataset.label)}**: {plural(len(wards), 'ward')}"
        + (f" ({services})" if services else "")
        + f", **{period_text(data)}**."
    )
    filter_caption(view)
    c = st.columns([1, 1, 1, 2, 1])
    c[0].metric("Wards", metrics["wards"])
    c[1].metric("Months", metrics["months"])
    c[2].metric("Ward months", metrics["ward_months"])
    rate = metrics.get("assaults_on_staff_rate_per_1000_obd")
    c[3].metric(f"Assaults on staff {rate_label()}", _num(rate, 2), help="Over every month shown (see below).")
    c[4].metric(
        "Survey returns", NO_VALUE if metrics.get("survey_returns") is None else fmt_number(metrics["survey_returns"])
    )
    if metrics.get("assaults_on_staff") is not None and metrics.get("occupied_bed_days"):
        whose = plural_word(metrics["wards"], "The ward's", "These wards'") if view.filters.picks_wards else "Hospital"
        st.caption(
            f"{whose} assault rate: {fmt_number(metrics['assaults_on_staff'])} assaults on staff in "
            f"{fmt_number(metrics['occupied_bed_days'])} occupied bed days, {metrics['period']} (every month "
            "shown; the ward table below uses the last 12 months). Survey returns are the patient and staff "
            "questionnaires behind the co-production scores."
        )


def _answer_card(a) -> None:
    with st.container(border=True):
        st.caption(f"Question {a.question[1]}")
        # a real h3 (headings must not skip a level for screen readers), at a card's size
        st.markdown(
            f'<h3 style="font-size:1.15rem;padding:0.25rem 0 0.5rem 0">{escape(a.title)}</h3>', unsafe_allow_html=True
        )
        if a.needs:  # the sentence says what is missing
            st.info(literal(a.sentence), icon=":material/info:")
            st.page_link(DATA_PAGE, label="Add data on the Data page", icon=":material/database:")
            return
        st.markdown(literal(a.sentence))
        st.markdown(f"**Key figure:** {literal(a.key_figure)}")
        label, _, rest = a.how_sure.partition(": ")
        st.markdown(f"**{literal(label)}:** {literal(rest)}" if rest else literal(a.how_sure))
        if a.others:
            st.caption(literal(a.others))
        st.page_link(QUESTION_PAGES[a.question], label="See the evidence", icon=":material/arrow_forward:")


def _ward_row(row, measure: str, change: dict) -> None:
    cells = st.columns([w for _, w in COLUMNS], vertical_alignment="top")
    label = literal(f"{row['ward_id']} {row['ward_name']}" if pd.notna(row["ward_name"]) else row["ward_id"])
    cells[0].page_link(
        PROFILE_PAGE,
        label=f"**{label}**",
        query_params={"profile_ward": str(row["ward_id"])},
        icon=":material/bed:",
        help=f"Open the profile of {label}",
    )
    cells[0].caption(f"{literal(row['service'])}, {literal(row['security_level'])} security")
    when = row["coproduction_patient_latest_month"] or row["coproduction_staff_latest_month"]
    cells[1].markdown(_trend(row["coproduction_icon"], row["coproduction_icon_label"]), unsafe_allow_html=True)
    scores = [
        f"{who} {_num(row[f'coproduction_{key}_latest'], 0)}"
        for who, key in (("Patients", "patient"), ("staff", "staff"))
        if pd.notna(row[f"coproduction_{key}_latest"])
    ]
    text = ", ".join(scores) + " out of 100" + (f" ({when} survey)" if when else "") if scores else "No survey scores"
    cells[1].caption(text[:1].upper() + text[1:] + (f". Patients: {change['score_words']}" if change else ""))
    cells[2].markdown(_trend(row["assaults_icon"], row["assaults_icon_label"]), unsafe_allow_html=True)
    rate = row["assaults_on_staff_rate_per_1000_obd_12m"]
    cells[2].caption(
        (
            f"{_num(rate, 1)} {rate_label()} ({_num(row['assaults_on_staff_12m'], 0)} assaults, "
            f"{_num(row['occupied_bed_days_12m'], 0)} bed days)"
            if pd.notna(rate)
            else "No assault figures"
        )
        + (f". {change['assaults_words']}" if change else "")
    )
    cells[3].markdown(_trend(row["recovery_icon"], row["recovery_icon_label"]), unsafe_allow_html=True)
    cells[3].caption(
        f"{literal(measure)} {_num(row['recovery_latest'], 1)} ({row['recovery_latest_month']})"
        if pd.notna(row["recovery_latest"])
        else "No recovery scores"
    )
    started = row["talking_groups_started"]
    if started == "not started":
        cells[4].markdown("Not started")
    else:
        cells[4].markdown(f"Since {started}")
        per = row["talking_groups_attendance_per_session_12m"]
        cells[4].caption(
            f"{_num(row['talking_groups_sessions_12m'], 0)} sessions in 12 months"
            + (f", {_num(per, 1)} attending per session" if pd.notna(per) else "")
        )


def _scale(view, measure: str) -> str:
    """' (0 to 60; higher is better)' from the measures catalogue, or '' when it does not list the measure."""
    catalogue = view.data.table("measures")
    span, hib = measure_range(measure, catalogue), higher_is_better(measure, catalogue)
    if span is None:
        return ""
    better = "" if hib is None else f"; {'higher' if hib else 'lower'} is better"
    return f" ({_num(span[0], 0)} to {_num(span[1], 0)}{better})"


def _ward_table(view, wards: pd.DataFrame, changes: pd.DataFrame | None) -> None:
    st.header("Wards at a glance")
    if not len(wards):
        st.info("No wards match the filters. Clear the filters in the sidebar to see every ward.")
        return
    measure = wards.attrs.get("recovery_measure") or "Recovery"
    st.caption(
        f"Assaults are for the last 12 months ({wards.attrs.get('window_label', '')}), {rate_label()}. "
        "Each trend is a Making Data Count variation icon: it reads the ward's latest month (for co-production and "
        "recovery, its latest survey) against the ward's own usual range; a run of recent months on one side "
        "counts too. ▲ or ▼ (H or L in the icon) means an unusual rise or fall; a grey icon with a "
        "dash means no significant change (only the usual ups and downs). Blue is improving, orange is a concern. "
        f"Co-production is the patient-rated score; recovery is the ward's mean {literal(measure)} score"
        f"{_scale(view, measure)}. Open a ward's profile with its name."
    )
    if changes is not None and len(changes):
        st.caption(
            f"Under each icon, the question itself: the last 12 months ({changes.attrs['later']}) against the "
            f"12 before ({changes.attrs['earlier']}), with a 95% confidence interval. 'Not a clear change' "
            "means the interval includes no change. One ward on its own: anything that changed on the "
            "ward could be the reason."
        )
    listed = wards_to_list(wards)
    if len(listed) < len(wards):
        st.caption(
            f"Listing {len(listed)} of {plural(len(wards), 'ward')}: those with the most concerns, then other "
            "signals, then the highest assault rates. Every ward is in Show the data below; narrow the "
            "filters in the sidebar to list others."
        )
    head = st.columns([w for _, w in COLUMNS])
    for cell, (title, _) in zip(head, COLUMNS):
        cell.markdown(f"**{title if title != 'Recovery' else f'Recovery ({literal(measure)}): improving?'}**")
    by_ward = {} if changes is None else changes.set_index("ward_id").to_dict("index")
    for _, row in listed.iterrows():
        _ward_row(row, measure, by_ward.get(row["ward_id"], {}))
    with st.expander("Show the data"):
        shown = wards.copy()
        shown.attrs = {}  # window timestamps cannot go to the browser; the caption says them
        st.dataframe(shown, hide_index=True, width="stretch")
        download(
            wards,
            "overview_wards",
            view,
            counts=wards.attrs.get("count_columns", []),
            rates={"assaults_on_staff_rate_per_1000_obd_12m": ("assaults_on_staff_12m", "occupied_bed_days_12m", 1000)},
        )


view = current_view()
st.title(APP_TITLE)
st.markdown(
    "Co-production is the sharing of power and trust between staff and detained patients. This page gives "
    "today's answer to each of the three questions for the wards and months chosen in the sidebar."
)

# Three cached pieces rather than one `overview()`: the answers appear while the ward table is still being
# worked out (about half the first page's compute), and the steering pack's preview shares the answers.
metrics = answers = wards = None
with guarded("summarising the data", "Check the data on the Data page."):
    data = view.data
    metrics = analysed(headline_metrics, view)
    _data_strip(view, metrics)

if metrics is not None:
    st.header("Today's answers")
    with guarded("writing the answers", "Open each question's page for its evidence."):
        if not metrics["wards"]:
            st.info(
                "No ward-months match the filters, so none of the questions can be answered. "
                "Clear the filters in the sidebar, or add data on the Data page."
            )
        answers = analysed(three_answers, view, data.table("measures"))
        for col, a in zip(st.columns(3), answers):
            with col:
                _answer_card(a)

    with guarded("drawing the ward table", "Open a ward's profile from the Ward profile page."):
        wards = analysed(ward_table, view, data.table("measures"), data.table("events"))

    if answers is not None and wards is not None:
        st.header("For the steering group")
        with guarded("writing the summary", "The answers above still stand."), st.container(border=True):
            st.markdown(literal(steering_summary(answers, wards, metrics, data.table("measures"))))

    if wards is not None:
        with guarded("drawing the ward table", "Open a ward's profile from the Ward profile page."):
            # on screen only (not in the table's download): a rate ratio with its interval can give back
            # a small count, which disclosure control would have hidden
            _ward_table(view, wards, analysed(year_on_year, view))

st.header("And next")
st.page_link("pages/talking_groups.py", label="Talking groups (ward community meetings)", icon=":material/forum:")
st.caption("What happened on wards after talking groups began, and the reduced social distance they ask of staff.")
st.page_link(
    DATA_PAGE, label="Data: upload your hospital's figures, check them, import them", icon=":material/database:"
)

"""The landing page: today's answer to each of the three questions first (a verdict a ward manager can repeat,
above the fold at 1366 x 768), what to tell the steering group, the data behind them, and every ward at a
glance with a link to its profile."""

from functools import partial
from html import escape

import pandas as pd
import streamlit as st

from analysis.charts.assurance import STYLE as GRID_STYLE
from analysis.data.targets import target_measures
from analysis.overview.answers import headline_metrics, hospital_chart, researcher_notes, three_answers, ward_table
from analysis.overview.assurance import COUNT_COLUMNS, RATES, assurance_summary, default_measures
from analysis.overview.assurance_export import assurance_for_export
from analysis.overview.summary import steering_brief, trend_words
from analysis.overview.wards import icon_markup, wards_to_list, window_length, window_words
from analysis.questions.glossary import terms_in
from analysis.questions.recovery.model import higher_is_better, measure_range
from analysis.text import fmt_number, listed, literal, plural, plural_word, rate_label
from analysis.wards.change import comparison_sentence, year_on_year
from ui import settings
from ui import targets as targets_ui
from ui.cache import analysed, panel
from ui.filters import chosen_period, every_month
from ui.first_paint import Top
from ui.frame import APP_TITLE, banner_steps, current_view, period_text
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


# The verdict is the largest text on a card; each sits in a keyed container (class st-key-verdict_q1 ...),
# which the browser test of the fold looks for.
CARD_STYLE = """<style>
[class*="st-key-verdict_"] p {font-size: 1.2rem; font-weight: 700; line-height: 1.35; margin-bottom: 0;}
.st-key-answers_heading h2 {font-size: 1.6rem; padding: 0.5rem 0 0.25rem 0;}
</style>"""
# "Today's answers" was larger than the page title below 1000 px wide (36 against 34 px) and pushed the cards'
# "How sure" lines below the fold at 900 x 700; an h2 still, smaller.


def _data_line(view) -> list:
    """Which data, how many wards, which months and what the filters show, in one line."""
    data = view.data
    n = data.table("wards")["ward_id"].nunique() if len(data.table("wards")) else 0
    return [
        "markdown",
        f"**{literal(view.dataset.label)}**: {plural(n, 'ward')}, **{period_text(data)}**. "
        f"Showing {literal(view.filters.describe())}.",
    ]


def _picked_line(view, metrics: dict) -> list:
    """With wards chosen in the sidebar, their assault rate for the months shown, above the answers (a ward
    manager who picks their own ward and the last six months gets the figure without scrolling), and a link
    to the ward's profile when one ward is chosen."""
    steps = []
    if not view.filters.picks_wards or not metrics.get("wards"):
        return steps
    wards = view.data.table("wards")
    names = [
        literal(f"{r['ward_id']} {r['ward_name']}" if pd.notna(r["ward_name"]) else r["ward_id"])
        for r in wards.drop_duplicates("ward_id").to_dict("records")
    ]
    who = listed(names, most=3, rest="more")
    rate = metrics.get("assaults_on_staff_rate_per_1000_obd")
    if metrics.get("assaults_on_staff") is not None and metrics.get("occupied_bed_days") and pd.notna(rate):
        steps.append(
            [
                "markdown",
                f"**{who}**, {metrics['period']}: **{_num(rate, 2)} assaults on staff {rate_label()}** "
                f"({plural(metrics['assaults_on_staff'], 'assault')} in "
                f"{fmt_number(metrics['occupied_bed_days'])} bed days).",
            ]
        )
    if len(names) == 1:
        ward_id = str(wards["ward_id"].iloc[0])
        label = f"Open the profile of {names[0]}: is it improving?"
        steps.append(["page_link", PROFILE_PAGE, label, ":material/bed:", {"profile_ward": ward_id}])
    return steps


def _counters(view, metrics: dict) -> None:
    """The data behind the answers: wards, months, ward-months, the assault rate and survey returns."""
    st.header("The data behind these answers")
    wards = view.data.table("wards")
    services = (
        ", ".join(literal(s) for s in sorted(wards["service"].dropna().astype(str).unique())) if len(wards) else ""
    )
    c = st.columns([1, 1, 1, 2, 1])
    c[0].metric("Wards", metrics["wards"])
    c[1].metric("Months", metrics["months"])
    c[2].metric("Ward months", metrics["ward_months"])
    rate = metrics.get("assaults_on_staff_rate_per_1000_obd")
    c[3].metric(f"Assaults on staff {rate_label()}", _num(rate, 2), help="Over every month shown.")
    c[4].metric(
        "Survey returns", NO_VALUE if metrics.get("survey_returns") is None else fmt_number(metrics["survey_returns"])
    )
    lines = []
    if services:
        lines.append(f"Services: {services}.")
    if metrics.get("assaults_on_staff") is not None and metrics.get("occupied_bed_days"):
        whose = plural_word(metrics["wards"], "The ward's", "These wards'") if view.filters.picks_wards else "Hospital"
        lines.append(
            f"{whose} assault rate: {fmt_number(metrics['assaults_on_staff'])} assaults on staff in "
            f"{fmt_number(metrics['occupied_bed_days'])} occupied bed days, {metrics['period']} (every month "
            "shown; the ward table below uses the last 12 of them at most)."
        )
    lines.append("Survey returns are the patient and staff questionnaires behind the co-production scores.")
    st.caption(" ".join(lines))


def _sure(a) -> str:
    """'How sure: **moderate** (12 wards, 60 months)'; 'How sure: **not enough data**: only 3 wards (...)'."""
    level = literal(a.level.lower() if a.level else "not enough data")
    if not a.sure:
        return f"How sure: **{level}**"
    return f"How sure: **{level}**" + (
        f": {literal(a.sure)}" if a.level == "Not enough data" else f" ({literal(a.sure)})"
    )


def _researchers(answers) -> list:
    """One section under the three cards: each answer's exact figures, model and caveats, then a glossary of
    the method words they use, folded away."""
    steps, said = [], []
    for a in answers:
        steps.append(["markdown", f"**Question {a.question[1]}: {literal(a.title)}**"])
        notes = researcher_notes(a)
        steps += [["markdown", literal(note)] for note in notes]
        said += notes
    words = terms_in(*said)
    if words:
        steps.append(["markdown", "**Words used here**"])
        steps.append(
            ["markdown", "\n".join(f"- **{literal(term)}**: {literal(meaning)}" for term, meaning in words.items())]
        )
    return ["expander", "For researchers: the exact figures, the models and the words they use", steps]


def _card_words(a) -> str | None:
    """The glossary's meaning of each special word on a card (QPR-15, 'mid', 'its usual level' ...), for the
    "?" beside the card's figure: a ward manager decodes them without opening the researchers' section."""
    words = terms_in(a.verdict_text, a.sure, a.figure, a.caveat, a.others_plain)
    if not words:
        return None
    return "\n\n".join(f"**{literal(term)}**: {literal(meaning)}" for term, meaning in words.items())


def _answer_card(a) -> list:
    """One answer in a bordered box: the question, the verdict (largest), how sure, the figure, the caveats."""
    steps = [
        # a real h3 (headings must not skip a level for screen readers), smaller than the verdict below it
        [
            "markup",
            f'<h3 style="font-size:0.95rem;font-weight:600;padding:0 0 0.35rem 0">Question {a.question[1]}: '
            f"{escape(a.title)}</h3>",
        ],
        ["keyed", f"verdict_{a.question}", [["markdown", literal(a.verdict_text)]]],
    ]
    if a.needs:  # the sentence says what is missing
        steps.append(["info", literal(a.sentence), ":material/info:"])
        steps.append(["page_link", DATA_PAGE, "Add data on the Data page", ":material/database:"])
        return ["bordered", steps]
    steps.append(["markdown", _sure(a)])
    words = _card_words(a)
    if a.figure:
        steps.append(["markdown", literal(a.figure), words])
    elif a.level == "Not enough data":
        steps.append(["markdown", "With this little data any figure would mislead, so none is shown yet.", words])
    if a.caveat:
        steps.append(["caption", literal(a.caveat)])
    if a.others_plain:
        steps.append(["caption", literal(a.others_plain)])
    steps.append(["page_link", QUESTION_PAGES[a.question], "See the evidence", ":material/arrow_forward:"])
    return ["bordered", steps]


def _ward_row(row, measure: str, change: dict, window: str) -> None:
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
            # two decimals, as the counter and the chosen wards' line above give the same rate (3.98, not "4")
            f"{_num(rate, 2)} {rate_label()} ({_num(row['assaults_on_staff_12m'], 0)} assaults, "
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
            f"{_num(row['talking_groups_sessions_12m'], 0)} sessions in {window}"
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
        f"Assaults are for {window_words(wards.attrs)}, {rate_label()}. "
        "Each trend is a Making Data Count variation icon: it reads the ward's latest month (for co-production and "
        "recovery, its latest survey) against the ward's own usual range; a run of "
        f"{wards.attrs.get('run_length', 7)} or more recent months on one side counts too (the run is set in the "
        "sidebar's Settings). ▲ or ▼ (H or L in the icon) means an unusual rise or fall; a grey icon with a "
        "dash means no significant change (only the usual ups and downs). Blue is improving, orange is a concern. "
        f"Co-production is the patient-rated score; recovery is the ward's mean {literal(measure)} score"
        f"{_scale(view, measure)}. Open a ward's profile with its name."
    )
    if changes is not None and len(changes):
        st.caption(
            f"Under each icon, the question itself: {comparison_sentence(changes)} 'Not a clear change' "
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
        _ward_row(row, measure, by_ward.get(row["ward_id"], {}), window_length(wards.attrs))
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


def _assurance(view) -> None:
    """Assurance against targets: the variation-by-assurance grid across wards and measures, its data, and the
    form that sets a target (ui/targets.py)."""
    st.header("Assurance against targets")
    data = view.data
    targets = view.dataset.table("targets")  # uncut: a hospital-wide target has no ward, and no period cuts a target
    catalogue = data.table("measures")
    measures = target_measures(catalogue)
    n_wards = data.table("wards")["ward_id"].nunique() if len(data.table("wards")) else 0
    targets_ui.saved_message()
    with st.expander("Choose the measures in the grid"):
        chosen = st.multiselect(
            "Measures",
            list(measures),
            default=default_measures(targets, n_wards, catalogue),
            format_func=lambda k: measures[k].title,
            key="assurance_measures",
        )
    summary = analysed(
        assurance_summary, view, targets, catalogue, data.table("events"), tuple(chosen), settings.run_length()
    )
    table = summary.table
    st.markdown(literal(summary.sentence))
    st.caption(
        "Each ward and measure sits in one cell. The row is its variation icon (as in the ward table: the latest "
        "month against the ward's own usual range). The column is its assurance: where the target in force that "
        "month sits against the ward's process limits. Outside the limits on the better side, the target will be "
        "met almost every month; on the worse side, missed almost every month, whatever the ward does short of "
        "changing how things are done; between the limits, hit and miss by chance alone. One ward's monthly "
        "incident rate varies so much that almost every incident target is hit and miss. Look first at the cell "
        "with the thick orange edge."
    )
    st.html(GRID_STYLE)
    st.markdown(summary.html, unsafe_allow_html=True)
    left = summary.not_judged
    if len(left):
        names = [
            f"{literal(r['measure_title'])} on {literal(r['ward_name'] or r['ward_id'])}"
            for r in left.to_dict("records")
        ]
        st.caption(f"Not in the grid, too few points to judge: {listed(names, most=8, rest='more')}.")
    with st.expander("Show the data"):
        st.dataframe(table, hide_index=True, width="stretch")
        # the figures worked out from every month could give a hidden month's count back (analysis/overview/
        # assurance_export.py): they show the rule's symbol on a ward whose chart has one
        download(
            table,
            "overview_assurance",
            view,
            counts=list(COUNT_COLUMNS),
            rates=RATES,
            prepare=partial(assurance_for_export, panel=panel(view)),
            units=True,  # each row's counts are one ward's latest month: a single ward-month
        )
    targets_ui.targets_section(view, summary.in_force, measures)


view = current_view()
# The top of the page (banner, title, data line, the three answers) goes through `Top`: drawn as it is worked out
# and kept, so that the next start's first run draws it from disk before pandas is imported (ui/first_paint.py).
top = Top(banner_steps(view.dataset))
top.put("html", CARD_STYLE)
top.put("title", APP_TITLE)

# Three cached pieces rather than one `overview()`: the answers appear while the ward table is still being
# worked out (about half the first page's compute), and the steering pack's preview shares the answers.
metrics = answers = wards = None
with guarded("summarising the data", "Check the data on the Data page."), top.part():
    data = view.data
    top.put(*_data_line(view))
    metrics = analysed(headline_metrics, view)
    for step in _picked_line(view, metrics):
        top.put(*step)

if metrics is not None:
    top.put("keyed", "answers_heading", [["header", "Today's answers"]])
    with guarded("writing the answers", "Open each question's page for its evidence."), top.part():
        if not metrics["wards"]:
            top.put(
                "info",
                "No ward-months match the filters, so none of the questions can be answered. "
                "Clear the filters in the sidebar, or add data on the Data page.",
                None,
            )
        answers = analysed(three_answers, view, data.table("measures"))
        top.put("columns", *([_answer_card(a)] for a in answers))
        top.put(*_researchers(answers))
        top.put(
            "caption",
            "Co-production is the sharing of power and trust between staff and detained patients. The answers "
            "are for the wards and months chosen in the sidebar; each card's evidence is on its question's page.",
        )
top.finish()

if metrics is not None:
    with guarded("drawing the ward table", "Open a ward's profile from the Ward profile page."):
        wards = analysed(
            ward_table, view, data.table("measures"), data.table("events"), run_length=settings.run_length()
        )

    if answers is not None and wards is not None:
        st.header("For the steering group")
        with guarded("writing the summary", "The answers above still stand."), st.container(border=True):
            hospital = (
                analysed(hospital_chart, view, data.table("events"), settings.run_length())
                if metrics["wards"]
                else None
            )
            label = (
                plural_word(metrics["wards"], "The chosen ward", "The chosen wards together")
                if view.filters.picks_wards
                else "Whole hospital"
            )
            brief = steering_brief(answers, wards, metrics, hospital, label)
            st.markdown(literal(brief.covers))
            if brief.verdicts:
                st.markdown("\n".join(f"- {literal(v)}" for v in brief.verdicts))
            for part in (brief.sure, brief.signals):
                if part:
                    st.markdown(literal(part))

    with guarded("summarising the data", "Check the data on the Data page."):
        _counters(view, metrics)

    if wards is not None:
        with guarded("drawing the ward table", "Open a ward's profile from the Ward profile page."):
            # on screen only (not in the table's download): a rate ratio with its interval can give back
            # a small count, which disclosure control would have hidden
            _ward_table(view, wards, analysed(year_on_year, every_month(view), **chosen_period(view)))

    with guarded("setting the wards against their targets", "The ward table above still stands."):
        _assurance(view)

with st.container(key="and_next"):  # the page's last part (benchmarks/pages_speed.py times the whole page by it)
    st.header("And next")
    st.page_link("pages/talking_groups.py", label="Talking groups (ward community meetings)", icon=":material/forum:")
    st.caption("What happened on wards after talking groups began, and the reduced social distance they ask of staff.")
    st.page_link(
        DATA_PAGE, label="Data: upload your hospital's figures, check them, import them", icon=":material/database:"
    )

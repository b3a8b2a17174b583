"""Targets set without a file (the Overview's "Set a target" expander): the targets in force, and the form that sets
one for a ward (or every ward) and measure from a month on.

Each target saved here is an import of one row of the targets table (`ui.store_edits.save_as_import`): the Data page
lists it in the import history, where rolling it back restores the target it replaced. Only a data steward may set
a target, on imported data only (`ui.store_edits.editable`); a target is checked as an uploaded targets row is
(`analysis.data.target_checks.check_targets`).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from analysis.data.target_checks import check_targets
from analysis.data.targets import stored_name, target_row
from analysis.text import financial_year, fmt_number, literal, plural, uk_month
from ui.store_edits import editable, save_as_import

SAVED = "_target_saved"  # the message shown once after a target is saved
FORM = "set_target"
EXPANDER = "Set a target"
DIRECTIONS = {"": "The measure's own", "lower": "Lower is better", "higher": "Higher is better"}
DIRECTION_HELP = (
    "The measure's own: fewer incidents, more transfers to lower security, higher co-production, recovery as the "
    "measures catalogue says. Talking group attendance has none, so say which."
)


def saved_message() -> None:
    """The message of a target saved on the run before (shown once)."""
    saved = st.session_state.pop(SAVED, None)
    if saved:
        st.success(literal(saved), icon=":material/check_circle:")


def targets_section(view, in_force: pd.DataFrame, measures: dict) -> None:
    """The "Set a target" expander: the targets in force in the latest month shown, then the form (data stewards,
    imported data only). `measures` are `analysis.data.targets.target_measures`."""
    with st.expander(EXPANDER):
        _targets_in_force(view, in_force, measures)
        _target_form(view, measures)


def _targets_in_force(view, now: pd.DataFrame, measures: dict) -> None:
    """The targets in force in the latest month shown (each one's latest version that has started)."""
    if not len(now):
        st.caption("No target is set yet.")
        return
    names = view.dataset.table("wards").set_index("ward_id")["ward_name"].astype(str).to_dict()
    shown = pd.DataFrame(
        {
            "Ward": [f"{w} {names.get(w, '')}".strip() if isinstance(w, str) else "Every ward" for w in now["ward_id"]],
            "Measure": [measures[m].title for m in now["measure"]],
            "Target": [fmt_number(t, 2) for t in now["target"]],
            "Better": [d or "not said" for d in now["direction"]],
            "Since": [uk_month(v) for v in now["valid_from"]],
        }
    )
    st.markdown(f"**{plural(len(shown), 'target')} in force in the latest month**")
    st.dataframe(shown, hide_index=True, width="stretch")


def _month_choices(view) -> tuple[list[pd.Timestamp], int]:
    """The months a target may start from (the data's months and a year beyond), and the default: April of the
    latest month's financial year."""
    months = pd.to_datetime(view.dataset.table("ward_months")["month"]).dropna()
    first, last = (months.min(), months.max()) if len(months) else (pd.Timestamp.today(), pd.Timestamp.today())
    choices = list(
        pd.date_range(
            first.to_period("M").to_timestamp(),
            last.to_period("M").to_timestamp() + pd.DateOffset(months=12),
            freq="MS",
        )
    )
    year_start = pd.Timestamp(year=last.year if last.month >= 4 else last.year - 1, month=4, day=1)
    return choices, choices.index(year_start) if year_start in choices else 0


def _target_form(view, measures: dict) -> None:
    """A target for one ward (or every ward) and measure from a month on, saved as an import."""
    st.caption(
        "A target applies from its month until a later one replaces it; a ward's own target comes before a "
        "hospital-wide one. Each target saved here is an import of one row of the targets table: the Data page "
        "lists it in the import history, where rolling it back restores the target it replaced. Many targets at "
        "once: fill the targets sheet of the template and upload it on the Data page."
    )
    if not editable(view.dataset, "import", "Targets set here", "targets", "set targets"):
        return
    wards = view.dataset.table("wards")
    labels = {"": "Every ward (hospital-wide)"} | {
        str(r["ward_id"]): f"{r['ward_id']} {r['ward_name']}" if pd.notna(r.get("ward_name")) else str(r["ward_id"])
        for r in wards.to_dict("records")
    }
    choices, default = _month_choices(view)
    with st.form(FORM, border=False):
        c = st.columns([1.2, 1.6, 0.8, 1])
        ward = c[0].selectbox("Ward", list(labels), format_func=labels.get, key="target_ward")  # plain text
        measure = c[1].selectbox(
            "Measure", list(measures), format_func=lambda k: measures[k].title, key="target_measure"
        )
        value = c[2].number_input("Target", value=None, min_value=0.0, step=0.1, format="%.2f", key="target_value")
        valid_from = c[3].selectbox(
            "From",
            choices,
            index=default,
            format_func=lambda m: f"{uk_month(m)} ({financial_year(m)})",
            key="target_from",
        )
        direction = st.radio(
            "Which side of the target is good",
            list(DIRECTIONS),
            format_func=DIRECTIONS.get,
            key="target_direction",
            horizontal=True,
            help=DIRECTION_HELP,
        )
        saved = st.form_submit_button("Save target", type="primary", key="target_save")
    if not saved:
        return
    if value is None:
        st.error("Nothing was saved: give the target a value.")
        return

    def write(state, who):
        name = stored_name(state.tables.get("targets"), ward or None, measure, valid_from, measures)
        row = target_row(ward or None, name, float(value), direction or None, valid_from)
        problems = check_targets(row, state.tables)
        if problems:
            st.error("Nothing was saved: " + literal("; ".join(problems)) + ".")
            return None
        where = labels[ward] if ward else "every ward"
        what = f"{measures[measure].title} {fmt_number(value, 2)} on {where} from {uk_month(valid_from)}"
        import_id = state.store.import_tables(
            {"targets": row},
            file_name=f"Target set on the Overview: {what}",
            content_hash=hashlib.sha256(row.to_csv(index=False).encode("utf-8")).hexdigest(),
            note="set on the Overview",
            who=who.who,
            role=who.audit_role,
        )
        return import_id, what

    save_as_import("import", write, SAVED)

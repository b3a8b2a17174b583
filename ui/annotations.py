"""Events on a ward's charts, added, changed and removed without a file (the ward profile's "Events" expander).

Each change is one import in the store (`Store.annotate`): the Data page's history lists it, rolling it back
undoes it, and the audit records it as "annotate". Only a data steward may change events, on imported data only;
the role is checked again on the server right before the store is written (both in `ui.store_edits`, shared with
the targets set on the Overview). An event is checked as an
uploaded event row is: the contract's kinds, a date, a label that is not blank and holds no patient identifier.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analysis.data.contract import EVENT_KINDS, schema
from analysis.data.identifiers import text_hits
from analysis.text import literal, plural
from ui.store_edits import editable, save_as_import

EXPANDER = "Events on this ward's charts"
SAVED = "_annotation_saved"  # the message shown once after a change is saved
LABEL_MAX = 120  # characters: a label is a few words on a chart


def _day(d) -> str:
    d = pd.Timestamp(d)
    return f"{d.day} {d:%b %Y}"


def _kind_text(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def event_row(ward_id: str, date, kind: str, label: str) -> pd.DataFrame:
    """One event as a row of the events table, typed as the loader types it."""
    return pd.DataFrame(
        {
            "ward_id": pd.Series([ward_id], dtype="str"),
            "date": pd.Series([pd.Timestamp(date)], dtype="datetime64[ns]"),
            "kind": pd.Series([kind], dtype="str"),
            "label": pd.Series([label], dtype="str"),
        }
    )


def problems(row: pd.DataFrame) -> list[str]:
    """Why this event cannot be stored (empty when it can): blank label, unknown kind, a patient identifier."""
    label = str(row["label"].iat[0] or "").strip()
    out = []
    if not label:
        out.append("give the event a label: a few words shown on the charts")
    elif len(label) > LABEL_MAX:
        out.append(f"shorten the label to {plural(LABEL_MAX, 'character')} or fewer")
    if row["kind"].iat[0] not in EVENT_KINDS:
        out.append(f"choose what sort of event it is ({', '.join(EVENT_KINDS)})")
    if pd.isna(row["date"].iat[0]):
        out.append("give the event a date")
    if out:
        return out
    what = text_hits(pd.Series([label], dtype=object)).iat[0]
    if what:
        out.append(
            f"the label looks like it holds {what}; events are shown to everyone who sees the charts, so write "
            "them without patient identifiers"
        )
        return out
    try:
        schema("events").validate(row, lazy=True)
    except Exception as e:  # pandera's SchemaErrors: say it plainly, without the label's value
        out.append(f"the event does not fit the events table ({type(e).__name__})")
    return out


def _ward_events(events: pd.DataFrame | None, ward_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(this ward's own events, hospital-wide events), each sorted by date."""
    if events is None or not len(events):
        empty = pd.DataFrame(columns=["ward_id", "date", "kind", "label"])
        return empty, empty
    own = events[events["ward_id"].astype("str") == str(ward_id)]
    everywhere = events[events["ward_id"].isna()]
    return (
        own.sort_values("date", kind="stable", ignore_index=True),
        everywhere.sort_values("date", kind="stable", ignore_index=True),
    )


def _shown(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Date": [_day(d) for d in df["date"]],
            "Kind": [_kind_text(k) for k in df["kind"]],
            "Label": df["label"].astype("str").tolist(),
        }
    )


def _key(r: dict) -> tuple:
    return (r["ward_id"], pd.Timestamp(r["date"]).date(), str(r["kind"]), str(r["label"]))


def _save(ward_id: str, add: pd.DataFrame | None, retire: list[tuple], what: str) -> None:
    """Write the change as one import, checking the role right before; say what happened."""
    if add is not None:
        found = problems(add)
        if found:
            st.error("Nothing was saved: " + literal("; ".join(found)) + ".")
            return

    def write(state, who):
        import_id = state.store.annotate(
            add, retire, who=who.who, role=who.audit_role, description=f"Event {what} on ward {ward_id}"
        )
        return import_id, f"event {what}"

    save_as_import("annotate", write, SAVED)


def _kind_select(label: str, key: str, index: int = 0) -> str:
    return st.selectbox(
        label,
        list(EVENT_KINDS),
        index=index,
        format_func=lambda k: f"{_kind_text(k)}: {EVENT_KINDS[k].lower()}",
        key=key,
    )


def _add_form(ward_id: str) -> None:
    with st.form("annotation_add", border=True, clear_on_submit=False):
        st.markdown("**Add an event**")
        c = st.columns([1, 1.6])
        day = c[0].date_input("Date", value=dt.date.today(), format="DD/MM/YYYY", key="annotation_add_date")
        kind = _kind_select("Kind", "annotation_add_kind", index=list(EVENT_KINDS).index("change"))
        label = st.text_input(
            "Label (shown on the charts)",
            max_chars=LABEL_MAX,
            key="annotation_add_label",
            placeholder="New ward manager",
        )
        saved = st.form_submit_button("Add event", type="primary", key="annotation_add_save")
    if saved:
        row = event_row(ward_id, day, kind, (label or "").strip())
        _save(ward_id, row, [], f"added: {_day(day)} {(label or '').strip()}")


def _edit_form(ward_id: str, own: pd.DataFrame) -> None:
    records = own.to_dict("records")
    choice = st.selectbox(
        "Change or remove an event",
        range(len(records)),
        format_func=lambda i: f"{_day(records[i]['date'])}: {records[i]['label']}",  # plain text in a selectbox
        key="annotation_pick",
    )
    r = records[choice]
    tag = f"{choice}_{pd.Timestamp(r['date']).date()}_{r['kind']}_{abs(hash(r['label'])) % 10**8}"
    with st.form("annotation_edit", border=True):
        c = st.columns([1, 1.6])
        day = c[0].date_input(
            "Date", value=pd.Timestamp(r["date"]).date(), format="DD/MM/YYYY", key=f"annotation_edit_date_{tag}"
        )
        kinds = list(EVENT_KINDS)
        kind = _kind_select("Kind", f"annotation_edit_kind_{tag}", kinds.index(r["kind"]) if r["kind"] in kinds else 0)
        label = st.text_input(
            "Label (shown on the charts)",
            value=str(r["label"]),
            max_chars=LABEL_MAX,
            key=f"annotation_edit_label_{tag}",
        )
        b = st.columns(2)
        change = b[0].form_submit_button("Save changes", type="primary", key="annotation_edit_save")
        remove = b[1].form_submit_button("Remove this event", key="annotation_remove")
    old = _key(r)
    if change:
        row = event_row(ward_id, day, kind, (label or "").strip())
        _save(
            ward_id, row, [old], f"changed: {_day(r['date'])} {r['label']} is now {_day(day)} {(label or '').strip()}"
        )
    elif remove:
        _save(ward_id, None, [old], f"removed: {_day(r['date'])} {r['label']}")


def events_section(dataset, ward_id: str) -> None:
    """The expander listing the ward's events, with the forms that add, change and remove them (data stewards,
    imported data only)."""
    message = st.session_state.pop(SAVED, None)
    with st.expander(EXPANDER, expanded=message is not None):
        if message:
            st.success(literal(message), icon=":material/check_circle:")
        own, everywhere = _ward_events(dataset.table("events") if dataset is not None else None, ward_id)
        if len(own):
            st.markdown(f"**{plural(len(own), 'event')} on this ward**")
            st.dataframe(_shown(own), hide_index=True, width="stretch")
        else:
            st.caption("No event is recorded for this ward yet.")
        if len(everywhere):
            st.markdown(f"**{plural(len(everywhere), 'hospital-wide event')}**, also marked on the charts")
            st.dataframe(_shown(everywhere), hide_index=True, width="stretch")
            st.caption("Hospital-wide events are changed through the events sheet of the template, on the Data page.")
        if not editable(dataset, "annotate", "Events added here", "events", "add, change or remove events"):
            return
        st.caption(
            "Each change saved here is an import: the Data page lists it in the import history, where rolling it "
            "back undoes it. Events mark the charts; talking groups started, interventions and changes can also "
            "restart the charts' limits."
        )
        _add_form(ward_id)
        if len(own):
            _edit_form(ward_id, own)

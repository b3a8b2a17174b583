"""The steering group pack: the three answers, talking groups, the ward table, methods and a data-quality
note for the wards and period in the filters, as files that can leave the room (HTML, PDF, PowerPoint,
Excel, CSV), protected under the disclosure rule and stamped with where the numbers came from."""

import io
import zipfile

import streamlit as st

from analysis.disclosure.register import ExportRegister
from analysis.disclosure.rules import RULES, DisclosureError
from analysis.overview.answers import three_answers
from analysis.pack.build import ALL_FORMATS, build_pack, export_pack, talking_groups_results
from analysis.pack.protect import rule_title
from analysis.pack.summary import verdict_text
from analysis.text import literal
from ui import auth, settings
from ui.cache import analysed, carry_forward, data_key
from ui.frame import current_view, filter_caption
from ui.safe import guarded
from ui.show import DATA_PAGE, DISCLOSURE_KEY, answer_markdown, needs

TITLE = "Steering group pack"
AUDIENCES = {
    "internal": "Internal: ward names shown",
    "external": "External: wards shown as codes (Ward A, Ward B, ...)",
}
BUTTONS = {"html": "HTML", "pdf": "PDF", "pptx": "PowerPoint", "xlsx": "Excel", "csv": "CSV (zip)"}
FORMAT_NAMES = {
    "html": "HTML (opens offline)",
    "pdf": "PDF",
    "pptx": "PowerPoint",
    "xlsx": "Excel tables",
    "csv": "CSV tables (zip)",
}
MIME = {
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
}
BUILT_KEY = "pack_built_for"
TRUST_TEXT = (
    "**What you see here and what leaves the room are different.** On the dashboard, trusted staff see the full "
    "numbers, including small counts. Everything in the downloaded pack is protected: small counts are hidden "
    "(shown as \\*), the rest are rounded as the rule says, further cells are hidden where a total could give a "
    "hidden one away, and rates made from a hidden count are hidden too. Every file names the rule it used and "
    "where the numbers came from. For an external audience, ward names are replaced by codes in every file."
)


class _Register(ExportRegister):
    """The export register, remembering the id of the entry it adds (so the audit can point to it)."""

    entry: int | None = None

    def record(self, selection, when=None) -> int:
        self.entry = super().record(selection, when)
        return self.entry


@st.cache_data(max_entries=6, show_spinner=False)
def _pack_files(
    key: str,
    rule: str,
    external: bool,
    formats: tuple[str, ...],
    carry: int,
    run_length: int,
    _dataset,
    _filters,
    _history,
) -> dict:
    """Build and export the pack once per data, filters and options (the slow part: models and Chromium)."""
    pack = build_pack(
        _dataset, _filters, rule, external, history=_history, carry_forward_months=carry, run_length=run_length
    )
    register = _Register()
    result = export_pack(pack, formats, register=register)
    return {
        "register_id": register.entry,
        "files": result.files,
        "messages": result.messages,
        "stamp": pack.stamp.lines(),
        "answers": [(s.title, s.answer) for s in pack.ordered_sections() if s.answer],
    }


def _history(view):
    if view.dataset.source != "store":
        return None
    from ui.data import store_state

    return store_state().history


def _csv_zip(files: dict[str, bytes]) -> bytes | None:
    csvs = {n: b for n, b in files.items() if n.endswith(".csv")}
    if not csvs:
        return None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in csvs.items():
            z.writestr(name, data)
    return buf.getvalue()


def _options() -> tuple[str, str, list[str]]:
    c = st.columns([1.3, 1])
    audience = c[0].radio(
        "Audience",
        list(AUDIENCES),
        format_func=AUDIENCES.get,
        key="pack_audience",
        help="Choose external when the pack goes outside the organisation.",
    )
    rules = list(RULES)
    current = st.session_state.get(DISCLOSURE_KEY, "nhs_england")
    rule = c[1].selectbox(
        "Disclosure rule",
        rules,
        index=rules.index(current) if current in rules else 0,
        format_func=rule_title,
        key="pack_rule",
    )
    st.session_state[DISCLOSURE_KEY] = rule  # the session's rule: every other download follows it too
    c[1].caption(RULES[rule].description)
    formats = st.multiselect(
        "Files", list(ALL_FORMATS), default=list(ALL_FORMATS), format_func=FORMAT_NAMES.get, key="pack_formats"
    )
    return audience, rule, formats


def _preview(view) -> None:
    data = view.data
    answers = analysed(three_answers, view, data.table("measures"))  # shared with the Overview page's cache
    st.header("What the pack will say")
    for a in answers:
        with st.container(border=True):
            st.caption(f"Question {a.question[1]}: {a.title}")
            if a.needs:
                st.info(literal(a.sentence), icon=":material/info:")
                continue
            # the verdict first, as on the Overview and the pack's first page; then the figure in full
            st.markdown(f"**{literal(verdict_text(a))}**")
            st.markdown(literal(a.sentence))
            st.caption(literal(a.how_sure))
    talking = analysed(talking_groups_results, view)
    if talking:
        with st.container(border=True):
            st.caption("Talking groups (ward community meetings)")
            main = talking[0]
            st.markdown(answer_markdown(literal(main.sentence_without_caveats)))
            st.caption(literal(" ".join(main.caveats)))


def _downloads(built: dict) -> None:
    for message in built["messages"]:
        st.warning(literal(message), icon=":material/warning:")
    files = built["files"]
    st.markdown("**Download**")
    buttons = []
    for name, data in files.items():
        kind = name.rsplit(".", 1)[-1]
        if kind in ("html", "pdf", "pptx", "xlsx"):
            buttons.append((BUTTONS[kind], data, name, MIME[kind]))
    zipped = _csv_zip(files)
    if zipped is not None:
        buttons.append((BUTTONS["csv"], zipped, "steering-group-pack-tables-csv.zip", MIME["zip"]))
    cols = st.columns(max(len(buttons), 1))
    for col, (label, data, name, mime) in zip(cols, buttons):
        col.download_button(
            f"{label}, {len(data) / 1024:,.0f} KB",
            data,
            file_name=name,
            mime=mime,
            key=f"pack_dl_{name}",
            icon=":material/download:",
            on_click="ignore",
        )
    with st.expander("The pack's answers and stamp, as they leave the room"):
        for title, text in built["answers"]:
            st.markdown(f"**{literal(title)}.** {literal(text)}")
        st.caption("  \n".join(literal(line) for line in built["stamp"]))


view = current_view()
st.title(TITLE)
filter_caption(view)
st.markdown(
    "Everything the steering group needs for the wards and period chosen in the filters: the answer to "
    "each of the three questions, talking groups, every ward at a glance, the methods and caveats on one "
    "page, and a note on the quality of the data. Change the wards or months in the sidebar."
)

if not len(view.data.table("ward_months")):
    needs(
        "monthly ward data (occupied bed days and incidents) for the wards and months chosen",
        "There are no ward-months in this selection, so there is nothing to put in a pack.",
    )
    st.stop()

with guarded("reading the pack options", "Reload the page."):
    audience, rule, formats = _options()

options = (data_key(view), rule, audience == "external", tuple(formats), carry_forward(), settings.run_length())
if not auth.can("build_pack"):
    st.info(auth.role_needed("build_pack"), icon=":material/lock:")
    st.info(TRUST_TEXT, icon=":material/lock:")
    with guarded("working out the answers", "Check the data on the Data page."):
        _preview(view)
    st.page_link(DATA_PAGE, label="Check which data are used on the Data page", icon=":material/database:")
    st.stop()
if st.button("Build the pack", type="primary", icon=":material/description:", disabled=not formats, key="pack_build"):
    who = auth.permitted("build_pack")  # on the server, right before the pack is built
    with (
        guarded("building the pack", "Try fewer files, or report it with the filters you chose."),
        st.spinner("Building the pack: fitting the models and drawing the charts (this takes a few seconds)..."),
    ):
        try:
            if who is not None:
                built = _pack_files(*options, view.dataset, view.filters, _history(view))
                st.session_state[BUILT_KEY] = options
                auth.record_export(
                    who,
                    f"steering group pack ({', '.join(FORMAT_NAMES.get(f, f) for f in formats)})",
                    rule,
                    built["register_id"],
                    f"{audience} audience; {view.filters.describe()}",
                )
        except DisclosureError as refused:  # the export register or the rule said no: say why, plainly
            st.session_state.pop(BUILT_KEY, None)
            st.error(literal(str(refused)))
if not formats:
    st.caption("Choose at least one kind of file.")
elif st.session_state.get(BUILT_KEY) == options:
    with guarded("preparing the downloads", "Build the pack again."):
        _downloads(_pack_files(*options, view.dataset, view.filters, _history(view)))
else:
    st.caption(
        "Press **Build the pack** to make the files for these wards, months and options. "
        "Chromium draws the charts for the PDF and PowerPoint; without it you still get the HTML and tables."
    )
# what leaves the room, under the button: above it, it pushed the button below the first screen at 1366 x 768
st.info(TRUST_TEXT, icon=":material/lock:")
# the preview under the button: the button is then within a scroll of the top at 1366 x 768 (it was two below)
with guarded("working out the answers", "Check the data on the Data page."):
    _preview(view)
st.page_link(DATA_PAGE, label="Check which data are used on the Data page", icon=":material/database:")

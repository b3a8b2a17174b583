"""How every page shows things: an answer, a chart with its data, a missing-data message.

One look for the whole app: the answer first as a sentence with its uncertainty, then the
evidence; every chart with alt text, a "show the data" table and a CSV download that passes
disclosure control (on screen, trusted staff see full numbers). `chart` is the only way a page draws a
chart, so every chart's CSV and pictures are protected here (`leaving_table`), by construction; a chart over
time is worked out again from its published counts before it leaves (`analysis.charts.published`).

Every count that leaves is published as a total over a selection of wards or months (`leaving_rule`: rounded to
the nearest 5 under both presets), since a reader who downloads the same table for two selections could
otherwise subtract them to give back a count the finer tables hide; a caller whose table's rows are single
ward-months (one ward, one month) says so with `units=True`, and those counts follow the rule's own treatment.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

import pandas as pd
import streamlit as st

from analysis.charts import export as chart_export
from analysis.charts import published as published_chart
from analysis.disclosure.images import REDRAWN
from analysis.disclosure.protect import protect_table
from analysis.disclosure.rows import protect_rows
from analysis.disclosure.rules import DisclosureError, rule_from_name
from analysis.disclosure.safe_tables import build_stamp, to_csv_bytes
from analysis.pack.render.document import version
from analysis.stats.results import ModelResult, WardTimeSeriesDiagnostics
from analysis.text import literal, plural
from ui import auth, cache
from ui.frame import View, current_view, period_text

DISCLOSURE_KEY = "disclosure_rule"
DATA_PAGE = "pages/data.py"


def disclosure_rule():
    """The small-number rule this session applies to everything that leaves the app."""
    return rule_from_name(st.session_state.get(DISCLOSURE_KEY, "nhs_england"))


TOTALS_LINE = "Totals"


def leaving_rule(rule=None, units: bool = False):
    """The rule the counts of a table leave under: the session's rule (or `rule`) with every count published as a
    total over a selection of wards or months (`DisclosureRule.as_totals`: rounded to the nearest 5 under the
    Scottish preset too), unless `units`: the table's rows are single ward-months (one ward, one month), not sums
    over a selection the reader chooses. Under NHS England both are the same rule (every count is rounded)."""
    rule = rule or disclosure_rule()
    return rule if units else rule.as_totals()


def with_totals_line(provenance: dict | None, rule, units: bool, counts=()) -> dict | None:
    """`provenance` with a line saying the counts were rounded as totals, when that made a difference (a table
    with counts, not `units`, under a rule that rounds only totals)."""
    if provenance is None or units or not counts or leaving_rule(rule, units) == rule:
        return provenance
    base = leaving_rule(rule, units).round_to
    line = f"Every count here is a total over the wards or months chosen: totals were rounded to the nearest {base}."
    return {**provenance, TOTALS_LINE: line}


def stamp(view: View) -> dict[str, str]:
    """The provenance lines every export carries."""
    wards = view.data.table("wards")
    return build_stamp(
        data_source=view.dataset.label,
        extract_date=dt.date.today(),
        period=period_text(view.data),
        wards=f"{plural(len(wards), 'ward')}",
        filters=view.filters.describe(),
        app_version=version(),
        disclosure_rule=disclosure_rule(),
        synthetic=view.dataset.synthetic,
    )


def inside_and_outside(rule=None) -> str:
    """What a page says about the two views of the same numbers (on screen / downloaded)."""
    rule = rule or disclosure_rule()
    return (
        "On screen you see the full numbers, for staff inside the organisation. Downloads apply the "
        f"small-number rule before anything leaves the app: {rule.description}"
    )


def protected(
    df: pd.DataFrame,
    counts: list[str] | tuple[str, ...] = (),
    rates: dict | None = None,
    rule=None,
    *,
    units: bool = False,
) -> pd.DataFrame:
    """A copy safe to leave the app: counts (and rates made from them) under the disclosure rule, each count
    published as a total over a selection unless `units` (rows of single ward-months: `leaving_rule`)."""
    rule = leaving_rule(rule, units)
    counts = [c for c in counts if c in df.columns]
    if not counts:
        return df
    rates = {k: v for k, v in (rates or {}).items() if k in df.columns}
    # whole numbers first (a count column that arrives as float, e.g. 170.0 or a summed 12.5, must not crash the file)
    df = df.assign(**{c: pd.to_numeric(df[c], errors="coerce").round() for c in counts})
    try:
        return protect_table(df, counts, rule, rate_columns=rates).frame
    except DisclosureError:
        # No safe pattern of suppression exists for this table: leave the counts out entirely.
        return df.drop(columns=counts + list(rates)).assign(note="counts withheld: too small to publish safely")


def download(
    df: pd.DataFrame,
    name: str,
    view: View,
    counts=(),
    rates=None,
    label: str = "Download CSV",
    where=None,
    *,
    keep=None,
    spc=None,
    provenance: dict | None = None,
    prepare=None,
    units: bool = False,
) -> None:
    """A CSV download of `df`, disclosure-controlled and stamped with its provenance (`csv_bytes`: `keep`, `spc`
    and `units` as there; every count is published as a total over a selection unless `units`). `prepare(df,
    rule)`, when given, makes the table that leaves from `df` under the session's rule before the counts are
    protected (a table whose other figures could give a hidden count back).

    The protected file is made when the button is clicked (secondary suppression takes a
    moment per table), not on every run of the page. Only for roles that may download (ui.auth);
    each download is recorded in the audit.
    """
    if not auth.can("download"):
        (where or st).caption(auth.role_needed("download"))
        return
    rule = disclosure_rule()  # read the session now: the click runs on another thread
    provenance = provenance or stamp(view)
    more = " A month whose count is hidden shows none of its other figures." if keep is not None else ""
    (where or st).download_button(
        label,
        auth.audited_download(
            partial(csv_bytes, df, counts, rates, rule, provenance, keep=keep, spc=spc, prepare=prepare, units=units),
            f"{name}.csv",
            rule.name,
        ),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"dl_{name}",
        icon=":material/download:",
        on_click="ignore",
        help=inside_and_outside(rule) + more,
    )


def download_button(label: str, data, file_name: str, *, where=None, **kwargs) -> None:
    """`st.download_button` (in `where`, a container, when given) for a file that leaves the app: drawn only
    for roles that may download, checked again and recorded in the audit when the file is asked for."""
    if not auth.can("download"):
        (where or st).caption(auth.role_needed("download"))
        return
    producer = auth.audited_download(data, file_name, disclosure_rule().name)
    (where or st).download_button(label, producer, file_name=file_name, **kwargs)


def leaving_table(
    df: pd.DataFrame, counts=(), rates=None, rule=None, keep=None, spc=None, *, units: bool = False
) -> pd.DataFrame:
    """The table behind a chart as it may leave the app, the one place every chart's download is protected,
    under `leaving_rule(rule, units)` (every count a total over a selection unless `units`):

    * `spc` (an `analysis.charts.published.Rechart`: a chart over time): the counts protected, a month whose
      count is hidden showing none of its other figures, and the average, limits and classification worked out
      again from the published counts only (`analysis.charts.published`), so no hidden value can be worked
      back from them;
    * `keep` (the columns that name a row, such as the month): a row whose count is hidden shows none of its
      other figures (`analysis.disclosure.rows.protect_rows`);
    * otherwise: the counts and the rates made from them under the rule (`protected`)."""
    leaving = leaving_rule(rule, units)
    counts = [c for c in counts if c in df.columns]
    if spc is not None and counts:
        return published_chart.published(spc, df, counts, rates, leaving, keep or ("month",)).table
    if keep is not None and counts:
        return protect_rows(df, counts, leaving, dict(rates or {}), keep)
    return protected(df, counts, rates, rule, units=units)


def csv_bytes(
    df: pd.DataFrame,
    counts=(),
    rates=None,
    rule=None,
    provenance: dict | None = None,
    *,
    keep=None,
    spc=None,
    prepare=None,
    units: bool = False,
) -> bytes:
    """The bytes `download` offers: the disclosure-controlled table (`leaving_table`) with its stamp after it
    (`prepare(df, rule)` first, when given). Every count is published as a total over a selection of wards or
    months, and the stamp says so, unless `units` (the rows are single ward-months: `leaving_rule`)."""
    rule = rule or disclosure_rule()
    if prepare is not None:
        df = prepare(df, leaving_rule(rule, units))
    provenance = with_totals_line(provenance, rule, units, [c for c in counts if c in df.columns])
    return to_csv_bytes(leaving_table(df, counts, rates, rule, keep, spc, units=units), stamp=provenance)


# The toolbar's "Download plot as png" would take the on-screen figure, with its unprotected small numbers, out
# of the app past the disclosure rule; downloads go through "Show the data": the protected CSV and the pictures
# drawn from protected values (chart_images).
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}


def chart(
    fig,
    alt_text: str,
    data: pd.DataFrame,
    name: str,
    view: View,
    counts=(),
    rates=None,
    *,
    keep=None,
    spc=None,
    screen_only=(),
    expander: bool = True,
    provenance: dict | None = None,
    prepare=None,
    units: bool = False,
) -> None:
    """A chart, its alt text, and beside it the data behind it with a CSV download and the chart as a picture
    (PNG, SVG), all three under the small-number rule and stamped: the only way a page draws a chart
    (tests/ui/test_chart_downloads.py checks that no page draws one itself).

    `counts` and `rates` name the table's count columns and the rates made from them; `keep` the columns that
    name a row (a row whose count is hidden then shows none of its other figures); `spc` how a chart over time
    is worked out again from its published counts (`analysis.charts.published.Rechart`: the CSV's average,
    limits and classification, and the picture, come from that); `screen_only` columns shown on screen but
    left out of the downloads (an expected count that, with its residual, would give the hidden count back).
    `expander=False` shows the data without the "Show the data" expander (inside another expander).
    `prepare(table, rule)` makes the table that leaves (CSV and picture) before it is protected, as `download`'s.
    Every count leaves as a total over a selection of wards or months (rounded to the nearest 5) unless `units`:
    the table's rows are single ward-months (one ward, one month), published as the rule's month-level tables."""
    st.plotly_chart(fig, width="stretch", key=f"chart_{name}", config=CHART_CONFIG)
    st.caption(literal(alt_text))
    leaving = data.drop(columns=[c for c in screen_only if c in data.columns])
    if prepare is not None:  # the CSV and the picture leave from the same prepared table
        leaving = prepare(leaving, leaving_rule(units=units))
    with st.expander("Show the data") if expander else st.container():
        st.dataframe(data, hide_index=True, width="stretch")
        if counts:
            st.caption(inside_and_outside())
        row = st.container(horizontal=True)
        provenance = provenance or stamp(view)
        mark = {"keep": keep, "spc": spc, "provenance": provenance, "units": units}
        download(leaving, name, view, counts, rates, where=row, **mark)
        chart_images(fig, leaving, name, view, counts, rates, where=row, **mark)


IMAGE_LABELS = {"png": "Picture (PNG)", "svg": "Picture (SVG)"}


def chart_images(
    fig,
    data: pd.DataFrame,
    name: str,
    view: View,
    counts=(),
    rates=None,
    where=None,
    *,
    keep=None,
    spc=None,
    provenance: dict | None = None,
    units: bool = False,
) -> None:
    """PNG and SVG downloads of a chart, drawn when clicked (analysis.charts.export) from the protected values of
    `data` (the table behind the chart, with its count columns and the rates made from them) and stamped like
    the CSV; or, where no picture may leave, the reason. A chart over time (`spc`) is drawn again from its
    published counts (`image_bytes`). Every count is drawn as a total over a selection unless `units` (as
    `csv_bytes`). For every chart on every page (`chart` calls it)."""
    where = where or st.container(horizontal=True)
    if not auth.can("download"):
        return  # the CSV button's place already says which role may download
    rule = disclosure_rule()  # read the session now: the click runs on another thread
    reason = published_chart.too_many_hidden(data, counts, rule) if spc is not None else ""
    reason = reason or cache.per_figure(fig, chart_export.image_blocked, data, tuple(counts), dict(rates or {}))
    if not reason:
        try:
            chart_export.chromium()
        except chart_export.ImageUnavailable as exc:
            reason = str(exc)
    if reason:
        where.caption(literal(reason))
        return
    provenance = with_totals_line(provenance or stamp(view), rule, units, [c for c in counts if c in data.columns])
    about = "With where the data came from written underneath."
    note = f"{REDRAWN} {about}" if counts else f"The chart as shown. {about}"
    if spc is not None and counts:
        note = f"{REDRAWN} {published_chart.REWORKED} {about}"
    for fmt, label in IMAGE_LABELS.items():
        download_button(
            label,
            partial(
                image_bytes,
                fig,
                fmt,
                provenance,
                data,
                tuple(counts),
                dict(rates or {}),
                rule,
                keep=keep,
                spc=spc,
                units=units,
            ),
            f"{name}.{fmt}",
            where=where,
            mime=chart_export.FORMATS[fmt],
            key=f"{fmt}_{name}",
            icon=":material/image:",
            on_click="ignore",
            help=note,
        )


def image_bytes(
    fig,
    fmt: str,
    provenance: dict,
    data: pd.DataFrame,
    counts=(),
    rates=None,
    rule=None,
    *,
    keep=None,
    spc=None,
    units: bool = False,
) -> bytes:
    """The bytes a picture button hands over: the chart drawn from protected values (every count as a total over
    a selection unless `units`, as `csv_bytes`), the stamp below it. A chart over time (`spc`) is first drawn again
    from its published counts (`analysis.charts.published.published_figure`)."""
    rule = leaving_rule(rule, units)
    if spc is not None and [c for c in counts if c in data.columns]:
        fig = published_chart.published_figure(spc, data, counts, rates, rule, keep or ("month",))
        if fig is None:
            raise chart_export.ImageUnavailable(published_chart.NO_PICTURE)
    return chart_export.chart_image(fig, fmt, provenance, data, counts, rates, rule)


PROBLEM_COLUMNS = {"severity": "Severity", "sheet": "Sheet", "row": "Row", "column": "Column", "value": "Value"}
PROBLEM_COLUMNS["problem"] = "Problem"
PROBLEMS_SHOWN_WHOLE = 12  # more problems than this scroll inside a box, still wrapped


def problems_table(problems: pd.DataFrame) -> None:
    """An upload's problems with every word readable: a table that wraps its text (in a scrolling box when the
    list is long), the row number blank where a problem is about a whole file or sheet (never "None")."""
    table = problems[[c for c in PROBLEM_COLUMNS if c in problems.columns]].copy()
    if "row" in table:
        numbers = pd.to_numeric(table["row"], errors="coerce")
        table["row"] = ["" if pd.isna(n) else f"{int(n)}" for n in numbers]
    table = table.astype(object).where(table.notna(), "").astype(str).rename(columns=PROBLEM_COLUMNS)
    long = len(table) > PROBLEMS_SHOWN_WHOLE
    box = st.container(height=480, border=False) if long else st.container()
    box.table(table, hide_index=True)  # st.table shows text as plain text, wrapped
    if long:
        st.caption(f"{plural(len(table), 'problem')} in all: scroll the box to see them.")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def split_first_sentence(text: str) -> tuple[str, str, str]:
    """(first sentence, separator, the rest): the split is at a full stop followed by a space and a capital,
    so decimals (4.3) and intervals ("(95% CI 0.70 to 1.35)") stay whole."""
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return (parts[0], " ", parts[1]) if len(parts) == 2 else (parts[0], "", "")


def answer_markdown(sentence: str) -> str:
    """How a page's plain-language answer is written (the same on every page): the answer itself (its first
    sentence, and whether its interval includes no change) in bold; the caveats after it in plain text, so a
    long answer stays readable."""
    first, _, rest = split_first_sentence(sentence)
    while rest.startswith("The interval"):  # whether the interval includes no change is part of the answer
        more, _, rest = split_first_sentence(rest)
        first = f"{first} {more}"
    return f"**{first}**" + (f" {rest}" if rest else "")


def answer(result: ModelResult, figure_label: str | None = None, key_figure: str | None = None) -> None:
    """The plain-language answer, its key figure, its caveats; the numbers a researcher needs below."""
    st.markdown(answer_markdown(literal(result.sentence)))
    if result.headline is not None and key_figure:
        st.metric(literal(figure_label or result.headline.name), key_figure)
    for w in result.warnings:
        st.warning(literal(w), icon=":material/warning:")
    unsaid = [c for c in result.caveats if c not in result.sentence]  # never the same caveat twice
    if unsaid:
        st.caption(literal(" ".join(unsaid)))
    details(result)


def details(result: ModelResult) -> None:
    """The model behind an answer, for researchers."""
    with st.expander("Model details (for researchers)"):
        st.markdown(
            f"**Model:** {result.family}. **Method:** {result.method.rstrip('.')}.  \n"
            f"**Formula:** `{result.formula}`  \n"
            f"**Data:** {plural(result.n_wards, 'ward')}, {result.n_obs} observations."
        )
        ward = result.diagnostics_as(WardTimeSeriesDiagnostics)
        ac = ward.autocorrelation if ward else None
        if isinstance(ac, dict) and ac.get("detail"):
            st.markdown(f"**Neighbouring months:** {literal(ac['detail'])}.")
        if len(result.estimates):
            st.dataframe(result.estimates, hide_index=True, width="stretch")


def needs(what: str, why: str = "") -> None:
    """A page that cannot answer says what data it needs and where to add them (and, when the sidebar's
    filters narrow the data, that widening them may be enough)."""
    narrowed = current_view().filters.narrows
    widen = " The filters in the sidebar narrow the data: clearing them may be enough." if narrowed else ""
    st.info(f"**Not enough data to answer this.** {why} This needs: {what}{widen}", icon=":material/info:")
    st.page_link(DATA_PAGE, label="Add data on the Data page", icon=":material/database:")

"""The steering group pack: content for the selected wards and period, and every export of it.

`build_pack` computes the answers once and returns a `Pack` (analysis.pack.render) whose tables are
already protected under the disclosure rule and, for an external audience, whose wards are codes.
`export_pack` renders HTML / PDF / PowerPoint (analysis.pack.render.build_outputs: Chromium started once)
and writes the pack's tables as Excel and CSV, every file stamped with the same provenance.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable

import pandas as pd

from analysis.data.dataset import Dataset
from analysis.data.filters import Filters
from analysis.disclosure.register import ExportRegister, Selection
from analysis.disclosure.rules import DisclosureRule
from analysis.disclosure.safe_tables import to_csv_bytes, to_xlsx_bytes
from analysis.overview.answers import overview
from analysis.pack.methods import methods_text
from analysis.pack.protect import as_rule, code_wards, rule_line, rule_title, scrub_names
from analysis.pack.quality import data_quality_notes
from analysis.pack.render import ExportResult, Pack, Stamp, Table, build_outputs, version
from analysis.pack.sections import (
    question_section,
    results_section,
    talking_groups_practice_section,
    talking_groups_section,
    wards_section,
)
from analysis.pack.summary import build_summary, changes
from analysis.panel.build import build_panel
from analysis.stats.results import ModelResult
from analysis.text import plural, plural_word, uk_date, uk_month

log = logging.getLogger(__name__)

TITLE = "Steering group pack"
REPORT_FORMATS = ("html", "pdf", "pptx")
NOT_COMPARED = "Not compared with earlier packs: this export was not recorded in the export register."
TABLE_FORMATS = ("xlsx", "csv")
ALL_FORMATS = REPORT_FORMATS + TABLE_FORMATS


def _provenance(dataset: Dataset, history: pd.DataFrame | None) -> tuple[str, str]:
    """(import note, extract date) from the import history (store) or the file's provenance."""
    today = uk_date(dt.date.today())
    if dataset.source == "store" and history is not None and len(history):
        active = history[history["status"] == "active"] if "status" in history else history
        if len(active):
            latest = pd.Timestamp(active["imported_at"].max())
            files = ", ".join(dict.fromkeys(str(f) for f in active["file_name"]))
            ids = ", ".join(str(int(i)) for i in sorted(active["import_id"]))
            word = plural_word(len(active), "import")
            return f"{word} {ids}: {files}; latest imported {uk_date(latest)}", uk_date(latest)
    prov = dataset.provenance or {}
    if prov.get("imports"):
        return f"imports {', '.join(map(str, prov['imports']))}: {', '.join(prov.get('files', []))}", today
    digest = str(prov.get("content_hash", ""))[:12]
    what = "generated synthetic sample" if dataset.synthetic else "file"
    return (f"{what}, content hash {digest}" if digest else what), today


def _coded_filters(filters: Filters, mapping: pd.DataFrame | None) -> str:
    if mapping is None or not filters.wards:
        return filters.describe()
    codes = dict(zip(mapping["ward_id"].astype(str), mapping["code"]))
    return Filters(
        tuple(codes.get(w, "another ward") for w in filters.wards),
        filters.services,
        filters.security_levels,
        filters.start,
        filters.end,
    ).describe()


def _ward_list(panel: pd.DataFrame) -> list[str]:
    if not len(panel):
        return []
    info = panel.drop_duplicates("ward_id").sort_values("ward_id")
    return [
        f"{r.ward_id} {r.ward_name}".strip() if isinstance(r.ward_name, str) else str(r.ward_id)
        for r in info.itertuples(index=False)
    ]


def _period(panel: pd.DataFrame) -> str:
    if not len(panel):
        return "no months"
    a, b = panel["month"].min(), panel["month"].max()
    return uk_month(a) if a == b else f"{uk_month(a)} to {uk_month(b)}"


QUESTION_NAMES = {"q1": "Question 1", "q2": "Question 2", "q3": "Question 3", "talking_groups": "Talking groups"}


def outcome_name(outcome: str, catalogue: pd.DataFrame | None = None) -> str:
    """An outcome in users' words: the measures catalogue's name for a recovery score (QPR-15), the
    rater and aspect for a co-production score, plain words for an incident count."""
    from analysis.data.reference import builtin_measures
    from analysis.questions.recovery.model import measure_column
    from analysis.stats.counts.describe import outcome_words, predictor_words

    if outcome.startswith("recovery_"):
        cat = builtin_measures() if catalogue is None or "measure" not in catalogue else catalogue
        for m in cat["measure"].astype(str):
            if measure_column(m) == outcome:
                return m
    if outcome.startswith("coproduction_"):
        return predictor_words(outcome)
    return outcome_words(outcome)


def model_label(question: str, outcome: str, catalogue: pd.DataFrame | None = None) -> str:
    """'Question 3: QPR-15', 'Talking groups: staff-rated reduced social distance'."""
    return f"{QUESTION_NAMES.get(question, question)}: {outcome_name(outcome, catalogue)}"


def _not_fitted(outcome: str, why: str) -> ModelResult:
    what = outcome_name(outcome)
    return ModelResult(
        question="talking_groups",
        outcome=outcome,
        predictor="talking groups",
        formula="",
        family="",
        method="not fitted",
        n_wards=0,
        n_obs=0,
        estimates=pd.DataFrame(),
        headline=None,
        sentence=f"The talking-groups model for {what} could not be fitted for this selection ({why}).",
        warnings=[f"The talking-groups model for {what} could not be fitted: {why}."],
    )


def _its(panel: pd.DataFrame, outcome: str, *args) -> ModelResult:
    """One pooled talking-groups model; a fitting failure (tiny or extreme data) becomes a plain 'not fitted'."""
    from analysis.questions.talking_groups.model import its_pooled

    try:
        return its_pooled(panel, outcome, *args)
    except Exception as exc:
        log.warning("talking-groups model for %s failed: %s", outcome, exc)
        return _not_fitted(outcome, "the numerical fit did not converge on these data")


PRIMARY_TG_OUTCOME = "coproduction_patient_overall"  # talking groups' one primary outcome, as on its page


def talking_groups_results(panel: pd.DataFrame) -> list:
    """The pack's talking-groups models, the primary outcome first as on the Talking groups page:
    co-production as patients rate it (linear), then assaults on staff (count) and, when rated, staff-rated
    reduced social distance (linear); a model that cannot be fitted comes back as a plain 'not fitted' result."""
    if not len(panel) or "talking_groups_start" not in panel.columns:
        return []
    out = []
    if PRIMARY_TG_OUTCOME in panel.columns and panel[PRIMARY_TG_OUTCOME].notna().any():
        out.append(_its(panel, PRIMARY_TG_OUTCOME, "linear"))
    out.append(_its(panel, "assaults_on_staff", "count", "occupied_bed_days"))
    if "coproduction_staff_reduced_social_distance" in panel.columns:
        out.append(_its(panel, "coproduction_staff_reduced_social_distance", "linear"))
    return out


def build_pack(
    dataset: Dataset,
    filters: Filters | None = None,
    rule: DisclosureRule | str = "nhs_england",
    external: bool = False,
    history: pd.DataFrame | None = None,
    carry_forward_months: int = 3,
    title: str = TITLE,
    run_length: int = 7,
) -> Pack:
    """Build the steering group pack for `dataset` cut to `filters`, every count protected under `rule`.

    The three answers, talking groups, the ward table (SPC icons), model results, methods and a data-quality
    note; wards coded as "Ward A", ... when `external`. `export_pack` turns it into files.

    Parameters
    ----------
    dataset : Dataset
        The data (`load_sample`, a loaded file or the store's).
    filters : Filters, optional
        The wards and months covered; all of them by default.
    rule : DisclosureRule or str, default "nhs_england"
        The small-number rule for every table (a name in `RULES`, or a rule).
    external : bool, default False
        For an audience outside the clinical team: ward names replaced by codes everywhere.
    history : DataFrame, optional
        The store's import history (`Store.history()`), for the stamp.
    carry_forward_months : int, default 3
        As in `build_panel`.
    title : str, default "Steering group pack"
    run_length : int, default 7
        The SPC shift and trend rules' run (`analysis.spc.rules.classify`), for every chart and icon; the methods
        name it.

    Returns
    -------
    Pack
        ``title``; ``subtitle`` (wards, period, rule, audience); ``stamp`` (a `Stamp`: ``source``,
        ``import_note``, ``extract_date``, ``period``, ``wards``, ``filters``, ``app_version``,
        ``disclosure_rule``, ``synthetic``); ``sections`` (`Section` objects, each with ``title``, ``answer``,
        ``question``, ``paragraphs``, ``figures``, ``tables`` of protected `Table` data and ``caveats``);
        ``methods`` and ``data_quality`` (paragraphs).

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis import Filters, build_pack, load_sample
    >>> view = Filters(wards=("W01", "W02", "W03"), start=pd.Timestamp("2024-04-01"))
    >>> pack = build_pack(load_sample(), view, rule="scotland")
    >>> pack.subtitle.startswith("3 wards, Apr 2024 to Mar 2026.")
    True
    >>> [section.question for section in pack.ordered_sections()[:3]], pack.stamp.synthetic
    (['q1', 'q2', 'q3'], True)
    """
    rule = as_rule(rule)
    filters = filters or Filters()
    tables = filters.apply(dataset.tables)
    chosen = tables.get("ward_months")
    chosen = chosen if chosen is not None and len(chosen) else tables.get("wards")
    real_wards = sorted(chosen["ward_id"].dropna().astype(str).unique()) if chosen is not None else []
    mapping = None
    if external:
        tables, mapping = code_wards(tables, all_wards=dataset.tables.get("wards"))
    panel = build_panel(tables, carry_forward_months=carry_forward_months)
    events = tables.get("events")
    catalogue = tables.get("measures")
    ov = overview(panel, catalogue, events, run_length=run_length)
    tg = talking_groups_results(panel)
    # every audience: a pack is a file that leaves the app, so its charts are drawn from protected counts too
    sections = [question_section(a, panel, events, catalogue, rule, run_length) for a in ov.answers]
    sections.append(talking_groups_section(panel, tg, rule))
    practice = talking_groups_practice_section(panel, tables.get("talking_group_sessions"), tables.get("wards"), rule)
    if practice is not None:  # only when the session log is loaded
        sections.append(practice)
    sections.append(wards_section(ov.wards, ov.metrics, rule))
    results = {}
    for a in ov.answers:
        if a.result.method != "not fitted":
            results[model_label(a.question, a.result.outcome, catalogue)] = a.result
        for extra in a.extra_results:
            results[model_label(a.question, extra.outcome, catalogue)] = extra
    for r in tg:
        if r.method != "not fitted":
            results[model_label("talking_groups", r.outcome, catalogue)] = r
    sections.append(results_section(results))
    import_note, extract_date = _provenance(dataset, history)
    import_note, source = scrub_names(import_note, mapping), scrub_names(dataset.label, mapping)
    audience = "for an external audience (wards shown as codes)" if external else "for internal use (ward names shown)"
    stamp = Stamp(
        source=source,
        import_note=import_note,
        extract_date=extract_date,
        period=_period(panel),
        wards=_ward_list(panel),
        filters=[_coded_filters(filters, mapping), audience],
        app_version=version(),
        disclosure_rule=rule_line(rule),
        synthetic=dataset.synthetic,
    )
    answers = {a.question: a.result for a in ov.answers}
    methods = methods_text(
        {**answers, "talking_groups": tg[0] if tg else None},
        rule,
        external,
        carry_forward_months,
        ov.wards.attrs.get("window_label", ""),
        ov.wards.attrs.get("recovery_measure"),
        run_length=run_length,
        window_months=int(ov.wards.attrs.get("window_months") or 12),
    )
    quality = data_quality_notes(panel, tables, carry_forward_months)
    n = ov.metrics["wards"]
    subtitle = (
        f"{plural(n, 'ward')}, {_period(panel)}. {rule_title(rule)} disclosure rule applied. "
        f"For an {'external' if external else 'internal'} audience."
    )
    selection = {
        "wards": real_wards,
        "first_month": panel["month"].min() if len(panel) else None,
        "last_month": panel["month"].max() if len(panel) else None,
        "audience": "external" if external else "internal",
        "rule": rule.name,
        "source": dataset.label,
    }
    pack = Pack(
        title=title,
        subtitle=subtitle,
        stamp=stamp,
        sections=sections,
        methods=methods,
        data_quality=quality,
        selection=selection,
    )
    pack.summary = build_summary(
        ov.answers, ov.wards, ov.metrics, ov.hospital, _period(panel), [s.title for s in pack.ordered_sections()]
    )
    return pack


def pack_tables(pack: Pack) -> dict[str, pd.DataFrame]:
    """Every (protected) table of the pack by its title, in order: what the XLSX and CSV exports hold."""
    out = {}
    for section in pack.sections:
        for table in section.tables:
            out[table.title] = table.data
    return out


def table_stamp(stamp: Stamp) -> dict[str, str]:
    """The pack's stamp as the "About this table" lines of a spreadsheet export."""
    out = {}
    if stamp.synthetic:
        out["Synthetic data"] = "SYNTHETIC DATA: every figure here is made up; not real patients, staff or wards."
    out["Data source"] = stamp.source + (" (synthetic data, not real patients or wards)" if stamp.synthetic else "")
    out["Import"] = stamp.import_note
    out["Extract date"] = stamp.extract_date
    out["Period"] = stamp.period
    wards = stamp.wards if isinstance(stamp.wards, str) else ", ".join(stamp.wards)
    out["Wards"] = wards or "all"
    filters = stamp.filters if isinstance(stamp.filters, str) else "; ".join(stamp.filters or [])
    out["Filters"] = filters or "none"
    out["App version"] = stamp.app_version
    out["Disclosure control"] = stamp.disclosure_rule
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def export_pack(
    pack: Pack,
    formats: Iterable[str] = ALL_FORMATS,
    chromium=None,
    basename: str = "steering-group-pack",
    register: ExportRegister | bool = True,
) -> ExportResult:
    """The files for `formats` (html, pdf, pptx, xlsx, csv) and plain messages (e.g. no Chromium for the PDF).

    Each export is first checked against and recorded in the export register (`register`: True for the
    register in the store's database, an `ExportRegister`, or False for none): an external pack whose
    selection differs from an earlier external pack's by one ward or one month at either end, under the same
    rule, raises `ExportRefused` (a DisclosureError) before any file is made.
    """
    asked = list(dict.fromkeys(formats))
    unknown = set(asked) - set(ALL_FORMATS)
    if unknown:
        raise ValueError(f"Unknown formats: {', '.join(sorted(unknown))}. Choose from {', '.join(ALL_FORMATS)}.")
    if register is not False and pack.selection is not None:
        book = ExportRegister() if register is True else register
        s = pack.selection
        if pack.summary is not None:  # what changed since the latest earlier pack for this audience
            earlier = book.previous_summary(s["audience"])
            before, when = earlier if earlier is not None else (None, None)
            pack.summary.changes = changes(pack.summary.facts, before, uk_date(when) if when else "", s["audience"])
        book.record(
            Selection(
                tuple(s["wards"]),
                s["first_month"],
                s["last_month"],
                s["audience"],
                s["rule"],
                tuple(pack_tables(pack)),
                tuple(asked),
                str(s.get("source", "")),
                summary=None if pack.summary is None else pack.summary.facts,
            )
        )
    elif pack.summary is not None and not pack.summary.changes:
        pack.summary.changes = [NOT_COMPARED]
    report = [f for f in asked if f in REPORT_FORMATS]
    result = build_outputs(pack, report, chromium=chromium, basename=basename) if report else ExportResult()
    stamp = table_stamp(pack.stamp)
    tables = pack_tables(pack)
    if "xlsx" in asked and tables:
        result.files[f"{basename}-tables.xlsx"] = to_xlsx_bytes(tables, stamp)
    if "csv" in asked:
        for name, df in tables.items():
            result.files[f"{basename}-{_slug(name)}.csv"] = to_csv_bytes(df, stamp)
    return result


__all__ = ["ALL_FORMATS", "Table", "build_pack", "export_pack", "pack_tables", "table_stamp"]

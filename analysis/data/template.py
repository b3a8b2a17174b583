"""The blank template workbook and the data dictionary, generated from the data contract."""

from __future__ import annotations

import io
from pathlib import Path

from analysis.data import contract
from analysis.data.reference import INSTRUMENT_STATUS, builtin_measures, default_instrument

ABOUT = (
    "How to fill in this workbook",
    "One sheet per table. Keep the header row (row 1) as it is; add one row per record below it.",
    "Dates are day first: 01/04/2024 is 1 April 2024. Months may be written 2024-04, Apr 2024 or 01/04/2024.",
    "Leave a cell blank, or write N/A or -, when a value is missing (only where blanks are allowed).",
    "Ward-level totals only: never add patient names, CHI or NHS numbers, dates of birth or postcodes. "
    "A file holding them is refused.",
    "The wards and ward_months sheets are required. Delete or leave empty any other sheet you do not use.",
    "The instrument sheet holds the default working instrument; replace it with your own items if you use "
    "another survey. " + INSTRUMENT_STATUS,
)


def _sheet_rows(table: contract.Table) -> tuple[list[str], list[list[object]]]:
    header = table.columns
    if table.name == "coproduction_responses":
        header = header + list(default_instrument()["item"])
    if table.name == "instrument":
        inst = default_instrument()
        inst = inst.assign(reverse=inst["reverse"].map({True: "yes", False: "no"}))
        rows = [[r.get(c) for c in header] for r in inst.to_dict("records")]  # columns the default leaves blank
        return header, rows
    if table.name == "measures":
        rows = [
            [r.measure, r.min, r.max, "yes" if r.higher_is_better else "no"]
            for r in builtin_measures().itertuples(index=False)
        ]
        return header, rows
    return header, []


def template_workbook() -> bytes:
    """An .xlsx with an About sheet, then one sheet per contract table (bold header row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    about = wb.active
    about.title = "About"
    about.append([ABOUT[0]])
    about["A1"].font = Font(bold=True, size=14)
    for line in ABOUT[1:]:
        about.append([line])
    about.append([])
    d = contract.dictionary()
    about.append(list(d.columns))
    for cell in about[about.max_row]:
        cell.font = Font(bold=True)
    for row in d.itertuples(index=False):
        about.append(list(row))
    about.column_dimensions["A"].width = 24
    for letter in "BCDEFGH":
        about.column_dimensions[letter].width = 22
    for table in contract.TABLES.values():
        ws = wb.create_sheet(table.name)
        header, rows = _sheet_rows(table)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=False)
            ws.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) + 2)
        for r in rows:
            ws.append(r)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dictionary_csv() -> bytes:
    """The data dictionary as CSV (UTF-8)."""
    return contract.dictionary().to_csv(index=False).encode("utf-8")


def _md_cell(v: object) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def dictionary_markdown() -> str:
    """The data contract in Markdown: rules for every table and column."""
    d = contract.dictionary()
    lines = [
        "# Data contract",
        "",
        "Generated from `analysis/data/contract/` (`python -m analysis docs`); do not edit by hand.",
        "",
        "Upload one Excel workbook with a sheet per table, or CSV files named after their tables "
        "(a folder, several files or a zip). Sheet, file and column names are matched ignoring case, "
        "with spaces or hyphens read as underscores.",
        "",
        "- Dates are day first, always: `01/04/2024` is 1 April 2024. Also accepted: `2024-04-01`, "
        "`2024-04`, `Apr 2024`, `April 2024` and Excel date cells.",
        "- Missing values: a blank cell, `N/A`, `#N/A` or `-` (counted and reported). A ward called `NA` stays a ward.",
        "- Patient identifiers are refused: a column named like CHI, NHS number, patient name, date of birth, "
        "hospital number or postcode; any cell that is or contains a 10-digit number passing the CHI/NHS check "
        "digit (spaces, hyphens or letters such as `NHS` around it allowed); or a date of birth (`DOB` or `born` "
        "before a date, or an old date beside a name with initials).",
        "- Every problem is reported at once (sheet, row, column, value, what is wrong); nothing is imported "
        "until the file is valid or the rows with errors are explicitly dropped. Unknown columns are dropped and listed.",
        "- Cross-table rules: every `ward_id` must be in `wards` (blank in `events` means hospital-wide); "
        "`(ward_id, month)` is unique in `ward_months`; occupied bed days above beds x days in the month is a "
        "warning and above twice that an error; more assaults than occupied bed days, and a month before a ward "
        "opened or after it closed, are warnings; a recovery `measure` must be in the catalogue (built-in plus `measures` rows) and its "
        "`mean_score` within that measure's min to max; `closed` is on or after `opened`; `scale_max` is above `scale_min`.",
        "",
    ]
    for t in contract.TABLES.values():
        lines += [f"## `{t.name}`: {t.title}", "", t.description, ""]
        lines.append(f"Required table: {'yes' if t.required else 'no'}. Unique key: {', '.join(t.key)}.")
        lines += [
            "",
            "| column | required column | blanks allowed | rule | description | example |",
            "|---|---|---|---|---|---|",
        ]
        for r in d[d["table"] == t.name].itertuples(index=False):
            lines.append(
                "| "
                + " | ".join(
                    _md_cell(x)
                    for x in (f"`{r.column}`", r.required_column, r.blanks_allowed, r.rule, r.description, r.example)
                )
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def write_docs(path: str | Path) -> Path:
    """Write the Markdown data contract to `path` (creating its folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dictionary_markdown(), encoding="utf-8")
    return path

"""Small raw files for the importer tests: a Datix-style listing, a census, spells and episodes, written as a
hospital's systems write them."""

from __future__ import annotations

import csv
import io

import pandas as pd

from analysis.data.importers import CategoryRule, MappingProfile

HEADER = ["Ref", "Incident date", "Time", "Location", "Category", "Sub category", "Status", "Description"]
WARDS = pd.DataFrame(
    {"ward_id": ["W01", "W02"], "ward_name": ["Iona", "Skye"], "beds": [10, 10]},
)
PROFILE = MappingProfile(
    name="Test",
    columns={
        "reference": "Ref",
        "date": "Incident date",
        "time": "Time",
        "location": "Location",
        "category": "Category",
        "sub_category": "Sub category",
        "status": "Status",
    },
    locations={"Iona - dayroom": "W01"},
    categories=(
        CategoryRule(category="Violence", sub_category="Assault on staff", measure="assaults_on_staff"),
        CategoryRule(category="Violence", sub_category="Assault on patient", measure="assaults_on_patients"),
        CategoryRule(category="Self harm", measure="self_harm"),
        CategoryRule(category="Medication", measure=""),
    ),
    excluded_statuses=("Rejected",),
)


def row(ref, date, loc="Iona", sub="Assault on staff", cat="Violence", time="", status="Approved", text="calm"):
    return [str(ref), date, time, loc, cat, sub, status, text]


def listing_csv(
    rows: list[list[str]],
    title: list[str] = (),
    delimiter: str = ",",
    encoding: str = "utf-8",
    header: list[str] = HEADER,
) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for t in title:
        w.writerow([t] if t else [])
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def census_csv(wards=("W01", "W02"), start="2024-04-01", end="2024-04-30", occupied="8", delimiter=",", skip=()):
    lines = [delimiter.join(["Ward", "Date", "Occupied beds"])]
    for w in wards:
        for d in pd.date_range(start, end):
            if (w, d.strftime("%Y-%m-%d")) in skip:
                continue
            lines.append(delimiter.join([w, d.strftime("%d/%m/%Y"), occupied]))
    return ("\n".join(lines) + "\n").encode()


def xlsx(rows: list[list[object]], merges: list[str] = ()) -> bytes:
    """A workbook of one sheet with these rows (cells as given: text, numbers, dates) and merged ranges."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Listing"
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

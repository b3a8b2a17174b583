"""The header row of a raw file, found below any title rows: the row whose names hold the columns a profile maps,
or the first row of text labels with rows about as wide below it. Header cells merged across or down, and a header
two rows deep, are named from the cells they continue (`find_header`)."""

from __future__ import annotations

import re

from analysis.data.importers.profile import label_key
from analysis.text import plural_word


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d.,:/ T-]+", text.strip()))


def _all_text(cells: list) -> bool:
    return not any(_numeric(c) for c in cells if isinstance(c, str) and c.strip())


def _names(band: list[str] | None, labels: list[str], filled: list[bool]) -> tuple[list[str], list[str]]:
    """Column names from a header row (and the band row above it, when the header is two rows deep): a blank
    header cell is named from the band above it or, under a merged cell, from the cell it continues ("Incident
    (2)"); repeated names get the band in front ("Incident Date") or a number. Returns (names, notes)."""
    notes = []
    width = len(labels)
    band_filled = []
    if band:
        last = ""
        for j in range(width):
            b = band[j] if j < len(band) else ""
            last = b if b else last
            band_filled.append(last)
    names: list[str] = []
    merged = []
    for j, lab in enumerate(labels):
        if lab:
            names.append(lab)
        elif band and j < len(band) and band[j]:
            names.append(band[j])  # a header cell merged down over two rows
        elif filled[j] and names and names[-1]:
            base = re.sub(r" \(\d+\)$", "", names[-1])
            k = 2
            while f"{base} ({k})" in names:
                k += 1
            names.append(f"{base} ({k})")
            merged.append(names[-1])
        else:
            names.append("")
    keys = [label_key(n) for n in names]
    for j, n in enumerate(names):
        if n and keys.count(keys[j]) > 1 and band_filled and band_filled[j] and labels[j]:
            names[j] = f"{band_filled[j]} {n}"
    seen: dict[str, int] = {}
    for j, n in enumerate(names):
        if not n:
            names[j] = f"Column {j + 1}"
            continue
        k = label_key(n)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] > 1:
            names[j] = f"{n} ({seen[k]})"
    if merged:
        notes.append(
            f"the header has merged cells: {plural_word(len(merged), 'the column', 'the columns')} under them "
            f"{plural_word(len(merged), 'is', 'are')} named " + ", ".join(f"'{m}'" for m in merged)
        )
    return names, notes


def find_header(
    rows: list[list[str]], wanted: list[str] | None = None, key=label_key
) -> tuple[int, list[str], list[str]] | None:
    """(index of the header row in `rows`, column names, notes), or None.

    With `wanted` (the column names a profile maps), the header is the row whose names hold the most of them
    (all, ideally); otherwise the first row of three or more non-numeric text cells whose next row is about as
    wide."""
    widths = [sum(not _blank(v) for v in r) for r in rows]
    candidates = []
    for i, r in enumerate(rows):
        if widths[i] < 2:
            continue
        cells = [v.strip() if isinstance(v, str) else "" for v in r]
        below = rows[i + 1 : i + 6]
        filled = [any(j < len(b) and not _blank(b[j]) for b in below) for j in range(len(cells))]
        prev = [v.strip() for v in rows[i - 1]] if i > 0 else None
        band = prev if prev and (sum(map(bool, prev)) >= 2 or (prev and not prev[0] and any(prev))) else None
        names, notes = _names(band, cells, filled)
        if band:
            notes.append("the header is two rows deep; the upper row's labels were joined to the lower row's")
        if wanted:
            want = {key(w) for w in wanted}
            hits = len(want & {key(n) for n in names})
            candidates.append((hits, -i, i, names, notes))
        elif widths[i] >= 3 and _all_text(cells):
            nxt = widths[i + 1] if i + 1 < len(rows) else 0
            if i + 1 < len(rows) and nxt >= widths[i] and _all_text(rows[i + 1]) and i + 2 < len(rows):
                continue  # a band above a two-row header: the header is the next row
            if nxt >= max(2, widths[i] // 2):
                return i, names, notes
    if wanted and candidates:
        best = max(candidates)
        if best[0] > 0:
            return best[2], best[3], best[4]
    return None

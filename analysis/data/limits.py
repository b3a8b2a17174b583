"""What one upload may cost, in one place, and the words that say so when a file goes past a limit.

A file is measured before it is read: what its zip members (a workbook is a zip too) would unpack to, each and in
total, and how tightly they are packed; the rows and cells its sheets hold. Then it is read in a worker process
that may use only so much memory and time (analysis/data/worker.py). A file past any limit costs one message and
nothing from it is kept; the server goes on.

The figures: a national return (1,000 wards x 120 months) is 120,000 ward-month rows, far inside them; on the
2-core test machine a 3,000,000-cell CSV reads in about 11 s and 650 MB, a 1,200,000-cell workbook in about 27 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.text import fmt_number, plural_word

MB = 1_000_000

MAX_UNPACKED_BYTES = 200 * MB  # everything one upload unpacks to (a plain CSV file counts as its own size)
MAX_MEMBER_BYTES = 150 * MB  # one file inside a zip or a workbook
MAX_RATIO = 100  # unpacked size / packed size, per member and in total; real CSV and Excel files pack 3 to 30 times
RATIO_FROM_BYTES = 1 * MB  # the ratio is checked once a member (or the whole) unpacks to more than this
MAX_ROWS = 500_000  # rows of all sheets and files of one upload together
MAX_CELLS = 3_000_000  # cells of all sheets and files of one upload together
MAX_MEMORY_BYTES = 1_500 * MB  # what the worker may allocate beyond the program it starts with
MAX_SECONDS = 120.0  # after this the worker is stopped


@dataclass(frozen=True)
class Limits:
    """The limits for one upload; the defaults are the constants above (tests pass small ones)."""

    unpacked_bytes: int = MAX_UNPACKED_BYTES
    member_bytes: int = MAX_MEMBER_BYTES
    ratio: float = MAX_RATIO
    ratio_from_bytes: int = RATIO_FROM_BYTES
    rows: int = MAX_ROWS
    cells: int = MAX_CELLS
    memory_bytes: int = MAX_MEMORY_BYTES
    seconds: float = MAX_SECONDS


LIMITS = Limits()
# A file or folder named by whoever runs the app (the command line's --data, the folder the app serves as its
# sample) may be a national network's: millions of rows are expected there, so its size is trusted; its packing
# is not (a zip bomb is still refused by the ratio). Uploads through the browser keep LIMITS.
FILE_LIMITS = Limits(
    unpacked_bytes=20_000 * MB, member_bytes=20_000 * MB, rows=50_000_000, cells=2_000_000_000, seconds=3_600.0
)

SPLIT = (
    "Split it into smaller files (for example one CSV file per table, or fewer months in each file) "
    "and upload them one at a time."
)


class LimitError(Exception):
    """A file past one of the limits; the message is shown to the user as it is."""


def size_words(n: float) -> str:
    """Bytes for people, in decimal units: 456_000_000 -> '456 MB', 1_100_000 -> '1.1 MB', 2_048 -> '2 KB'."""
    if n >= 1e9:
        return fmt_number(n / 1e9) + " GB"
    if n >= MB:
        return fmt_number(n / MB) + " MB"
    if n >= 1_000:
        return fmt_number(n / 1_000, 0) + " KB"
    return fmt_number(n, 0) + " " + plural_word(n, "byte")


def seconds_words(s: float) -> str:
    """120 -> '2 minutes', 1 -> '1 second', 90 -> '90 seconds'."""
    if s >= 120 and s % 60 == 0:
        return fmt_number(s / 60) + " minutes"
    return fmt_number(s) + " " + plural_word(s, "second")


def unpacked_message(total: int, limits: Limits) -> str:
    return f"This file would unpack to {size_words(total)}; the limit is {size_words(limits.unpacked_bytes)}. {SPLIT}"


def _part(name: str) -> str:
    """'ward_months.csv' in a zip is named; a workbook's parts ('xl/worksheets/sheet1.xml') mean nothing to people."""
    return "One sheet of this workbook" if name.startswith("xl/") else f"'{name.rsplit('/', 1)[-1]}' in this file"


def member_message(name: str, size: int, limits: Limits) -> str:
    return (
        f"{_part(name)} would unpack to {size_words(size)}; the limit for one file inside a zip file, or one sheet, "
        f"is {size_words(limits.member_bytes)}. {SPLIT}"
    )


def ratio_message(name: str, size: int, packed: int, limits: Limits) -> str:
    what = "This file" if not name else _part(name)
    return (
        f"{what} unpacks from {size_words(packed)} to {size_words(size)}, packed more than "
        f"{fmt_number(limits.ratio)} times tighter than real data ever is. Files like this are damaged or made to "
        "overload the server, so it was not read. Save the data again from Excel and upload that file."
    )


def rows_message(limits: Limits) -> str:
    n = fmt_number(limits.rows)
    return f"This file holds more than {n} rows; the limit for one upload is {n}. {SPLIT}"


def cells_message(limits: Limits) -> str:
    n = fmt_number(limits.cells)
    return f"This file holds more than {n} cells; the limit for one upload is {n}. {SPLIT}"


def memory_message(limits: Limits) -> str:
    return (
        f"Reading this file needed more than {size_words(limits.memory_bytes)} of memory, the limit for one "
        f"upload, so it was stopped and nothing from it was kept. {SPLIT}"
    )


def time_message(limits: Limits) -> str:
    return (
        f"Reading this file took longer than {seconds_words(limits.seconds)}, the limit for one upload, so it was "
        f"stopped and nothing from it was kept. {SPLIT}"
    )


def crash_message(code: int | None) -> str:
    return (
        f"Reading this file stopped unexpectedly (the reading process ended with code {code}) and nothing from it "
        f"was kept. If it is very large, split it: {SPLIT[0].lower()}{SPLIT[1:]} Otherwise please report it with "
        "the file."
    )


def failed_message(what: str) -> str:
    """A reader that stopped on an error of its own (`what`: the error's kind, never its text)."""
    return (
        f"Reading this file stopped on an error ({what}) and nothing from it was kept. Check that it is the "
        "export the profile expects; if it is, please report it with the file."
    )

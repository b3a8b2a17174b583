"""What one upload may cost: unpacked size and packing ratio (per file inside and in total), rows and cells, checked
before anything is read; and the worker process that parses uploads under a memory limit and a deadline.

Every zip bomb here is made in the test from a small repeated payload, against small limits passed in; nothing here
allocates more than a few hundred megabytes, and that only inside a worker whose memory limit stops it.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from analysis.data.loader import load_files, load_upload

ROOT = Path(__file__).resolve().parents[2]
MB = 1_000_000
HEADER = b"ward_id,month,occupied_bed_days,assaults_on_staff\n"
ROW = b"W01,2024-01,352,1\n"
WARDS_CSV = b"ward_id,ward_name,service,security_level,beds\nW01,Iona,admission,high,12\n"


def bomb_zip(size: int, members: tuple[str, ...] = ("ward_months.csv",)) -> bytes:
    """A zip whose members each unpack to `size` bytes of one repeated row, written in small pieces."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in members:
            with zf.open(name, "w") as f:
                f.write(HEADER)
                written = len(HEADER)
                chunk = ROW * 10_000
                while written < size:
                    piece = chunk[: size - written]
                    f.write(piece)
                    written += len(piece)
    return buf.getvalue()


def lying_zip(declared: int) -> bytes:
    """A small zip whose one CSV says it unpacks to `declared` bytes (the sizes in its headers are changed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ward_months.csv", HEADER + ROW)
    data = bytearray(buf.getvalue())
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def workbook(n_rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("ward_months")
    ws.append(["ward_id", "month", "occupied_bed_days", "assaults_on_staff"])
    for i in range(n_rows):
        ws.append([f"W{i % 50:02d}", f"20{10 + i // 600}-{i // 50 % 12 + 1:02d}", 352, 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def only_error(result) -> str:
    p = result.problems
    assert list(p["severity"]) == ["error"], p.to_string()
    assert not result.tables and not result.ok
    return p["problem"].iloc[0]


def limits(**kw):
    from analysis.data.limits import Limits

    return Limits(**kw)


# ------------------------------------------------------------------ before reading: unpacked size and ratio
def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    data = bomb_zip(5 * MB)
    assert len(data) < 60_000  # 5 MB of CSV packed into a few kilobytes
    load_upload(HEADER + ROW, "ward_months.csv")  # warm up: imports are not the upload's cost
    tracemalloc.start()
    r = load_upload(data, "export.zip", limits=limits(unpacked_bytes=2 * MB, member_bytes=2 * MB, ratio=10_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert only_error(r).startswith("This file would unpack to 5 MB; the limit is 2 MB. Split it")
    assert peak < 1 * MB, peak  # never unpacked


def test_a_zip_that_says_it_unpacks_to_456_mb_is_refused_with_the_default_limits():
    r = load_upload(lying_zip(456 * MB), "export.zip")
    assert only_error(r).startswith("This file would unpack to 456 MB; the limit is 200 MB. Split it")


def test_one_member_past_its_limit_is_named():
    data = bomb_zip(3 * MB, ("wards.csv", "ward_months.csv"))
    r = load_upload(data, "export.zip", limits=limits(unpacked_bytes=10 * MB, member_bytes=2 * MB, ratio=10_000))
    message = only_error(r)
    assert message.startswith("'wards.csv' in this file would unpack to 3 MB; the limit for one file inside")
    big = load_upload(workbook(20_000), "big.xlsx", limits=limits(member_bytes=500_000))
    assert only_error(big).startswith("One sheet of this workbook would unpack to ")
    assert "is 2 MB." in message


def test_members_under_their_limit_can_still_be_too_many_together():
    data = bomb_zip(800_000, ("wards.csv", "ward_months.csv", "recovery.csv"))
    r = load_upload(data, "export.zip", limits=limits(unpacked_bytes=2 * MB, member_bytes=1 * MB, ratio=10_000))
    assert only_error(r).startswith("This file would unpack to 2.4 MB; the limit is 2 MB.")


def test_a_member_packed_too_tightly_is_refused():
    data = bomb_zip(2 * MB)
    r = load_upload(data, "export.zip", limits=limits(ratio=50, ratio_from_bytes=100_000))
    message = only_error(r)
    assert "'ward_months.csv'" in message and "more than 50 times" in message


def test_a_whole_zip_packed_too_tightly_is_refused_even_when_each_member_is_small():
    data = bomb_zip(90_000, tuple(f"part{i}.csv" for i in range(12)))
    r = load_upload(data, "export.zip", limits=limits(ratio=50, ratio_from_bytes=100_000))
    assert "more than 50 times" in only_error(r)


def test_a_workbook_that_unpacks_past_the_limit_is_refused_unread(monkeypatch):
    import openpyxl

    data = workbook(20_000)
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the workbook was opened"))
    r = load_upload(data, "big.xlsx", limits=limits(unpacked_bytes=500_000, member_bytes=500_000))
    assert only_error(r).startswith("This file would unpack to ")


def test_a_zip_that_hides_a_bomb_inside_a_workbook_is_refused():
    inner = workbook(20_000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("book.xlsx", inner)
    r = load_upload(buf.getvalue(), "export.zip", limits=limits(unpacked_bytes=len(inner) + 500_000))
    assert "would unpack to" in only_error(r)


# ------------------------------------------------------------------ before reading: rows and cells
def test_a_workbook_with_too_many_rows_is_refused_before_it_is_read(monkeypatch):
    import openpyxl

    data = workbook(2_000)
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the workbook was opened"))
    r = load_upload(data, "big.xlsx", limits=limits(rows=1_000))
    assert only_error(r).startswith("This file holds more than 1,000 rows; the limit for one upload is 1,000.")


def test_a_workbook_with_too_many_cells_is_refused():
    r = load_upload(workbook(600), "big.xlsx", limits=limits(cells=2_000))
    assert only_error(r).startswith("This file holds more than 2,000 cells; the limit for one upload is 2,000.")


def test_a_csv_with_too_many_rows_or_cells_is_refused():
    data = HEADER + ROW * 3_000
    assert "more than 1,000 rows" in only_error(load_upload(data, "ward_months.csv", limits=limits(rows=1_000)))
    assert "more than 5,000 cells" in only_error(load_upload(data, "ward_months.csv", limits=limits(cells=5_000)))


def test_the_limits_count_every_file_of_one_upload_together():
    files = [("ward_months.csv", HEADER + ROW * 600), ("recovery.csv", HEADER + ROW * 600)]
    assert "more than 1,000 rows" in only_error(load_files(files, limits=limits(rows=1_000)))


def test_the_default_limits_are_stated_in_one_place():
    from analysis.data import limits as lim

    d = lim.LIMITS
    assert (d.unpacked_bytes, d.rows, d.cells) == (lim.MAX_UNPACKED_BYTES, lim.MAX_ROWS, lim.MAX_CELLS)
    assert d.memory_bytes == lim.MAX_MEMORY_BYTES and d.seconds == lim.MAX_SECONDS
    assert lim.MAX_UNPACKED_BYTES == 200 * MB


# ------------------------------------------------------------------ the worker: memory and time
def _allocate(n_bytes: int) -> int:
    block = bytearray(n_bytes)  # touches every page
    return len(block)


def _wait_forever() -> None:
    import threading

    threading.Event().wait()


def test_the_worker_turns_an_over_allocation_into_a_clear_message():
    from analysis.data.worker import WorkerFailed, run_bounded

    assert run_bounded(_allocate, (10 * MB,), memory_bytes=200 * MB, seconds=60) == 10 * MB
    with pytest.raises(WorkerFailed) as failed:
        run_bounded(_allocate, (300 * MB,), memory_bytes=200 * MB, seconds=60)
    assert str(failed.value).startswith("Reading this file needed more than 200 MB of memory, the limit for one upload")


def test_the_worker_is_stopped_at_its_deadline():
    from analysis.data.worker import WorkerFailed, run_bounded

    started = time.monotonic()
    with pytest.raises(WorkerFailed) as failed:
        run_bounded(_wait_forever, (), memory_bytes=200 * MB, seconds=1)
    assert str(failed.value).startswith("Reading this file took longer than 1 second, the limit for one upload")
    assert time.monotonic() - started < 30


def test_an_upload_read_in_the_worker_gives_the_same_result():
    from analysis.data.worker import load_bounded

    files = [("wards.csv", WARDS_CSV), ("ward_months.csv", HEADER + ROW)]
    here, there = load_files(files), load_bounded(files)
    assert there.ok and here.ok
    assert there.content_hash == here.content_hash and there.source_name == here.source_name
    for t in here.tables:
        assert there.tables[t].equals(here.tables[t])
    assert "would unpack to 5 MB" in only_error(
        load_bounded([("x.zip", bomb_zip(5 * MB))], limits=limits(unpacked_bytes=2 * MB))
    )


def test_a_worker_out_of_memory_is_one_message_for_the_upload():
    from analysis.data.worker import load_bounded

    big = HEADER + ROW * 2_000_000  # 36 MB: reading it needs one block larger than the limit
    r = load_bounded([("ward_months.csv", big)], limits=limits(memory_bytes=20 * MB, rows=10**7, cells=10**8))
    message = only_error(r)
    assert message.startswith("Reading this file needed more than 20 MB of memory"), message
    assert list(r.problems["sheet"]) == ["ward_months.csv"]


# ------------------------------------------------------------------ the command line goes through the same bounds
def test_validate_on_the_command_line_refuses_the_bomb(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(lying_zip(456 * MB))
    python = ROOT / ".venv" / "bin" / "python"
    run = subprocess.run(
        [str(python if python.exists() else sys.executable), "-m", "analysis", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1
    # a path named on the command line may be national-sized (FILE_LIMITS), but a bomb's packing still gives it away
    assert "456 MB" in run.stderr and "so it was not read" in run.stderr

"""Every file of the steering group pack: stamped, safe to share externally, and usable.

One pack is built and exported once (module fixture) from the synthetic hospital for an external
audience, with the real Chromium: the PDF is rendered to PNG with pdftoppm and its text read with
pdftotext. Expectations come from the data (ward names from the wards table), not from the pack code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pandas as pd
import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.pack.build import ALL_FORMATS, build_pack, export_pack
from analysis.pack.check import file_text, pptx_slides, read_html
from analysis.pack.render.browser import chromium_path

chromium_ok = True
try:
    chromium_path()
except Exception:
    chromium_ok = False
needs_chromium = pytest.mark.skipif(
    not chromium_ok or not shutil.which("pdftoppm"), reason="needs Chromium and poppler-utils"
)


@pytest.fixture(scope="module")
def sample():
    return load_sample(SAMPLE_DIR)


@pytest.fixture(scope="module")
def external(sample):
    """Four wards (one with a Gaelic name when the sample has it) over the last two years, for outsiders."""
    wards = sample.tables["wards"].sort_values("ward_id")
    gaelic = wards[wards["ward_name"].astype(str).str.contains("[^\\x00-\\x7f]", regex=True)]
    chosen = list(dict.fromkeys([*gaelic["ward_id"].head(1), *wards["ward_id"]]))[:4]
    last = pd.to_datetime(sample.tables["ward_months"]["month"]).max()
    filters = Filters(wards=tuple(chosen), start=last - pd.DateOffset(months=23), end=last)
    pack = build_pack(sample, filters, rule="nhs_england", external=True)
    result = export_pack(pack, ALL_FORMATS)
    return pack, result, chosen, filters


def _kinds(files) -> set[str]:
    return {n.rsplit(".", 1)[-1] for n in files}


@needs_chromium
def test_every_format_is_produced_without_messages(external):
    _, result, _, _ = external
    assert _kinds(result.files) == {"html", "pdf", "pptx", "xlsx", "csv"}
    assert result.messages == []


@needs_chromium
def test_no_ward_name_or_id_appears_in_any_file_for_an_external_audience(sample, external):
    _, result, _, _ = external
    wards = sample.tables["wards"]
    names = [n for n in wards["ward_name"].dropna().astype(str) if n.strip()]
    assert any(not n.isascii() for n in names) or "Tìr nan Òg" not in names
    for file, data in result.files.items():
        text = file_text(file, data)
        assert len(text) > 200, file
        for token in [*names, *wards["ward_id"].astype(str)]:
            assert not re.search(rf"(?<!\w){re.escape(token)}(?!\w)", text, re.IGNORECASE), (file, token)
        assert "Ward A" in text or file.endswith(".csv") and "model" in file, file


@needs_chromium
def test_the_stamp_is_in_every_format(sample, external):
    pack, result, _chosen, filters = external
    period = f"{filters.start:%b %Y} to {filters.end:%b %Y}"
    expected = [
        pack.stamp.source.split(" (")[0],
        pack.stamp.extract_date,
        period,
        pack.stamp.app_version,
        "NHS England small-number rule",
        "Ward A",
        "external audience",
    ]
    for file, data in result.files.items():
        text = re.sub(r"\s+", " ", file_text(file, data))
        for item in expected:
            assert item in text, (file, item)
        assert re.search("synthetic data", text, re.IGNORECASE), file
        assert "content hash" in text or "import" in text.lower(), file


@needs_chromium
def test_pdf_renders_to_png_pages(external, tmp_path):
    _, result, _, _ = external
    pdf = next(d for n, d in result.files.items() if n.endswith(".pdf"))
    assert pdf.startswith(b"%PDF")
    (tmp_path / "pack.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(tmp_path / "pack.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 2000 for p in pages)


@needs_chromium
def test_pptx_reopens_with_a_slide_per_question(external):
    pack, result, _, _ = external
    slides = pptx_slides(next(d for n, d in result.files.items() if n.endswith(".pptx")))
    titles = [s.title for s in pack.sections if s.question]
    assert len(titles) == 3
    for title in titles:
        assert sum(title in " ".join(s["texts"]) for s in slides) >= 1, title
    assert len(slides) >= 3 + 1


@needs_chromium
def test_html_fetches_nothing_from_the_internet(external):
    _, result, _, _ = external
    page = read_html(next(d for n, d in result.files.items() if n.endswith(".html")))
    assert page.scripts and all(src is None for src, _ in page.scripts)
    html = next(d for n, d in result.files.items() if n.endswith(".html")).decode()
    assert not re.search(r"<(link|img|iframe)[^>]+(href|src)=\"https?://", html)


def test_without_chromium_html_and_tables_are_still_made(sample, tmp_path):
    wards = tuple(sample.tables["wards"]["ward_id"].sort_values().head(2))
    pack = build_pack(sample, Filters(wards=wards))
    missing = tmp_path / "no-such-chromium"
    result = export_pack(pack, ALL_FORMATS, chromium=str(missing))
    kinds = _kinds(result.files)
    assert {"html", "xlsx", "csv"} <= kinds and "pdf" not in kinds
    assert len(result.messages) == 1
    assert "Chromium" in result.messages[0] and str(missing) in result.messages[0]
    assert "HTML" in result.messages[0]


def test_chromium_env_points_at_a_missing_browser(monkeypatch, sample):
    monkeypatch.setenv("COPRODUCTION_CHROMIUM", os.path.join(os.sep, "nowhere", "chromium"))
    pack = build_pack(sample, Filters(wards=tuple(sample.tables["wards"]["ward_id"].head(1))))
    result = export_pack(pack, ["pdf"])
    assert _kinds(result.files) == {"html"} and result.messages

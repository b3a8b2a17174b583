"""Text from the data never makes the browser fetch anything (issue 16, defect 7).

The dashboard serves a hospital whose ward names and event labels are markdown images and links
(tests/app/test_literal_text.py plants the same strings in every page under AppTest). Every request the
browser makes while the overview and the hostile ward's profile draw goes to the app's own server, and the
ward's name is shown as the text it is.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.app.test_literal_text import IMAGE, hostile_tables
from tests.browser import conftest as browser_conftest
from tests.browser.conftest import error_texts, open_page, run_server
from tests.conftest import write_tables


@pytest.fixture
def hostile_server(tmp_path, monkeypatch, mini_sample):
    folder = write_tables(tmp_path / "hostile", hostile_tables())
    monkeypatch.setattr(browser_conftest, "served_sample", lambda _sample: folder)
    with run_server(tmp_path, mini_sample) as base:
        yield base


# Streamlit 1.67 draws the app's own :material/...: icons (the menu, page links) from Google's icon server; that is
# the app's code, not the data, and is reported separately. Nothing else may leave for another host.
STREAMLIT_ICONS = "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"


def _foreign(requests: list[str], base: str) -> list[str]:
    own = urlsplit(base).netloc
    return [
        u
        for u in requests
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        and urlsplit(u).netloc != own
        and not u.startswith(STREAMLIT_ICONS)
    ]


def test_hostile_names_fetch_nothing_and_read_as_written(hostile_server, page):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_page(page, hostile_server, "")
    assert not error_texts(page), error_texts(page)
    open_page(page, hostile_server, "ward_profile", "profile_ward=W01")
    assert not error_texts(page), error_texts(page)
    assert not _foreign(requests, hostile_server), _foreign(requests, hostile_server)
    assert "127.0.0.1:9" not in " ".join(requests)
    planted = page.locator("img[src*='127.0.0.1:9'], a[href*='127.0.0.1:9']")
    assert planted.count() == 0
    header = page.locator("[data-testid=stHeading] h2").first.inner_text()
    assert IMAGE in header.replace("\u2060", ""), header

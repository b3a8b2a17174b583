"""Starting the dashboard in AppTest and reading what it shows."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ENTRY = Path(__file__).resolve().parents[2] / "dashboard.py"
PAGES = [
    "overview",
    "coproduction",
    "assaults",
    "recovery",
    "talking_groups",
    "social_distance",
    "ward_profile",
    "model_builder",
    "study_planner",
    "steering_pack",
    "data",
]


def start(query_params: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=60)
    for k, v in (query_params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    return at


def texts(at: AppTest) -> str:
    """Every piece of text the run produced, joined, as a reader sees it (bold markers dropped), for 'is this
    said somewhere' checks; tests of the formatting itself read at.markdown."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts).replace("**", "")

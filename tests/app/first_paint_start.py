"""Run the dashboard's Overview once in this process (AppTest) and print, as JSON, whether its top was drawn from
disk (ui/first_paint.py), which libraries were imported when the first thing was drawn, and the page's text: run
in a fresh subprocess by tests/app/test_overview_first_paint.py to stand for a server start. Imports nothing
heavy itself, so that what it reports is the app's doing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# numpy is left out: Streamlit imports it itself to read the tab's icon (st.set_page_config)
LIBRARIES = ("pandas", "pyarrow", "sqlalchemy", "pandera", "scipy", "statsmodels", "plotly")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as tests/conftest.py's use_navigation: st.navigation, not the pages folder
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    from ui import first_paint

    early, at_paint = [], []
    draw, start = first_paint.draw, first_paint.early

    before = {m for m in LIBRARIES if m in sys.modules}  # AppTest's own (it imports plotly)

    def recording_draw(steps):
        if not at_paint:
            at_paint.append([m for m in LIBRARIES if m in sys.modules and m not in before])
        return draw(steps)

    first_paint.draw = recording_draw
    first_paint.early = lambda overview: early.append(start(overview)) or early[-1]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600).run()
    kinds = ("title", "header", "markdown", "caption", "info", "warning", "error")
    text = [f"{kind}: {x.value}" for kind in kinds for x in getattr(at, kind)]
    problems = [str(e.value) for e in at.exception]
    print(
        json.dumps(
            {
                "early": early,
                "libraries_at_first_paint": at_paint[0] if at_paint else None,
                "text": text,
                "problems": problems,
            }
        )
    )


if __name__ == "__main__":
    main()

"""Run the dashboard's Overview once in this process (AppTest) and print, as JSON, its text, which of the heavy
libraries were imported and how many answers were worked out (not read from disk): run in a fresh subprocess
by tests/app/test_overview_kept.py to stand for a server start. Usage: python tests/app/overview_restart.py (COPRODUCTION_CACHE_DIR and
COPRODUCTION_DATABASE_URL set by the caller)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "statsmodels")
OTHERS = ("pandera", "sqlalchemy", "duckdb", "openpyxl", "python_calamine")  # reported, for looking into a start


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as tests/conftest.py's use_navigation: st.navigation, not the pages folder
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    from analysis.data import kept

    written = []
    write = kept.write
    kept.write = lambda k, value: (written.append(k), write(k, value))[1]  # every answer worked out is kept
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.run()
    kinds = ("markdown", "caption", "info", "warning", "error")
    text = [f"{kind}: {x.value}" for kind in kinds for x in getattr(at.main, kind)]
    problems = [str(e.value) for e in at.exception]
    heavy = [m for m in HEAVY if m in sys.modules]
    others = [m for m in OTHERS if m in sys.modules]
    print(
        json.dumps({"text": text, "problems": problems, "heavy": heavy, "others": others, "worked_out": len(written)})
    )


if __name__ == "__main__":
    main()

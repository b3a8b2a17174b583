"""charts/ only draws (CONTRIBUTING.md, "Compute, classify, word, draw"): read from the source with `ast`.

Every public function in analysis/charts/ returns a figure or the words that go with one (its alt text or
title), so its name ends in `_figure`, `_figures`, `_alt` or `_alt_text`, or it is one of a few drawing
helpers named below. Tidy tables, model fits and sentences for a page belong in the question's own
package (`analysis/questions/<question>/view.py`), which a chart module may import from; a data or words
function added to charts/ later fails here. Chart modules also import nothing that fits a model.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHARTS = Path(__file__).resolve().parents[2] / "analysis" / "charts"
MODULES = sorted(p for p in CHARTS.glob("*.py") if p.name != "__init__.py")

DRAWN = ("_figure", "_figures", "_alt", "_alt_text")
DRAWING_HELPERS = {
    "style.py": {"apply_style", "month_axis", "alt_text"},  # the house style; alt text read back from a figure
    "multiples.py": {"small_multiples", "y_title"},  # small-multiple panels and their shared axis title
    "spc.py": {"wrap_title", "mdc_points", "mdc_value_line"},  # a long title broken; the MDC points and value line
    "assaults.py": {"ward_marker", "basis_key"},  # a ward's colour and symbol; which line style a fitted curve gets
    "assurance.py": {"grid_html"},  # the variation-by-assurance grid, drawn as an HTML table
    # a drawn figure as a picture that leaves the app: the Chromium that draws it, its stamp, the protection plan
    "export.py": {"chromium", "stamp_lines", "stamped", "render", "plan", "chart_image"},
    # a chart over time as it leaves the app: worked out again from the published counts, then drawn
    "published.py": {"published", "rechart", "small_months", "too_many_hidden"},
}

# Modules a chart may import from analysis.stats: result types and the words for a column, never a fit.
STATS_ALLOWED = {"analysis.stats.results", "analysis.stats.counts.describe"}


def _public_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every `from analysis... import ...` in the file, inside functions too."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analysis"):
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("analysis")]
    return out


def test_there_are_chart_modules_to_check():
    assert {"coproduction.py", "recovery.py", "talking_groups.py", "assaults.py", "ward_profile.py"} <= {
        p.name for p in MODULES
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_public_chart_function_draws_or_describes_a_figure(path):
    allowed = DRAWING_HELPERS.get(path.name, set())
    strays = [
        f"{path.name}:{f.lineno} {f.name}"
        for f in _public_functions(path)
        if not f.name.endswith(DRAWN) and f.name not in allowed
    ]
    assert not strays, (
        "charts/ only draws: move tables, fits and sentences to analysis/questions/<question>/view.py "
        f"(or name a figure `*_figure` and its alt text `*_alt`): {strays}"
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_chart_modules_import_no_model_fitting(path):
    """No fit in charts/: nothing from analysis.stats but result types and column words; from a question's
    model or answer modules only constants (UPPER_CASE), so a chart cannot call a fit or a summary."""
    strays = []
    for module, names in _imports(path):
        if module.startswith("analysis.stats") and module not in STATS_ALLOWED:
            strays.append(f"{module}: {', '.join(names) or '(module)'}")
        elif module.startswith("analysis.questions") and not module.endswith(".view"):
            strays += [f"{module}.{n}" for n in names if not n.isupper()]
    assert not strays, f"{path.name} imports computing code: {strays}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_figure_functions_return_figures_and_alt_functions_words(path):
    """A `*_figure(s)` function is annotated to return a Figure (alone or with its alt text), so a sentence
    named `key_figure` does not pass for a chart; an `*_alt` / `*_alt_text` function returns a str."""
    wrong = []
    for f in _public_functions(path):
        returns = "" if f.returns is None else ast.unparse(f.returns)
        figure_ok = "Figure" in returns if f.name.endswith(("_figure", "_figures")) else True
        words_ok = returns == "str" if f.name.endswith(("_alt", "_alt_text")) else True
        if not (figure_ok and words_ok):
            wrong.append(f"{f.name} -> {returns or '(no annotation)'}")
    assert not wrong, f"{path.name}: not annotated to return a figure (or str for alt text): {wrong}"

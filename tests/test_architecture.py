"""The shape of the code, checked: one-way layers in analysis/, no import cycles, no Streamlit below the pages,
documentation that names files and modules that exist, and a data contract document that is up to date.

The import graph is read from the source with `ast`, never by importing the modules: every import statement
(those inside functions too), `importlib.import_module("...")` with a literal name, and the modules a package
re-exports lazily through `lazy_exports(__name__, {".module": names})`. A name built at run time is not seen. CONTRIBUTING.md describes the layers; this file is where they are enforced.
Each check is a plain function of the tree's root so that it can be run on a broken copy of the tree.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first; a package may import only packages in earlier entries (never one in its own entry but another
# package, never a later one). `text` is a module, a layer of its own; `_lazy` (the lazy re-export helper every
# package __init__ uses) sits below it. analysis/__init__.py and __main__.py (the public face and the command
# line's entry) may import anything.
LAYERS: list[set[str]] = [
    {"_lazy"},
    {"text"},
    {"data"},
    {"store", "panel", "sample"},
    {"stats"},
    {"spc", "disclosure"},
    {"questions"},
    {"charts"},
    {"overview", "wards"},
    {"pack"},
    {"cli"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
EXEMPT = {"analysis", "analysis.__main__"}
TOP_LEVEL_MODULES = {"__init__", "__main__", "text", "_lazy"}
FORBIDDEN_IN_ANALYSIS = {"streamlit", "ui"}
DOCS = ["README.md", "CONTRIBUTING.md", "docs/*.md", "benchmarks/README.md"]


# --- the import graph ---------------------------------------------------------------------------------------


def modules(root: Path) -> dict[str, Path]:
    """Every module of analysis/ by dotted name (a package by its own name, from its __init__.py)."""
    out = {}
    for path in sorted((root / "analysis").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _target(dotted: str, known: dict[str, Path]) -> str | None:
    """The deepest module of analysis/ that `dotted` names (a module, or a name inside one)."""
    while dotted:
        if dotted in known:
            return dotted
        dotted = dotted.rpartition(".")[0]
    return None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> dict[str, int]:
    """The modules of analysis/ that module `name` imports, each with the line of its first import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(name, path)
    found: dict[str, int] = {}

    def add(dotted: str, line: int) -> None:
        target = _target(dotted, known)
        if target is not None and target != name:
            found.setdefault(target, line)

    for node in ast.walk(tree):  # walks function bodies too: a deferred import is still a dependency
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # `from pkg import sub` imports the submodule pkg.sub
                add(f"{module}.{alias.name}", node.lineno)
        elif _is_import_module_call(node) and isinstance(node.args[0].value, str):
            add(_absolute(node.args[0].value, package), node.lineno)  # import_module("analysis.x") or (".x", ...)
        elif _is_lazy_exports_call(node):  # lazy_exports(__name__, {".module": names}): imported on first use
            for key in node.args[1].keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    add(_absolute(key.value, package), node.lineno)
    return found


def _absolute(target: str, package: str) -> str:
    """A module name as importlib reads it: ".x" is relative to `package`, "..x" to its parent."""
    if not target.startswith("."):
        return target
    dots = len(target) - len(target.lstrip("."))
    base = package.split(".")
    return ".".join(base[: len(base) - (dots - 1)] + [target.lstrip(".")]).rstrip(".")


def _call_name(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_lazy_exports_call(node: ast.AST) -> bool:
    return _call_name(node) == "lazy_exports" and len(node.args) >= 2 and isinstance(node.args[1], ast.Dict)


def _is_import_module_call(node: ast.AST) -> bool:
    return (
        _call_name(node) in {"import_module", "__import__"}
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
    )


def external_imports(path: Path) -> list[tuple[str, int]]:
    """Every absolute import's top-level name in a file, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module.split(".")[0], node.lineno))
    return out


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    known = modules(root)
    return {name: imports_of(name, path, known) for name, path in known.items()}


# --- the checks (each returns a list of problems in words) -------------------------------------------------------


def find_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def cycle_problems(root: Path) -> list[str]:
    graph = import_graph(root)
    problems = []
    for component in find_cycles(graph):
        members = set(component)
        edges = [f"{a} -> {b} (line {graph[a][b]})" for a in component for b in graph[a] if b in members]
        problems.append("import cycle among " + ", ".join(component) + ": " + "; ".join(edges))
    return problems


def layer_of(name: str) -> str | None:
    """The layer a module belongs to: its package under analysis/, or None for the exempt root modules."""
    if name in EXEMPT:
        return None
    return name.split(".")[1]


def layer_problems(root: Path) -> list[str]:
    problems = []
    for name, targets in import_graph(root).items():
        own = layer_of(name)
        if own is None:
            continue
        if own not in RANK:
            problems.append(f"{name}: analysis.{own} is in no layer (add it to LAYERS and CONTRIBUTING.md)")
            continue
        for target, line in targets.items():
            other = layer_of(target)
            if other is None or other == own:
                continue
            if RANK.get(other, len(LAYERS)) >= RANK[own]:
                problems.append(f"{name} (line {line}) imports {target}: {own} may not import {other}")
    return problems


def streamlit_problems(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)} (line {line}) imports {top}"
        for path in modules(root).values()
        for top, line in external_imports(path)
        if top in FORBIDDEN_IN_ANALYSIS
    ]


def top_level_problems(root: Path) -> list[str]:
    return [
        f"analysis/{path.name}: a module at the top of analysis/ belongs in a package"
        for path in sorted((root / "analysis").glob("*.py"))
        if path.stem not in TOP_LEVEL_MODULES
    ]


# --- names in the documentation -----------------------------------------------------------------------------------

# analysis/ paths, and the other folders whose files the docs name (tests, benchmarks, pages, ui, docs)
PATH_RE = re.compile(r"(?<![\w/.-])(?:analysis|tests|benchmarks|pages|ui|docs)/[\w/.-]*[\w/]")
DOTTED_RE = re.compile(r"(?<![\w/.-])analysis(?:\.[A-Za-z_]\w*)+")


def top_level_names(path: Path) -> set[str]:
    """Names a module defines or imports at its top level (inside top-level if/try blocks too), the names its
    `__all__` lists, and those it re-exports lazily through `lazy_exports` (loaded by `__getattr__`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    body = list(tree.body)
    while body:
        node = body.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value is not None:
                names |= {e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.If | ast.Try):
            body += node.body + node.orelse + getattr(node, "finalbody", [])
            body += [n for h in getattr(node, "handlers", []) for n in h.body]
    for node in ast.walk(tree):  # names a package re-exports through lazy_exports(__name__, {module: names})
        if _is_lazy_exports_call(node):
            names |= {e.value for v in node.args[1].values for e in ast.walk(v) if isinstance(e, ast.Constant)}
    return {n for n in names if isinstance(n, str)}


def resolve_dotted(dotted: str, root: Path) -> str | None:
    """None when `dotted` names a module of analysis/ (or a name a module defines), else what is wrong."""
    known = modules(root)
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        if module in known:
            rest = parts[cut:]
            if not rest or rest[0] in top_level_names(known[module]):
                return None
            return f"{module} has no {rest[0]}"
    return "no such module"


def contract_doc_problems(root: Path) -> list[str]:
    """docs/data-contract.md against what the contract generates (`python -m analysis docs` writes it)."""
    from analysis.data.template import dictionary_markdown

    written = (root / "docs" / "data-contract.md").read_text(encoding="utf-8")
    if written == dictionary_markdown():
        return []
    return ["docs/data-contract.md differs from what analysis/data/contract/ generates: run `make docs`"]


def doc_problems(root: Path) -> list[str]:
    problems = []
    for pattern in DOCS:
        for doc in sorted(root.glob(pattern)):
            text = doc.read_text(encoding="utf-8")
            where = doc.relative_to(root)
            for match in PATH_RE.finditer(text):
                if text[match.end() : match.end() + 1] == "<":  # a pattern such as tests/app/test_page_<name>.py
                    continue
                path = match.group().rstrip("/.")
                if not (root / path).exists():
                    problems.append(f"{where}: `{match.group()}` does not exist")
            for match in DOTTED_RE.finditer(text):
                wrong = resolve_dotted(match.group(), root)
                if wrong:
                    problems.append(f"{where}: `{match.group()}`: {wrong}")
    return problems


# --- the tests ------------------------------------------------------------------------------------------------------


def test_the_import_graph_sees_every_kind_of_import():
    """A guard on the guard: relative, deferred and `from package import module` imports are all edges."""
    graph = import_graph(ROOT)
    assert len(graph) > 80
    assert sum(len(targets) for targets in graph.values()) > 150
    assert "analysis.data.contract" in graph["analysis.data.template"]


def test_no_import_cycle_in_analysis():
    assert cycle_problems(ROOT) == []


def test_each_package_imports_only_packages_below_it():
    assert layer_problems(ROOT) == []


def test_analysis_never_imports_streamlit_or_ui():
    assert streamlit_problems(ROOT) == []


def test_no_module_is_left_at_the_top_of_analysis():
    assert top_level_problems(ROOT) == []


def test_the_data_contract_document_is_up_to_date():
    assert contract_doc_problems(ROOT) == []


def test_every_analysis_path_and_module_named_in_the_docs_exists():
    assert doc_problems(ROOT) == []


@pytest.mark.parametrize(
    ("dotted", "wrong"),
    [
        ("analysis.spc.chart.RARE_EVENTS_PER_MONTH", None),
        ("analysis.stats", None),
        ("analysis.build_panel", None),
        ("analysis.pack.render.render_pdf", None),
        ("analysis.spc.chart.no_such_name", "analysis.spc.chart has no no_such_name"),
        ("analysis.recovery", "analysis has no recovery"),
        ("analysis.no.such", "analysis has no no"),
    ],
)
def test_dotted_names_resolve_to_modules_and_their_names(dotted, wrong):
    assert resolve_dotted(dotted, ROOT) == wrong


# --- the checks can fail: each one on a copy of the tree broken on purpose --------------------------------------


@pytest.fixture
def copy(tmp_path) -> Path:
    """analysis/ (Python files), the docs the checks read, in a throw-away folder."""
    for path in (ROOT / "analysis").rglob("*.py"):
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for pattern in DOCS:
        for doc in ROOT.glob(pattern):
            (tmp_path / doc.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(doc, tmp_path / doc.relative_to(ROOT))
    return tmp_path


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + text + "\n", encoding="utf-8")


def new_problems(check, root: Path, breaking) -> list[str]:
    """What `check` finds after `breaking(root)` that it did not find before (so a half-finished edit elsewhere in
    the real tree cannot make these tests pass or fail)."""
    before = set(check(root))
    breaking(root)
    return [p for p in check(root) if p not in before]


def test_a_deferred_import_that_closes_a_cycle_is_caught(copy):
    def deferred(root):  # analysis.data.template imports contract; contract now imports template in a function
        append(
            root / "analysis/data/contract/__init__.py", "def _f():\n    from ..template import dictionary_markdown\n"
        )

    found = new_problems(cycle_problems, copy, deferred)
    assert len(found) == 1 and "analysis.data.contract -> analysis.data.template" in found[0], found


def test_a_cycle_between_packages_is_caught(copy):
    def both_ways(root):
        append(root / "analysis/text.py", "import analysis.spc.rules")
        append(root / "analysis/spc/rules.py", "from analysis import text")

    found = new_problems(cycle_problems, copy, both_ways)
    assert found and "analysis.spc.rules" in found[0] and "analysis.text" in found[0], found


@pytest.mark.parametrize(
    ("file", "line", "expected"),
    [
        (
            "analysis/data/filters.py",
            "def _f():\n    from analysis.questions import specs",
            "data may not import questions",
        ),
        ("analysis/store/io.py", "from ..panel.build import build_panel", "store may not import panel"),
        ("analysis/text.py", "import importlib\nimportlib.import_module('analysis.charts.style')", "text may not"),
        ("analysis/stats/mixed.py", "from analysis.pack.render.document import version", "stats may not import pack"),
        ("analysis/data/__init__.py", "_x = lazy_exports(__name__, {'..pack.build': ('build_pack',)})", "data may not"),
    ],
    ids=["deferred-upward", "same-layer-relative", "import_module", "from-module-import-name", "lazy_exports"],
)
def test_an_import_against_the_layers_is_caught(copy, file, line, expected):
    found = new_problems(layer_problems, copy, lambda root: append(root / file, line))
    assert len(found) == 1 and expected in found[0], found


def test_a_new_package_outside_the_layers_is_caught(copy):
    def new_package(root):
        (root / "analysis/extras").mkdir()
        (root / "analysis/extras/__init__.py").write_text("")

    assert new_problems(layer_problems, copy, new_package) == [
        "analysis.extras: analysis.extras is in no layer (add it to LAYERS and CONTRIBUTING.md)"
    ]


@pytest.mark.parametrize("line", ["def _f():\n    import streamlit as st", "from ui.show import answer_markdown"])
def test_streamlit_or_ui_in_analysis_is_caught(copy, line):
    found = new_problems(streamlit_problems, copy, lambda root: append(root / "analysis/spc/chart.py", line))
    assert len(found) == 1 and found[0].startswith("analysis/spc/chart.py (line "), found


def test_a_module_left_at_the_top_is_caught(copy):
    found = new_problems(top_level_problems, copy, lambda root: (root / "analysis/helpers.py").write_text(""))
    assert found == ["analysis/helpers.py: a module at the top of analysis/ belongs in a package"]


def test_a_stale_data_contract_document_is_caught(copy):
    found = new_problems(contract_doc_problems, copy, lambda root: append(root / "docs/data-contract.md", "extra"))
    assert len(found) == 1 and "make docs" in found[0]


def test_a_stale_path_or_module_in_the_docs_is_caught(copy):
    def stale(root):
        append(
            root / "README.md", "See `analysis/existence_groups.py`, `analysis.spc.charts` and analysis.spc.chart.nope."
        )

    assert new_problems(doc_problems, copy, stale) == [
        "README.md: `analysis/existence_groups.py` does not exist",
        "README.md: `analysis.spc.charts`: analysis.spc has no charts",
        "README.md: `analysis.spc.chart.nope`: analysis.spc.chart has no nope",
    ]

"""The public face of analysis/: `import analysis` is cheap, and every package names its entry points in
`__all__`, each of which resolves (lazily) to a real object."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import analysis

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "plotly", "sqlalchemy", "streamlit")
PACKAGES = sorted(m.name for m in pkgutil.walk_packages(analysis.__path__, "analysis.") if m.ispkg)

# What a researcher reaches for first: loading, filtering, the panel, each question's fit, SPC, disclosure,
# the pack, model specs, the store and the synthetic hospital.
ENTRY_POINTS = {
    "load_sample",
    "load_path",
    "Dataset",
    "Filters",
    "build_panel",
    "answer_q1",
    "group_differences",
    "fit_counts",
    "fit_all_incidents",
    "fit_recovery",
    "its_pooled",
    "its_ward",
    "three_answers",
    "xmr",
    "u_chart",
    "classify",
    "protect_table",
    "rule_from_name",
    "RULES",
    "DisclosureRule",
    "build_pack",
    "export_pack",
    "run_spec",
    "parse_spec",
    "Store",
    "generate",
    "write_sample",
    "ModelResult",
    "__version__",
}


def _fresh_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip()


def test_import_analysis_imports_nothing_heavy():
    code = (
        "import sys, analysis\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('analysis')))"
    )
    heavy, ours = _fresh_python(code).splitlines()
    assert heavy == "[]"
    assert ours == "['analysis', 'analysis._lazy']"


def test_every_package_imports_nothing_heavy():
    code = f"import sys\nfor name in {PACKAGES!r}:\n    __import__(name)\n" + (
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    assert _fresh_python(code) == "[]"


def test_the_researchers_entry_points_are_public():
    assert set(analysis.__all__) >= ENTRY_POINTS, ENTRY_POINTS - set(analysis.__all__)


@pytest.mark.parametrize("name", sorted(analysis.__all__))
def test_every_public_name_resolves(name):
    assert getattr(analysis, name) is not None
    assert name in dir(analysis)


def test_a_name_resolves_to_the_object_its_module_defines():
    from analysis.data.dataset import load_sample
    from analysis.sample.generate import generate
    from analysis.spc.chart import xmr

    assert analysis.load_sample is load_sample
    assert analysis.xmr is xmr
    assert analysis.generate is generate
    assert isinstance(analysis.__version__, str) and analysis.__version__[0].isdigit()


def test_an_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        analysis.no_such_name  # noqa: B018
    assert not hasattr(analysis, "no_such_name")
    assert not hasattr(importlib.import_module("analysis.spc"), "no_such_name")


def test_submodules_still_import_by_name():
    from analysis.data import contract
    from analysis.overview import wards
    from analysis.sample import generate

    assert contract.__name__ == "analysis.data.contract"
    assert wards.__name__ == "analysis.overview.wards"
    assert generate.__name__ == "analysis.sample.generate"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_names_its_public_entry_points(package):
    module = importlib.import_module(package)
    assert (module.__doc__ or "").strip(), f"{package} has no docstring saying what lives there"
    public = getattr(module, "__all__", None)
    assert public, f"{package} has no __all__"
    assert len(public) == len(set(public))
    submodules = {m.name for m in pkgutil.iter_modules(module.__path__)}
    # a name shared with a submodule would be replaced by that module as soon as the submodule is imported
    assert not submodules & set(public), submodules & set(public)
    for name in public:
        assert getattr(module, name) is not None, f"{package}.{name}"
        assert name in dir(module)

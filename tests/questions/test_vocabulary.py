"""One vocabulary: incident counts, aspects, respondents and adjustments are named once, in the contract."""

from __future__ import annotations

import ast
from pathlib import Path

import analysis.data.contract as contract
from analysis.pack import quality
from analysis.questions import specs
from analysis.stats.counts import INCIDENTS as COUNT_MODEL_INCIDENTS
from analysis.stats.counts.describe import INCIDENT_WORDS
from analysis.wards import profile

ROOT = Path(__file__).resolve().parents[2]


def test_incident_lists_are_the_contracts():
    assert tuple(contract.INCIDENTS) == contract.INCIDENT_COUNTS
    assert [f.name for f in contract.WARD_MONTHS.fields if f.name in contract.INCIDENTS] == list(
        contract.INCIDENT_COUNTS
    )
    assert sorted(contract.MODELLED_INCIDENTS) == sorted(contract.INCIDENT_COUNTS)
    assert set(contract.INCIDENT_WORDS) == set(contract.INCIDENTS) and INCIDENT_WORDS is contract.INCIDENT_WORDS
    assert COUNT_MODEL_INCIDENTS == specs.INCIDENTS == contract.MODELLED_INCIDENTS
    assert tuple(profile.INCIDENTS) == tuple(profile.ICON_NOUNS) == contract.INCIDENT_COUNTS
    assert [t for t, _, _ in profile.INCIDENTS.values()] == list(contract.INCIDENTS.values())
    assert not hasattr(quality, "INCIDENTS")


def test_adjustments_and_predictors_come_from_the_contract():
    assert tuple(contract.ADJUSTMENTS) == specs.ADJUST_COUNTS
    assert tuple(contract.ADJUSTMENTS)[:4] == contract.NUMERIC_ADJUSTMENTS + contract.CATEGORICAL_ADJUSTMENTS
    per_aspect = [f"coproduction_{r}_{a}" for r in contract.RESPONDENTS for a in contract.ASPECTS]
    assert list(specs.SCORES[3:]) == per_aspect  # then the measures beyond co-production (panel/measures.py)
    assert ("overall", *contract.ASPECTS) == contract.SCORE_PARTS


def test_no_module_spells_out_the_incident_list_again():
    """A tuple, list or dict literal holding three or more incident columns is a second declaration (the ward
    profile's ICON_NOUNS, its words beside each rate's icon keyed by the contract's columns, is checked above)."""
    names = set(contract.INCIDENTS)
    found = []
    paths = [*ROOT.joinpath("analysis").rglob("*.py"), *(p for d in ("pages", "ui") for p in (ROOT / d).glob("*.py"))]
    for path in paths:
        if path.parent.name == "contract" or "sample" in path.parts or path == ROOT / "analysis/wards/profile.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
            if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)) and items:
                strings = {n.value for n in items if isinstance(n, ast.Constant) and isinstance(n.value, str)}
                if len(strings & names) >= 3:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []

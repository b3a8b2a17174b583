"""The dependency audit CI runs (`make audit`, .ci/audit.py): a known vulnerability fails it, whichever way PyPI
answered; a package nobody could speak for is named, and fails it under --strict."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("ci_audit", REPO / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ci_audit"] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("ci_audit", None)


def skipped(name: str, version: str) -> dict:
    return {
        "name": name,
        "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} ({version})",
    }


PAGES = {
    "oldcrypt": {
        "info": {"version": "2.6.1"},
        "vulnerabilities": [
            {"id": "PYSEC-2017-94", "fixed_in": [], "aliases": ["CVE-2013-7459"]},
            {"id": "GHSA-old", "fixed_in": ["2.0"], "aliases": [], "withdrawn": "2020-01-01T00:00:00Z"},
        ],
    },
    "fine": {"info": {"version": "1.0"}, "vulnerabilities": []},
    "behind": {"info": {"version": "3.0"}, "vulnerabilities": []},
}


def lookup(name: str) -> dict:
    if name == "unreachable":
        raise OSError("timed out")
    return PAGES[name]


def test_a_vulnerability_pip_audit_found_fails(audit):
    report = {
        "dependencies": [
            {
                "name": "jinja2",
                "version": "2.4.1",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["2.10"], "aliases": []}],
            },
            {"name": "fine", "version": "1.0", "vulns": []},
        ]
    }
    code, lines = audit.verdict(audit.findings(report, lookup), strict=False)
    assert code == 1
    assert "VULNERABLE jinja2 2.4.1: PYSEC-1; fixed in 2.10" in lines


def test_a_vulnerability_on_the_project_page_of_the_newest_release_fails(audit):
    report = {"dependencies": [skipped("oldcrypt", "2.6.1"), skipped("fine", "1.0")]}
    found = audit.findings(report, lookup)
    assert [f.how for f in found] == ["PyPI project page (newest release)"] * 2
    code, lines = audit.verdict(found, strict=False)
    assert code == 1
    vulnerable = [line for line in lines if line.startswith("VULNERABLE")]
    assert vulnerable == ["VULNERABLE oldcrypt 2.6.1: PYSEC-2017-94 (CVE-2013-7459); fixed in no fixed release yet"]


def test_an_older_release_is_not_passed_as_audited(audit):
    report = {"dependencies": [skipped("behind", "2.9"), skipped("unreachable", "1.0"), skipped("fine", "1.0")]}
    found = audit.findings(report, lookup)
    code, lines = audit.verdict(found, strict=False)
    assert code == 0
    assert any(line.startswith("NOT AUDITED behind 2.9") and "newest release (3.0)" in line for line in lines)
    assert any(line.startswith("NOT AUDITED unreachable 1.0") and "timed out" in line for line in lines)
    assert "Packages audited: 1 of 3" in lines[-2] and "Packages not audited: 2." in lines[-2]
    strict_code, strict_lines = audit.verdict(found, strict=True)
    assert strict_code == 1 and strict_lines[-1].startswith("FAILED (--strict)")


def test_nothing_found_passes(audit):
    code, lines = audit.verdict(audit.findings({"dependencies": [skipped("fine", "1.0")]}, lookup), strict=True)
    assert code == 0 and "Known vulnerabilities: 0" in lines[-1]

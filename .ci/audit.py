"""The dependency audit (`make audit`, run by CI before the tests): pip-audit on requirements.txt.

pip-audit resolves the requirements file (every pin and everything it pulls in, in a throw-away environment) and
asks PyPI's vulnerability feed about each exact version (``https://pypi.org/pypi/NAME/VERSION/json``). Any known
vulnerability in any of them fails the audit (exit 1), naming the package, the advisory and the fixed versions.

Some package mirrors serve a project's own page (``/pypi/NAME/json``) but not its per-version pages; pip-audit
then skips every package as "not found". The project page lists the known vulnerabilities of the newest release,
so a package resolved to its newest release is still audited from there. A package older than its newest release
that neither page can speak for is listed as not audited: a warning, or a failure with ``--strict`` (for a CI
that reaches PyPI itself, where nothing should be left unaudited).

    .venv/bin/python .ci/audit.py                      # requirements.txt
    .venv/bin/python .ci/audit.py -r other.txt --strict
    .venv/bin/python .ci/audit.py -- --no-deps --disable-pip   # after "--": passed to pip-audit as they are
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"
NOT_FOUND = re.compile(r"Dependency not found on PyPI and could not be audited: (?P<name>\S+) \((?P<version>[^)]+)\)")


@dataclass
class Finding:
    """One package's audit: its vulnerabilities, how it was audited, or why it could not be."""

    name: str
    version: str
    vulns: list[dict] = field(default_factory=list)
    how: str = "PyPI vulnerability feed"
    not_audited: str = ""


def project_page(name: str) -> dict:
    """PyPI's page for a project (its newest release and that release's known vulnerabilities)."""
    with urllib.request.urlopen(PROJECT_PAGE.format(name=name), timeout=30) as r:
        return json.load(r)


def _vuln(v: dict) -> dict:
    return {"id": v["id"], "fix_versions": list(v.get("fixed_in") or []), "aliases": list(v.get("aliases") or [])}


def findings(report: dict, lookup=project_page) -> list[Finding]:
    """Every dependency of a pip-audit JSON report, the skipped ones audited from the project page where they can be."""
    out: list[Finding] = []
    skipped: list[tuple[Finding, str]] = []
    for dep in report.get("dependencies", []):
        reason = dep.get("skip_reason")
        if not reason:
            vulns = [
                {"id": v["id"], "fix_versions": v.get("fix_versions", []), "aliases": v.get("aliases", [])}
                for v in dep.get("vulns", [])
            ]
            out.append(Finding(dep["name"], dep.get("version", ""), vulns))
            continue
        m = NOT_FOUND.search(reason)
        f = Finding(dep["name"], m["version"] if m else str(dep.get("version") or ""), how="")
        out.append(f)
        if m:
            skipped.append((f, m["name"]))
        else:
            f.not_audited = reason

    def ask(item: tuple[Finding, str]) -> None:
        f, name = item
        try:
            page = lookup(name)
        except Exception as e:  # any failure leaves the package not audited, and says why
            f.not_audited = f"neither PyPI's page for {f.version} nor the project's page could be read ({e})"
            return
        newest = str(page.get("info", {}).get("version", ""))
        if newest != f.version:
            f.not_audited = (
                f"PyPI's page for {f.version} could not be read, and the project's page speaks only for the newest "
                f"release ({newest})"
            )
            return
        f.how = "PyPI project page (newest release)"
        f.vulns = [_vuln(v) for v in page.get("vulnerabilities") or [] if not v.get("withdrawn")]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(ask, skipped))
    return out


def verdict(found: list[Finding], strict: bool) -> tuple[int, list[str]]:
    """(exit code, lines to print): 1 on any known vulnerability, or on a package not audited when `strict`."""
    lines = []
    vulnerable = [f for f in found if f.vulns]
    unaudited = [f for f in found if f.not_audited]
    audited = [f for f in found if not f.not_audited]
    for f in vulnerable:
        for v in f.vulns:
            fix = ", ".join(v["fix_versions"]) or "no fixed release yet"
            also = f" ({', '.join(v['aliases'])})" if v["aliases"] else ""
            lines.append(f"VULNERABLE {f.name} {f.version}: {v['id']}{also}; fixed in {fix}")
    for f in unaudited:
        lines.append(f"NOT AUDITED {f.name} {f.version}: {f.not_audited}")
    ways: dict[str, int] = {}
    for f in audited:
        ways[f.how] = ways.get(f.how, 0) + 1
    how = "; ".join(f"{w}: {n}" for w, n in sorted(ways.items()))
    n_vulns = sum(len(f.vulns) for f in vulnerable)
    lines.append(
        f"Packages audited: {len(audited)} of {len(found)} ({how or 'none'}). Known vulnerabilities: {n_vulns}, "
        f"in packages: {len(vulnerable)}. Packages not audited: {len(unaudited)}."
    )
    if vulnerable:
        lines.append("FAILED: upgrade each vulnerable package to a fixed release (requirements.txt), then re-run.")
        return 1, lines
    if unaudited and strict:
        lines.append("FAILED (--strict): some packages could not be audited.")
        return 1, lines
    if unaudited:
        lines.append("Passed with a warning: the packages above could not be audited from here.")
    return 0, lines


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-r", "--requirement", default="requirements.txt")
    p.add_argument("--strict", action="store_true", help="fail when a package could not be audited")
    p.add_argument("--pip-audit", default=str(Path(sys.executable).with_name("pip-audit")))
    args = p.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [args.pip_audit, "-r", args.requirement, "-f", "json", "-o", str(out), "--progress-spinner", "off"]
        done = subprocess.run([*cmd, *extra], capture_output=True, text=True)
        if not out.exists() or not out.read_text().strip():  # pip-audit could not resolve or reach anything
            sys.stderr.write(done.stderr[-4000:])
            print(f"FAILED: pip-audit stopped (exit {done.returncode}) before auditing anything.")
            return 1
        report = json.loads(out.read_text())
    code, lines = verdict(findings(report), args.strict)
    print("\n".join(lines))
    print(f"pip-audit on {args.requirement}: {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())

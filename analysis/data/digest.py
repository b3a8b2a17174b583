"""A digest of source files and library versions: what a kept result (`analysis.data.kept`, the Overview's first
paint) was made by, so a change of code never serves it. Standard library only."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def code_digest(root: Path, names, libraries, salt: str = "") -> str:
    """SHA-256 of `salt`, every ``.py`` file under each of `names` (folders, searched recursively, or single
    files; relative to `root`), by its path and bytes, and the installed version of each of `libraries`."""
    h = hashlib.sha256(f"{salt}\0".encode())
    for name in names:
        here = root / name
        for p in sorted(here.rglob("*.py")) if here.is_dir() else [here]:
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    for lib in libraries:
        try:
            h.update(f"{lib} {version(lib)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{lib} absent\0".encode())
    return h.hexdigest()

"""The folder the app keeps things in on the server's disk (checked tables, answers, the Overview's first paint):
where it is and whether it is safe to use. Standard library only, so the first paint can ask before any library
is imported."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "COPRODUCTION_CACHE_DIR"
OFF = ("off", "no", "none", "0", "false")


def cache_dir() -> Path | None:
    """The folder checked tables are kept in, or None when keeping is turned off."""
    given = os.environ.get(ENV_VAR)
    if given is not None:
        given = given.strip()
        if given.lower() in OFF or not given:
            return None
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "coproduction" / "loads"


def usable(root: Path) -> bool:
    """Make the folder (owner only) when absent; False when it is not a folder of ours that only we can write to."""
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = root.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022  # nobody else may write entries for us to read


def subfolder(name: str) -> Path | None:
    """A folder of its own inside the cache folder (made owner-only), or None when keeping is off or unsafe."""
    root = cache_dir()
    if root is None or not usable(root):
        return None
    here = root / name
    return here if usable(here) else None

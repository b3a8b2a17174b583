"""The version on every export: pyproject's version, plus the commit (and `.dirty`) in a git checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.pack.render import document
from analysis.pack.render.document import Stamp, git_commit, version, version_of

STAMP_VERSION = re.compile(r"^\d+\.\d+\.\d+(\+g[0-9a-f]{7}(\.dirty)?)?$")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "HOME": str(repo.parent),  # no user or system settings (signing, hooks) leak in
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
    }
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path) -> Path:
    """A throw-away git repository with a pyproject.toml at version 1.2.3 and one commit."""
    root = tmp_path / "checkout"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.2.3"\n')
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "pyproject.toml")
    git(root, "commit", "--quiet", "-m", "first")
    return root


def test_the_stamp_version_has_the_documented_form():
    assert STAMP_VERSION.match(version()), version()
    assert version().split("+")[0] == document.base_version(document._REPOSITORY / "pyproject.toml")


def test_every_stamp_carries_the_version():
    stamp = Stamp(source="s", import_note="", extract_date="d", period="p", wards=[])
    assert stamp.app_version == version()
    assert f"App version: {version()}" in stamp.lines()


@needs_git
def test_in_a_git_checkout_the_version_names_the_commit(repo):
    assert version_of(repo) == f"1.2.3+g{git(repo, 'rev-parse', '--short=7', 'HEAD')}"
    assert STAMP_VERSION.match(version_of(repo))


@needs_git
def test_uncommitted_changes_to_tracked_files_mark_the_version_dirty(repo):
    (repo / "notes.txt").write_text("untracked files do not count")
    assert not version_of(repo).endswith(".dirty")
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.2.4"\n')
    assert version_of(repo) == f"1.2.4+g{git(repo, 'rev-parse', '--short=7', 'HEAD')}.dirty"
    git(repo, "add", "pyproject.toml")  # staged but not committed is still uncommitted
    assert version_of(repo).endswith(".dirty")


@needs_git
def test_the_commit_is_read_from_the_files_without_running_git(repo, monkeypatch):
    """Loose refs, packed refs, a detached HEAD and a linked worktree's `.git` file."""
    first = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("a")
    git(repo, "add", "a.txt")
    git(repo, "commit", "--quiet", "-m", "second")
    second = git(repo, "rev-parse", "HEAD")
    git(repo, "worktree", "add", "--quiet", "--detach", str(repo.parent / "linked"), first)

    def no_git(*args, **kwargs):
        raise AssertionError("git was run")

    monkeypatch.setattr(subprocess, "run", no_git)
    assert git_commit(repo) == second  # refs/heads/main, a loose file
    assert (repo.parent / "linked" / ".git").is_file()
    assert git_commit(repo.parent / "linked") == first  # the worktree's own detached HEAD
    monkeypatch.undo()

    git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    monkeypatch.setattr(subprocess, "run", no_git)
    assert git_commit(repo) == second  # from packed-refs


def test_without_git_the_version_is_the_plain_one(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.2.3"\n')
    assert version_of(tmp_path) == "1.2.3"
    (tmp_path / ".git").write_text("not a git dir pointer\n")  # unreadable: still the plain version
    assert version_of(tmp_path) == "1.2.3"


def test_the_version_is_worked_out_once_per_process(monkeypatch):
    calls = []
    monkeypatch.setattr(document, "version_of", lambda root: calls.append(root) or "9.9.9")
    version.cache_clear()
    try:
        assert [version(), version(), version()] == ["9.9.9"] * 3
        assert len(calls) == 1
    finally:
        version.cache_clear()

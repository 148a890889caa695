"""A team docs repo to try ceremonies on: a copy of a folder (``examples/team-repo``) or of given files, committed
in a fresh git work tree that pushes to its own bare remote. ``make demo`` (``examples/demo.py``, run from a
checkout) builds its repo here; the tests' repo builder (``tests/support/gitrepo.py``) builds on it.

Git runs through GitPython with the machine's global and system git config ignored and a local identity set, so
the repo is the same on any machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from git import Git

Files = Mapping[str, "str | bytes | None"]
"""Relative path → text (written byte-exact as UTF-8), bytes, or None (delete the file)."""

ISOLATED_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}
"""Environment of every git call made here: no global/system config, no prompts, untranslated messages."""

AUTHOR = ("Dana Human", "dana@example.org")
"""The human who owns the example repo (name, email)."""


@dataclass(frozen=True)
class TeamRepo:
    """A team's docs repo: the human's work tree (``work``) and the bare repo it pushes to (``remote``)."""

    work: Path
    remote: Path


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run ``git args`` in ``cwd`` (global/system config ignored, ``env`` added) and return its stdout as printed;
    raise ``git.GitCommandError`` (git's own message) on failure."""
    out = Git(cwd).execute(
        ["git", *args], env={**ISOLATED_ENV, **(env or {})}, strip_newline_in_stdout=False
    )
    return out if isinstance(out, str) else str(out)


def configure(work: Path, name: str, email: str) -> None:
    """Give the repo at ``work`` a local identity and neutral settings (no signing, no line-ending conversion)."""
    for key, value in (
        ("user.name", name),
        ("user.email", email),
        ("commit.gpgsign", "false"),
        ("core.autocrlf", "false"),
        ("init.defaultBranch", "main"),
    ):
        git(work, "config", key, value)


def write_files(work: Path, files: Files) -> list[str]:
    """Write ``files`` under ``work`` (None deletes); return their relative paths."""
    for name, content in files.items():
        target = work / name
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return list(files)


def identity_env(name: str, email: str, date: datetime | str | None = None) -> dict[str, str]:
    """Return the environment that makes a commit's author and committer ``name <email>`` (at ``date``, if given)."""
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    if date is not None:
        stamp = date.isoformat() if isinstance(date, datetime) else date
        env |= {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    return env


def make_team_repo(
    tmp: Path,
    source: Path | Files,
    *,
    message: str = "Team docs",
    date: datetime | str | None = None,
    branch: str = "main",
    author: tuple[str, str] = AUTHOR,
) -> TeamRepo:
    """Return a team repo under ``tmp``: ``work`` (``git init -b <branch>``) holding a copy of the ``source`` dir
    (its ``.git`` skipped) or the given files, committed as ``author`` and pushed to a new bare ``remote`` whose
    HEAD names ``branch``. Raise FileExistsError when ``tmp`` already holds one."""
    tmp = Path(tmp)
    work, remote = tmp / "work", tmp / "remote.git"
    if work.exists() or remote.exists():
        raise FileExistsError(f"{work} or {remote} already exists")
    if isinstance(source, Mapping):
        work.mkdir(parents=True)
        write_files(work, source)
    else:
        shutil.copytree(Path(source), work, ignore=shutil.ignore_patterns(".git"), symlinks=True)
    git(work, "init", "-q", "-b", branch)
    configure(work, *author)
    git(work, "add", "-A")
    git(work, "commit", "-q", "--allow-empty", "--no-verify", "-m", message, env=identity_env(*author, date))
    git(tmp, "init", "-q", "--bare", "-b", branch, str(remote))
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "-u", "origin", branch)
    return TeamRepo(work=work, remote=remote)

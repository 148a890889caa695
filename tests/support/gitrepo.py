"""Real git repos for tests and benchmarks: a team's work tree with a bare remote (the product's
``ceremonies.example``, which ``make demo`` uses), other users' clones, human commits and real merge commits, hung
remotes.

Every repo made here gets its own ``user.name``/``user.email`` (and no signing, no autocrlf), and every git call runs
with the global and system git config ignored, so nothing depends on the machine's git setup.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from ceremonies import example
from ceremonies.adapters.git import Identity
from ceremonies.example import ISOLATED_ENV, TeamRepo, identity_env, write_files

__all__ = [
    "DANA", "HANGING_URL", "SAM", "TeamRepo", "clone_again", "commit_as_human", "configure", "git", "hang_pushes",
    "hang_remote", "install_hook", "make_team_repo", "merge_branch", "write_files",
]

DANA = Identity("Dana Human", "dana@example.org")
"""The human who owns the team repo in tests."""
SAM = Identity("Sam Colleague", "sam@example.org")
"""Another human, working in a second clone (``clone_again``)."""


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run ``git args`` in ``cwd`` with the global/system config ignored and return stdout; raise RuntimeError with
    git's own message on failure (tests match on it)."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **ISOLATED_ENV, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def configure(work: Path, identity: Identity) -> None:
    """Give the repo at ``work`` a local identity and neutral settings (no signing, no line-ending conversion)."""
    example.configure(work, identity.name, identity.email)


def make_team_repo(
    tmp: Path,
    source: Path | Mapping[str, str | bytes | None],
    *,
    message: str = "Team docs",
    date: datetime | str | None = None,
    branch: str = "main",
) -> TeamRepo:
    """Return a team repo under ``tmp`` (``work`` + bare ``remote``) holding the ``source`` dir or files, committed
    as Dana Human: the product's :func:`ceremonies.example.make_team_repo`, which ``make demo`` uses too."""
    author = (DANA.name, DANA.email)
    return example.make_team_repo(tmp, source, message=message, date=date, branch=branch, author=author)


def commit_as_human(
    work: Path,
    files: Mapping[str, str | bytes | None],
    message: str,
    *,
    identity: Identity = DANA,
    date: datetime | str | None = None,
) -> str:
    """Write ``files`` (None deletes) and commit exactly them as ``identity``; return the new commit's sha."""
    paths = write_files(work, files)
    if paths:
        git(work, "add", "-A", "--", *paths)
    env = identity_env(identity.name, identity.email, date)
    git(work, "commit", "-q", "--allow-empty", "--no-verify", "-m", message, env=env)
    return git(work, "rev-parse", "HEAD").strip()


def merge_branch(
    work: Path,
    branch: str,
    files: Mapping[str, str | bytes | None],
    message: str,
    no_ff: bool = True,
    *,
    merge_message: str | None = None,
    identity: Identity = DANA,
    date: datetime | str | None = None,
) -> str:
    """Commit ``files`` with ``message`` on a new ``branch`` off the current one, merge it back (a real merge
    commit when ``no_ff``), delete the branch; return the sha of the merge commit (or the fast-forwarded HEAD)."""
    base = git(work, "symbolic-ref", "--short", "HEAD").strip()
    git(work, "checkout", "-q", "-b", branch)
    commit_as_human(work, files, message, identity=identity, date=date)
    git(work, "checkout", "-q", base)
    env = identity_env(identity.name, identity.email, date)
    text = merge_message or f"Merge branch '{branch}'"
    git(work, "merge", "-q", "--no-ff" if no_ff else "--ff", "--no-edit", "-m", text, branch, env=env)
    git(work, "branch", "-q", "-D", branch)
    return git(work, "rev-parse", "HEAD").strip()


def clone_again(remote: Path, dest: Path, *, identity: Identity = SAM) -> Path:
    """Clone ``remote`` into ``dest`` as another user (``identity``, default Sam Colleague); return ``dest``."""
    dest = Path(dest)
    git(dest.parent if dest.parent.exists() else Path.cwd(), "clone", "-q", str(remote), str(dest))
    configure(dest, identity)
    return dest


HANGING_URL = "ext::sleep 600"
"""A remote URL git accepts and that never answers (git's ``ext::`` transport running ``sleep``)."""


def install_hook(remote: Path, name: str, script: str) -> Path:
    """Install the shell ``script`` as hook ``name`` (e.g. ``pre-receive``) of the bare ``remote``; return its path."""
    hook = Path(remote) / "hooks" / name
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    hook.chmod(0o755)
    return hook


def hang_remote(work: Path) -> None:
    """Point the ``origin`` of ``work`` at a remote that never answers (fetch, pull and push hang)."""
    git(work, "config", "protocol.ext.allow", "always")
    git(work, "remote", "set-url", "origin", HANGING_URL)


def hang_pushes(remote: Path) -> Path:
    """Make pushes to the bare ``remote`` hang (a pre-receive hook that sleeps); fetches still answer."""
    return install_hook(remote, "pre-receive", "sleep 600")

"""Real git repos for tests, the demo and benchmarks: a team's work tree with a bare remote, other users' clones,
human commits and real merge commits.

Every repo made here gets its own ``user.name``/``user.email`` (and no signing, no autocrlf), and every git call runs
with the global and system git config ignored, so nothing depends on the machine's git setup.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ceremonies.adapters.git import Identity

DANA = Identity("Dana Human", "dana@example.org")
"""The human who owns the team repo in tests."""
SAM = Identity("Sam Colleague", "sam@example.org")
"""Another human, working in a second clone (``clone_again``)."""

_ISOLATED_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


@dataclass(frozen=True)
class TeamRepo:
    """A team's docs repo: the human's work tree (``work``) and the bare repo it pushes to (``remote``)."""

    work: Path
    remote: Path


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run ``git args`` in ``cwd`` with the global/system config ignored and return stdout; raise on failure
    with git's own message."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **_ISOLATED_ENV, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def configure(work: Path, identity: Identity) -> None:
    """Give the repo at ``work`` a local identity and neutral settings (no signing, no line-ending conversion)."""
    for key, value in (
        ("user.name", identity.name),
        ("user.email", identity.email),
        ("commit.gpgsign", "false"),
        ("core.autocrlf", "false"),
        ("init.defaultBranch", "main"),
    ):
        git(work, "config", key, value)


def _date_env(date: datetime | str | None) -> dict[str, str]:
    if date is None:
        return {}
    stamp = date.isoformat() if isinstance(date, datetime) else date
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def write_files(work: Path, files: Mapping[str, str | bytes | None]) -> list[str]:
    """Write ``files`` (relative path → text written byte-exact as UTF-8, bytes, or None to delete) under ``work``;
    return the relative paths."""
    for name, content in files.items():
        target = work / name
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return list(files)


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
    env = {
        "GIT_AUTHOR_NAME": identity.name,
        "GIT_AUTHOR_EMAIL": identity.email,
        "GIT_COMMITTER_NAME": identity.name,
        "GIT_COMMITTER_EMAIL": identity.email,
        **_date_env(date),
    }
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
    env = {
        "GIT_AUTHOR_NAME": identity.name,
        "GIT_AUTHOR_EMAIL": identity.email,
        "GIT_COMMITTER_NAME": identity.name,
        "GIT_COMMITTER_EMAIL": identity.email,
        **_date_env(date),
    }
    text = merge_message or f"Merge branch '{branch}'"
    git(work, "merge", "-q", "--no-ff" if no_ff else "--ff", "--no-edit", "-m", text, branch, env=env)
    git(work, "branch", "-q", "-D", branch)
    return git(work, "rev-parse", "HEAD").strip()


def make_team_repo(
    tmp: Path,
    source: Path | Mapping[str, str | bytes | None],
    *,
    message: str = "Team docs",
    date: datetime | str | None = None,
    branch: str = "main",
) -> TeamRepo:
    """Return a team repo under ``tmp``: ``work`` (``git init -b <branch>``) holding a copy of the ``source`` dir
    (its ``.git`` skipped) or the given files, committed as Dana Human and pushed to a new bare ``remote`` whose
    HEAD names ``branch``."""
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
    configure(work, DANA)
    git(work, "add", "-A")
    commit_as_human(work, {}, message, date=date)
    git(tmp, "init", "-q", "--bare", "-b", branch, str(remote))
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "-u", "origin", branch)
    return TeamRepo(work=work, remote=remote)


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

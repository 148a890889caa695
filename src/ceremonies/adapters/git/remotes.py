"""Naming a docs repo: URLs vs paths, credentials kept out of command lines and config, the clone cache dir,
and what the remote's HEAD is."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import git
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from ceremonies.adapters.git.runner import failure, run_git
from ceremonies.errors import GitError
from ceremonies.redaction import redact

_SCP_LIKE = re.compile(r"^[\w.\-]+@[\w.\-]+:(?!//)")


def is_url(spec: str) -> bool:
    """Return True when ``spec`` names a remote repo by URL (``scheme://`` or scp-like ``user@host:path``)."""
    return "://" in spec or bool(_SCP_LIKE.match(spec))


def check_repo_spec(spec: str) -> None:
    """Raise GitError when ``spec`` cannot name a docs repo: empty, or a local path that does not exist or is
    neither a work tree nor a bare repo. Touches no network (a URL is checked when it is cloned)."""
    if not spec.strip():
        raise GitError("no docs repo given: pass a work tree path or a git URL as `repo`")
    if is_url(spec):
        return
    path = Path(spec).expanduser()
    if not path.exists():
        raise GitError("no such repository path", path=path)
    if not (path / ".git").exists() and not is_bare(path):
        raise GitError("not a git repository", path=path)


def strip_userinfo(url: str) -> str:
    """Return ``url`` without ``user:password@`` (non-URLs unchanged)."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def split_credentials(url: str) -> tuple[str, dict[str, str]]:
    """Return ``url`` without credentials and the environment that hands them to git anyway.

    Credentials are the userinfo of an http(s) URL, or any ``user:password`` userinfo. The environment adds one
    ``url.<url>.insteadOf <bare url>`` entry via ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``
    (after any the process already has), so the token is in no command line and in no config file.
    """
    clean = strip_userinfo(url)
    if clean == url:
        return url, {}
    scheme = url.split("://", 1)[0].lower()
    userinfo = url.split("://", 1)[1].partition("/")[0].rpartition("@")[0]
    if scheme not in ("http", "https") and ":" not in userinfo:
        return url, {}  # e.g. ssh://git@host/x: a user name, no secret
    count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    return clean, {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": f"url.{url}.insteadOf",
        f"GIT_CONFIG_VALUE_{count}": clean,
    }


def default_workdir(url: str, branch: str) -> Path:
    """Return the cache dir where a clone of ``url`` (credentials ignored) on ``branch`` lives between runs."""
    base = os.environ.get("CEREMONIES_WORKDIR")
    if base:
        root = Path(base).expanduser()
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ceremonies" / "clones"
    clean = strip_userinfo(url)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", clean.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"))[:40] or "repo"
    digest = hashlib.sha256(f"{clean}\n{branch}".encode()).hexdigest()[:12]
    return root / f"{name}-{digest}"


def remote_head_branch(url: str, credentials: dict[str, str] | None = None) -> str:
    """Return the branch the remote's HEAD points at (``git ls-remote --symref``); ``main`` when it names none
    (an empty remote). Raises GitError (credentials removed) when the remote cannot be read."""
    what = f"git ls-remote {redact(url)}"
    status, out, err = run_git(["ls-remote", "--symref", url, "HEAD"], what=what, env=credentials, network=True)
    if status != 0:
        raise failure(what, status, err)
    found = re.search(r"^ref:\s*refs/heads/(\S+)\s+HEAD", out, re.MULTILINE)
    return found.group(1) if found else "main"


def is_bare(path: Path) -> bool:
    """Return True when ``path`` is a bare git repository."""
    try:
        return bool(git.Repo(path).bare)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return False


def same_remote(current: str, wanted: str) -> bool:
    """Return True when two remote specs name the same repo (credentials ignored, local paths resolved)."""
    if is_url(current) or is_url(wanted):
        return strip_userinfo(current).rstrip("/") == strip_userinfo(wanted).rstrip("/")
    return Path(current).expanduser().resolve() == Path(wanted).expanduser().resolve()

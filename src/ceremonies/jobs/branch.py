"""Which branch a job works on: ``--branch``, else ``[git] branch`` of ceremonies.toml, else the checked-out branch
(a work tree) or the remote's HEAD (a URL)."""

from __future__ import annotations

from pathlib import Path

from ceremonies.adapters.git import DocsRepo, default_workdir, is_url, strip_userinfo
from ceremonies.config import load_config
from ceremonies.errors import ConfigError, GitError


def _configured_branch(root: Path) -> str | None:
    """Return ``[git] branch`` of the repo at ``root`` (None when unset or when the config is broken: the job
    reports a broken config itself, naming every bad field)."""
    try:
        return load_config(root).git.branch
    except ConfigError:
        return None


def open_docs(repo: str, branch: str | None = None) -> DocsRepo:
    """Return the docs repo ``repo`` on its branch (see the module docs).

    A work tree is never switched: when ``[git] branch`` names another branch than the checked-out one, GitError
    says so (check it out, or pass --branch). A clone (URL or bare path) is the bot's and is re-opened on it.
    """
    docs = DocsRepo.open_or_clone(repo, branch, None)
    if branch is not None:
        return docs
    wanted = _configured_branch(docs.root)
    if wanted is None or wanted == docs.branch:
        return docs
    local = not is_url(repo) and not (Path(repo).expanduser() / "HEAD").is_file()
    if local:
        docs.close()
        raise GitError(
            f"is on branch {docs.branch!r} but ceremonies.toml [git] branch is {wanted!r}; check out {wanted!r} "
            f"or pass --branch {docs.branch}",
            path=docs.root,
        )
    docs.close()
    return DocsRepo.open_or_clone(repo, wanted, None)


def readable_root(repo: str, branch: str | None = None) -> Path | None:
    """Return a work tree holding ``repo``'s files without touching the network (for a failure notice: which
    channel, which templates): the work tree itself, or for a URL or bare repo the bot's clone a run left in the
    clone cache (``branch``'s, else any clone of that remote); None when there is none."""
    path = Path(repo).expanduser()
    if not is_url(repo) and (path / ".git").exists():
        return path
    if not is_url(repo) and not (path / "HEAD").is_file():
        return None
    spec = repo if is_url(repo) else str(path.resolve())
    if branch:
        exact = default_workdir(spec, branch)
        return exact if (exact / ".git").is_dir() else None
    sample = default_workdir(spec, "-")
    stem = sample.name.rsplit("-", 1)[0]
    wanted = strip_userinfo(spec)
    clones = [d for d in sorted(sample.parent.glob(f"{stem}-*")) if _origin_is(d, wanted)]
    return max(clones, key=lambda d: (d / ".git").stat().st_mtime) if clones else None


def _origin_is(clone: Path, url: str) -> bool:
    """Return True when the clone ``clone``'s ``origin`` remote is ``url`` (read from its git config file)."""
    try:
        config = (clone / ".git" / "config").read_text(encoding="utf-8")
    except OSError:
        return False
    return any(line.strip() == f"url = {url}" for line in config.splitlines())


"""Which branch a job works on: ``--branch``, else ``[git] branch`` of ceremonies.toml, else the checked-out branch
(a work tree) or the remote's HEAD (a URL)."""

from __future__ import annotations

from pathlib import Path

from ceremonies.adapters.git import DocsRepo, is_url
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

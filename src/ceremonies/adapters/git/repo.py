"""The team's docs repo in git: open or clone (reusing an earlier clone), then everything
:class:`~ceremonies.adapters.git.push.Pushing` and its bases can do."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import git
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from ceremonies.adapters.git.base import log
from ceremonies.adapters.git.push import Pushing
from ceremonies.adapters.git.remotes import (
    default_workdir,
    is_bare,
    is_url,
    remote_head_branch,
    same_remote,
    split_credentials,
)
from ceremonies.adapters.git.runner import failure, run_git
from ceremonies.adapters.git.values import REMOTE, Identity
from ceremonies.errors import GitError
from ceremonies.redaction import redact


class DocsRepo(Pushing):
    """A work tree of the team's docs repo on ``branch`` with an optional ``origin`` remote."""

    @classmethod
    def open(cls, path: str | Path, branch: str | None = None) -> DocsRepo:
        """Return the work tree at ``path``; ``branch`` defaults to the checked-out one.

        Raises GitError when ``path`` is no git work tree, or is on another branch than ``branch``.
        """
        root = Path(path).expanduser()
        try:
            repo = git.Repo(root)
        except (InvalidGitRepositoryError, NoSuchPathError):
            raise GitError("not a git repository", path=root) from None
        if repo.bare:
            raise GitError("is a bare repository (no work tree); clone it with open_or_clone", path=root)
        docs = cls(repo, branch or "main")
        docs.recover()
        current = docs._current_branch()
        if current is None:
            raise GitError("HEAD is detached; check out a branch first", path=docs.root)
        if branch is not None and current != branch:
            raise GitError(f"is on branch {current!r}, expected {branch!r}", path=docs.root)
        docs.branch = current
        return docs

    @classmethod
    def open_or_clone(
        cls,
        repo: str | Path,
        branch: str | None = None,
        workdir: Path | None = None,
        *,
        depth: int | None = None,
        identity: Identity | None = None,
    ) -> DocsRepo:
        """Return the docs repo named by ``repo``: a work tree path is opened as it is; a URL or a bare repo
        path is cloned into ``workdir`` (default: a per-remote dir in the user cache), reusing an earlier clone
        there (fetch, then reset to ``origin/<branch>`` when it has no unpushed commits, else rebase them).

        Credentials in an http(s) URL are kept out of ``.git/config`` and of git's command lines: the clone's
        remote is the bare URL and git gets the credentials through an ``insteadOf`` rewrite in its environment.
        The work dir belongs to the bot: uncommitted changes found there (a crashed run's) are discarded.
        ``branch`` None means the checked-out branch of a work tree, or the remote's HEAD for a URL.
        """
        spec = str(repo)
        if not is_url(spec):
            path = Path(spec).expanduser()
            if not path.exists():
                raise GitError("no such repository path", path=path)
            if not is_bare(path):
                opened = cls.open(path, branch)
                opened.committer = identity or opened.committer
                return opened
            spec = str(path.resolve())
        clean, credentials = split_credentials(spec)
        branch = branch or remote_head_branch(clean, credentials)
        target = Path(workdir).expanduser() if workdir is not None else default_workdir(spec, branch)
        with _file_lock(target.parent / f".{target.name}.lock"):
            if _has_content(target):
                docs = cls._reuse_clone(target, clean, branch, credentials, identity)
            else:
                docs = cls._fresh_clone(target, clean, branch, depth, credentials)
        docs.committer = identity or docs.committer
        return docs

    @classmethod
    def _fresh_clone(
        cls, target: Path, url: str, branch: str, depth: int | None, credentials: dict[str, str]
    ) -> DocsRepo:
        """Clone ``url`` next to ``target`` and rename it into place (a crash never leaves half a clone there)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in target.parent.glob(f".{target.name}.clone-*"):  # a killed run's half clone (we hold the lock)
            shutil.rmtree(leftover, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.clone-", dir=target.parent))
        options = ["--no-checkout", "--origin", REMOTE]
        if depth is not None:
            options += [f"--depth={int(depth)}", "--no-single-branch"]
        try:
            what = f"git clone {redact(url)}"
            args = ["clone", *options, url, str(staging)]
            status, _, err = run_git(args, what=what, env=credentials, network=True)
            if status != 0:
                raise failure(what, status, err)
            if target.exists():
                target.rmdir()
            os.rename(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        docs = cls(git.Repo(target), branch, credentials=credentials)
        docs._check_out_remote_branch()
        log.info("cloned %s into %s", redact(url), target)
        return docs

    @classmethod
    def _reuse_clone(
        cls, target: Path, url: str, branch: str, credentials: dict[str, str], identity: Identity | None
    ) -> DocsRepo:
        """Return the earlier clone at ``target`` brought up to date with ``url``; GitError when it is another repo."""
        try:
            repo = git.Repo(target)
        except (InvalidGitRepositoryError, NoSuchPathError):
            raise GitError(f"work dir exists and is not a clone of {redact(url)}", path=target) from None
        docs = cls(repo, branch, credentials=credentials, committer=identity)
        current = docs._remote_url()
        if current is None or not same_remote(current, url):
            shown = redact(current) if current else "no remote"
            raise GitError(f"work dir is a clone of {shown}, not of {redact(url)}", path=target)
        if current != url:
            docs._git("remote", "set-url", REMOTE, url, what="git remote set-url")
        docs.recover()
        docs._fetch()
        if docs._local_branch_exists() and docs._ahead_count() > 0:
            if docs._current_branch() != branch:
                docs._git("checkout", "-q", "-f", branch, what=f"git checkout {branch}")
            docs._git("reset", "-q", "--hard", "HEAD", what="git reset --hard HEAD")
            try:
                docs._integrate_upstream()
            except GitError:
                if not docs._only_own_commits_ahead():
                    raise
                log.warning("dropping unpushed bot commits in %s that conflict with the remote", target)
                docs._check_out_remote_branch()
        else:
            docs._check_out_remote_branch()
        log.info("reused the clone of %s in %s", redact(url), target)
        return docs

    def _check_out_remote_branch(self) -> None:
        """Point ``branch`` at ``origin/<branch>`` and check it out (forcefully: the clone is the bot's), or leave
        an unborn branch when the remote is empty; GitError when the remote has commits but not this branch."""
        upstream = self._upstream_ref()
        if self._ref_exists(upstream):
            self._git("checkout", "-q", "-f", "-B", self.branch, upstream, what=f"git checkout {self.branch}")
            self._git("branch", "-q", f"--set-upstream-to={REMOTE}/{self.branch}", what="git branch --set-upstream-to")
            return
        others = self._remote_branches()
        if others:
            raise GitError(
                f"branch {self.branch!r} not found on the remote (it has: {', '.join(sorted(others)[:10])})",
                path=self.root,
            )
        self._git("symbolic-ref", "HEAD", f"refs/heads/{self.branch}", what="git symbolic-ref")


def _has_content(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

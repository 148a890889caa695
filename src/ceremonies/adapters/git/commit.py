"""Committing exactly the files the bot wrote: a private index, ``commit-tree`` and a compare-and-swap
``update-ref`` (a human's staged or dirty files are never committed, a commit is never half made)."""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from ceremonies.adapters.git.base import RepoBase, log
from ceremonies.adapters.git.runner import last_line
from ceremonies.adapters.git.values import ZERO_SHA, Identity, format_message, identity_env
from ceremonies.errors import GitError
from ceremonies.redaction import redact

COMMIT_ATTEMPTS = 20
"""How often commit_files rebuilds its commit when another process moved the branch in between."""


class Committing(RepoBase):
    """A docs repo that can commit the files the bot wrote."""

    def commit_files(
        self,
        paths: Sequence[str | Path],
        message: str,
        trailers: dict[str, str] | None = None,
        identity: Identity | None = None,
        *,
        date: datetime | None = None,
    ) -> str | None:
        """Commit the current content of exactly ``paths`` (added, modified or deleted) on top of HEAD, as
        ``identity`` (author and committer), with ``message`` and git ``trailers``; return the new sha.

        Returns None and makes no commit when those paths do not differ from HEAD. Other staged or dirty files
        stay as they are and are never committed; the commit is built in a private index and the branch moves
        in one compare-and-swap step, so a failure leaves no half-made commit.
        """
        who = identity or self.committer
        self.committer = who
        relative = sorted({self._relative(path) for path in paths})
        if not relative:
            return None
        text = format_message(message, trailers or {})
        current = self._current_branch()
        if current != self.branch:
            raise GitError(
                f"HEAD is on {current or 'no branch'!r}, not on {self.branch!r}; nothing committed", path=self.root
            )
        for _ in range(COMMIT_ATTEMPTS):
            parent = self.head_sha()
            tree = self._tree_with(parent, relative)
            if tree == self._tree_of(parent):
                log.info("nothing to commit in %s", ", ".join(relative))
                if parent and self._try("diff", "--cached", "--quiet", "HEAD", "--", *relative)[0] != 0:
                    self._sync_index(relative)  # a run that died right after moving the branch left the index behind
                return None
            args = ["commit-tree", tree, "-m", text] + (["-p", parent] if parent else [])
            sha = self._git(*args, env=identity_env(who, date), what="git commit-tree").strip()
            ref = f"refs/heads/{self.branch}"
            status, _, err = self._try(
                "update-ref", "-m", f"commit: {text.splitlines()[0]}", ref, sha, parent or ZERO_SHA
            )
            if status == 0:
                break
            log.info("%s moved while committing (%s); building the commit again", ref, redact(last_line(err)))
            time.sleep(random.uniform(0.005, 0.05))  # let the other writer finish before rebuilding on its commit
        else:
            raise GitError(f"{self.branch} kept moving while committing; nothing committed", path=self.root)
        self._sync_index(relative)
        log.info("committed %s as %s: %s", sha[:12], who, ", ".join(relative))
        return sha

    def _tree_with(self, parent: str | None, relative: list[str]) -> str:
        """Return the tree of ``parent`` with ``relative`` replaced by their work-tree state, built in a private
        index (the real index is not touched)."""
        with self._private_index() as env:
            if parent is not None:
                self._git("read-tree", parent, env=env, what="git read-tree")
            present = self._present(relative, env)
            if present:
                self._git("add", "-A", "--", *present, env=env, what="git add")
            return self._git("write-tree", env=env, what="git write-tree").strip()

    def _present(self, relative: list[str], env: dict[str, str]) -> list[str]:
        """Return the paths that exist in the work tree or in HEAD (a path in neither has nothing to commit)."""
        tracked = set(self._git("ls-files", "-z", "--", *relative, env=env, what="git ls-files").split("\0"))
        return [
            path
            for path in relative
            if os.path.lexists(self.root / path) or path in tracked or any(t.startswith(path + "/") for t in tracked)
        ]

    def _sync_index(self, relative: list[str]) -> None:
        """Make the real index agree with the new HEAD for ``relative`` (other entries stay as a human left them)."""
        status, _, stderr = self._try("reset", "-q", "HEAD", "--", *relative)
        if status not in (0, 1):
            log.warning("could not refresh the index for %s: %s", relative, redact(stderr))

    @contextlib.contextmanager
    def _private_index(self) -> Iterator[dict[str, str]]:
        """Yield an environment whose ``GIT_INDEX_FILE`` is a fresh private index, removed afterwards."""
        fd, name = tempfile.mkstemp(prefix="ceremonies-index-", dir=self.git_dir)
        os.close(fd)
        os.unlink(name)
        try:
            yield {"GIT_INDEX_FILE": name}
        finally:
            Path(name).unlink(missing_ok=True)
            Path(name + ".lock").unlink(missing_ok=True)

    def _tree_of(self, commit: str | None) -> str:
        """Return the tree sha of ``commit`` (the empty tree for None: before the first commit)."""
        if commit is None:
            return self._git("hash-object", "-t", "tree", "/dev/null", what="git hash-object").strip()
        return self._git("rev-parse", f"{commit}^{{tree}}", what="git rev-parse").strip()

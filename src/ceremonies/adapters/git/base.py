"""The docs repo's queries, crash recovery, repo lock and git plumbing (the base of
:class:`~ceremonies.adapters.git.repo.DocsRepo`)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Self

import git

from ceremonies.adapters import state
from ceremonies.adapters.git.runner import GitRunner
from ceremonies.adapters.git.values import DEFAULT_BOT, REMOTE, CommitInfo, Identity, PushOutcome
from ceremonies.adapters.repolock import Holder, repo_lock
from ceremonies.errors import GitError, UsageError
from ceremonies.redaction import redact

log = logging.getLogger("ceremonies.adapters.git")


class RepoBase:
    """A work tree of the team's docs repo on ``branch`` with an optional ``origin`` remote: queries, crash
    recovery, the repo lock and the plumbing every git command goes through (the runner's GitRunner)."""

    def __init__(
        self,
        repo: git.Repo,
        branch: str,
        *,
        committer: Identity | None = None,
        credentials: dict[str, str] | None = None,
    ) -> None:
        self._repo = repo
        self.root = Path(repo.working_tree_dir or ".").resolve()
        self.git_dir = Path(repo.git_dir).resolve()
        self.branch = branch
        self.committer = committer or DEFAULT_BOT
        self.remote = REMOTE
        self._runner = GitRunner(self.root, credentials)

    def __repr__(self) -> str:
        return f"DocsRepo(root={str(self.root)!r}, branch={self.branch!r})"

    def close(self) -> None:
        """Release what GitPython holds for this repo (safe to call twice)."""
        self._repo.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------------------------- queries

    def head_sha(self) -> str | None:
        """Return the sha of HEAD, or None before the first commit."""
        status, out, _ = self._try("rev-parse", "--verify", "-q", "HEAD^{commit}")
        return out.strip() if status == 0 and out.strip() else None

    def has_remote(self) -> bool:
        """Return True when the repo has an ``origin`` remote."""
        return self._remote_url() is not None

    def remote_url(self) -> str | None:
        """Return the remote's URL with credentials removed (for messages), or None without a remote."""
        url = self._remote_url()
        return redact(url) if url else None

    def is_clean(self, path: str | Path | None = None) -> bool:
        """Return True when ``path`` (or, without one, the whole work tree) has no staged, unstaged or untracked
        changes (ignored files do not count)."""
        args = ["status", "--porcelain", "-z", "--untracked-files=all"]
        if path is not None:
            args += ["--", self._relative(path)]
        return not self._git(*args, what="git status").strip("\0")

    def is_shallow(self) -> bool:
        """Return True when this is a shallow clone (history cut off)."""
        return self._git("rev-parse", "--is-shallow-repository", what="git rev-parse").strip() == "true"

    def last_commit_touching(self, path: str | Path) -> CommitInfo | None:
        """Return the newest commit on HEAD that changed ``path``, or None when none did (or no commit yet)."""
        if self.head_sha() is None:
            return None
        out = self._git(
            "log",
            "-1",
            "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%s",
            "HEAD",
            "--",
            self._relative(path),
            what="git log",
        )
        if not out.strip():
            return None
        sha, name, email, authored, committed, subject = out.strip("\n").split("\x1f", 5)
        return CommitInfo(
            sha=sha,
            author_name=name,
            author_email=email,
            date=datetime.fromisoformat(authored),
            committed=datetime.fromisoformat(committed),
            subject=subject,
        )

    def read_at(self, rev: str, path: str | Path) -> bytes | None:
        """Return the bytes of ``path`` at revision ``rev``, or None when the file is not there.

        Raises GitError when ``rev`` names no commit.
        """
        commit = self._rev(rev)
        if commit is None:
            raise GitError(f"unknown revision {rev!r}", path=self.root)
        entry = self._git("ls-tree", "-z", commit, "--", self._relative(path), what="git ls-tree").split("\0")[0]
        meta, _, _ = entry.partition("\t")
        fields = meta.split()
        if len(fields) != 3 or fields[1] != "blob":
            return None
        return self._runner.read_bytes("cat-file", "blob", fields[2], what="git cat-file")

    # -------------------------------------------------------------------------------------------- shallow clones

    def deepen(self, since_sha: str | None = None) -> bool:
        """Fetch more history into a shallow clone: until ``since_sha`` is an ancestor of HEAD, or all of it when
        None. Returns True when history was fetched; GitError when the clone has no remote or the sha never shows."""
        if not self.is_shallow():
            return False
        if not self.has_remote():
            raise GitError("shallow clone without a remote: cannot fetch the missing history", path=self.root)
        if since_sha is not None:
            for depth in (50, 400, 3200):
                if self._commit_known(since_sha) and self._is_ancestor(since_sha, "HEAD"):
                    return True
                self._network("fetch", "-q", f"--deepen={depth}", REMOTE, what="git fetch --deepen")
                if not self.is_shallow():
                    break
        if self.is_shallow():
            self._network("fetch", "-q", "--unshallow", REMOTE, what="git fetch --unshallow")
        if since_sha is not None and not self._commit_known(since_sha):
            raise GitError(f"commit {since_sha[:12]} is not in the remote's history", path=self.root)
        return True

    # -------------------------------------------------------------------------------------------- crash recovery

    def recover(self) -> None:
        """Undo what a crashed run of ours left behind: a rebase we started is aborted.

        Raises GitError when a rebase or merge someone else started is in progress (we never touch those).
        """
        in_rebase = (self.git_dir / "rebase-merge").exists() or (self.git_dir / "rebase-apply").exists()
        if in_rebase and state.load(self.git_dir, state.REBASE):
            log.warning("aborting a rebase left by an interrupted run in %s", self.root)
            self._try("rebase", "--abort")
        elif in_rebase:
            raise GitError("a rebase is in progress; finish it or run `git rebase --abort`", path=self.root)
        elif (self.git_dir / "MERGE_HEAD").exists():
            raise GitError("a merge is in progress; finish it or run `git merge --abort`", path=self.root)
        state.clear(self.git_dir, state.REBASE)

    @contextlib.contextmanager
    def lock(self, job: str = "ceremonies", wait_seconds: float | None = None) -> Iterator[Holder]:
        """Hold this work tree's repo lock (see :mod:`ceremonies.adapters.repolock`) for a pull→commit→push→announce
        sequence; raise RepoBusyError (exit code 0) when another run keeps it longer than ``wait_seconds``."""
        with repo_lock(self.git_dir, job=job, wait_seconds=wait_seconds, repo=self.root) as holder:
            yield holder

    def is_on_remote(self, sha: str) -> bool:
        """Return True when commit ``sha`` is in the remote-tracking branch (as last fetched or pushed)."""
        upstream = self._upstream_ref()
        return self._ref_exists(upstream) and self._commit_known(sha) and self._is_ancestor(sha, upstream)

    def commit_landed(self, sha: str | None, pushed: PushOutcome | None) -> bool:
        """Return False only when our commit ``sha`` lost a race to an identical one another clone pushed first (the
        rebase dropped it, so the push found the remote "up to date" and ``sha`` is not on the remote): the run that
        pushed it announces it. True otherwise — also when another job of this work tree pushed ``sha`` for us."""
        if sha is None or pushed is None or pushed.pushed or pushed.reason != "up to date":
            return True
        return self.is_on_remote(sha)

    # -------------------------------------------------------------------------------------------- plumbing

    def _git(self, *args: str, what: str, env: dict[str, str] | None = None) -> str:
        """Run ``git args`` in the repo and return stdout; raise a credential-free GitError saying ``what`` failed."""
        return self._runner.run(*args, what=what, env=env)

    def _network(self, *args: str, what: str) -> str:
        """Run the network call ``git args`` (fetch) with the runner's deadline; return stdout. Raises
        GitTimeoutError when the remote does not answer in time, GitError when git fails."""
        return self._runner.fetch_like(*args, what=what)

    def _try(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Run ``git args`` and return (exit status, stdout, stderr) without raising."""
        return self._runner.attempt(*args, env=env)

    def _relative(self, path: str | Path) -> str:
        """Return ``path`` relative to the work tree root in git's slash form; UsageError when it is outside."""
        candidate = Path(path)
        if candidate.is_absolute():
            absolute = Path(os.path.normpath(candidate))
            root = self.root
            if not absolute.is_relative_to(root):
                resolved = absolute.resolve() if absolute.exists() else absolute
                if not resolved.is_relative_to(root):
                    raise UsageError(f"path {str(path)!r} is outside the repository", path=self.root)
                absolute = resolved
            relative = absolute.relative_to(root).as_posix()
        else:
            relative = Path(os.path.normpath(candidate)).as_posix()
        if relative in ("", ".") or relative == ".." or relative.startswith("../"):
            raise UsageError(f"path {str(path)!r} is not a file inside the repository", path=self.root)
        return relative

    def _current_branch(self) -> str | None:
        status, out, _ = self._try("symbolic-ref", "--short", "-q", "HEAD")
        return out.strip() if status == 0 and out.strip() else None

    def _remote_url(self) -> str | None:
        status, out, _ = self._try("config", "--get", f"remote.{REMOTE}.url")
        return out.strip() if status == 0 and out.strip() else None

    def _remote_branches(self) -> list[str]:
        out = self._git(
            "for-each-ref", "--format=%(refname:lstrip=3)", f"refs/remotes/{REMOTE}/", what="git for-each-ref"
        )
        return [name for name in out.split() if name and name != "HEAD"]

    def _upstream_ref(self) -> str:
        return f"refs/remotes/{REMOTE}/{self.branch}"

    def _ref_exists(self, ref: str) -> bool:
        return self._try("rev-parse", "--verify", "-q", f"{ref}^{{commit}}")[0] == 0

    def _local_branch_exists(self) -> bool:
        return self._ref_exists(f"refs/heads/{self.branch}")

    def _commit_known(self, sha: str) -> bool:
        return self._try("cat-file", "-e", f"{sha}^{{commit}}")[0] == 0

    def _rev(self, ref: str) -> str | None:
        status, out, _ = self._try("rev-parse", "--verify", "-q", f"{ref}^{{commit}}")
        return out.strip() if status == 0 else None

    def _is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self._try("merge-base", "--is-ancestor", ancestor, descendant)[0] == 0

    def _merge_base(self, one: str, other: str) -> str | None:
        status, out, _ = self._try("merge-base", one, other)
        return out.strip() if status == 0 and out.strip() else None

    def unpushed_own_commits(self, identity: Identity) -> bool:
        """Return True when the local branch has commits not on ``origin/<branch>`` and all of them are by
        ``identity`` (a run of ours that died before pushing left them); False without a remote."""
        if not self.has_remote() or not self._local_branch_exists() or not self._ref_exists(self._upstream_ref()):
            return False
        out = self._git("log", "--format=%ae", f"{self._upstream_ref()}..refs/heads/{self.branch}", what="git log")
        emails = set(out.split())
        return bool(emails) and emails == {identity.email}

    def _ahead_count(self) -> int:
        """Return how many commits of the local branch are not on ``origin/<branch>`` (all when it is missing)."""
        local = f"refs/heads/{self.branch}"
        upstream = self._upstream_ref()
        spec = [f"{upstream}..{local}"] if self._ref_exists(upstream) else [local]
        return int(self._git("rev-list", "--count", *spec, what="git rev-list").strip() or 0)

    def _only_own_commits_ahead(self) -> bool:
        """Return True when every local commit not on ``origin/<branch>`` was authored by ``committer`` (the bot)."""
        out = self._git("log", "--format=%ae", f"{self._upstream_ref()}..refs/heads/{self.branch}", what="git log")
        emails = set(out.split())
        return bool(emails) and emails == {self.committer.email}

    def _fetch(self) -> None:
        self._network("fetch", "-q", "--prune", REMOTE, what=f"git fetch {self.remote_url()}")

    def _dirty_files(self) -> set[str]:
        """Return the paths with staged, unstaged or untracked changes (both sides of a rename)."""
        out = self._git("status", "--porcelain", "-z", "--untracked-files=all", what="git status")
        files: set[str] = set()
        tokens = out.split("\0")
        index = 0
        while index < len(tokens):
            entry = tokens[index]
            index += 1
            if len(entry) < 4:
                continue
            files.add(entry[3:])
            if entry[0] in "RC" and index < len(tokens):
                files.add(tokens[index])
                index += 1
        return files

    def _conflicted_files(self) -> list[str]:
        out = self._try("diff", "--name-only", "--diff-filter=U", "-z")[1]
        return sorted(name for name in out.split("\0") if name)

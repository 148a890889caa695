"""The team's docs repo in git: open or clone, pull, commit only the files the bot wrote, push with a bounded
fetch-rebase-retry loop.

Built on GitPython; the work goes through ``repo.git.<cmd>`` plumbing because it is predictable: a commit is made
in a private index (``GIT_INDEX_FILE``) holding HEAD plus only the named paths, written with ``commit-tree`` and
moved in with a compare-and-swap ``update-ref``. A human's staged or dirty files are never committed, a commit is
never half made (the branch moves in one atomic step or not at all) and nothing-changed never makes an empty commit.

Credentials never leave this module: every message, log line and exception goes through
:func:`ceremonies.redaction.redact` (``https://user:token@host`` → ``https://***@host``) and git errors are
re-raised ``from None``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import git
from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError

from ceremonies.adapters import state
from ceremonies.adapters.gitnet import run_network
from ceremonies.adapters.repolock import Holder, repo_lock
from ceremonies.errors import GitError, PushRejectedError, UsageError
from ceremonies.redaction import redact

log = logging.getLogger(__name__)

REMOTE = "origin"
ZERO_SHA = "0" * 40
COMMIT_ATTEMPTS = 20
"""How often commit_files rebuilds its commit when another process moved the branch in between."""
_GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_MERGE_AUTOEDIT": "no",
    "GIT_EDITOR": "true",
    "LC_ALL": "C",
    "LANGUAGE": "C",
}
_SCP_LIKE = re.compile(r"^[\w.\-]+@[\w.\-]+:(?!//)")
_TRAILER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]*$")
_NON_FAST_FORWARD = ("non-fast-forward", "fetch first", "stale info", "rejected")
_REMOTE_RACE = ("failed to update ref", "cannot lock ref", "failed to lock", "incorrect old value")
"""What a remote says when another push moved the branch while ours was being received: retry like a non-ff."""


# ------------------------------------------------------------------------------------------------ value types


@dataclass(frozen=True)
class Identity:
    """A git author/committer: ``name <email>``."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


DEFAULT_BOT = Identity("ceremonies-bot", "ceremonies-bot@users.noreply.localhost")
"""The bot identity when the settings name none (same defaults as ``Settings.bot``)."""


@dataclass(frozen=True)
class CommitInfo:
    """One commit: sha, author, author date (timezone-aware), committer date and subject line."""

    sha: str
    author_name: str
    author_email: str
    date: datetime
    committed: datetime | None = None
    subject: str = ""


@dataclass(frozen=True)
class PushOutcome:
    """What ``DocsRepo.push`` did: ``pushed`` (the remote moved), ``reason`` (why not, or how), the sha now on the
    remote branch, how many push attempts it took and whether local commits were rebased over remote ones."""

    pushed: bool
    reason: str = ""
    sha: str | None = None
    attempts: int = 0
    rebased: bool = False


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
    if not (path / ".git").exists() and not _is_bare(path):
        raise GitError("not a git repository", path=path)


def _command_error(exc: GitCommandError, what: str, path: Path | None = None) -> GitError:
    """Return a GitError for a failed git command with every credential removed (raise it ``from None``)."""
    stderr = exc.stderr if isinstance(exc.stderr, str) else str(exc.stderr or "")
    return _failure(what, int(exc.status) if isinstance(exc.status, int) else -1, stderr, path)


def _failure(what: str, status: int, stderr: str, path: Path | None = None) -> GitError:
    """Return a credential-free GitError for a git command that exited with ``status`` and said ``stderr``."""
    lines = [line.strip() for line in stderr.strip().strip("'").splitlines() if line.strip()]
    lines = [line[len("stderr: ") :] if line.startswith("stderr: ") else line for line in lines]
    lines = [line for line in lines if not line.startswith("hint:")]
    detail = "; ".join(lines[-4:]) if lines else f"exit code {status}"
    return GitError(redact(f"{what} failed: {detail}"), path=path)


# ------------------------------------------------------------------------------------------------ the repo


class DocsRepo:
    """A work tree of the team's docs repo on ``branch`` with an optional ``origin`` remote."""

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
        self._env = {**_GIT_ENV, **(credentials or {})}
        repo.git.update_environment(**self._env)

    def __repr__(self) -> str:
        return f"DocsRepo(root={str(self.root)!r}, branch={self.branch!r})"

    def close(self) -> None:
        """Stop the helper git processes GitPython keeps for this repo (safe to call twice)."""
        self._repo.close()

    def __enter__(self) -> DocsRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------------------------- opening

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
            if not _is_bare(path):
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
            status, _, err = run_network(args, what=what, env={**_GIT_ENV, **credentials})
            if status != 0:
                raise _failure(what, status, err)
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
        if current is None or not _same_remote(current, url):
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
        try:
            commit = self._repo.commit(rev)
        except (ValueError, git.BadName, GitCommandError):
            raise GitError(f"unknown revision {rev!r}", path=self.root) from None
        try:
            blob = commit.tree / self._relative(path)
        except KeyError:
            return None
        if blob.type != "blob":
            return None
        return bytes(blob.data_stream.read())

    # -------------------------------------------------------------------------------------------- commit

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
            sha = self._git(*args, env=_identity_env(who, date), what="git commit-tree").strip()
            ref = f"refs/heads/{self.branch}"
            status, _, err = self._try(
                "update-ref", "-m", f"commit: {text.splitlines()[0]}", ref, sha, parent or ZERO_SHA
            )
            if status == 0:
                break
            log.info("%s moved while committing (%s); building the commit again", ref, redact(_last_line(err)))
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

    # -------------------------------------------------------------------------------------------- pull / push

    def pull(self) -> None:
        """Bring ``branch`` up to date with ``origin/<branch>``: fast-forward, or rebase local commits on top.

        No-op without a remote or when the remote branch does not exist yet. Raises GitError when uncommitted
        local changes touch files the incoming commits change, or when the rebase conflicts (it is aborted and
        the repo left as it was).
        """
        if not self.has_remote():
            return
        self.recover()
        self._fetch()
        self._integrate_upstream()

    def push(self, retries: int = 3, to: str | None = None, mine: tuple[str, str | None] = ("", None)) -> PushOutcome:
        """Push ``branch`` to ``origin``; on a non-fast-forward rejection fetch, rebase and retry (at most
        ``retries`` more times). Returns PushOutcome; ``pushed`` is False without a remote or with nothing to push.

        ``to`` names another remote branch (the ``push_branch`` setting): it gets one commit on top of
        ``origin/<branch>`` holding what the unpushed commits with trailer ``mine`` (key, and value unless None) changed
        — the same commit each re-run makes (so nothing new is pushed), rebuilt when the docs branch moved.

        Raises PushRejectedError (credential-free) when the remote refuses (e.g. a hook) or retries run out, and
        GitError when a rebase conflicts.
        """
        if not self.has_remote():
            return PushOutcome(pushed=False, reason="no remote")
        head = self.head_sha()
        if head is None:
            return PushOutcome(pushed=False, reason="nothing to push")
        upstream = self._upstream_ref()
        if self._ref_exists(upstream) and self._is_ancestor("HEAD", upstream):
            return PushOutcome(pushed=False, reason="up to date", sha=self._rev(upstream))
        if to is not None and to != self.branch:
            return self._push_to_branch(to, mine)
        rebased = False
        last = ""
        for attempt in range(1, retries + 2):
            status, out, err = run_network(
                ["push", "--porcelain", REMOTE, f"refs/heads/{self.branch}:refs/heads/{self.branch}"],
                what=f"git push {self.remote_url()} {self.branch}",
                cwd=self.root,
                env=self._env,
            )
            verdict = _push_verdict(out)
            if status == 0 and verdict.ok and verdict.flag == "=":
                return PushOutcome(
                    pushed=False, reason="up to date", sha=self.head_sha(), attempts=attempt, rebased=rebased
                )
            if status == 0 and verdict.ok:
                sha = self.head_sha()
                self._try("update-ref", f"refs/remotes/{REMOTE}/{self.branch}", sha or "")
                log.info("pushed %s to %s/%s (attempt %d)", (sha or "")[:12], self.remote_url(), self.branch, attempt)
                return PushOutcome(pushed=True, reason=verdict.summary, sha=sha, attempts=attempt, rebased=rebased)
            if verdict.remote_rejected or not verdict.retryable:
                raise self._push_error(verdict, status, err)
            last = verdict.summary
            if attempt > retries:
                break
            log.info("push rejected (%s); fetching and rebasing (attempt %d)", last, attempt)
            time.sleep(random.uniform(0, 0.05 * attempt))
            self._fetch()
            rebased = self._integrate_upstream() or rebased
        raise PushRejectedError(
            redact(f"push of {self.branch} to {self.remote_url()} still rejected after {retries + 1} attempts: {last}"),
            path=self.root,
        )

    def _push_to_branch(self, to: str, mine: tuple[str, str | None]) -> PushOutcome:
        """Push the result commit of :meth:`_result_commit` to the remote branch ``to`` (forced: the branch is the
        bot's); return PushOutcome (``pushed`` False when the branch already holds that very commit)."""
        sha = self._result_commit(mine)
        if sha is None:
            return PushOutcome(pushed=False, reason=f"nothing of {mine[0]}={mine[1] or '*'} to push")
        status, out, err = run_network(
            ["push", "--porcelain", REMOTE, f"+{sha}:refs/heads/{to}"],
            what=f"git push {self.remote_url()} {to}",
            cwd=self.root,
            env=self._env,
        )
        verdict = _push_verdict(out)
        if status == 0 and verdict.ok:
            self._try("update-ref", f"refs/remotes/{REMOTE}/{to}", sha)
            if verdict.flag == "=":
                return PushOutcome(pushed=False, reason=f"up to date on {to}", sha=sha, attempts=1)
            log.info("pushed %s to %s/%s", (sha or "")[:12], self.remote_url(), to)
            return PushOutcome(pushed=True, reason=f"pushed to {to}", sha=sha, attempts=1)
        raise self._push_error(verdict, status, err, target_branch=to)

    def _result_commit(self, mine: tuple[str, str | None]) -> str | None:
        """Return a commit on top of ``origin/<branch>`` whose tree is that branch plus what the unpushed commits
        carrying trailer ``mine`` changed (their newest message, author and dates: the same inputs give the same
        sha); None when no unpushed commit carries it."""
        key, value = mine
        upstream = self._upstream_ref()
        base = self._rev(upstream)
        spec = f"{base}..HEAD" if base else "HEAD"
        out = self._git(
            "log",
            "--reverse",
            "--no-merges",
            f"--format=%H%x1f%(trailers:key={key},valueonly,separator=%x2c)",
            spec,
            what="git log",
        )
        commits = [
            sha
            for sha, _, found in (line.partition("\x1f") for line in out.splitlines() if line)
            if key and found.strip() and (value is None or value in found.split(","))
        ]
        if not commits:
            return None
        paths: set[str] = set()
        for sha in commits:
            changed = self._git(
                "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", sha, what="git diff-tree"
            )
            paths.update(name for name in changed.split("\0") if name)
        with self._private_index() as env:
            if base is not None:
                self._git("read-tree", base, env=env, what="git read-tree")
            for path in sorted(paths):
                entry = self._git("ls-tree", "-z", "HEAD", "--", path, what="git ls-tree").strip("\0")
                if entry:
                    mode, _, rest = entry.partition(" ")
                    blob = rest.split(" ", 1)[1].split("\t", 1)[0]
                    args = ["update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}"]
                else:
                    args = ["update-index", "--force-remove", "--", path]
                self._git(*args, env=env, what="git update-index")
            tree = self._git("write-tree", env=env, what="git write-tree").strip()
        fields = self._git(
            "log", "-1", "--format=%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B", commits[-1], what="git log"
        ).split("\x1f", 6)
        env = {
            "GIT_AUTHOR_NAME": fields[0],
            "GIT_AUTHOR_EMAIL": fields[1],
            "GIT_AUTHOR_DATE": fields[2],
            "GIT_COMMITTER_NAME": fields[3],
            "GIT_COMMITTER_EMAIL": fields[4],
            "GIT_COMMITTER_DATE": fields[5],
        }
        parents = ["-p", base] if base else []
        message = fields[6].strip()
        return self._git("commit-tree", tree, *parents, "-m", message, env=env, what="git commit-tree").strip()

    def _push_error(
        self, verdict: _PushVerdict, status: int, stderr: str, target_branch: str | None = None
    ) -> GitError:
        """Return the error for a push that must not be retried: PushRejectedError when the remote refused it,
        GitError when it never got there (no such remote, network); credential-free either way."""
        remote_says = _remote_lines(stderr)
        extra = f" ({'; '.join(remote_says)})" if remote_says else ""
        target = f"push of {self.branch} to {self.remote_url()}" + (f" as {target_branch}" if target_branch else "")
        if verdict.remote_rejected or verdict.rejected:
            hint = (
                ""
                if target_branch or not verdict.remote_rejected
                else (
                    f"; if {self.branch} is protected, set push_branch under [git] in ceremonies.toml "
                    '(e.g. push_branch = "ceremonies/{job}/{sprint}") to push results to a branch for a merge request'
                )
            )
            return PushRejectedError(redact(f"{target} rejected: {verdict.summary}{extra}{hint}"), path=self.root)
        lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("hint:")]
        detail = "; ".join(lines[-4:]) or f"exit code {status}"
        return GitError(redact(f"{target} failed: {detail}"), path=self.root)

    def _integrate_upstream(self) -> bool:
        """Fast-forward or rebase ``branch`` onto the fetched ``origin/<branch>``; return True when it rebased."""
        upstream = self._upstream_ref()
        if not self._ref_exists(upstream):
            return False
        head = self.head_sha()
        if head is None:
            self._refuse_overwrites(upstream, base=None)
            self._git("checkout", "-q", "-B", self.branch, upstream, what=f"git checkout {upstream}")
            return False
        if self._is_ancestor(upstream, "HEAD"):
            return False
        base = self._merge_base("HEAD", upstream)
        self._refuse_overwrites(upstream, base=base)
        if base == head:
            self._git("merge", "-q", "--ff-only", upstream, what=f"git merge --ff-only {upstream}")
            return False
        self._rebase(upstream)
        return True

    def _rebase(self, upstream: str) -> None:
        """Rebase local commits onto ``upstream`` (autostashing unrelated local edits); on conflict abort and
        raise GitError naming the conflicting files."""
        state.save(self.git_dir, state.REBASE, {"upstream": upstream})
        status, out, err = self._try(
            "-c",
            "commit.gpgsign=false",
            "rebase",
            "--autostash",
            "--no-verify",
            "-q",
            upstream,
            env=_identity_env(self.committer, None),
        )
        if status == 0:
            state.clear(self.git_dir, state.REBASE)
            return
        conflicts = self._conflicted_files()
        self._try("rebase", "--abort")
        state.clear(self.git_dir, state.REBASE)
        named = ", ".join(conflicts) if conflicts else _last_line(err or out) or "unknown reason"
        raise GitError(
            redact(
                f"cannot rebase {self.branch} onto {upstream}: conflicting changes in {named}; "
                "the rebase was aborted, nothing was pushed"
            ),
            path=self.root,
        )

    def _refuse_overwrites(self, upstream: str, base: str | None) -> None:
        """Raise GitError when uncommitted local changes touch files the incoming commits change."""
        dirty = self._dirty_files()
        if not dirty:
            return
        if base is None:
            incoming = set(self._git("ls-tree", "-r", "-z", "--name-only", upstream, what="git ls-tree").split("\0"))
        else:
            incoming = set(self._git("diff", "--name-only", "-z", base, upstream, what="git diff").split("\0"))
        clash = sorted((dirty & incoming) - {""})
        if clash:
            raise GitError(
                f"uncommitted local changes to {', '.join(clash)} would be overwritten by {upstream}; "
                "commit or stash them first",
                path=self.root,
            )

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
        try:
            out: str = self._repo.git.execute(
                ["git", *args], env=env, strip_newline_in_stdout=False, stdout_as_string=True
            )
        except GitCommandError as exc:
            raise _command_error(exc, what, self.root) from None
        return out

    def _network(self, *args: str, what: str) -> str:
        """Run the network call ``git args`` (fetch) with the deadline of :mod:`ceremonies.adapters.gitnet`; return
        stdout. Raises GitTimeoutError when the remote does not answer in time, GitError when git fails."""
        status, out, err = run_network(args, what=redact(what), cwd=self.root, env=self._env)
        if status != 0:
            raise _failure(what, status, err, self.root)
        return out

    def _try(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Run ``git args`` and return (exit status, stdout, stderr) without raising."""
        status, out, err = self._repo.git.execute(
            ["git", *args],
            env=env,
            with_extended_output=True,
            with_exceptions=False,
            strip_newline_in_stdout=False,
        )
        return int(status or 0), str(out), str(err)

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


# ------------------------------------------------------------------------------------------------ helpers


def format_message(message: str, trailers: dict[str, str]) -> str:
    """Return ``message`` (trailing spaces trimmed) followed by a blank line and ``Key: value`` trailer lines.

    Raises UsageError for an empty message, a trailer key that is not a token, or a value spanning lines.
    """
    lines = [line.rstrip() for line in message.strip().splitlines()]
    if not lines or not lines[0]:
        raise UsageError("commit message is empty")
    for key, value in trailers.items():
        if not _TRAILER_KEY.match(key):
            raise UsageError(f"trailer key {key!r} must be letters, digits and dashes")
        if "\n" in str(value) or "\r" in str(value):
            raise UsageError(f"trailer {key!r} value {value!r} spans several lines")
    text = "\n".join(lines)
    if trailers:
        text += "\n\n" + "\n".join(f"{key}: {str(value).strip()}" for key, value in trailers.items())
    return text


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


def _identity_env(who: Identity, date: datetime | None) -> dict[str, str]:
    env = {
        "GIT_AUTHOR_NAME": who.name,
        "GIT_AUTHOR_EMAIL": who.email,
        "GIT_COMMITTER_NAME": who.name,
        "GIT_COMMITTER_EMAIL": who.email,
    }
    if date is not None:
        stamp = date.isoformat()
        env["GIT_AUTHOR_DATE"] = stamp
        env["GIT_COMMITTER_DATE"] = stamp
    return env


def remote_head_branch(url: str, credentials: dict[str, str] | None = None) -> str:
    """Return the branch the remote's HEAD points at (``git ls-remote --symref``); ``main`` when it names none
    (an empty remote). Raises GitError (credentials removed) when the remote cannot be read."""
    what = f"git ls-remote {redact(url)}"
    env = {**_GIT_ENV, **(credentials or {})}
    status, out, err = run_network(["ls-remote", "--symref", url, "HEAD"], what=what, env=env)
    if status != 0:
        raise _failure(what, status, err)
    found = re.search(r"^ref:\s*refs/heads/(\S+)\s+HEAD", out, re.MULTILINE)
    return found.group(1) if found else "main"


def _is_bare(path: Path) -> bool:
    """Return True when ``path`` is a bare git repository."""
    try:
        return bool(git.Repo(path).bare)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return False


def _has_content(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def _same_remote(current: str, wanted: str) -> bool:
    """Return True when two remote specs name the same repo (credentials ignored, local paths resolved)."""
    if is_url(current) or is_url(wanted):
        return strip_userinfo(current).rstrip("/") == strip_userinfo(wanted).rstrip("/")
    return Path(current).expanduser().resolve() == Path(wanted).expanduser().resolve()


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


@dataclass(frozen=True)
class _PushVerdict:
    flag: str
    ok: bool
    rejected: bool
    remote_rejected: bool
    retryable: bool
    summary: str


def _push_verdict(porcelain: str) -> _PushVerdict:
    """Return what ``git push --porcelain`` stdout says about the one ref pushed."""
    for line in porcelain.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or len(parts[0]) != 1:
            continue
        flag, summary = parts[0], parts[2].strip()
        if flag in " +*=":
            return _PushVerdict(flag, True, False, False, False, summary or "pushed")
        raced = any(word in summary for word in _REMOTE_RACE)
        remote_rejected = ("remote rejected" in summary or "remote failure" in summary) and not raced
        retryable = raced or (not remote_rejected and any(word in summary for word in _NON_FAST_FORWARD))
        return _PushVerdict(flag, False, flag == "!", remote_rejected, retryable, summary)
    return _PushVerdict("", False, False, False, False, "")


def _remote_lines(stderr: str) -> list[str]:
    """Return what the remote said (``remote: ...`` lines) on stderr, trimmed."""
    lines = [line[len("remote:") :].strip() for line in stderr.splitlines() if line.startswith("remote:")]
    return [line for line in lines if line][-3:]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""

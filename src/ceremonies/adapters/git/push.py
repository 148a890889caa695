"""Pull and push: fast-forward or rebase onto the remote, and push with a bounded fetch-rebase-retry loop (a
rejected push raises: GitPython's ``push()`` would not)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ceremonies.adapters import state
from ceremonies.adapters.git.base import log
from ceremonies.adapters.git.commit import Committing
from ceremonies.adapters.git.runner import last_line
from ceremonies.adapters.git.values import REMOTE, PushOutcome, identity_env
from ceremonies.errors import GitError, PushRejectedError
from ceremonies.redaction import redact

_NON_FAST_FORWARD = ("non-fast-forward", "fetch first", "stale info", "rejected")
_REMOTE_RACE = ("failed to update ref", "cannot lock ref", "failed to lock", "incorrect old value")
"""What a remote says when another push moved the branch while ours was being received: retry like a non-ff."""


class Pushing(Committing):
    """A docs repo that can pull and push."""

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
            status, out, err = self._runner.network(
                "push",
                "--porcelain",
                REMOTE,
                f"refs/heads/{self.branch}:refs/heads/{self.branch}",
                what=f"git push {self.remote_url()} {self.branch}",
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
        status, out, err = self._runner.network(
            "push", "--porcelain", REMOTE, f"+{sha}:refs/heads/{to}", what=f"git push {self.remote_url()} {to}"
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
            env=identity_env(self.committer, None),
        )
        if status == 0:
            state.clear(self.git_dir, state.REBASE)
            return
        conflicts = self._conflicted_files()
        self._try("rebase", "--abort")
        state.clear(self.git_dir, state.REBASE)
        named = ", ".join(conflicts) if conflicts else last_line(err or out) or "unknown reason"
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

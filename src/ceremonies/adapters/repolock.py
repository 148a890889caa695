"""One run per work tree: an exclusive OS file lock in the repo's git dir, held by every writing job.

``next-sprint``, ``refresh-kb`` and ``remind`` hold :func:`repo_lock` from before they pull until after they
announce, so two runs on one work tree (cron, a human at the shell, a Prefect worker) never interleave their
pull → write → commit → push → announce sequences. The lock is ``fcntl.flock`` on ``<git dir>/ceremonies.lock``:
the kernel releases it when the holding process dies (even by SIGKILL), so a crashed run never leaves a stale lock.

The holder writes who it is into the lock file (job, pid, host, UTC start time). A run that cannot get the lock
waits at most ``wait_seconds`` (polling), then raises :class:`~ceremonies.errors.RepoBusyError` — exit code 0, message
``another run is in progress: refresh-kb (pid 123 on host) holds /repo since 2026-11-28T16:02:11Z``. Whoever
catches it decides what to say; the CLI prints the message and exits 0.

API (for the jobs, the CLI and the flows)::

    with repo_lock(docs.git_dir, job="refresh-kb", wait_seconds=30, repo=docs.root) as me:
        ...                      # me: the Holder written into the lock file
    holder = current_holder(docs.git_dir)   # who holds it now (None: nobody)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ceremonies.errors import RepoBusyError

LOCK_FILE = "ceremonies.lock"
"""The lock file, inside the git dir (never in the work tree, never committed)."""
DEFAULT_WAIT_SECONDS = 120.0
"""How long a run waits for the lock by default before it gives up (exit 0, "another run is in progress")."""
WAIT_ENV = "CEREMONIES_LOCK_WAIT_SECONDS"
"""Environment variable overriding :data:`DEFAULT_WAIT_SECONDS` (seconds, ``0`` = do not wait)."""
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a repo lock: the job, its process id and host, and when it took the lock (UTC)."""

    job: str
    pid: int
    host: str
    since: datetime | None

    def describe(self) -> str:
        """Return ``refresh-kb (pid 123 on host)``."""
        return f"{self.job} (pid {self.pid} on {self.host})"

    def since_text(self) -> str:
        """Return the start time as ``2026-11-28T16:02:11Z`` (``an unknown time`` when not recorded)."""
        return self.since.strftime("%Y-%m-%dT%H:%M:%SZ") if self.since else "an unknown time"

    def to_json(self) -> dict[str, object]:
        """Return a JSON-ready dict (what the lock file holds)."""
        return {
            "job": self.job,
            "pid": self.pid,
            "host": self.host,
            "since": self.since.isoformat() if self.since else None,
        }

    @classmethod
    def from_json(cls, data: object) -> Holder | None:
        """Return the holder stored by :meth:`to_json`, None when ``data`` is not one."""
        if not isinstance(data, dict):
            return None
        try:
            since = datetime.fromisoformat(data["since"]) if data.get("since") else None
            return cls(str(data["job"]), int(data["pid"]), str(data["host"]), since)
        except (KeyError, TypeError, ValueError):
            return None


def busy_error(repo: str | Path, holder: Holder | None, waited: float) -> RepoBusyError:
    """Return the RepoBusyError naming ``holder`` and since when it holds ``repo``."""
    who = f"{holder.describe()} holds {repo} since {holder.since_text()}" if holder else f"another run holds {repo}"
    return RepoBusyError(
        f"another run is in progress: {who} (waited {waited:.0f} s); nothing done",
        repo=str(repo),
        holder=holder.to_json() if holder else None,
        waited=waited,
    )


def wait_seconds_default() -> float:
    """Return the lock wait from ``CEREMONIES_LOCK_WAIT_SECONDS`` (when a number >= 0), else the default."""
    raw = os.environ.get(WAIT_ENV, "").strip()
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_WAIT_SECONDS
    return value if value >= 0 else DEFAULT_WAIT_SECONDS


def lock_path(git_dir: str | Path) -> Path:
    """Return the lock file of the repo whose git dir is ``git_dir``."""
    return Path(git_dir) / LOCK_FILE


def current_holder(git_dir: str | Path) -> Holder | None:
    """Return who holds the repo lock now, None when nobody does (or it cannot be told)."""
    path = lock_path(git_dir)
    try:
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_holder(path)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return None
    except OSError:
        return None


def _read_holder(path: Path) -> Holder | None:
    """Return the holder recorded in the lock file (None when absent, empty or half written)."""
    try:
        return Holder.from_json(json.loads(path.read_bytes() or b"null"))
    except (OSError, ValueError):
        return None


def _try_lock(fd: int) -> bool:
    """Return True when the exclusive lock on ``fd`` was taken without waiting."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def repo_lock(
    git_dir: str | Path,
    *,
    job: str,
    wait_seconds: float | None = None,
    repo: str | Path | None = None,
) -> Iterator[Holder]:
    """Hold the repo's exclusive lock for the block; yield the Holder recorded in the lock file.

    Waits at most ``wait_seconds`` (None: :func:`wait_seconds_default`) for another holder to finish, then raises
    :class:`RepoBusyError` naming it and since when it holds the lock. Released on exit, and by the kernel when the
    process dies. Not reentrant: a process that holds the lock must not take it again.
    """
    wait = wait_seconds_default() if wait_seconds is None else max(0.0, wait_seconds)
    path = lock_path(git_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started = time.monotonic()
        while not _try_lock(fd):
            waited = time.monotonic() - started
            if waited >= wait:
                raise busy_error(repo or Path(git_dir).parent, _read_holder(path), waited)
            time.sleep(min(_POLL_SECONDS, max(0.0, wait - waited)))
        me = Holder(job, os.getpid(), socket.gethostname(), datetime.now(UTC).replace(microsecond=0))
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.to_json()).encode("utf-8"), 0)
        try:
            yield me
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

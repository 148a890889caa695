"""The one way the tool runs git: every command (local or network) goes through :func:`run_git`.

It owns what every git process gets: the environment (no prompts for credentials or editors, C locale, no optional
locks; per-call additions such as the bot identity or a private index), a deadline (network calls:
``CEREMONIES_GIT_TIMEOUT`` seconds, default 120; local ones: :data:`LOCAL_TIMEOUT`) after which the process and its
process group (transport helper, ``ssh``, hooks) are killed and :class:`~ceremonies.errors.GitTimeoutError` names
the command, and the translation of a failure into a credential-free :class:`~ceremonies.errors.GitError` naming
the repo and the command. ``git log`` of a whole history is one call here (GitPython's ``iter_commits`` is ~12x
slower). GitPython only opens repositories (:mod:`ceremonies.adapters.git.repo`); it runs no command.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ceremonies.errors import GitError, GitTimeoutError, UsageError
from ceremonies.redaction import redact

BASE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_MERGE_AUTOEDIT": "no",
    "GIT_EDITOR": "true",
    "GIT_OPTIONAL_LOCKS": "0",
    "LC_ALL": "C",
    "LANGUAGE": "C",
}
"""What every git process gets on top of the process environment."""
TIMEOUT_ENV = "CEREMONIES_GIT_TIMEOUT"
DEFAULT_TIMEOUT = 120.0
"""Seconds a network call (clone, fetch, push, ls-remote) may take before it is killed."""
LOCAL_TIMEOUT = 600.0
"""Seconds a local command may take before it is killed (a bound, never expected: they take milliseconds)."""
_REAP_SECONDS = 5.0


def network_timeout() -> float:
    """Return the deadline of one git command in seconds (``CEREMONIES_GIT_TIMEOUT``, default 120).

    Raises UsageError when the variable is set to something that is not a positive number.
    """
    return seconds_from_env(TIMEOUT_ENV, DEFAULT_TIMEOUT)


def seconds_from_env(name: str, default: float) -> float:
    """Return the positive number of seconds in environment variable ``name`` (``default`` when unset or empty).

    Raises UsageError quoting the variable and its value when it is not a positive number.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a number of seconds") from None
    if not value > 0:
        raise UsageError(f"{name}={raw!r} must be more than 0 seconds")
    return value


def run_git_bytes(
    args: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    network: bool = False,
) -> tuple[int, bytes, bytes]:
    """Run ``git args`` (in ``cwd``, with :data:`BASE_ENV` and ``env`` added) and return (exit status, stdout,
    stderr) as bytes; never raises for a non-zero status.

    Raises GitTimeoutError (``what`` names the call, e.g. ``git fetch https://host/docs``) when it takes longer
    than ``timeout`` (default: :func:`network_timeout` for a ``network`` call, else :data:`LOCAL_TIMEOUT`): the git
    process and everything it started are killed first. GitError when git cannot be started at all.
    """
    limit = timeout if timeout is not None else network_timeout() if network else LOCAL_TIMEOUT
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            env={**os.environ, **BASE_ENV, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: killing it reaches the transport and hook processes
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}", path=cwd) from None
    try:
        out, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        waited = time.monotonic() - started
        cause = "the remote does not answer" if network else "git did not finish"
        raise GitTimeoutError(
            f"{redact(what)} did not finish within {limit:g} s (waited {waited:.0f} s) and was stopped: {cause}; "
            f"raise {TIMEOUT_ENV} if it is only slow",
            path=cwd,
        ) from None
    except BaseException:  # Ctrl-C, a cancelled flow: do not leave git running behind us
        _kill_group(process)
        raise
    return int(process.returncode or 0), out or b"", err or b""


def run_git(
    args: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    network: bool = False,
) -> tuple[int, str, str]:
    """Return (exit status, stdout, stderr) of :func:`run_git_bytes` as text (UTF-8, undecodable bytes replaced)."""
    status, out, err = run_git_bytes(args, what=what, cwd=cwd, env=env, timeout=timeout, network=network)
    return status, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")


def failure(what: str, status: int, stderr: str, path: Path | None = None) -> GitError:
    """Return a credential-free GitError for a git command that exited with ``status`` and said ``stderr``."""
    lines = [line.strip() for line in stderr.strip().strip("'").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("hint:")]
    detail = "; ".join(lines[-4:]) if lines else f"exit code {status}"
    return GitError(redact(f"{what} failed: {detail}"), path=path)


def last_line(text: str) -> str:
    """Return the last non-empty line of ``text`` (stripped), or ``""``."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


class GitRunner:
    """:func:`run_git` bound to one work tree and the environment its commands share (e.g. credentials)."""

    def __init__(self, root: Path, env: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.env = dict(env or {})

    def _env(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        return {**self.env, **(extra or {})}

    def run(self, *args: str, what: str, env: Mapping[str, str] | None = None) -> str:
        """Run ``git args`` and return stdout; raise a credential-free GitError saying ``what`` failed."""
        status, out, err = run_git(args, what=what, cwd=self.root, env=self._env(env))
        if status != 0:
            raise failure(what, status, err, self.root)
        return out

    def attempt(self, *args: str, env: Mapping[str, str] | None = None) -> tuple[int, str, str]:
        """Run ``git args`` and return (exit status, stdout, stderr) without raising for a non-zero status."""
        return run_git(args, what=f"git {' '.join(args[:3])}", cwd=self.root, env=self._env(env))

    def read_bytes(self, *args: str, what: str) -> bytes:
        """Run ``git args`` and return stdout as bytes (file contents); GitError saying ``what`` failed."""
        status, out, err = run_git_bytes(args, what=what, cwd=self.root, env=self.env)
        if status != 0:
            raise failure(what, status, err.decode("utf-8", errors="replace"), self.root)
        return out

    def network(self, *args: str, what: str) -> tuple[int, str, str]:
        """Run the network call ``git args`` (fetch, push, clone, ls-remote); return (status, stdout, stderr).
        Raises GitTimeoutError naming ``what`` when the remote does not answer in time."""
        return run_git(args, what=what, cwd=self.root, env=self.env, network=True)

    def fetch_like(self, *args: str, what: str) -> str:
        """Run the network call ``git args`` and return stdout; GitError (credential-free) when it fails."""
        status, out, err = self.network(*args, what=what)
        if status != 0:
            raise failure(what, status, err, self.root)
        return out


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and its process group, then reap it (bounded: a stuck pipe never blocks the caller)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=_REAP_SECONDS)

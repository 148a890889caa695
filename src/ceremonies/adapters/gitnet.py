"""git's network calls (clone, fetch, push) with a deadline: a remote that never answers cannot hang a run.

Each call runs ``git`` in a process group of its own; when the deadline passes the whole group is killed (git,
its transport helper, an ``ssh`` or ``ext::`` command, a local ``receive-pack`` and its hooks) and
:class:`~ceremonies.errors.GitTimeoutError` says which call timed out and which setting bounds it.

The deadline is ``CEREMONIES_GIT_TIMEOUT`` seconds (default 120), the same for the CLI and the flows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ceremonies.errors import GitTimeoutError, UsageError

TIMEOUT_ENV = "CEREMONIES_GIT_TIMEOUT"
DEFAULT_TIMEOUT = 120.0
"""Seconds a clone, fetch or push may take before its git process is killed."""
_REAP_SECONDS = 5.0


def network_timeout() -> float:
    """Return the deadline of one git network call in seconds (``CEREMONIES_GIT_TIMEOUT``, default 120).

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


def run_network(
    args: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> tuple[int, str, str]:
    """Run ``git args`` and return (exit status, stdout, stderr); never raises for a non-zero status.

    Raises GitTimeoutError (``what`` names the call, e.g. ``git fetch https://host/docs``) when it takes longer
    than ``timeout`` (default :func:`network_timeout`): the git process and everything it started are killed first.
    """
    limit = network_timeout() if timeout is None else timeout
    started = time.monotonic()
    process = subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # its own process group: killing it reaches the transport and hook processes
    )
    try:
        out, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        waited = time.monotonic() - started
        raise GitTimeoutError(
            f"{what} did not finish within {limit:g} s (waited {waited:.0f} s) and was stopped: the remote does "
            f"not answer; raise {TIMEOUT_ENV} if it is only slow",
            path=cwd,
        ) from None
    except BaseException:  # Ctrl-C, a cancelled flow: do not leave git running behind us
        _kill_group(process)
        raise
    return int(process.returncode or 0), out or "", err or ""


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Kill ``process`` and its process group, then reap it (bounded: a stuck pipe never blocks the caller)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=_REAP_SECONDS)

"""Child process of the crash-safety and race tests: runs one job's direct path on a repo and, when asked, kills
itself with SIGKILL at a step.

Usage: ``python crash_child.py JOB REPO`` with JOB ``refresh_kb`` or ``next_sprint``. Environment:

- ``CRASH_AT``: the step to die at — ``after_render`` (plan computed, nothing written), ``mid_write`` (the first of
  several files written, then killed inside the next ``write_atomic`` after its temp file is written),
  ``after_write`` (all files written, nothing committed), ``after_commit`` (committed, state not saved, not
  pushed), ``before_push`` (right before ``git push``). Killing *during* a push is done by the test from outside
  (a hook on the bare remote holds the push open).
- ``CRASH_NOW`` / ``CRASH_TODAY``: the job's ``now`` (ISO datetime) / ``today`` (ISO date).

The hooks wrap the job module's own step functions inside this process only; the rest is the real code. On a
normal finish the result's JSON is printed on stdout and the exit code is 0 (1 for a CeremoniesError).
"""

from __future__ import annotations

import functools
import io
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ceremonies.adapters import files as file_adapter
from ceremonies.adapters import state as state_adapter
from ceremonies.adapters.git import DocsRepo
from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.errors import CeremoniesError


def die() -> None:
    """Kill this process the hard way (no cleanup handlers, no flushing: like a power cut or an OOM kill)."""
    os.kill(os.getpid(), signal.SIGKILL)


def after(function: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``function`` wrapped to die right after it returns."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        function(*args, **kwargs)
        die()

    return wrapper


def before(function: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``function`` wrapped to die right before it runs."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        die()
        return function(*args, **kwargs)

    return wrapper


def dying_writer(*modules: Any) -> None:
    """Make every atomic write (the job modules', repo files', the state store's) write the first file fully, then die
    inside the second write after its temp file is on disk (before the rename): the worst moment for a non-atomic
    writer."""
    real = file_adapter.write_atomic
    calls = {"n": 0}

    def write_atomic(path: Any, data: str | bytes) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            return real(path, data)
        original_replace = os.replace

        def replace_then_never(src: Any, dst: Any) -> None:
            die()
            original_replace(src, dst)

        os.replace = replace_then_never  # type: ignore[assignment]
        return real(path, data)

    for module in modules:
        module.write_atomic = write_atomic
    file_adapter.write_atomic = write_atomic  # type: ignore[assignment]  # the door repo files go through
    assert callable(state_adapter.write_atomic_parts), "the state store's writer was renamed: patch the new one"
    state_adapter.write_atomic_parts = lambda path, parts: write_atomic(  # the door of the state in .git
        path, b"".join(part.encode("utf-8") if isinstance(part, str) else part for part in parts)
    )


def install(job: str, step: str) -> None:
    """Wrap the step ``step`` of ``job`` so that this process dies there."""
    module: Any
    if job == "refresh_kb":
        from ceremonies.jobs import refresh_kb

        module = refresh_kb
        hooks = {
            "after_render": lambda: setattr(module, "compute_kb", after_return(module.compute_kb)),
            "mid_write": lambda: dying_writer(module),
            "after_write": lambda: setattr(module, "write_kb", after_return(module.write_kb)),
            "after_commit": lambda: setattr(module, "commit_kb", after_return(module.commit_kb)),
            "before_push": lambda: setattr(DocsRepo, "push", before(DocsRepo.push)),
        }
    else:
        from ceremonies.jobs import next_sprint
        from ceremonies.jobs.next_sprint import target

        module = next_sprint
        hooks = {
            "after_render": lambda: setattr(module, "render", after_return(module.render)),
            "mid_write": lambda: dying_writer(target),
            "after_write": lambda: setattr(module, "write", after_return(module.write)),
            "after_commit": lambda: setattr(module, "commit_plan", after_return(module.commit_plan)),
            "before_push": lambda: setattr(DocsRepo, "push", before(DocsRepo.push)),
        }
    hooks[step]()


def after_return(function: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``function`` wrapped to die right after it returned (its effects are done, its caller never sees it)."""
    return after(function)


def run(job: str, repo: str) -> dict[str, Any]:
    """Run ``job`` on ``repo`` through its direct path; return its result as JSON."""
    out = io.StringIO()
    if job == "refresh_kb":
        from ceremonies.jobs.recipe import Effects
        from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb

        now = datetime.fromisoformat(os.environ["CRASH_NOW"]) if os.environ.get("CRASH_NOW") else None
        return run_refresh_kb(
            RefreshRequest(repo, now=now),
            Effects(notifier=ConsoleNotifier("#sprint", out)),
        ).to_json()
    from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
    from ceremonies.jobs.recipe import Effects

    today = date.fromisoformat(os.environ["CRASH_TODAY"]) if os.environ.get("CRASH_TODAY") else None
    return run_next_sprint(
        NextSprintRequest(repo, today=today), Effects(notifier=ConsoleNotifier("#sprint", out))
    ).to_json()


def wait_for_start() -> None:
    """Block until the file named by env ``RACE_START_FILE`` exists (all racers then start at the same moment)."""
    start = os.environ.get("RACE_START_FILE")
    if start:
        open(f"{start}.ready.{os.getpid()}", "w").close()
    while start and not os.path.exists(start):
        time.sleep(0.005)


def main() -> int:
    """Run the job named on the command line (dying at ``CRASH_AT`` when set); return the exit code."""
    job, repo = sys.argv[1], sys.argv[2]
    step = os.environ.get("CRASH_AT")
    if step:
        install(job, step)
    wait_for_start()
    try:
        result = run(job, repo)
    except CeremoniesError as error:
        print(json.dumps({"error": str(error), "type": type(error).__name__}))
        return 1
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

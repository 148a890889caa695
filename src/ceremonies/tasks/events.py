"""Prefect events of ceremonies: ``ceremonies.docs.pushed`` (a push reached the docs repo: refresh-kb runs for it)
and ``ceremonies.sprint.planned`` (next-sprint pushed a plan: remind runs for it), and the git post-receive hook
that emits the first one with ``prefect event emit``.

Both events name the docs repo as resource ``ceremonies.repo.<slug>-<hash>`` (the same slug and hash as its repo
lock) and carry ``{"repo": ..., "branch": ...}`` as payload; the deployment triggers in ``prefect.yaml`` pass those
on as the run's parameters.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from ceremonies.adapters.files import write_atomic
from ceremonies.adapters.prefect_cli import prefect_executable
from ceremonies.errors import UsageError
from ceremonies.tasks.common import run_logger
from ceremonies.tasks.repo_limit import repo_lock_name

DOCS_PUSHED = "ceremonies.docs.pushed"
SPRINT_PLANNED = "ceremonies.sprint.planned"
HOOK_MARKER = "# ceremonies: post-receive hook"
"""First comment line of the hook we write (a hook without it is someone else's and is never replaced)."""


def repo_resource_id(repo: str) -> str:
    """Return the event resource id of the docs repo ``repo`` (any spelling of one repo gives the same id)."""
    return "ceremonies.repo." + repo_lock_name(repo).removeprefix("ceremonies-repo-")


def emit_sprint_planned(repo: str, branch: str, sprint: str) -> None:
    """Emit ``ceremonies.sprint.planned`` for ``repo`` (the remind deployment's trigger); never raises."""
    from prefect.events import emit_event

    try:
        emit_event(
            event=SPRINT_PLANNED,
            resource={"prefect.resource.id": repo_resource_id(repo), "prefect.resource.name": sprint},
            payload={"repo": repo, "branch": branch, "sprint": sprint},
        )
        run_logger().info("Emitted %s for %s", SPRINT_PLANNED, sprint)
    except Exception as exc:  # the plan is pushed; the hourly remind schedule catches up
        run_logger().warning("Could not emit %s: %s", SPRINT_PLANNED, exc)


def emit_command(repo: str, branch: str, prefect: str = "prefect") -> str:
    """Return the shell command that emits ``ceremonies.docs.pushed`` for ``repo`` (for a hook or a CI step)."""
    payload = json.dumps({"repo": repo, "branch": branch})
    return (
        f"{shlex.quote(prefect)} event emit {DOCS_PUSHED} --resource-id {shlex.quote(repo_resource_id(repo))} "
        f"--payload {shlex.quote(payload)}"
    )


def post_receive_hook(repo: str, branch: str, api_url: str, prefect: str) -> str:
    """Return the post-receive hook script: for a push to ``branch`` it emits ``ceremonies.docs.pushed`` in the
    background (the push never waits for Prefect, and a Prefect outage never fails a push)."""
    return (
        "#!/bin/sh\n"
        f"{HOOK_MARKER} (written by `ceremonies hook install`; run it again to update, delete this file to stop)\n"
        f"# A push to {branch} emits {DOCS_PUSHED}: Prefect runs refresh-kb for {repo} within seconds.\n"
        f"branch={shlex.quote(branch)}\n"
        "while read old new ref; do\n"
        '  if [ "$ref" = "refs/heads/$branch" ]; then\n'
        f"    PREFECT_API_URL={shlex.quote(api_url)} {emit_command(repo, branch, prefect)} "
        ">/dev/null 2>&1 </dev/null &\n"
        "  fi\n"
        "done\n"
        "exit 0\n"
    )


def install_hook(
    bare: Path, repo: str | None, branch: str, api_url: str | None, dry_run: bool = False
) -> tuple[Path, str]:
    """Write the post-receive hook into the bare repo ``bare``; return its path and text (``dry_run``: write nothing).

    ``repo`` is how the deployments should name the docs repo (default: the bare repo's path). Raises UsageError
    when ``bare`` is no bare repo, no Prefect API URL is known, or a post-receive hook we did not write is there.
    """
    bare = bare.expanduser().resolve()
    if not (bare / "HEAD").is_file() or not (bare / "objects").is_dir() or (bare / ".git").exists():
        raise UsageError(f"{bare} is not a bare git repository (the hook goes where pushes arrive)")
    url = api_url or os.environ.get("PREFECT_API_URL")
    if not url:
        raise UsageError("no Prefect API URL: pass --api-url or set PREFECT_API_URL")
    text = post_receive_hook(repo or str(bare), branch, url, prefect_executable())
    hook = bare / "hooks" / "post-receive"
    if hook.exists() and HOOK_MARKER not in hook.read_text(encoding="utf-8", errors="replace"):
        raise UsageError(f"{hook} exists and was not written by ceremonies; add the line it needs by hand:\n{text}")
    if not dry_run:
        hook.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(hook, text.encode("utf-8"))
        hook.chmod(0o755)
    return hook, text

"""``ceremonies serve``, ``ceremonies server`` and ``ceremonies setup``: running ceremonies on Prefect.

Prefect is imported inside the commands only, so the rest of the CLI starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ceremonies.cli._app import app, print_json
from ceremonies.errors import UsageError


def _parse_parameters(values: list[str]) -> dict[str, Any]:
    """Return ``KEY=VALUE`` pairs as a dict; VALUE is JSON when it parses as JSON, else the plain string."""
    parsed: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param expects KEY=VALUE, got {item!r}")
        try:
            parsed[key] = json.loads(raw)
        except json.JSONDecodeError:
            parsed[key] = raw
    return parsed


@app.command("serve")
def serve(
    deployment: Annotated[
        list[str] | None, typer.Option("--deployment", "-d", help="Serve only this deployment (repeatable).")
    ] = None,
    repo: Annotated[str | None, typer.Option(help="Docs repo (URL or path) for every deployment's `repo`.")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone of the schedules (default: Variable, then prefect.yaml).")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Default parameter KEY=VALUE (repeatable).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Most flow runs executed at once by this process.")] = None,
    poll_seconds: Annotated[
        float | None, typer.Option(help="Seconds between looks for runs to start (Prefect default 10).")
    ] = None,
    project_dir: Annotated[
        Path | None, typer.Option(help="ceremonies checkout with prefect.yaml and flows/ (default: found).")
    ] = None,
    pause_on_shutdown: Annotated[
        bool, typer.Option(help="Pause the schedules when this process stops (Prefect's default; off here).")
    ] = False,
    concurrency_limit: Annotated[
        int | None,
        typer.Option(help="Runs of one deployment at once (default: prefect.yaml's 1, new runs cancelled); 0 = any."),
    ] = None,
) -> None:
    """Serve all deployments of prefect.yaml from this one process (Ctrl-C to stop)."""
    from ceremonies.tasks.deployments import serve_all

    parameters = _parse_parameters(param or [])
    if repo:
        parameters["repo"] = repo
    serve_all(
        root=project_dir.resolve() if project_dir else None,
        only=deployment or None,
        timezone=timezone,
        parameters=parameters,
        limit=limit,
        pause_on_shutdown=pause_on_shutdown,
        poll_seconds=poll_seconds,
        concurrency_limit=concurrency_limit,
    )


@app.command("server")
def server(
    port: Annotated[int, typer.Option(help="Loopback port of the API and UI.")] = 4200,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    home: Annotated[
        Path | None, typer.Option(help="PREFECT_HOME holding the SQLite database (default: ~/.prefect).")
    ] = None,
) -> None:
    """Start a local Prefect server (SQLite) whose UI talks to this port; prints the URLs to export."""
    from ceremonies.adapters.prefect_cli import prefect_executable, server_settings

    prefect_home = (home or Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))).expanduser().resolve()
    prefect_home.mkdir(parents=True, exist_ok=True)
    settings = server_settings(port, prefect_home, os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL"))
    if host != "127.0.0.1":
        settings["PREFECT_SERVER_API_HOST"] = host
    sys.stderr.write(
        f"Prefect UI: {settings['PREFECT_UI_URL']}\n"
        f"In other shells: export PREFECT_API_URL={settings['PREFECT_API_URL']}\n"
    )
    sys.stderr.flush()
    env = {**os.environ, **settings}
    executable = prefect_executable()
    os.execve(executable, [executable, "server", "start", "--host", host, "--port", str(port)], env)


@app.command("setup")
def setup(
    repo: Annotated[str | None, typer.Option(help="Docs repo (URL or path): Variable + its concurrency limit.")] = None,
    channel: Annotated[str | None, typer.Option(help="Slack channel Variable (overrides ceremonies.toml).")] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone Variable for the schedules.")] = "Europe/Berlin",
    work_pool: Annotated[
        str | None,
        typer.Option(help="Also create this process work pool (for `prefect deploy` + workers; serve needs none)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be created; contact no server, change nothing.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print what was created as JSON.")] = False,
) -> None:
    """Create the Slack token Secret block (from SLACK_BOT_TOKEN), Variables, repo lock (and --work-pool's pool)."""
    from ceremonies.tasks.deployments import setup_server

    token = os.environ.get("SLACK_BOT_TOKEN") or None
    report = setup_server(
        repo=repo, channel=channel, timezone=timezone, token=token, work_pool=work_pool, dry_run=dry_run
    )
    if json_output:
        print_json(report.to_json() | ({"dry_run": True} if dry_run else {}))
        return
    if dry_run:
        typer.echo("dry run: nothing created; setup would create or update:")
    typer.echo(f"work pool:          {report.work_pool or '(none: serve needs none; --work-pool for workers)'}")
    typer.echo(f"secret block:       {report.secret_block or '(skipped: SLACK_BOT_TOKEN not set)'}")
    for name, value in report.to_json()["variables"].items():
        typer.echo(f"variable:           {name} = {value}")
    for name in report.concurrency_limits:
        typer.echo(f"concurrency limit:  {name} (1 slot)")


hook_app = typer.Typer(help="Git hooks that tell Prefect about pushes (event-driven KB refresh).", no_args_is_help=True)
app.add_typer(hook_app, name="hook")


@hook_app.command("install")
def hook_install(
    repo: Annotated[Path, typer.Option(help="The bare docs repo pushes arrive in (on the git server).")],
    as_repo: Annotated[
        str | None, typer.Option("--as", help="The docs repo as the deployments name it (URL); default: --repo.")
    ] = None,
    branch: Annotated[str, typer.Option(help="Pushes to this branch emit the event.")] = "main",
    api_url: Annotated[str | None, typer.Option(help="Prefect API URL (default: PREFECT_API_URL).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the hook; write nothing.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the hook's path and event as JSON.")] = False,
) -> None:
    """Install a post-receive hook that emits ceremonies.docs.pushed, so refresh-kb runs seconds after a push."""
    from ceremonies.tasks.events import DOCS_PUSHED, install_hook, repo_resource_id

    hook, text = install_hook(repo, as_repo, branch, api_url, dry_run=dry_run)
    named = as_repo or str(repo.expanduser().resolve())
    if json_output:
        print_json(
            {"hook": str(hook), "event": DOCS_PUSHED, "resource_id": repo_resource_id(named), "dry_run": dry_run}
        )
        return
    if dry_run:
        typer.echo(f"dry run: would write {hook}:\n{text}")
        return
    typer.echo(f"installed {hook}: a push to {branch} emits {DOCS_PUSHED} ({repo_resource_id(named)})")

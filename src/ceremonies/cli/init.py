"""``ceremonies init``: recognise the team's docs layout and propose (``--write``: write) ceremonies.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceremonies.cli._app import app, fail, print_json
from ceremonies.errors import EXIT_FAILURE, CeremoniesError, UsageError


@app.command("init")
def init_command(
    repo: Annotated[Path, typer.Option("--repo", help="The team's docs repo (its root).", metavar="DIR")] = Path("."),
    write: Annotated[bool, typer.Option("--write", help="Write the proposed ceremonies.toml.")] = False,
    force: Annotated[bool, typer.Option("--force", help="With --write: replace an existing ceremonies.toml.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Inspect a docs repo: branch, where the sprint docs and the KB are, how sprints are named, what each sprint's
    plan/retro/review says, cadence and time zone, every doc not used and why; then the ceremonies.toml it proposes.

    Exit code 0 when a layout with sprint plans was recognised (and, with --write, the config written); 1 when
    none was, or when --write would overwrite an existing config without --force.
    """
    from ceremonies.jobs.init import inspect_repo, write_config  # the reader and the layouts: only when used

    if not repo.is_dir():
        raise fail(UsageError(f"--repo {str(repo)!r} is not a directory"))
    report = inspect_repo(repo)
    refusal: CeremoniesError | None = None
    if write and report.recognised:
        try:
            write_config(report, force=force)
        except CeremoniesError as error:
            refusal = error
    if as_json:
        payload = report.to_json()
        payload["errors"] = [str(refusal)] if refusal else []
        print_json(payload)
    else:
        typer.echo(report.text())
        if report.written:
            typer.echo(f"\nwrote {Path(report.repo) / 'ceremonies.toml'}")
        elif write and not report.recognised:
            typer.echo("\nnothing written: no layout recognised")
    if refusal is not None:
        raise fail(refusal)
    if not report.recognised:
        raise typer.Exit(EXIT_FAILURE)

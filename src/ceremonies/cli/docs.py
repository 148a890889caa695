"""``ceremonies parse`` and ``ceremonies check``: read sprint docs and report what they say and what is broken."""

from __future__ import annotations

import dataclasses
from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ceremonies.cli._app import app, fail, print_json
from ceremonies.errors import EXIT_FAILURE, ConfigError, SprintDocError, UsageError

if TYPE_CHECKING:  # config (pydantic), domain model, file adapter and parser: imported when a command runs
    from ceremonies.config import Settings
    from ceremonies.domain.model import (
        Ceremony,
        Document,
        ExecutionSummary,
        Retro,
        RetroAction,
        Sprint,
        WorkItem,
    )

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


# ---------------------------------------------------------------------------------------------------- JSON shapes


def error_json(error: SprintDocError | ConfigError) -> dict[str, Any]:
    """Return one problem as ``{path, line, message}``."""
    message = error.what if isinstance(error, SprintDocError) else error.message
    return {"path": error.path, "line": error.line, "message": message}


def _plain_data(value: Any) -> Any:
    """Return ``value`` (dataclasses, tuples, dates) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain_data(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain_data(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain_data(item) for key, item in value.items()}
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def sprint_json(sprint: Sprint) -> dict[str, Any]:
    """Return a Sprint as JSON data, with its total and done scope points."""
    data: dict[str, Any] = _plain_data(sprint)
    data["scope_points"] = sprint.scope_points
    data["done_points"] = sprint.done_points
    data["label"] = sprint.label
    return data


def summary_json(summary: ExecutionSummary) -> dict[str, Any]:
    """Return an ExecutionSummary as JSON data, with the sum of its completed items' points."""
    data: dict[str, Any] = _plain_data(summary)
    data["completed_points"] = sum(item.points or 0 for item in summary.completed)
    return data


def document_json(doc: Document) -> dict[str, Any]:
    """Return one parsed document as JSON data: kind, frontmatter, sprint/retro/summary and errors."""
    return {
        "path": doc.path,
        "kind": str(doc.kind),
        "ok": doc.ok,
        "has_bom": doc.has_bom,
        "frontmatter_blocks": doc.frontmatter_blocks,
        "frontmatter": _plain_data(doc.frontmatter),
        "sprint": sprint_json(doc.sprint) if doc.sprint else None,
        "retro": _plain_data(doc.retro) if doc.retro else None,
        "summary": summary_json(doc.summary) if doc.summary else None,
        "errors": [error_json(error) for error in doc.errors],
        "warnings": [error_json(warning) for warning in doc.warnings],
        "identity": _identity_json(doc),
    }


def _identity_json(doc: Document) -> dict[str, Any]:
    """Return the sprint key and number votes of a document: the winners and every source's vote."""
    return {
        name: {"value": vote.value, "votes": _plain_data(vote.votes), "dissent": _plain_data(vote.dissent)}
        for name, vote in (("key", doc.identity), ("number", doc.number_identity))
        if vote is not None
    }


# ---------------------------------------------------------------------------------------------------- text shapes


def _points(value: float | None) -> str:
    """Return points as ``8 SP`` (no ``.0``), ``? SP`` when unknown."""
    if value is None:
        return "? SP"
    return f"{value:g} SP"


def _item_line(item: WorkItem) -> str:
    """Return one work item as a text line: ``[x] ID title — @a/@b — 8 SP``."""
    mark = "x" if item.done else " "
    owners = f" — {'/'.join(item.owners)}" if item.owners else ""
    ident = f"{item.id} " if item.id else ""
    stretch = " (stretch)" if item.stretch else ""
    return f"[{mark}] {ident}{item.title}{owners} — {_points(item.points)}{stretch}"


def _action_line(action: RetroAction) -> str:
    """Return one retro action as a text line with owners, target, priority, measure and due."""
    parts = [f"{action.index}. {action.id + ': ' if action.id else ''}{action.text}"]
    if action.owners:
        parts.append("/".join(action.owners))
    for label, value in (
        ("target", action.target),
        ("priority", action.priority),
        ("due", action.due),
        ("measure", action.measure),
    ):
        if value:
            parts.append(f"{label} {value}")
    return " — ".join(parts)


def _ceremony_line(ceremony: Ceremony) -> str:
    """Return one timetable entry as ``2026-04-13 09:30–11:00 planning: Sprint Planning``."""
    day = ceremony.day.isoformat() if ceremony.day else "daily"
    end = f"–{ceremony.end:%H:%M}" if ceremony.end else ""
    return f"{day} {ceremony.start:%H:%M}{end} {ceremony.kind}: {ceremony.name}"


def _sprint_lines(sprint: Sprint) -> list[str]:
    """Return the text report of a plan."""
    dates = f"{sprint.start or '?'} → {sprint.end or '?'}"
    days = f", {sprint.duration_days} days" if sprint.duration_days else ""
    lines = [
        f"  sprint: {sprint.key or '-'} number {sprint.number or '-'} ({sprint.name or sprint.title or '-'})",
        f"  dates: {dates}{days}; time zone {sprint.timezone or '-'}",
        f"  owner {sprint.owner or '-'}, status {sprint.status or '-'}, demo {sprint.demo_owner or '-'} "
        f"on {sprint.demo_date or '-'}",
        f"  scope: {len(sprint.items)} items, {_points(sprint.scope_points)} "
        f"(planned {_points(sprint.planned_points)}, capacity {_points(sprint.capacity_points)})",
    ]
    lines += [f"    {_item_line(item)}" for item in sprint.items]
    if sprint.goals:
        lines.append(f"  goals: {len(sprint.goals)}")
    if sprint.timetable:
        lines.append("  timetable:")
        lines += [f"    {_ceremony_line(ceremony)}" for ceremony in sprint.timetable]
    if sprint.future:
        lines.append("  retro actions for later sprints:")
        lines += [f"    {_action_line(action)}" for action in sprint.future]
    return lines


def _retro_lines(retro: Retro) -> list[str]:
    """Return the text report of a retrospective."""
    lines = [
        f"  retro of {retro.sprint_key or '-'} ({retro.sprint_number or '-'}): {len(retro.went_well)} went well, "
        f"{len(retro.to_improve)} to improve, {len(retro.actions)} actions"
    ]
    return lines + [f"    {_action_line(action)}" for action in retro.actions]


def _summary_lines(summary: ExecutionSummary) -> list[str]:
    """Return the text report of an execution summary."""
    total = sum(item.points or 0 for item in summary.completed)
    lines = [
        f"  summary of {summary.key or '-'} ({summary.number or '-'}), {summary.start or '?'} → "
        f"{summary.end or '?'}: {len(summary.completed)} completed items, {_points(total)}, velocity "
        f"{_points(summary.velocity)} of {_points(summary.planned_points)}"
    ]
    lines += [f"    {_item_line(item)}" for item in summary.completed]
    if summary.unfinished:
        lines.append(f"  unfinished: {len(summary.unfinished)} items")
        lines += [f"    {_item_line(item)} ({item.status or 'open'})" for item in summary.unfinished]
    return lines


def document_text(doc: Document) -> str:
    """Return the text report of one parsed document (problems listed as ``file:line: message``)."""
    extras = []
    if doc.has_bom:
        extras.append("BOM")
    if doc.frontmatter_blocks > 1:
        extras.append(f"{doc.frontmatter_blocks} frontmatter blocks")
    lines = [f"{doc.path}: {doc.kind}{' (' + ', '.join(extras) + ')' if extras else ''}"]
    if doc.sprint is not None:
        lines += _sprint_lines(doc.sprint)
    if doc.retro is not None:
        lines += _retro_lines(doc.retro)
    if doc.summary is not None:
        lines += _summary_lines(doc.summary)
    lines += [f"  error: {error}" for error in doc.errors]
    lines += [f"  warning: {warning}" for warning in doc.warnings]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- commands


def parse_path(path: Path) -> Document:
    """Return the Document parsed from the file at ``path`` (unreadable files give a Document with the error)."""
    from ceremonies.adapters.files import name_hints, read_doc_text
    from ceremonies.config import Settings
    from ceremonies.domain.model import DocKind, Document
    from ceremonies.domain.parsing import parse_document

    try:
        text = read_doc_text(path)
    except SprintDocError as error:
        return Document(str(path), DocKind.UNKNOWN, errors=(error,))
    kind, key = name_hints(path.name, Settings())
    return parse_document(text, str(path), kind=kind, key=key)


@app.command("parse")
def parse_command(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH", help="Sprint docs: plans, retros, summaries.")],
    json_output: JsonOption = False,
) -> None:
    """Print what each sprint doc says: kind, sprint key/number, dates, items, retro actions, timetable, errors.

    Exits 1 when any document has a problem (each listed as file:line: message).
    """
    docs = [parse_path(path) for path in paths]
    if json_output:
        print_json([document_json(doc) for doc in docs])
    else:
        typer.echo("\n\n".join(document_text(doc) for doc in docs))
    if any(not doc.ok for doc in docs):
        raise typer.Exit(EXIT_FAILURE)


def _check_config(repo: Path) -> tuple[Settings, list[dict[str, Any]]]:
    """Return the repo's settings (defaults when broken) and its config problems as JSON data."""
    from ceremonies.config import Settings, load_config

    try:
        return load_config(repo), []
    except ConfigError as error:
        problems = [
            {"path": error.path, "line": problem.line, "message": f"{problem.key}: {problem.message}"}
            for problem in error.problems
        ]
        return Settings(), problems


def _doc_status(doc: Document) -> dict[str, Any]:
    """Return the check result of one document: path, kind, sprint label, ok, errors."""
    label = doc.sprint.label if doc.sprint else None
    label = (
        label
        or (doc.retro.ref if doc.retro else None)
        or (doc.summary.key or doc.summary.number if doc.summary else None)
    )
    return {
        "path": doc.path,
        "kind": str(doc.kind),
        "label": label,
        "ok": doc.ok,
        "errors": [error_json(error) for error in doc.errors],
        "warnings": [error_json(warning) for warning in doc.warnings],
    }


def _problem_line(problem: dict[str, Any]) -> str:
    """Return one problem as ``file:line: message`` (``file: message`` without a line)."""
    where = f"{problem['path']}:{problem['line']}" if problem.get("line") else str(problem["path"])
    return f"{where}: {problem['message']}"


def _check_text(repo: Path, config_problems: list[dict[str, Any]], docs: list[dict[str, Any]]) -> str:
    """Return the text report of ``ceremonies check``: good docs, the docs not used to plan (with why), then every
    problem as file:line: message (those of docs next-sprint does not need marked as warnings)."""
    from ceremonies.config import CONFIG_FILE

    read = [doc for doc in docs if doc["kind"] != "other"]
    lines = [
        f"ok   {doc['path']} ({doc['kind']}{', ' + doc['label'] if doc['label'] else ''})" for doc in read if doc["ok"]
    ]
    lines += [f"other {doc['path']}: {doc['why']}" for doc in docs if doc["kind"] == "other"]
    lines += [_problem_line(problem) for problem in config_problems]
    for doc in read:
        note = "" if doc["needed"] else " (warning: next-sprint does not need this doc)"
        lines += [_problem_line(error) + (note if not doc["needed"] else "") for error in doc["errors"]]
    warnings = [warning for doc in read for warning in doc["warnings"]]
    lines += [f"{w['path']}:{w['line'] or 1}: warning: {w['message']}" for w in warnings]
    bad = sum(not doc["ok"] for doc in read)
    blocking = sum(bool(doc["blocking"]) for doc in read)
    config_note = f", {CONFIG_FILE} has {len(config_problems)} problem(s)" if config_problems else ""
    others = len(docs) - len(read)
    lines.append(
        f"{len(read)} sprint doc(s) in {repo}: {len(read) - bad} ok, {bad} with problems ({blocking} that "
        f"next-sprint needs){config_note}; {others} other doc(s) not used to plan"
    )
    return "\n".join(lines)


def unmapped_people(docs: list[Document], settings: Settings) -> dict[str, str]:
    """Return handle → first doc naming it, for every handle or email ``[slack.people]`` does not map (those stay
    plain text in Slack: nobody is notified)."""
    from ceremonies.domain.messages import handle_key, named_people

    mapped = {handle_key(handle) for handle in settings.slack.people}
    return {handle: path for handle, path in named_people(docs).items() if handle_key(handle) not in mapped}


def check_repo(repo: Path, settings: Settings) -> tuple[list[dict[str, Any]], list[Document]]:
    """Return the check result of every markdown file under the sprint dir — each read doc with its problems and
    whether next-sprint needs it (``needed``; ``blocking`` when it has a problem that stops next-sprint), each
    other doc with why it is not used (kind ``other``) — and the parsed docs."""
    from ceremonies.adapters.files import history_of, place_files, read_document
    from ceremonies.jobs.next_sprint import is_fatal, needed_paths

    root = repo.resolve()
    placements = place_files(root, settings)
    placed = [(entry, read_document(entry.path, root, settings, entry)) for entry in placements if entry.read]
    history = history_of(placed)
    needed = needed_paths(history, settings)
    results = []
    for _, doc in placed:
        status = _doc_status(doc)
        status["needed"] = doc.path in needed
        status["blocking"] = any(is_fatal(error, needed, settings) for error in doc.errors)
        status["why"] = None
        results.append(status)
    for entry in placements:
        if not entry.read:
            results.append(
                {
                    "path": entry.shown,
                    "kind": "other",
                    "label": entry.unit.text if entry.unit else None,
                    "ok": True,
                    "needed": False,
                    "blocking": False,
                    "why": entry.why_not,
                    "errors": [],
                    "warnings": [],
                }
            )
    return sorted(results, key=lambda doc: str(doc["path"])), [doc for _, doc in placed]


@app.command("check")
def check_command(
    repo: Annotated[Path, typer.Option("--repo", help="The team's docs repo (its root).")] = Path("."),
    json_output: JsonOption = False,
) -> None:
    """Lint every doc under the sprint dir (and ceremonies.toml): each is classified (plan, retro, review/summary,
    or another doc with why it is not used) and each problem is one line, file:line: message.

    Exit code 1 when ceremonies.toml is broken or a doc next-sprint needs (the newest plan, its retro and review)
    has a problem; problems of other docs are reported as warnings.
    """
    if not repo.is_dir():
        raise fail(UsageError(f"--repo {str(repo)!r} is not a directory"))
    settings, config_problems = _check_config(repo)
    try:
        docs, scanned = check_repo(repo, settings)
    except ConfigError as error:
        raise fail(error) from None
    unmapped = unmapped_people(scanned, settings)
    if not docs:
        typer.echo(f"note: no sprint docs under {repo / settings.paths.sprint_dir}", err=True)
    from ceremonies.jobs.kb_compute import name_collisions  # git and the KB rules: only when checking

    kb_problems = [
        {"path": i.path, "line": i.line, "message": i.message} for i in name_collisions(repo.resolve(), settings)
    ]
    ok = not config_problems and not kb_problems and not any(doc["blocking"] for doc in docs)
    if json_output:
        people = [{"handle": handle, "path": path} for handle, path in unmapped.items()]
        report = {
            "repo": str(repo),
            "ok": ok,
            "config_errors": config_problems,
            "kb_errors": kb_problems,
            "documents": docs,
        }
        print_json({**report, "unmapped_people": people})
    else:
        typer.echo(_check_text(repo, config_problems + kb_problems, docs))
        if unmapped:
            shown = ", ".join(f"{handle} ({path})" for handle, path in unmapped.items())
            typer.echo(f"slack: not in [slack.people], shown as plain text (nobody notified): {shown}")
    if not ok:
        raise typer.Exit(EXIT_FAILURE)

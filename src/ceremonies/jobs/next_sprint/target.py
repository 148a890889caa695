"""Write the new plan: whose text the target file holds (the tool's or a human's), and the atomic write that never
overwrites a human's file without ``force`` (which keeps a backup)."""

from __future__ import annotations

from datetime import UTC, datetime

from ceremonies import planning
from ceremonies.adapters.atomic import discard_temps
from ceremonies.adapters.files import (
    write_atomic,
    write_repo_file,
)
from ceremonies.adapters.git import DocsRepo, Identity
from ceremonies.config import Settings
from ceremonies.errors import HumanEditError
from ceremonies.jobs.next_sprint.records import _digest, _records, record_written
from ceremonies.jobs.next_sprint.render import target_path
from ceremonies.jobs.next_sprint.results import (
    ALREADY_PLANNED,
    BACKUP_DIR,
    CREATED,
    HUMAN_EDITED,
    REPLACED,
    UNCHANGED,
    UPDATED,
    Target,
    WriteOutcome,
)


def _bot_version(docs: DocsRepo, path: str, bot: Identity) -> str | None:
    """Return the text of ``path`` as the bot last committed it (None when the newest commit on it is not the bot's)."""
    last = docs.last_commit_touching(path)
    if last is None or last.author_email.lower() != bot.email.lower():
        return None
    data = docs.read_at(last.sha, path)
    return data.decode("utf-8", errors="replace") if data is not None else ""


def inspect_target(docs: DocsRepo, settings: Settings, next_plan: planning.NextSprintPlan, doc: str) -> Target:
    """Return the target file of ``doc`` and who owns its current text (the tool, or a human)."""
    path = target_path(docs.root, settings, next_plan)
    file = docs.root / path
    if not file.exists():
        return Target(path, None, tool_owned=True, identical=False)
    current = file.read_bytes().decode("utf-8", errors="replace")
    if current == doc:
        return Target(path, current, tool_owned=True, identical=True)
    records = _records(docs)
    committed = _bot_version(docs, path, Identity(settings.bot.name, settings.bot.email))
    owned = records.get(path) == _digest(current) or committed == current
    return Target(path, current, owned, identical=False, tool_wrote=path in records or committed is not None)


def human_edit_error(target: Target) -> HumanEditError:
    """Return the refusal for a file a human changed since the tool wrote it."""
    return HumanEditError(
        "changed by a human since ceremonies wrote it (or written by a human); not overwritten — "
        "use --force to replace it (a backup is kept)",
        path=target.path,
    )


def backup_path(target: Target, now: datetime | None = None) -> str:
    """Return the repo-relative backup path of ``target``: ``.ceremonies/backups/<path>.<UTC stamp>.bak``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{BACKUP_DIR}/{target.path}.{stamp}.bak"


def write(docs: DocsRepo, target: Target, doc: str, force: bool = False, dry_run: bool = False) -> WriteOutcome:
    """Write ``doc`` to the target atomically unless it is already there or a human owns the file.

    A human's file is only replaced with ``force``, after copying it to a backup. ``dry_run`` writes nothing and
    returns what would happen.
    """
    if not dry_run:
        discard_temps(docs.root / target.path)  # what a run killed mid-write left next to the file
    if target.identical:
        return WriteOutcome(UNCHANGED)
    if not target.exists:
        status = CREATED
    elif target.tool_owned:
        status = UPDATED
    elif not force and not target.tool_wrote:
        return WriteOutcome(ALREADY_PLANNED)
    elif not force:
        return WriteOutcome(HUMAN_EDITED, refused=human_edit_error(target))
    else:
        status = REPLACED
    if dry_run:
        return WriteOutcome(status)
    backup = None
    if status == REPLACED:
        assert target.current is not None
        backup = backup_path(target)
        write_atomic(docs.root / backup, (docs.root / target.path).read_bytes())

    def still_ours(data: bytes) -> bool:
        """The file holds what inspect_target saw and judged the tool's (its record, or the bot's last commit)."""
        return target.tool_owned and data.decode("utf-8", errors="replace") == target.current

    write_repo_file(docs.root, target.path, doc, tool_wrote=still_ours, replace_human=status == REPLACED)
    record_written(docs, target.path, doc)
    return WriteOutcome(status, written=target.path, backup=backup)

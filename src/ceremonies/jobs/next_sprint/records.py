"""What next-sprint keeps in the git dir (never committed): the digest of each text it wrote, and which plan texts
were announced."""

from __future__ import annotations

import hashlib

from ceremonies.adapters import state
from ceremonies.adapters.git import DocsRepo
from ceremonies.jobs.next_sprint.results import ALREADY_PLANNED, HUMAN_EDITED, UNCHANGED


def _digest(text: str) -> str:
    """Return the sha256 hex digest of ``text`` as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _records(docs: DocsRepo) -> dict[str, str]:
    """Return path → digest of the texts this job wrote (empty when none recorded or the record is unreadable)."""
    return {str(k): str(v) for k, v in state.load(docs.git_dir, state.NEXT_SPRINT_RECORDS).items()}


def record_written(docs: DocsRepo, path: str, text: str) -> None:
    """Remember (in the git dir, never committed) that this job wrote ``text`` to ``path``."""
    records = _records(docs)
    records[path] = _digest(text)
    state.save(docs.git_dir, state.NEXT_SPRINT_RECORDS, records, indent=1)


def _announced(docs: DocsRepo) -> dict[str, bool]:
    """Return ``path@digest`` → True for the plans already announced (empty when none or unreadable)."""
    return {str(key): True for key in state.load(docs.git_dir, state.NEXT_SPRINT_ANNOUNCED)}


def mark_announced(docs: DocsRepo, path: str, text: str) -> None:
    """Remember (in the git dir) that the plan ``text`` at ``path`` needs no announcement any more."""
    seen = _announced(docs)
    seen[f"{path}@{_digest(text)}"] = True
    state.save(docs.git_dir, state.NEXT_SPRINT_ANNOUNCED, seen, indent=1)


def announcement_due(docs: DocsRepo, path: str, text: str, status: str) -> bool:
    """Return True when the plan ``text`` at ``path`` still needs its announcement: this run wrote it, or an
    earlier run here wrote it and died before announcing (``unchanged`` with our record but no announcement)."""
    if status in (HUMAN_EDITED, ALREADY_PLANNED):
        return False
    if f"{path}@{_digest(text)}" in _announced(docs):
        return False
    return status != UNCHANGED or _records(docs).get(path) == _digest(text)

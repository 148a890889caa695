"""What the sprint docs give the KB: one row per sprint (planned vs delivered, goals, retro follow-through), id →
doc path, and the docs' problems."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ceremonies.domain.model import ONGOING, Retro, RetroAction, SprintHistory, WorkItem
from ceremonies.knowledge.pages import HealthIssue
from ceremonies.ledger import SprintIndex, delivered_points


@dataclass(frozen=True)
class SprintRow:
    """One sprint as the sprint history and what's new show it."""

    label: str
    path: str | None
    start: date | None
    end: date | None
    goals: tuple[str, ...]
    planned: float | None
    delivered: float | None
    done: tuple[str, ...] = ()
    carried: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    open: tuple[str, ...] = ()

    def to_list(self) -> list[Any]:
        """Return a JSON-ready list (see :meth:`from_list`)."""
        return [
            self.label,
            self.path,
            self.start and self.start.isoformat(),
            self.end and self.end.isoformat(),
            list(self.goals),
            self.planned,
            self.delivered,
            list(self.done),
            list(self.carried),
            list(self.dropped),
            list(self.open),
        ]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> SprintRow:
        """Return the row stored by :meth:`to_list`."""
        return cls(
            data[0],
            data[1],
            data[2] and date.fromisoformat(data[2]),
            data[3] and date.fromisoformat(data[3]),
            tuple(data[4]),
            data[5],
            data[6],
            tuple(data[7]),
            tuple(data[8]),
            tuple(data[9]),
            tuple(data[10]),
        )


@dataclass(frozen=True)
class SprintFacts:
    """What the sprint docs give the KB: sprint rows (oldest first), id → doc path, and the docs' problems."""

    rows: tuple[SprintRow, ...] = ()
    docs: Mapping[str, str] = field(default_factory=dict)
    issues: tuple[HealthIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (see :meth:`from_dict`)."""
        return {
            "rows": [row.to_list() for row in self.rows],
            "docs": dict(self.docs),
            "issues": [issue.to_list() for issue in self.issues],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SprintFacts:
        """Return the facts stored by :meth:`to_dict`."""
        return cls(
            tuple(SprintRow.from_list(row) for row in data["rows"]),
            dict(data["docs"]),
            tuple(HealthIssue.from_list(issue) for issue in data["issues"]),
        )


def _norm(text: str) -> str:
    """Return ``text`` lowercased with only letters and digits, single-spaced (for matching actions to items)."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


FOLLOW_UP_SPRINTS = 3
"""A retro action is looked for in the plans of this many following sprints."""


def _action_outcome(action: RetroAction, retro: Retro, later: Sequence[tuple[WorkItem, str]], plans_after: int) -> str:
    """Return ``done``, ``carried``, ``dropped`` or ``open`` for one retro action.

    ``later`` holds the items (with normalized titles) of the next :data:`FOLLOW_UP_SPRINTS` plans; ``plans_after``
    says how many plans follow the retro's sprint at all.
    """
    if action.done:
        return "done"
    wanted = _norm(action.text)
    found = []
    for item, title in later:
        same_id = bool(action.id and item.id == action.id)
        same_text = bool(wanted and (wanted in title or (title and title in wanted)))
        backlink = bool(item.source and retro.ref in item.source and f"action {action.index}" in item.source)
        if same_id or same_text or backlink:
            found.append(item)
    if any(item.done for item in found):
        return "done"
    if found:
        return "carried"
    if not plans_after or action.target == ONGOING:
        return "open"
    return "dropped"


def sprint_facts(history: SprintHistory) -> SprintFacts:
    """Return the sprint rows (planned vs delivered, goals, retro follow-through), id → doc paths and doc errors."""
    rows, docs = [], {}
    plans = list(history.plans)
    titled = [[(item, _norm(item.title)) for item in plan.items] for plan in plans]
    index = SprintIndex.of(history)
    for position, plan in enumerate(plans):
        planned = plan.planned_points if plan.planned_points is not None else (plan.scope_points or None)
        delivered = delivered_points(plan, index.summary_of(plan), closed=plan.retro is not None)
        retros = index.retros_of(plan) or ([plan.retro] if plan.retro else [])
        later = [pair for items in titled[position + 1 : position + 1 + FOLLOW_UP_SPRINTS] for pair in items]
        outcomes: dict[str, list[str]] = {"done": [], "carried": [], "dropped": [], "open": []}
        seen = set()
        for retro in retros:
            for action in retro.actions:
                if _norm(action.text) in seen:
                    continue
                seen.add(_norm(action.text))
                outcome = _action_outcome(action, retro, later, len(plans) - position - 1)
                outcomes[outcome].append(action.text)
        rows.append(
            SprintRow(
                plan.label,
                plan.path,
                plan.start,
                plan.end,
                plan.goals,
                planned,
                delivered,
                tuple(outcomes["done"]),
                tuple(outcomes["carried"]),
                tuple(outcomes["dropped"]),
                tuple(outcomes["open"]),
            )
        )
        if plan.path:
            for label in (plan.key, plan.number):
                if label:
                    docs[label] = plan.path
            for item in plan.items:
                if item.id and not item.id.startswith("#"):
                    docs[item.id] = plan.path
    issues = tuple(HealthIssue("sprint-doc", error.path or "?", error.line, error.what) for error in history.errors)
    return SprintFacts(tuple(rows), docs, issues)


def sprint_of(day: date, rows: Sequence[SprintRow]) -> SprintRow | None:
    """Return the sprint whose window holds ``day`` (the later one where two windows touch), else None."""
    found = None
    for row in rows:
        if (
            row.start
            and row.end
            and row.start <= day <= row.end
            and (found is None or (found.start is not None and row.start >= found.start))
        ):
            found = row
    return found

"""Scope of the next sprint: unfinished items carry over, retro actions become scope, future, ongoing or open.

Pure (no I/O, no clock). Which sprint an action aims at is :func:`ceremonies.ledger.compare_label`'s answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from ceremonies.config import Settings
from ceremonies.domain.model import ONGOING, ExecutionSummary, RetroAction, Sprint, SprintHistory, WorkItem, next_label
from ceremonies.ledger import compare_label, is_key, retro_of

# ---------------------------------------------------------------------------------------------------- matching


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    """Return the lower-case words of ``text`` (for loose title matching)."""
    return frozenset(re.findall(r"[^\W_]+", text.lower()))


def same_work(a_id: str | None, a_title: str, b_id: str | None, b_title: str) -> bool:
    """Return True when two items are the same work: equal IDs, else titles with mostly the same words
    (or one title's words, at least three, all in the other)."""
    if a_id and b_id:
        return a_id.lower() == b_id.lower()
    left, right = _words(a_title), _words(b_title)
    if not left or not right:
        return False
    smaller = min(len(left), len(right))
    if smaller >= 3 and (left <= right or right <= left):
        return True
    return len(left & right) / len(left | right) >= 0.75


# ---------------------------------------------------------------------------------------------------- scope


def backlink(ref: str, action: RetroAction) -> str:
    """Return the backlink of an action of the retro (or plan backlog) ``ref``, e.g. ``SPR-012-RETRO action 3``."""
    return f"{ref} action {action.index}"


def _generated_id(ref: str, action: RetroAction, settings: Settings) -> str:
    """Return the ID of a scope item made from an action without one: ``SPR-012-RETRO-3`` (stable across runs)."""
    prefix = ref if is_key(ref) else f"{settings.sprint.key_prefix}-{ref}"
    return f"{prefix}-{action.index}"


def carried_over(previous: Sprint, summary: ExecutionSummary | None) -> tuple[WorkItem, ...]:
    """Return the previous plan's unfinished items with ``carried`` + 1.

    Unfinished = unchecked and, when the sprint has an execution summary, not among its completed items.
    """
    carried = []
    for item in previous.items:
        if item.done:
            continue
        if summary is not None and any(
            same_work(item.id, item.title, done.id, done.title) for done in summary.completed
        ):
            continue
        carried.append(replace(item, carried=item.carried + 1, done=False, line=None, stretch=False))
    return tuple(carried)


@dataclass(frozen=True)
class _Sourced:
    """An action with the ref of where it was written: ``SPR-012-RETRO``, or ``SPR-013-BACKLOG`` for the future
    actions a plan lists; ``from_retro`` is False for the latter."""

    action: RetroAction
    ref: str
    from_retro: bool


def _still_relevant(action: RetroAction, ref: str, new: Sprint, recent: set[str]) -> bool:
    """Return True when an action can still be placed: not done, and from a recent retro or aimed at ``new``,
    a later sprint, every sprint, or a sprint the planner cannot compare."""
    if action.done:
        return False
    if ref in recent or action.target == ONGOING:
        return True
    order = compare_label(action.target, new)
    return (order is not None and order >= 0) or (order is None and action.target is not None)


def _action_pool(history: SprintHistory, previous: Sprint, new: Sprint, recent: set[str]) -> list[_Sourced]:
    """Return the retro actions of the history that can still be placed plus the previous plan's future actions,
    oldest retro first.

    An action raised more than once counts once, as its newest retro wrote it (its target may have moved); an
    action a plan lists is taken from its retro when the history has it (to keep the retro's backlink).
    """
    retros = list(history.retros)
    if previous.retro is not None and all(previous.retro.ref != retro.ref for retro in retros):
        retros.append(previous.retro)
    backlog = f"{previous.key or previous.number or 'PLAN'}-BACKLOG"
    sources = [(order, retro.ref, retro.actions, True) for order, retro in enumerate(retros)]
    newest_first = sorted(sources, key=lambda source: -source[0])
    newest_first.append((len(retros), backlog, previous.future, False))
    kept: list[tuple[int, _Sourced]] = []
    for order, ref, actions, from_retro in newest_first:
        for action in actions:
            if from_retro and not _still_relevant(action, ref, new, recent):
                continue
            if not any(same_work(action.id, action.text, seen.action.id, seen.action.text) for _, seen in kept):
                kept.append((order, _Sourced(action, ref, from_retro)))
    kept.sort(key=lambda entry: (entry[0], entry[1].action.index))
    return [sourced for _, sourced in kept]


def _scope_item(sourced: _Sourced, settings: Settings) -> WorkItem:
    """Return the scope item for an action aimed at the new sprint: its own ID or a generated one, a backlink."""
    action, ref = sourced.action, sourced.ref
    item_id = action.id or _generated_id(ref, action, settings)
    source = backlink(ref, action)
    return WorkItem(title=action.text, id=item_id, owners=action.owners, points=action.points, source=source)


@dataclass(frozen=True)
class _Scope:
    """The sorted retro actions: new scope, carried items (with backlinks added), future, ongoing, open."""

    from_retro: tuple[WorkItem, ...]
    carried: tuple[WorkItem, ...]
    future: tuple[RetroAction, ...]
    ongoing: tuple[RetroAction, ...]
    open_actions: tuple[RetroAction, ...]
    refs: tuple[tuple[str, str], ...]
    measures: tuple[tuple[str, str], ...]


def _scheduled(action: RetroAction, items: Iterable[WorkItem]) -> bool:
    """Return True when a plan item is the same work as ``action``."""
    return any(same_work(action.id, action.text, item.id, item.title) for item in items)


def _recent_retros(history: SprintHistory, previous: Sprint) -> set[str]:
    """Return the refs of the retros whose open actions are followed through: the last two, and previous's own."""
    recent = {retro.ref for retro in history.retros[-2:]}
    latest = retro_of(history, previous)
    return recent | ({latest.ref} if latest is not None else set())


def placement(action: RetroAction, from_retro: bool, new: Sprint) -> str | None:
    """Return where a not-done action goes: ``scope`` (aimed at ``new``), ``future`` (later), ``ongoing``, or
    ``open`` (no target or an earlier sprint); None for an action a plan listed with an unknown target."""
    if action.target == ONGOING:
        return "ongoing"
    order = compare_label(action.target, new)
    if order == 0:
        return "scope"
    if order == 1 or (order is None and action.target and not from_retro):
        return "future"
    return "open" if from_retro else None


def _naive_next(label: str) -> str | None:
    """Return ``label`` with its last number plus one (what a retro writes for "the next sprint"), else None."""
    try:
        return next_label(label)
    except ValueError:
        return None


def _due_day(action: RetroAction) -> date | None:
    """Return the due date of an action (``due`` as ISO), else None."""
    try:
        return date.fromisoformat(action.due) if action.due else None
    except ValueError:
        return None


def _untargeted_place(action: RetroAction, new: Sprint, from_last_retro: bool) -> str:
    """Return where an action that names no sprint goes: by its due date the sprint containing it (``scope`` when
    due by the end of ``new``, ``future`` after it); without one, ``scope`` when it comes from the last retro and
    the team plans those for the next sprint, else ``open``."""
    due = _due_day(action)
    if due is not None and new.end is not None:
        return "scope" if due <= new.end else "future"
    return "scope" if from_last_retro else "open"


def _link_carried(carried: list[WorkItem], action: RetroAction, link: str | None) -> bool:
    """Give the carried item that is ``action``'s work its backlink (when it has none); True when one matched."""
    for index, item in enumerate(carried):
        if same_work(action.id, action.text, item.id, item.title):
            if item.source is None and link is not None:
                carried[index] = replace(item, source=link)
            return True
    return False


def sort_actions(
    history: SprintHistory, previous: Sprint, new: Sprint, carried: tuple[WorkItem, ...], settings: Settings
) -> _Scope:
    """Return the retro actions sorted into new scope, future, ongoing and open (see the module rules).

    An action aimed at ``new`` that is already a carried-over item is not repeated: the item gets its backlink.
    """
    recent = _recent_retros(history, previous)
    linked = list(carried)
    placed: dict[str, list[RetroAction]] = {"future": [], "ongoing": [], "open": []}
    from_retro: list[WorkItem] = []
    refs: list[tuple[str, str]] = []
    measures: list[tuple[str, str]] = []
    own = retro_of(history, previous)
    after_previous = {_naive_next(label) for label in (previous.number, previous.key) if label} - {None}
    next_up = settings.sprint.untargeted_actions == "next_sprint"
    for sourced in _action_pool(history, previous, new, recent):
        action = sourced.action
        where = None if action.done else placement(action, sourced.from_retro, new)
        if where != "scope" and not action.done and action.target is not None and action.target in after_previous:
            where = "scope"  # "the sprint after" the previous one, also when the new one was renumbered (2027-01)
        if where == "open" and action.target is None:
            where = _untargeted_place(action, new, next_up and own is not None and sourced.ref == own.ref)
        link = backlink(sourced.ref, action)
        if where == "scope":
            if not _link_carried(linked, action, link) and not _scheduled(action, from_retro):
                from_retro.append(_scope_item(sourced, settings))
                if action.measure:
                    measures.append((action.text, action.measure))
            continue
        if where == "open" and (
            sourced.ref not in recent or _scheduled(action, previous.items) or _scheduled(action, linked)
        ):
            continue
        if where is not None:
            placed[where].append(action)
            refs.append((action.text, link))
    return _Scope(
        tuple(from_retro),
        tuple(linked),
        tuple(placed["future"]),
        tuple(placed["ongoing"]),
        tuple(placed["open"]),
        tuple(refs),
        tuple(measures),
    )

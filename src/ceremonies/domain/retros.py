"""Retrospectives: went well / to improve / action items, from a separate retro file or a plan's section.

Action items come in three shapes: checkbox lines ``- [ ] text — @owner — due``; numbered items with
``Target:``/``Owner:``/``Measure:`` sub-bullets under priority headings; and items whose target comes from the
heading (``### High Priority (SPR-019)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ceremonies.domain.dates import find_date, parse_date
from ceremonies.domain.frontmatter import is_placeholder
from ceremonies.domain.lines import (
    CHECKBOX,
    ITEM_ID,
    OWNER,
    POINTS_TAIL,
    SEGMENT_SPLIT,
    number_in,
    owners_in,
    points_in,
    sprint_ref,
    status_of,
)
from ceremonies.domain.model import Retro, RetroAction
from ceremonies.domain.outline import ListItem, Section, Table, plain, split_label

_PLACEHOLDER_ACTION = re.compile(r"^(action( item)?\s*\d*|todo|tbd|\.\.\.|…)$", re.I)
_PRIORITY = re.compile(r"\b(critical|high|medium|low)\b(?:\s+priority)?|\b(P[0-3])\b", re.I)
RETRO_ACTIONS_TITLE = re.compile(
    r"\baction items?\b|\bactions\b|\bmaßnahmen\b|\bnext steps\b|\bwhat we(?:'|’| a)?re changing\b"
    r"|\bwhat we will (?:change|do|try)\b|\bprocess improvements?\b|\bimprovements? (?:for|to try)\b"
    r"|\bchanges for\b|\bexperiments? to try\b|\bwe commit\b|\breview feedback\b",
    re.I,
)
_WENT_WELL = re.compile(r"went well|what worked|keep doing|\bliked\b|positives?|gut gelaufen|\bwell\b", re.I)
_TO_IMPROVE = re.compile(
    r"improve|didn.?t go well|went wrong|challenges?|problems?|less of|verbesser|schlecht|lacked", re.I
)


@dataclass(frozen=True)
class Context:
    """What a heading above an action says: its priority and target sprint."""

    priority: str | None = None
    target: str | None = None


def _heading_context(title: str, parent: Context, current_key: str | None) -> Context:
    """Return the context a priority heading such as ``High Priority Items (SPR-013 Focus)`` gives its actions."""
    text = plain(title)
    priority_match = _PRIORITY.search(text)
    priority = (priority_match.group(1) or priority_match.group(2)).lower() if priority_match else parent.priority
    target = parent.target
    for inner in re.findall(r"\(([^()]*)\)", text):
        target = sprint_ref(inner, current_key) or target
    return Context(priority, target)


def _action_fields(item: ListItem) -> dict[str, str]:
    """Return ``label → value`` of an action's sub-bullets (``Owner:``, ``Target:``, ``Measure:``...)."""
    found: dict[str, str] = {}
    for child in item.children:
        split = split_label(child.text)
        if split is not None:
            found.setdefault(split[0], split[1])
    return found


def _action_from_item(item: ListItem, context: Context, current_key: str | None) -> RetroAction | None:
    """Return the action in a list item (checkbox line or numbered item with sub-bullets), else None."""
    checkbox = CHECKBOX.match(item.text)
    body = item.text[checkbox.end() :] if checkbox else item.text
    detail = None
    lead = _BOLD_LEAD.match(body)
    if lead and lead["rest"].strip():  # ``**Pair on reviews.** Every PR gets a second reader.``
        body, detail = lead["lead"].strip().rstrip(".:"), plain(lead["rest"]).strip(" .:—–-") or None
    if plain(body).strip().endswith(":") and not item.children:  # an unfilled template label (``- Owner:``)
        return None
    segments = SEGMENT_SPLIT.split(plain(body))
    head = segments[0].strip().rstrip(":")
    if not head or _PLACEHOLDER_ACTION.match(head) or is_placeholder(head):
        return None
    fields = _action_fields(item)
    owner_text = fields.get("owner") or fields.get("owners") or fields.get("verantwortlich") or ""
    owners = owners_in(owner_text) if owner_text else ()
    if not owners and detail:
        named = _OWNER_IN_PROSE.search(detail)
        owners = owners_in(named["who"]) if named else tuple(dict.fromkeys(OWNER.findall(detail)))
    target, due = _target_and_due(segments[1:], fields, context, current_key)
    if not owners:
        owners = next((owners_in(seg) for seg in segments[1:] if OWNER.search(seg)), ())
    points_text = fields.get("story points") or fields.get("points") or fields.get("sp") or ""
    item_id, text = None, POINTS_TAIL.sub("", head).strip()
    id_match = ITEM_ID.match(text)
    if id_match:
        item_id, text = id_match["id"], id_match["title"].strip()
    return RetroAction(
        text=text,
        index=0,
        owners=owners,
        target=target,
        measure=fields.get("measure") or fields.get("metric") or fields.get("success measure"),
        priority=(fields.get("priority") or "").lower() or context.priority,
        due=due,
        id=item_id,
        points=number_in(points_text) if points_text else points_in(" ".join(segments[1:])),
        done=bool(checkbox and checkbox["mark"] != " "),
        line=item.line,
        detail=detail,
        target_text=_target_text(segments[1:], fields),
    )


_OWNER_IN_PROSE = re.compile(r"\b(?:owners?|verantwortlich)\s*:\s*(?P<who>[^;.()]+)", re.I)
_BOLD_LEAD = re.compile(r"^\s*\*\*(?P<lead>[^*]+?)\*\*(?P<rest>.*)$", re.DOTALL)


def _target_text(segments: list[str], fields: dict[str, str]) -> str | None:
    """Return the action's target as written (a ``Target:``/``Due:`` field, else a segment naming a sprint)."""
    for label in (*_TARGET_LABELS, *_DUE_LABELS):
        if fields.get(label):
            return fields[label]
    for segment in segments:
        split = split_label(segment)
        if split is not None and split[0] in (*_TARGET_LABELS, *_DUE_LABELS):
            return split[1]
    return next((seg.strip() for seg in segments if not OWNER.search(seg) and sprint_ref(seg) is not None), None)


_TARGET_LABELS = ("target", "target sprint", "sprint", "ziel", "zielsprint")
_DUE_LABELS = ("due", "deadline", "due date", "fällig", "bis")


def _target_and_due(
    segments: list[str], fields: dict[str, str], context: Context, current_key: str | None
) -> tuple[str | None, str | None]:
    """Return (target sprint, due text) of an action from its ``Target:``/``Due:`` fields, segments or heading.

    A due text that is a date becomes ISO (``2026-03-25``).
    """
    fields = dict(fields)
    loose = []
    for segment in segments:
        split = split_label(segment)
        if split is not None and split[0] in (*_TARGET_LABELS, *_DUE_LABELS):
            fields.setdefault(split[0], split[1])
        elif not OWNER.search(segment) and points_in(segment) is None and segment.strip():
            loose.append(segment.strip())
    target = next((ref for label in _TARGET_LABELS if (ref := sprint_ref(fields.get(label, ""), current_key))), None)
    due = next((fields[label] for label in _DUE_LABELS if fields.get(label)), None)
    for segment in loose:
        ref = sprint_ref(segment, current_key)
        if ref is not None and target is None:
            target = ref
        elif ref is None and due is None and not is_placeholder(segment):
            due = segment
    if due is not None:
        as_date = parse_date(due)
        due = as_date.isoformat() if as_date else due
    return target or context.target, due


def actions_in(section: Section, context: Context, current_key: str | None) -> list[RetroAction]:
    """Return the actions of ``section`` and its sub-sections; sub-headings refine priority and target."""
    context = _heading_context(section.title, context, current_key) if section.level else context
    actions = [action for table in section.tables for action in table_actions(table, context, current_key)]
    for item in section.items:
        action = _action_from_item(item, context, current_key)
        if action is not None:
            actions.append(action)
        elif not item.text.strip() or split_label(item.text) is not None:
            actions += [a for child in item.children if (a := _action_from_item(child, context, current_key))]
    for child in section.children:
        actions += actions_in(child, context, current_key)
    return actions


_ACTION_COLUMNS: dict[str, str] = {
    "text": r"^(?:actions?|action items?|what|improvements?|experiments?|change|maßnahmen?|todo)\b",
    "owner": r"^(?:owners?|who|responsible|verantwortlich|assignees?)\b",
    "target": r"^(?:by|due|when|target|deadline|sprint|target sprint|due date|fällig|bis)\b",
    "id": r"^(?:id|#|ticket|issue|kaizen issue|jira)\b",
    "measure": r"^(?:how we will know|measure|success|metric|signal|how)\b",
    "status": r"^(?:status|state|done)$",
}


def _action_columns(header: tuple[str, ...]) -> dict[str, int]:
    """Return the index of each action-table role present in ``header`` (a column plays one role)."""
    names = [plain(cell).lower().strip(" .:") for cell in header]
    found: dict[str, int] = {}
    for role, pattern in _ACTION_COLUMNS.items():
        index = next((i for i, n in enumerate(names) if i not in found.values() and re.search(pattern, n)), None)
        if index is not None:
            found[role] = index
    return found


def target_of(text: str, current_key: str | None) -> tuple[str | None, str | None]:
    """Return (target, due) of a ``By``/``Due`` text: ``Sprint 6 planning`` → ("6", None), ``Standing`` →
    (ONGOING, None), ``Immediately`` → (the sprint after ``current_key``, None), ``2026-10-09; check in Sprint 2``
    → ("2", "2026-10-09"). A date is the due date; mapping it to a sprint is the planner's job."""
    clean = plain(text).strip()
    if not clean or is_placeholder(clean):
        return None, None
    day = parse_date(clean) or find_date(clean)
    return sprint_ref(clean, current_key), day.isoformat() if day else None


_ISSUE_ID = re.compile(r"^(?:#\d[\w.-]*|[A-Za-z][A-Za-z0-9]*[-.]?\d[\w.-]*)$")  # ``#31``, ``KZ-4``; not a row ``1``


def table_actions(table: Table, context: Context, current_key: str | None) -> list[RetroAction]:
    """Return the actions of an action table (``| Action | Owner | By |``, ``| Action | Owner | Kaizen issue # |
    Due | How we will know it worked |``); none when the table has no action column."""
    columns = _action_columns(table.header)
    if "text" not in columns:
        return []

    def cell(row: tuple[str, ...], role: str) -> str:
        """Return the plain text of the ``role`` cell of ``row`` ('' when absent)."""
        index = columns.get(role)
        return plain(row[index]).strip() if index is not None and index < len(row) else ""

    actions = []
    for row, line in zip(table.rows, table.row_lines, strict=False):
        text = cell(row, "text")
        if not text or is_placeholder(text) or _PLACEHOLDER_ACTION.match(text):
            continue
        when = cell(row, "target")
        target, due = target_of(when, current_key)
        owner_text = re.sub(r"^\s*(?:proposed|tbd)\s*:\s*", "", cell(row, "owner"), flags=re.I)
        identifier = cell(row, "id")
        status = status_of(cell(row, "status"))
        actions.append(
            RetroAction(
                text=text,
                index=0,
                owners=owners_in(owner_text) if owner_text and not is_placeholder(owner_text) else (),
                target=target or context.target,
                measure=cell(row, "measure") or None,
                priority=context.priority,
                due=due,
                id=identifier if _ISSUE_ID.match(identifier) else None,
                done=status in ("done", "x", "[x]", "closed", "completed"),
                line=line,
                target_text=when or None,
            )
        )
    return actions


def numbered(actions: list[RetroAction]) -> tuple[RetroAction, ...]:
    """Return ``actions`` with ``index`` set to their 1-based position."""
    return tuple(replace(action, index=index) for index, action in enumerate(actions, start=1))


@dataclass
class _RetroParts:
    """What a retrospective says, collected while walking its sections and labelled list items."""

    went_well: list[str] = field(default_factory=list)
    to_improve: list[str] = field(default_factory=list)
    actions: list[RetroAction] = field(default_factory=list)

    @property
    def filled(self) -> bool:
        """Return True when anything real was written (a blank template is not a retro)."""
        return bool(self.went_well or self.to_improve or self.actions)


def retro_bucket(label: str) -> str | None:
    """Return which part of a retro a heading or label names: ``well``, ``improve``, ``actions``, else None."""
    text = plain(label)
    if RETRO_ACTIONS_TITLE.search(text):
        return "actions"
    if _TO_IMPROVE.search(text):
        return "improve"
    if _WENT_WELL.search(text):
        return "well"
    return None


def texts_of(items: Iterable[ListItem]) -> list[str]:
    """Return the plain, non-placeholder texts of ``items``."""
    return [plain(item.text) for item in items if plain(item.text) and not is_placeholder(plain(item.text))]


def _retro_labelled_item(item: ListItem, parts: _RetroParts, current_key: str | None) -> None:
    """Add a ``- What went well: ...`` / ``- Action items:`` item (value inline or as sub-items) to ``parts``."""
    split = split_label(item.text)
    bucket = retro_bucket(split[0] if split else item.text)
    if bucket is None:
        return
    value = split[1] if split else ""
    if bucket == "actions":
        inline = [ListItem(value, item.line)] if value else []
        found = [_action_from_item(it, Context(), current_key) for it in [*inline, *item.children]]
        parts.actions += [action for action in found if action is not None]
        return
    texts = ([] if not value or is_placeholder(value) else [value]) + texts_of(item.children)
    (parts.went_well if bucket == "well" else parts.to_improve).extend(texts)


def _collect_retro(section: Section, parts: _RetroParts, current_key: str | None) -> None:
    """Walk ``section``: headings and labelled items named like retro parts feed ``parts``."""
    bucket = retro_bucket(section.title) if section.level else None
    if bucket == "actions":
        parts.actions += actions_in(section, Context(), current_key)
        return
    if bucket is not None:
        texts = texts_of(section.all_items()) or [plain(p.text) for p in section.paragraphs if plain(p.text)]
        (parts.went_well if bucket == "well" else parts.to_improve).extend(texts)
        return
    for item in section.items:
        _retro_labelled_item(item, parts, current_key)
    for child in section.children:
        _collect_retro(child, parts, current_key)


def retro_from(section: Section, key: str | None, number: str | None, path: str) -> Retro | None:
    """Return the retro written in ``section``, or None when it is only the empty template."""
    parts = _RetroParts()
    _collect_retro(section, parts, key or number)
    if not parts.filled:
        return None
    return Retro(key, number, tuple(parts.went_well), tuple(parts.to_improve), numbered(parts.actions), path)

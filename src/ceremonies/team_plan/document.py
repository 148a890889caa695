"""The document of a team-shaped plan: details block, sections by role, closing sections (see the package
rules). Pure: the outline text and the plan in, markdown out; no I/O, no clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePosixPath

from ceremonies.domain.model import RetroAction, WorkItem
from ceremonies.domain.outline import plain
from ceremonies.planning import NextSprintPlan, owners_text
from ceremonies.team_plan.lists import Entry, list_style, render_entries
from ceremonies.team_plan.text import (
    DATE_TOKEN,
    HEADING,
    Part,
    date_writer,
    frontmatter_blocks,
    redate,
    shift_dates,
    split_parts,
    strip_frontmatter,
)

PLACEHOLDER = "<!-- to be filled in at sprint planning -->"

_FIELD = re.compile(
    r"^(?P<lead>\s*(?:[-*+]\s+)?(?:\*\*|__)?)(?P<label>[^:*_\n|]{1,40}?)(?P<mid>(?:\*\*|__)?:(?:\*\*|__)?\s*)"
    r"(?P<value>.*)$"
)
_CARRY = re.compile(r"previous|carr(?:y|ied)|unfinished|left ?over|spill", re.I)
_SCOPE = re.compile(r"scope|backlog|items|stor(?:y|ies)|tasks|committed|commitment|to-?do|deliverables|work", re.I)
_NOT_SCOPE = re.compile(r"product backlog|out of scope|explanation|selection|chart|burn", re.I)
_RETRO_PLACE = re.compile(r"retro|improvement|kaizen|action", re.I)
_STANDING = re.compile(r"definition of done|\bdod\b|standing|working agreement", re.I)
_NUMBER_LABEL = re.compile(r"^sprint\s*(?:number|no\.?|nr\.?|#)$|^number$", re.I)
_NAME_LABEL = re.compile(r"^sprint(?:\s*name)?$", re.I)
_KEY_LABEL = re.compile(r"^(?:sprint\s*)?(?:key|id|docid)$", re.I)
_DATES_LABEL = re.compile(r"^(?:sprint\s*)?(?:timespan|dates|period|zeitraum|timeline|when)\b", re.I)
_DURATION_LABEL = re.compile(r"^(?:sprint\s*)?(?:duration|dauer|length)\b", re.I)
_START_LABEL = re.compile(r"^(?:sprint\s*)?start(?:\s*date)?$|^beginn", re.I)
_END_LABEL = re.compile(r"^(?:sprint\s*)?end(?:\s*date)?$|^ende", re.I)
_YAML_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)(?P<sep>\s*:\s*)(?P<value>.*)$")
_YAML_KEY = {"docid", "id", "key", "sprint", "sprint_key"}
_YAML_START = {"start", "start_date", "sprint_start"}
_YAML_END = {"end", "end_date", "sprint_end"}


def _frontmatter(text: str, ident: Identity) -> list[str]:
    """Return the team's real frontmatter block (the last one: a generated placeholder may come first) set for the
    new sprint: key fields get the new key, dates the new dates, other values renumbered; [] without one."""
    blocks, _ = frontmatter_blocks(text)
    if not blocks:
        return []
    out = ["---"]
    for line in blocks[-1].splitlines():
        found = _YAML_LINE.match(line)
        if not found:
            out.append(_renumber(line, ident))
            continue
        key, sep, value = found["key"], found["sep"], found["value"]
        lower = key.lower()
        quote = value[:1] if value[:1] in "\"'" else ""
        if lower in _YAML_KEY and ident.key:
            out.append(f"{key}{sep}{quote}{ident.key}{quote}")
        elif lower in _YAML_START or lower in _YAML_END:
            day = ident.start if lower in _YAML_START else ident.end
            out.append(f"{key}{sep}{quote}{day.isoformat()}{quote}")
        else:
            out.append(f"{key}{sep}{_renumber(value, ident)}")
    return [*out, "---", ""]


# ------------------------------------------------------------------------------------------------ the details block


@dataclass(frozen=True)
class Identity:
    """What the details block says about the new sprint."""

    number: str
    name: str
    key: str
    old_numbers: tuple[str, ...]
    old_key: str | None
    start: date
    end: date
    date_sample: str
    shift: timedelta | None = None
    """How far the new sprint starts after the previous one (None when the previous had no dates)."""


def _field_line(line: str, ident: Identity, previous: dict[str, str]) -> tuple[str, bool]:
    """Return ``line`` with its value set for the new sprint, and whether it holds the dates."""
    found = _FIELD.match(line)
    if not found or ":" not in found["mid"]:
        return _renumber(line, ident), False
    label = plain(found["label"]).strip()
    value = found["value"]
    head = found["lead"] + found["label"] + found["mid"]
    spacer = "" if head.endswith(" ") else " "
    if _NUMBER_LABEL.match(label):
        return f"{head}{spacer}{ident.number}", False
    if _KEY_LABEL.match(label):
        return f"{head}{spacer}{ident.key}", False
    if _NAME_LABEL.match(label):
        return f"{head}{spacer}{ident.name}", False
    if _START_LABEL.match(label):
        return f"{head}{spacer}{date_writer(value or ident.date_sample)(ident.start)}", True
    if _END_LABEL.match(label):
        return f"{head}{spacer}{date_writer(value or ident.date_sample)(ident.end)}", True
    if _DATES_LABEL.search(label) or (_DURATION_LABEL.search(label) and DATE_TOKEN.search(value)):
        if DATE_TOKEN.search(value):
            return f"{head}{spacer}{redate(value, ident.start, ident.end)}".rstrip(), True
        writer = date_writer(ident.date_sample)
        return f"{head}{spacer}{writer(ident.start)} – {writer(ident.end)}", True
    if DATE_TOKEN.search(value) and ident.shift is not None:
        return f"{head}{spacer}{shift_dates(value, ident.shift)}", False
    if not value.strip() and previous.get(label.lower()):
        return f"{head}{spacer}{previous[label.lower()]}", False
    return _renumber(line, ident), False


def _renumber(text: str, ident: Identity) -> str:
    """Return ``text`` with the previous sprint's key and ``Sprint <old number>`` written as the new sprint's."""
    if ident.old_key and ident.key and ident.old_key != ident.key:
        text = re.sub(rf"(?<![\w-]){re.escape(ident.old_key)}(?![\w])", ident.key, text)
    for old in ident.old_numbers:
        text = re.sub(rf"(?i)\b(sprint\s*)0*{re.escape(old.lstrip('0') or '0')}\b", rf"\g<1>{ident.number}", text)
    return text


def previous_fields(text: str) -> dict[str, str]:
    """Return label (lower case) → value of the ``Label: value`` lines of a plan's first part and first section."""
    values: dict[str, str] = {}
    for part in split_parts(strip_frontmatter(text))[:2]:
        for line in part.lines:
            found = _FIELD.match(line)
            if found and found["value"].strip():
                values.setdefault(plain(found["label"]).strip().lower(), found["value"].strip())
    return values


# ------------------------------------------------------------------------------------------------ the document


@dataclass(frozen=True)
class TeamOutline:
    """The inputs of a team-style plan: the outline (their form or their last plan), whether it is a blank form,
    the last plan's text (values and date format) and where the new plan and the retro live (for links)."""

    text: str
    blank_form: bool
    previous_text: str
    new_path: str
    retro_path: str | None
    retro_paths: dict[str, str] = field(default_factory=dict)
    """Retro ref (``sprint-05-RETRO``) → repo-relative path, for the backlinks of older retros' actions."""

    def retro_of(self, backlink: str) -> str | None:
        """Return the path of the retro a backlink like ``sprint-05-RETRO action 3`` names (the last retro's when
        unknown)."""
        ref = backlink.rsplit(" action ", 1)[0].removeprefix("from ")
        return self.retro_paths.get(ref, self.retro_path)


def _link(path: str | None, new_path: str, label: str) -> str:
    """Return a markdown link from the doc at ``new_path`` to ``path`` (just ``label`` without a path)."""
    if not path:
        return label
    target = PurePosixPath(path)
    base = PurePosixPath(new_path).parent
    common = len([a for a, b in zip(base.parts, target.parts, strict=False) if a == b])
    relative = "/".join([".."] * (len(base.parts) - common) + list(target.parts[common:]))
    return f"[{label}](<{relative}>)" if " " in relative else f"[{label}]({relative})"


def _section_role(title: str) -> str | None:
    """Return what a section of the team's plan holds: ``carry``, ``retro``, ``standing``, ``scope`` or None."""
    text = plain(title)
    if _STANDING.search(text):
        return "standing"
    if _CARRY.search(text):
        return "carry"
    if _RETRO_PLACE.search(text) and not _SCOPE.search(text):
        return "retro"
    if _SCOPE.search(text) and not _NOT_SCOPE.search(text):
        return "scope"
    return None


_STRONG_SCOPE = re.compile(r"scope|backlog|items|stor(?:y|ies)|tasks|deliverables", re.I)


def _roles(parts: list[Part]) -> dict[int, str]:
    """Return part index → role: the first carry-over, standing and retro section, and the scope section — the first
    one named like scope, backlog, items, stories or tasks, else the first like commitment, to-do or work."""
    roles: dict[int, str] = {}
    scopes: list[tuple[int, int]] = []
    for index, part in enumerate(parts):
        role = _section_role(part.title) if part.title else None
        if role == "scope":
            scopes.append((0 if _STRONG_SCOPE.search(plain(part.title or "")) else 1, index))
        elif role is not None and role not in roles.values():
            roles[index] = role
    if scopes:
        roles[min(scopes)[1]] = "scope"
    elif "retro" in roles.values():
        roles = {index: ("scope" if role == "retro" else role) for index, role in roles.items()}
    return dict(sorted(roles.items()))


def _action_entry(action: RetroAction, refs: dict[str, str], outline: TeamOutline) -> str:
    """Return the list line of a future/ongoing/open action with its backlink."""
    text = re.sub(r"\s+", " ", action.text)
    label = refs.get(action.text, "retrospective")
    link = _link(outline.retro_of(label), outline.new_path, label)
    target = f" — by {action.target_text or action.target}" if (action.target_text or action.target) else ""
    owners = f" ({owners_text(action.owners)})" if action.owners else ""
    return f"- [ ] {text}{owners}{target} — {link}"


def _identity(plan: NextSprintPlan, outline: TeamOutline) -> Identity:
    """Return the new sprint's identity and dates for the details block."""
    sprint, previous = plan.sprint, plan.previous
    assert sprint.start is not None and sprint.end is not None
    number = sprint.number or re.sub(r"^\D+", "", sprint.key or "") or "?"
    old = tuple(label for label in (previous.number,) if label)
    sample = next((line for line in outline.previous_text.splitlines() if DATE_TOKEN.search(line)), "")
    name = sprint.name or f"Sprint {number}"
    moved = sprint.start - previous.start if previous.start else None
    return Identity(number, name, sprint.key or "", old, previous.key, sprint.start, sprint.end, sample, moved)


def _is_details(lines: list[str]) -> bool:
    """Return True when ``lines`` hold the sprint's identity or dates as ``Label: value`` lines."""
    for line in lines:
        found = _FIELD.match(line)
        if found is None or ":" not in found["mid"]:
            continue
        label = plain(found["label"]).strip()
        if any(p.search(label) for p in (_NUMBER_LABEL, _NAME_LABEL, _KEY_LABEL, _START_LABEL, _END_LABEL)):
            return True
        if _DATES_LABEL.search(label):
            return True
    return False


def _details(lines: list[str], ident: Identity, previous: dict[str, str]) -> tuple[list[str], bool]:
    """Return the lines of a part's field lines set for the new sprint, and whether a date line was among them."""
    out, dated = [], False
    for line in lines:
        new, has_dates = _field_line(line, ident, previous) if line.strip() else (line, False)
        out.append(new)
        dated = dated or has_dates
    return out, dated


def _body(part: Part, role: str | None, outline: TeamOutline, fill: list[str]) -> list[str]:
    """Return the body of one section: ``fill`` (scope lines) where the role wants them, else the form's text
    (blank form) or a placeholder (last plan)."""
    if fill:
        return ["", *fill, ""]
    if role is not None or not outline.blank_form:
        kept = [line for line in part.lines if line.strip().startswith("|")][:2]
        return ["", PLACEHOLDER, *(["", *kept] if len(kept) == 2 else []), ""]
    return part.lines


def render(plan: NextSprintPlan, outline: TeamOutline) -> str:
    """Return the new plan's markdown in the team's shape (see the module rules)."""
    ident = _identity(plan, outline)
    previous = {} if outline.blank_form else previous_fields(outline.previous_text)
    parts = split_parts(strip_frontmatter(outline.text))
    front = _frontmatter(outline.text, ident)
    roles = _roles(parts)
    retro_label = plan.retro.ref if plan.retro else "retrospective"
    refs = dict(plan.action_refs)

    def linked(items: tuple[WorkItem, ...]) -> list[Entry]:
        """Return the entries of ``items`` with their backlinks."""
        entries = []
        for item in items:
            link = ""
            if item.source:
                link = _link(outline.retro_of(item.source), outline.new_path, f"from {item.source}")
            elif item.carried:
                link = f"carried over ×{item.carried}"
            entries.append(Entry(item, link))
        return entries

    carry = linked(plan.carried_over)
    scope = linked(plan.from_retro)
    if "carry" not in roles.values():
        scope = carry + scope
    fills: dict[str, list[Entry]] = {"carry": carry, "scope": scope}
    out: list[str] = []
    dated = False
    for index, part in enumerate(parts):
        role = roles.get(index)
        if role is None and (part.title is None or part.marks == "#" or _is_details(part.lines)):
            lines, has_dates = _details(part.lines, ident, previous)
            dated = dated or has_dates
            if part.title is not None:
                out.append(_renumber(part.heading, ident))
            out += lines
            continue
        entries = fills.get(role or "", [])
        style = list_style(part.lines) if entries else None
        lines = render_entries(entries, style) if entries else []
        if role == "standing" and plan.ongoing:
            lines = [_action_entry(action, refs, outline) for action in plan.ongoing]
        out.append(_renumber(part.heading, ident))
        out += _body(part, role, outline, lines)
    if not dated:
        out = _insert_dates(out, ident)
    if "scope" not in roles.values() and scope:
        out += ["", f"## From the {retro_label}", "", *render_entries(scope, None)]
    out += _tail(plan, refs, outline, "standing" in roles.values())
    return "\n".join(front + _squeeze(out)).strip("\n") + "\n"


def _insert_dates(lines: list[str], ident: Identity) -> list[str]:
    """Return ``lines`` with ``**Dates:** start → end`` after the title (the first heading, else at the top)."""
    writer = date_writer(ident.date_sample)
    dates = f"**Dates:** {writer(ident.start)} → {writer(ident.end)}"
    at = next((i for i, line in enumerate(lines) if HEADING.match(line)), -1)
    return [*lines[: at + 1], "", dates, "", *lines[at + 1 :]]


def _tail(plan: NextSprintPlan, refs: dict[str, str], outline: TeamOutline, standing_done: bool) -> list[str]:
    """Return the closing sections: later and standing actions, open follow-ups, the planner's notes."""
    out: list[str] = []
    if plan.future:
        out += ["", "## Retrospective actions for later sprints", ""]
        out += [_action_entry(action, refs, outline) for action in plan.future]
    if plan.ongoing and not standing_done:
        out += ["", "## Standing agreements (from retrospectives)", ""]
        out += [_action_entry(action, refs, outline) for action in plan.ongoing]
    if plan.open_actions:
        out += ["", "## Open retrospective actions (follow up)", ""]
        out += [_action_entry(action, refs, outline) for action in plan.open_actions]
    if plan.warnings:
        out += ["", "## Notes from planning", ""] + [f"- {warning}" for warning in plan.warnings]
    return out


def _squeeze(lines: list[str]) -> list[str]:
    """Return ``lines`` with runs of blank lines collapsed to one."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line.rstrip())
    return out

"""The sprint-plan template's context: a :class:`NextSprintPlan` as the plain values ``templates/sprint.md.j2``
prints (identity, calendar, capacity, scope lines the parser reads back). Pure (no I/O, no clock)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from ceremonies.config import Settings
from ceremonies.domain.dates import format_date, short_weekday
from ceremonies.domain.model import ONGOING, Ceremony, RetroAction, WorkItem
from ceremonies.ledger import display_name, is_key, points_text
from ceremonies.planning.rules import NextSprintPlan

SPRINT_TEMPLATE = "sprint.md.j2"
"""Name of the sprint-plan template (team dir first, then ceremonies' ``templates/``)."""

_GERMAN_STYLE_COUNTRIES = {"DE", "AT", "CH", "LI", "LU"}


# ---------------------------------------------------------------------------------------------------- rendering


def _clean(text: str) -> str:
    """Return doc text fit for one scope line: one line, no segment separators the parser would split on."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+(?:—|–|--)\s+", " - ", text)
    text = re.sub(r"\s+-\s+(?=@)", " / ", text)
    return text.replace(" | ", " / ") or "(untitled)"


def german_date(day: date) -> str:
    """Return ``18. März 2026``."""
    return format_date(day, "de")


def english_date(day: date) -> str:
    """Return ``Mar 18, 2026``."""
    return format_date(day, "us")


def _long_date(day: date | None, settings: Settings) -> str:
    """Return ``day`` in the team's style: German for DE/AT/CH teams, English otherwise ('TBD' when None)."""
    if day is None:
        return "TBD"
    german = (settings.sprint.holiday_country or "").upper() in _GERMAN_STYLE_COUNTRIES
    return german_date(day) if german else english_date(day)


def _yaml_text(value: str) -> str:
    """Return ``value`` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def owners_text(owners: Iterable[str]) -> str:
    """Return owners as ``@a/@b`` (a name without ``@`` gets one, so the parser reads it as an owner)."""
    return "/".join(name if name.startswith("@") else "@" + re.sub(r"\s+", "", name) for name in owners)


def item_line(item: WorkItem) -> str:
    """Return the scope line of ``item`` without the list marker: ``[ ] ID: title — @a/@b — 8 SP — marks``."""
    parts = [f"{item.id}: {_clean(item.title)}" if item.id else _clean(item.title)]
    if item.owners:
        parts.append(owners_text(item.owners))
    if item.points is not None:
        parts.append(f"{points_text(item.points)} SP")
    if item.carried:
        parts.append(f"carried over ×{item.carried}")
    if item.source:
        parts.append(f"from {item.source}")
    return f"[{'x' if item.done else ' '}] " + " — ".join(parts)


def _target_text(target: str | None) -> str:
    """Return a target as the doc writes it: ``Sprint 2026-14``, ``SPR-019``, ``ongoing``."""
    if not target:
        return ""
    if target == ONGOING or is_key(target):
        return target
    return f"Sprint {target}"


def action_line(action: RetroAction, ref: str | None) -> str:
    """Return the line of a future/ongoing/open action: ``[ ] ID: text — @a — Target: Sprint 2026-14 — from …``."""
    parts = [f"{action.id}: {_clean(action.text)}" if action.id else _clean(action.text)]
    if action.owners:
        parts.append(owners_text(action.owners))
    if action.target:
        parts.append(f"Target: {_target_text(action.target)}")
    if action.points is not None:
        parts.append(f"{points_text(action.points)} SP")
    if ref:
        parts.append(f"from {ref}")
    return "[ ] " + " — ".join(parts)


def _ceremony_context(ceremony: Ceremony) -> dict[str, Any]:
    """Return one timetable row: day, times and the ready-made line the parser reads back."""
    assert ceremony.day is not None
    day = ceremony.day
    when = f"{short_weekday(day)} {english_date(day)}"
    times = f"{ceremony.start:%H:%M}" + (f"–{ceremony.end:%H:%M}" if ceremony.end else "")
    return {
        "name": ceremony.name,
        "kind": str(ceremony.kind),
        "date": day.isoformat(),
        "day": when,
        "start": f"{ceremony.start:%H:%M}",
        "end": f"{ceremony.end:%H:%M}" if ceremony.end else "",
        "line": f"**{when} — {times}:** {ceremony.name}.",
    }


def _local_iso(day: date, at: time, timezone: str) -> str:
    """Return the ISO local date-time with the zone name (no offset math: the zone is named separately)."""
    return datetime.combine(day, at).isoformat(timespec="minutes") + f" {timezone}"


def _yaml_key(value: str) -> str:
    """Return ``value`` bare when it is a plain token (``SPR-014``), else YAML-quoted."""
    return value if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value) else _yaml_text(value)


def _identity_context(plan: NextSprintPlan) -> dict[str, Any]:
    """Return the frontmatter and heading values: docid, title, owner, status, key, number, name, previous, retro."""
    sprint = plan.sprint
    key = sprint.key or ""
    name = sprint.name or "Sprint"
    title = f"{name} Planning"
    owner = sprint.owner or "@ScrumMaster"
    return {
        "docid": _yaml_key(key),
        "key": key,
        "number": sprint.number or "",
        "name": name,
        "title": title,
        "title_yaml": _yaml_text(title),
        "heading": f"{key}: {title}",
        "owner": owner,
        "owner_yaml": _yaml_text(owner),
        "status": sprint.status or "Planning",
        "previous": {
            "key": plan.previous.key or "",
            "label": display_name(plan.previous),
            "path": plan.previous.path or "",
        },
        "retro_ref": plan.retro.ref if plan.retro else "",
        "retro_path": (plan.retro.path or "") if plan.retro else "",
        "demo_owner": sprint.demo_owner or owner,
    }


def _calendar_context(plan: NextSprintPlan, settings: Settings) -> dict[str, Any]:
    """Return dates (team style and ISO), length, working days, holidays, shifts, time zone and ceremonies."""
    sprint = plan.sprint
    assert sprint.start is not None and sprint.end is not None
    timezone = sprint.timezone or settings.sprint.timezone
    timetable = [c for c in sprint.timetable if c.day is not None]
    return {
        "start": _long_date(sprint.start, settings),
        "end": _long_date(sprint.end, settings),
        "start_iso": sprint.start.isoformat(),
        "end_iso": sprint.end.isoformat(),
        "duration_days": plan.cadence_days,
        "working_days": plan.working_days,
        "timezone": timezone,
        "holidays": [
            {"date": day.isoformat(), "long": _long_date(day, settings), "name": name} for day, name in plan.holidays
        ],
        "shifted": list(plan.shifted),
        "demo_date": _long_date(sprint.demo_date or sprint.end, settings),
        "ceremonies": [_ceremony_context(c) for c in timetable],
        "ceremony_times": [{"name": c.name, "at": _local_iso(c.day, c.start, timezone)} for c in timetable if c.day],
    }


def _capacity_context(plan: NextSprintPlan, settings: Settings) -> dict[str, Any]:
    """Return planned SP, capacity (= rolling velocity) with its samples, the threshold and the warnings."""
    velocity = plan.velocity
    known = points_text(velocity.points) if velocity.points is not None else ""
    return {
        "planned_points": points_text(plan.planned_points),
        "capacity_points": known,
        "velocity": {
            "points": known,
            "window": settings.sprint.velocity_window,
            "samples": [{"sprint": label, "points": points_text(points)} for label, points in velocity.samples],
            "threshold_percent": f"{settings.sprint.overcommit_warning * 100:.0f}",
        },
        "warnings": list(plan.warnings),
    }


def _scope_context(plan: NextSprintPlan) -> dict[str, Any]:
    """Return the scope lines, the carried-over and retro-sourced items, future/ongoing/open actions, acceptance
    criteria (retro measures) and risks (items carried twice or more, holidays)."""
    refs = dict(plan.action_refs)
    risks = [
        f"{item.id or _clean(item.title)} carried over ×{item.carried} — split it or drop it"
        for item in plan.carried_over
        if item.carried >= 2
    ]
    risks += [f"{day.isoformat()} {name}: no working day" for day, name in plan.holidays]
    return {
        "items": [item_line(item) for item in plan.sprint.items],
        "carried_over": [
            {"line": item_line(item), "id": item.id or "", "title": _clean(item.title), "carried": item.carried}
            for item in plan.carried_over
        ],
        "from_retro": [
            {"line": item_line(item), "id": item.id or "", "title": _clean(item.title), "source": item.source or ""}
            for item in plan.from_retro
        ],
        "future": [action_line(action, refs.get(action.text)) for action in plan.future],
        "ongoing": [action_line(action, refs.get(action.text)) for action in plan.ongoing],
        "open_actions": [action_line(action, refs.get(action.text)) for action in plan.open_actions],
        "acceptance": [f"{_clean(title)}: {_clean(measure)}" for title, measure in plan.measures],
        "risks": risks,
    }


def sprint_doc_context(plan: NextSprintPlan, settings: Settings) -> dict[str, Any]:
    """Return every value ``templates/sprint.md.j2`` uses (plain strings, numbers, lists and dicts only).

    Doc text (titles, owners, actions) is passed as data: the template prints it, never evaluates it. Scope and
    action lines come ready-made (``item_line``/``action_line``) so a team template keeps them parseable.
    """
    return {
        **_identity_context(plan),
        **_calendar_context(plan, settings),
        **_capacity_context(plan, settings),
        **_scope_context(plan),
    }

"""Planning the next sprint: pure functions, inputs in, a plan (and the template's context) out.

No I/O and no clock: ``today`` is a parameter. The input is the team's :class:`SprintHistory` (plans, retros,
execution summaries, oldest first) and its :class:`Settings`; the output is a :class:`NextSprintPlan` that
``templates/sprint.md.j2`` renders through :func:`sprint_doc_context`.

Rules, in the words of the docs they produce:

* key and number: the previous plan's with the last number incremented (``SPR-013`` → ``SPR-014``,
  ``2026-13`` → ``2026-14``, ``Sprint 9`` → ``Sprint 10``); a plan without a key gets ``{key_prefix}-NNN``.
* dates: start = previous end (``start_rule = "previous_end"``) or the next working day after it; the length is
  ``sprint.cadence_days`` when the config sets it, else the previous plan's ``Duration (days)``, else its span.
  A start or end on a weekend, public holiday (``holidays`` package, ``holiday_country``/``holiday_subdivision``)
  or ``extra_holidays`` moves forward to the next working day; the end is computed from the unshifted start so
  the cadence grid is kept.
* scope: retro actions targeting the new sprint (by number, key or "next sprint") become items with their own ID
  or ``<retro ref>-<n>`` and a backlink ``from SPR-012-RETRO action 3``; actions aimed later go to ``future``,
  "ongoing" ones to ``ongoing``; unfinished items of the previous plan carry over with ``carried`` + 1.
* follow-through: not-done actions of the last two retros that are neither scheduled nor aimed ahead are open.
* capacity: mean delivered SP of the last ``velocity_window`` completed sprints (summary velocity, else the
  checked items' points); a warning when the planned SP exceed it by more than ``overcommit_warning``.

Modules: :mod:`.rules` (the plan: key, dates, capacity, warnings, due), :mod:`.scope` (carry-over and retro
actions), :mod:`.doc_context` (the template's context). Sprint facts shared with reminders and the knowledge base
(same-sprint, summaries, retros, velocity, ceremony days) live in :mod:`ceremonies.ledger`.
"""

from __future__ import annotations

from ceremonies.ledger import Velocity, display_name, points_text
from ceremonies.planning.doc_context import (
    SPRINT_TEMPLATE,
    action_line,
    english_date,
    german_date,
    item_line,
    owners_text,
    sprint_doc_context,
)
from ceremonies.planning.rules import (
    Calendar,
    Due,
    NextSprintPlan,
    SprintDates,
    is_due,
    iso_day,
    overcommit_warning,
    plan_file_name,
    plan_next_sprint,
    sprint_dates,
    team_calendar,
)
from ceremonies.planning.scope import backlink, carried_over, placement, same_work, sort_actions

__all__ = [
    "SPRINT_TEMPLATE",
    "Calendar",
    "Due",
    "NextSprintPlan",
    "SprintDates",
    "Velocity",
    "action_line",
    "backlink",
    "carried_over",
    "display_name",
    "english_date",
    "german_date",
    "is_due",
    "iso_day",
    "item_line",
    "overcommit_warning",
    "owners_text",
    "placement",
    "plan_file_name",
    "plan_next_sprint",
    "points_text",
    "same_work",
    "sort_actions",
    "sprint_dates",
    "sprint_doc_context",
    "team_calendar",
]

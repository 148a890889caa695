"""Every Slack message kind built by the real code from a small synthetic team (for goldens and property tests).

``contexts()`` returns, per kind, the template and the template context that the product's own context builders
produce; ``build(kind, context)`` renders it the way the product does (Slack template environment + Block Kit).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from ceremonies import knowledge as kb
from ceremonies import reminders as rules
from ceremonies.adapters.slack_render import People, SlackRenderer, render_message
from ceremonies.config import Settings, parse_config
from ceremonies.domain.messages import Message
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.jobs import next_sprint as ns
from ceremonies.tasks.failure import FAILURE_TEMPLATE, failure_context

BERLIN = ZoneInfo("Europe/Berlin")
CONFIG = """[sprint]
timezone = "Europe/Berlin"

[slack]
channel = "C0SPRINT"
docs_url = "https://git.example.org/orbit/docs/-/blob/main"

[slack.people]
"@Ana" = "U0ANA"
"@Backend" = "S0BACKEND"
"""


def _plan(key: str, number: str, start: str, end: str, items: list[str]) -> str:
    scope = "\n".join(f"- {line}" for line in items)
    return f"""---
docid: {key}
title: Sprint {number} Plan
owner: "@Lead"
status: Active
---

# {key}: Sprint {number} Plan

## Sprint Overview
- **Sprint Number:** {number}
- **Start Date:** {start}
- **End Date:** {end}
- **Planned Story Points:** 13
- **Demo Owner:** @Ana

## Goals
- Checkout answers within a second & never double-charges

## Scope (Planned Items)
{scope}
"""


FILES = {
    ".ai/sprint/SPR-041-iteration-template.md": _plan(
        "SPR-041", "2026-41", "2026-10-07", "2026-10-20", ["[x] ORD-1: Order export — @Ana — 8 SP"]
    ),
    ".ai/sprint/SPR-042-iteration-template.md": _plan(
        "SPR-042",
        "2026-42",
        "2026-10-21",
        "2026-11-03",
        ["[x] ORD-2: Refund webhooks — @Backend — 5 SP", "[ ] ORD-3: Tidy <the> backlog — @DevOps — 3 SP"],
    ),
    ".ai/sprint/SPR-042-retrospective.md": """# SPR-042: Sprint 2026-42 Retrospective

## Action items
- [ ] Write the runbook for refunds — @Ana — next sprint
- [x] Pair on webhooks — @Backend — next sprint
""",
}


@cache
def settings() -> Settings:
    return parse_config(CONFIG)


def _history() -> Any:
    return build_history([parse_document(text, path) for path, text in FILES.items()])


def _reminder_contexts() -> dict[str, tuple[str, dict[str, Any], str, datetime, str]]:
    history = _history()
    sprint = next(p for p in history.plans if p.key == "SPR-042")
    found: dict[str, tuple[str, dict[str, Any], str, datetime, str]] = {}
    for event in rules.ceremony_calendar([sprint], settings()):
        reminder = rules.Reminder(event, "60m", event.start - timedelta(minutes=60))
        kind = event.kind.value if event.kind.value in ("planning", "demo", "retro") else "other"
        if kind in found:
            continue
        header = f"{event.name} · {event.sprint_key}"
        found[kind] = (rules.template_name(reminder), rules.message_context(reminder, history, settings()),
                       reminder.key, reminder.send_at, header)
    return found


def _announcement() -> tuple[str, dict[str, Any], str]:
    history = _history()
    decision = ns.decide(history, settings(), datetime(2026, 11, 2).date(), force=True)
    planned = ns.plan(decision, settings())
    path = f".ai/sprint/{planned.file_name}"
    context = ns.announcement_context(planned, settings(), path, ns.CREATED)
    return ns.ANNOUNCEMENT_TEMPLATE, context, planned.sprint.label


def _kb_summary() -> dict[str, Any]:
    last = kb.CommitRef("3f9c2a1b7d0e4c5a", "2026-11-02T11:00:00+01:00", "Ana", "feat(orders): export <b>fast</b>")
    stale = [kb.Stale(".ai/knowledgebase/services/orders.md", "@Backend", 2, last, last),
             kb.Stale(".ai/knowledgebase/runbooks/refunds.md", "@DevOps", 1, last, last)]
    written = [".ai/knowledgebase/WHATS-NEW.md", ".ai/knowledgebase/DOC-HEALTH.md"]
    return kb.summary_context(written, stale, {"needs-review": 2}, 3, "3f9c2a1b7d0e4c5a9e8f",
                              "https://git.example.org/orbit/docs/-/blob/main/.ai/knowledgebase")


def contexts() -> dict[str, dict[str, Any]]:
    """Return kind → {template, context, key, post_at, header} for every message kind."""
    kinds: dict[str, dict[str, Any]] = {}
    template, context, label = _announcement()
    kinds["next-sprint"] = {"template": template, "context": context, "key": f"{label}/next-sprint"}
    kinds["kb-summary"] = {"template": kb.SUMMARY_TEMPLATE, "context": _kb_summary(), "key": "kb-refresh/3f9c2a1b7d0e"}
    failure = failure_context("refresh-kb", "brave-otter", "0b1c-run", {"repo": "https://git.example.org/d.git"},
                              "GitError: push rejected")
    failure["details"], failure["link_url"] = "http://127.0.0.1:4200/runs/flow-run/0b1c-run", (
        "http://127.0.0.1:4200/runs/flow-run/0b1c-run"
    )
    kinds["failure"] = {"template": FAILURE_TEMPLATE, "context": failure, "key": "failure/0b1c-run"}
    for kind, (template, context, key, post_at, header) in _reminder_contexts().items():
        kinds[f"reminder-{kind}"] = {"template": template, "context": context, "key": key, "post_at": post_at,
                                     "header": header}
    return kinds


def build(spec: dict[str, Any], context: dict[str, Any] | None = None) -> Message:
    """Return the message of one kind, rendered by the product's default templates (``context`` overrides)."""
    renderer = SlackRenderer.for_settings(None, settings(), People(settings().slack.people))
    return render_message(renderer, spec["template"], context if context is not None else spec["context"],
                          key=spec["key"], post_at=spec.get("post_at"), header=spec.get("header", ""))



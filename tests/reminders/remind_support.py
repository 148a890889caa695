"""Fixture docs of the reminder tests: US-style plans with a ceremony timetable (seed 004's shape, own text)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

NOW = datetime.fromisoformat("2026-04-09T12:00:00-06:00")
"""The acceptance moment: Thursday before SPR-009 starts (Mon Apr 13 2026, 09:30 MDT)."""
TOKEN = "xoxb-reminder-tests"
CHANNEL = "C0SPRINT"
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

DENVER_CONFIG = """[sprint]
timezone = "America/Denver"
holiday_country = "US"
holiday_subdivision = "CO"
extra_holidays = [{extra}]

[ceremonies]
holiday_policy = "{policy}"

[slack]
channel = "C0SPRINT"
docs_url = "https://git.example.com/team/docs/blob/main"
"""


def config_text(extra: list[str] | None = None, policy: str = "previous_working_day") -> str:
    """Return a ceremonies.toml for a Denver team (US/CO holidays, extra days off, a holiday policy)."""
    return DENVER_CONFIG.format(extra=", ".join(f'"{day}"' for day in extra or []), policy=policy)


def us_plan(
    span: str,
    number: int,
    timetable: list[str],
    rows: list[tuple[str, str, str, int]],
    *,
    demo_owner: str | None = None,
    title_extra: str = "",
    checked: tuple[str, ...] = (),
) -> str:
    """Return a plan shaped like seed 004: span and zone in the title, backlog table, timeline bullets."""
    table = "\n".join(f"| {id_} | {title} | {owner} | {points} | none | ok |" for id_, title, owner, points in rows)
    times = "\n".join(f"- **{line}" for line in timetable)
    done = "\n".join(f"- [x] {item}" for item in checked)
    owner_line = f"\n- **Demo Owner:** {demo_owner}\n" if demo_owner else ""
    return f"""# Sprint Plan — {span} (America/Denver)

> **Context:** Sprint {number} — **Fixture Flow**{title_extra}. Make the fixture pipeline quicker and cheaper.

---

## 1) Sprint Goal (SMART)

**Key outcomes**

- Checkout latency at p95 drops by a fifth against the Sprint {number - 1} baseline.
- Nightly batch finishes before 05:00 local time.
{owner_line}
---

## 3) Scope

**Must-have (commit):**

{done}

---

## 5) Backlog (Ready for Sprint)

| ID | Title | Owner | Est | Dependencies | Acceptance Criteria (summary) |
| -- | ----- | ----- | --: | ------------ | ----------------------------- |
{table}

> Planned: ~{sum(r[3] for r in rows)} pts.

---

## 7) Timeline & Ceremonies (MT)

{times}
- **Daily — 09:15–09:30:** Stand-up.

---

## 8) Definition of Done (DoD)

- Dashboards updated and gates green.
"""


SPR_009_TIMETABLE = [
    "Mon Apr 13 — 09:30–11:00:** Sprint Planning.",
    "Thu Apr 16 — 14:00–14:45:** Mid-sprint Refinement/Checkpoint.",
    "Fri Apr 24 — 10:00–11:00:** Sprint Review/Demo.",
    "Fri Apr 24 — 11:15–12:00:** Retro.",
]
SPR_009_ROWS = [
    ("CHK-101", "Checkout cache warmup", "Ana", 5),
    ("CHK-102", "Batch window tuning", "Bo", 3),
    ("OPS-201", "Alert noise <!channel> & friends", "Cy", 2),
]


def team_files(
    *, spr9_timetable: list[str] | None = None, extra: list[str] | None = None, policy: str = "previous_working_day"
) -> dict[str, str]:
    """Return a Denver team repo: SPR-008 (Mar 30–Apr 10, running), SPR-009 (Apr 13–24, next), config."""
    spr8 = us_plan(
        "Mar 30–Apr 10, 2026",
        8,
        [
            "Mon Mar 30 — 09:30–11:00:** Sprint Planning.",
            "Fri Apr 10 — 10:00–11:00:** Sprint Review/Demo.",
            "Fri Apr 10 — 11:15–12:00:** Retro.",
        ],
        [("CHK-090", "Checkout traces", "Ana", 5), ("CHK-091", "Queue depth alarms", "Bo", 3)],
        demo_owner="Dee",
    )
    spr9 = us_plan("Apr 13–Apr 24, 2026", 9, spr9_timetable or SPR_009_TIMETABLE, SPR_009_ROWS)
    return {
        ".ai/sprint/SPR-008-iteration-template.md": spr8,
        ".ai/sprint/SPR-009-iteration-template.md": spr9,
        "ceremonies.toml": config_text(extra, policy),
        "README.md": "# Fixture team docs\n",
    }


def scope_plan(key: str, number: str, start: str, end: str, items: list[str], demo_owner: str = "@Dee") -> str:
    """Return a plan with frontmatter, overview fields and checkbox scope lines (carry/retro marks allowed)."""
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
- **Demo Owner:** {demo_owner}

## Goals
- Payments retry safely & fast

## Scope (Planned Items)
{scope}
"""


def retro_doc(key: str, number: str, actions: list[str]) -> str:
    """Return a separate retrospective with checkbox action items."""
    lines = "\n".join(f"- {line}" for line in actions)
    return f"""# {key}: Sprint {number} Retrospective

## What went well
- Pairing on the hard parts

## Action items
{lines}
"""


def summary_doc(key: str, number: str, delivered: int) -> str:
    """Return an execution summary with a delivered-points metric."""
    return f"""# {key}: Sprint Execution Summary

## Sprint Overview
- **Sprint Number:** {number}

## Execution Summary

### Completed Work

#### 1. Something useful - {delivered} SP ✅
- done

## Metrics
- **Story Points Completed:** {delivered}
"""


def berlin_files() -> dict[str, str]:
    """Return a Berlin team: SPR-011 and SPR-012 delivered (10 and 14 SP), SPR-012's retro, SPR-013 running."""
    return {
        ".ai/sprint/SPR-011-iteration-template.md": scope_plan(
            "SPR-011", "2026-11", "2026-02-18", "2026-03-03", ["[x] A-1: Old work — @Ana — 10 SP"]
        ),
        ".ai/sprint/SPR-011-execution-summary.md": summary_doc("SPR-011", "2026-11", 10),
        ".ai/sprint/SPR-012-iteration-template.md": scope_plan(
            "SPR-012", "2026-12", "2026-03-04", "2026-03-17", ["[x] A-2: More work — @Bo — 14 SP"]
        ),
        ".ai/sprint/SPR-012-execution-summary.md": summary_doc("SPR-012", "2026-12", 14),
        ".ai/sprint/SPR-012-retrospective.md": retro_doc(
            "SPR-012",
            "2026-12",
            ["[x] Write down the deploy steps — @Ana — next sprint", "[ ] Pair more <!here> — @Bo — next sprint"],
        ),
        ".ai/sprint/SPR-013-iteration-template.md": scope_plan(
            "SPR-013",
            "2026-13",
            "2026-03-18",
            "2026-03-31",
            [
                "[ ] CHK-1: Retry queue — @Ana — 5 SP — carried over ×2",
                "[x] RET-2: Pair more <!channel> & review — @Bo — 3 SP — from SPR-012-RETRO action 2",
                "[x] PAY-7: Idempotent refunds — @Cy/@Ana — 5 SP",
            ],
        ),
        "ceremonies.toml": '[sprint]\ntimezone = "Europe/Berlin"\n[slack]\nchannel = "C0SPRINT"\n',
    }

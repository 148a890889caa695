"""Fixture docs of the reminder tests: US-style plans with a ceremony timetable (seed 004's shape, own text)."""

from __future__ import annotations

from pathlib import Path

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

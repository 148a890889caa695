"""Synthetic docs repos for the benchmarks, built fast with one ``git fast-import`` process and cached.

A generated repo looks like a real team's docs repo: sprint plans with German dates, retrospectives with action
items in the three shapes the parser reads, execution summaries in seed 003's format, KB pages with frontmatter,
relative links, managed blocks and ``sources:`` globs, and a history of feature branches merged into ``main`` (plus
squash-style direct commits) touching code under ``src/`` and the docs. Everything comes from a seeded random
generator, so the same spec always gives the same commit ids.

The cache lives in ``bench/.cache/<size>-v<GENERATOR_VERSION>/`` as a bare repo plus ``manifest.json``;
:func:`ensure_repo` returns it, building it first when it is missing or stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ceremonies.domain.dates import format_date

GENERATOR_VERSION = 1
BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / ".cache"
EXAMPLE_REPO = BENCH_DIR.parent / "examples" / "team-repo"
SPRINT_DIR = ".ai/sprint"
KB_DIR = ".ai/knowledgebase"
LAST_SPRINT_END = date(2026, 3, 18)
CADENCE = timedelta(days=14)
TZ_OFFSET = "+0100"
HUMANS = (
    ("Anna Schmidt", "anna@example.com"),
    ("Ben Weber", "ben@example.com"),
    ("Clara Fischer", "clara@example.com"),
    ("Deniz Yilmaz", "deniz@example.com"),
    ("Emil Wagner", "emil@example.com"),
)
ROLES = ("@Backend", "@Frontend", "@DevOps", "@QA", "@Architect", "@DocMaintainer", "@ScrumMaster", "@Data")
TOPICS = (
    "Payments",
    "Search",
    "Billing",
    "Identity",
    "Reporting",
    "Streaming",
    "Pricing",
    "Catalog",
    "Checkout",
    "Notifications",
    "Analytics",
    "Scheduling",
    "Storage",
    "Audit",
    "Onboarding",
    "Gateway",
    "Ledger",
    "Export",
)
VERBS = ("Implement", "Harden", "Optimize", "Document", "Refactor", "Automate", "Migrate", "Validate", "Scale")
NOUNS = (
    "retry policy",
    "cache layer",
    "audit trail",
    "rollout plan",
    "schema migration",
    "load test harness",
    "alerting rules",
    "runbook",
    "API contract",
    "feature flag",
    "backfill job",
    "rate limiter",
    "dashboard",
)
WORDS = (
    "the",
    "service",
    "handles",
    "requests",
    "from",
    "tenants",
    "and",
    "stores",
    "results",
    "in",
    "a",
    "queue",
    "which",
    "is",
    "drained",
    "by",
    "workers",
    "every",
    "minute",
    "while",
    "metrics",
    "are",
    "exported",
    "to",
    "dashboards",
    "so",
    "that",
    "on-call",
    "engineers",
    "see",
    "latency",
    "errors",
    "before",
    "customers",
    "do",
)
BRANCH_SHARE = 0.6
COMMIT_TYPES = ("feat", "fix", "refactor", "perf", "test", "chore", "docs")


@dataclass(frozen=True)
class Spec:
    """How big a generated repo is: ``sprints`` sprints, ``pages`` KB pages, ``commits`` commits (merges count)."""

    sprints: int
    pages: int
    commits: int
    seed: int = 7


SIZES: dict[str, Spec] = {
    "tiny": Spec(sprints=6, pages=30, commits=120),
    "medium": Spec(sprints=200, pages=1000, commits=5000),
    "large": Spec(sprints=500, pages=10000, commits=50000),
}


@dataclass
class Manifest:
    """What a generated repo holds; written next to it as ``manifest.json``."""

    size: str
    generator_version: int
    spec: dict[str, int]
    source: str
    commits: int = 0
    merges: int = 0
    sprint_docs: int = 0
    kb_pages: int = 0
    code_files: int = 0
    head: str = ""
    last_sprint_key: str = ""
    last_sprint_end: str = ""
    seconds: float = 0.0
    fingerprint: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- text helpers


def german_date(day: date) -> str:
    """Return ``day`` written the way the seed team writes dates, e.g. ``18. März 2026``."""
    return format_date(day, "de")


def sprint_key(index: int) -> str:
    """Return the key of the 1-based sprint ``index`` (``SPR-013``)."""
    return f"SPR-{index:03d}"


@dataclass(frozen=True)
class SprintInfo:
    """One generated sprint's identity and window."""

    index: int
    key: str
    number: str
    start: date
    end: date


def sprint_calendar(count: int) -> list[SprintInfo]:
    """Return ``count`` consecutive 14-day sprints, the last ending on LAST_SPRINT_END, numbered per year."""
    first_start = LAST_SPRINT_END - CADENCE * count
    sprints: list[SprintInfo] = []
    per_year: dict[int, int] = {}
    for index in range(1, count + 1):
        start = first_start + CADENCE * (index - 1)
        per_year[start.year] = per_year.get(start.year, 0) + 1
        number = f"{start.year}-{per_year[start.year]:02d}"
        sprints.append(SprintInfo(index, sprint_key(index), number, start, start + CADENCE))
    return sprints


def following_sprints(sprints: list[SprintInfo], position: int, count: int = 2) -> list[SprintInfo]:
    """Return the ``count`` sprints after ``sprints[position]``, continuing the calendar past its end (the retro of
    the last sprint aims at the next one, which is not planned yet)."""
    found = list(sprints[position + 1 : position + 1 + count])
    last = found[-1] if found else sprints[position]
    while len(found) < count:
        start = last.end
        same_year = start.year == last.start.year
        serial = int(last.number.rsplit("-", 1)[1]) + 1 if same_year else 1
        last = SprintInfo(
            last.index + 1, sprint_key(last.index + 1), f"{start.year}-{serial:02d}", start, start + CADENCE
        )
        found.append(last)
    return found


def _sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _title(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(TOPICS)} {rng.choice(NOUNS)}"


def _owners(rng: random.Random) -> str:
    return "/".join(rng.sample(ROLES, rng.randint(1, 2)))


@dataclass(frozen=True)
class PlanItem:
    """A scope item of a generated plan."""

    id: str
    title: str
    owners: str
    points: int


def plan_items(rng: random.Random, sprint: SprintInfo, carried: list[PlanItem]) -> list[PlanItem]:
    """Return the scope of ``sprint``: ``carried`` items first, then new items up to about 45 SP."""
    items = list(carried)
    serial = 1
    while sum(item.points for item in items) < 40:
        topic = rng.choice(TOPICS)[:4].upper()
        items.append(PlanItem(f"{topic}-{sprint.index:03d}{serial}", _title(rng), _owners(rng), rng.choice((3, 5, 8))))
        serial += 1
    return items


def render_plan(rng: random.Random, sprint: SprintInfo, items: list[PlanItem], done: set[str] | None) -> str:
    """Return a plan in seed 000's shape; ``done`` (ids) checks items, ``None`` leaves every item open."""
    focus = f"{rng.choice(TOPICS)} & {rng.choice(TOPICS)}"
    planned = sum(item.points for item in items)
    scope = "\n".join(
        f"- [{'x' if done is not None and item.id in done else ' '}] {item.id}: {item.title} — {item.owners} — "
        f"{item.points} SP"
        for item in items
    )
    goals = "\n".join(f"- {_title(rng)} with {_sentence(rng, 6).lower()}" for _ in range(rng.randint(3, 5)))
    risks = "\n".join(f"- {_sentence(rng, 8)} — Mitigation: {rng.choice(ROLES)} review" for _ in range(3))
    return f"""---
docid: {sprint.key}
title: Sprint {sprint.number} Planning - {focus}
owner: @ScrumMaster
status: {"Done" if done is not None else "Planned"}
---

# {sprint.key}: Sprint {sprint.number} Planning - {focus}

## Sprint Overview
- **Sprint Name:** Sprint {sprint.number}
- **Sprint Number:** {sprint.number}
- **Start Date:** {german_date(sprint.start)}
- **End Date:** {german_date(sprint.end)}
- **Duration (days):** 14

## Goals
{goals}

## Commitment
- Planned Story Points: {planned}
- Team Capacity: 45 Story Points

## Scope (Planned Items)
{scope}

## Acceptance Criteria
- {_sentence(rng)}
- {_sentence(rng)}
- Documentation updated automatically within 24 hours of feature completion

## Risks & Blockers
{risks}

## Definition of Done
- All unit tests passing (>80% coverage)
- Documentation updated in .ai/knowledgebase/
- Code reviewed and approved by @TechLead

## Review & Demo
- Demo Owner: @ScrumMaster
- Demo Date: {german_date(sprint.end)}

## Retrospective (End of Sprint)
- What went well:
- What could be improved:
- Action items:
  - [ ] Action 1 — Owner — Due

## Notes / Links
- Related Docs: [{sprint.key}-RETRO] Retrospective Insights
- {_sentence(rng)}
"""


def render_retro(rng: random.Random, sprint: SprintInfo, following: list[SprintInfo]) -> str:
    """Return a retrospective whose action items target the next sprints, in the three shapes the parser reads."""
    nxt = following[0] if following else None
    after = following[1] if len(following) > 1 else None
    lines = [
        "---",
        f"docid: {sprint.key}-RETRO",
        f"title: Sprint {sprint.number} Retrospective",
        "owner: @ScrumMaster",
        "status: Done",
        "---",
        "",
        f"# {sprint.key}: Sprint {sprint.number} Retrospective",
        "",
        "## Sprint Overview",
        f"- **Sprint Number:** {sprint.number}",
        f"- **Start Date:** {german_date(sprint.start)}",
        f"- **End Date:** {german_date(sprint.end)}",
        "",
        "## What went well",
        *(f"- {_sentence(rng, 9)}" for _ in range(3)),
        "",
        "## What could be improved",
        *(f"- {_sentence(rng, 9)}" for _ in range(3)),
        "",
        "## Action Items",
        "",
    ]
    if nxt is not None:
        lines += [f"### High Priority ({nxt.key})", ""]
        for number in range(1, rng.randint(2, 4)):
            topic = rng.choice(TOPICS)[:4].upper()
            lines += [
                f"{number}. **{topic}-R{sprint.index:03d}{number}: {_title(rng)}**",
                f"   - Owner: {_owners(rng)}",
                f"   - Target: Sprint {nxt.number}",
                f"   - Measure: {_sentence(rng, 6)}",
                f"   - Story Points: {rng.choice((2, 3, 5))}",
                "",
            ]
    if after is not None:
        lines += ["### Medium Priority", ""]
        lines += [
            f"1. **{_title(rng)}**",
            f"   - Owner: {_owners(rng)}",
            f"   - Target: Sprint {after.number}",
            f"   - Measure: {_sentence(rng, 5)}",
            "",
        ]
    lines += [
        "### Ongoing",
        "",
        f"- [ ] Keep the runbooks current — {rng.choice(ROLES)} — ongoing",
        f"- [ ] {_title(rng)} — {rng.choice(ROLES)} — {nxt.number if nxt else 'ongoing'}",
        "",
    ]
    return "\n".join(lines)


def render_summary(rng: random.Random, sprint: SprintInfo, items: list[PlanItem], done: set[str]) -> str:
    """Return an execution summary in seed 003's shape (no frontmatter, numbered completed items with SP)."""
    completed = [item for item in items if item.id in done]
    delivered = sum(item.points for item in completed)
    planned = sum(item.points for item in items)
    blocks = []
    for number, item in enumerate(completed, start=1):
        blocks.append(
            f"#### {number}. {item.title} - {item.points} SP ✅\n"
            f"- **{rng.choice(NOUNS).title()}:**\n  - {_sentence(rng, 10)}\n  - {_sentence(rng, 8)}\n"
        )
    return f"""# {sprint.key}: Sprint Execution Summary - {rng.choice(TOPICS)} & {rng.choice(TOPICS)}

## Sprint Overview
- **Sprint Name:** Sprint {sprint.number}
- **Sprint Number:** {sprint.number}
- **Start Date:** {german_date(sprint.start)}
- **End Date:** {german_date(sprint.end)}
- **Duration (days):** 14
- **Capacity:** 45 Story Points
- **Focus:** {rng.choice(TOPICS)}

## Execution Summary

### Completed Work

{chr(10).join(blocks)}
### Sprint Metrics

#### Velocity & Quality
- **Story Points Completed:** {delivered}/{planned} ({round(100 * delivered / max(planned, 1))}%)
- **Sprint Goal Achievement:** {round(100 * delivered / max(planned, 1))}%

### Next Steps
- {_sentence(rng, 7)}

---
**Sprint Completed:** {sprint.end.strftime("%B %-d, %Y")}
**Status:** ✅ Ready for Review
**Lead:** @ScrumMaster
"""


def messy(rng: random.Random, text: str) -> str:
    """Return ``text`` with, rarely, the real world's mess: a BOM, CRLF newlines or trailing editor junk."""
    roll = rng.random()
    if roll < 0.02:
        return "\ufeff" + text
    if roll < 0.04:
        return text.replace("\n", "\r\n")
    if roll < 0.05:
        return text + '</content>\n<parameter name="filePath">/Users/someone/team/.ai/sprint/x.md'
    return text


@dataclass
class KbPage:
    """A generated KB page and the code component its ``sources:`` glob points at."""

    path: str
    docid: str
    title: str
    component: str
    owner: str
    managed: bool
    flavour: str
    revision: int = 0


def page_path(index: int, folders: list[str]) -> str:
    """Return the repo path of KB page ``index`` (0-based)."""
    folder = folders[index % len(folders)]
    return f"{KB_DIR}/{folder}/page-{index:05d}.md"


def render_page(rng: random.Random, page: KbPage, link_targets: list[str]) -> str:
    """Return the text of ``page`` at its current revision, linking to earlier pages (and rarely to nothing)."""
    here = Path(page.path).parent
    links = []
    for target in link_targets:
        rel = os.path.relpath(target, here)
        links.append(f"- See [{Path(target).stem}]({rel}) for details.")
    if rng.random() < 0.03:
        links.append("- Old notes: [archived](../archive/gone.md)")
    meta = [
        f"docid: {page.docid}",
        f"title: {page.title}",
        *([f"owner: {page.owner}"] if page.flavour != "no-owner" else []),
        "status: Active",
        "sources:",
        f"  - src/{page.component}/**",
        f"  - docs/{page.component}/*.md",
    ]
    if page.flavour == "bad-yaml":
        meta.append("tags: [unclosed, list")
    front = "---\n" + "\n".join(meta) + "\n---\n"
    if page.flavour == "two-blocks":
        front += "---\ndocid: KB-XXXX\nreviewed: true\n---\n"
    if page.flavour == "no-frontmatter":
        front = ""
    managed = ""
    if page.managed:
        managed = (
            "\n## Recent changes\n\n<!-- ceremonies:begin recent-changes -->\n"
            "(filled in by ceremonies)\n<!-- ceremonies:end recent-changes -->\n"
        )
    history = "\n".join(f"- Revision {number}: {_sentence(rng, 6)}" for number in range(1, page.revision + 1))
    body = f"""
# {page.title}

{_sentence(rng, 20)} {_sentence(rng, 14)}

## Overview

{_sentence(rng, 18)}
{chr(10).join(links)}
{managed}
## Operations

{_sentence(rng, 16)} {_sentence(rng, 12)}

## Change notes
{history}
"""
    text = front + body
    if page.flavour == "bom":
        text = "\ufeff" + text
    elif page.flavour == "crlf":
        text = text.replace("\n", "\r\n")
    return text


def render_code(component: str, module: str, revision: int, rng: random.Random) -> str:
    """Return a small Python module of ``component`` at ``revision``."""
    lines = [f'"""{component}.{module}: revision {revision}."""', "", f"REVISION = {revision}", ""]
    for number in range(rng.randint(3, 8)):
        lines += [f"def step_{number}(value: int) -> int:", f"    return value * {rng.randint(2, 99)} + {number}", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- the stream


class FastImport:
    """A running ``git fast-import`` into a bare repo; feed it commits, then :meth:`close`."""

    def __init__(self, git_dir: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "--git-dir", str(git_dir), "fast-import", "--quiet", "--done"],
            stdin=subprocess.PIPE,
        )
        assert self.proc.stdin is not None
        self.out = self.proc.stdin
        self.mark = 0

    def _data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def blob(self, text: str) -> int:
        """Write a blob; return its mark."""
        self.mark += 1
        self.out.write(b"blob\nmark :%d\n" % self.mark)
        self._data(text.encode("utf-8"))
        return self.mark

    def commit(
        self,
        ref: str,
        who: tuple[str, str],
        when: int,
        message: str,
        files: dict[str, int],
        parent: int | str | None,
        merge: int | None = None,
        deleteall: bool = False,
    ) -> int:
        """Write a commit on ``ref`` changing ``files`` (path → blob mark); return its mark."""
        self.mark += 1
        ident = f"{who[0]} <{who[1]}> {when} {TZ_OFFSET}".encode()
        self.out.write(b"commit %s\nmark :%d\n" % (ref.encode(), self.mark))
        self.out.write(b"author %s\ncommitter %s\n" % (ident, ident))
        self._data(message.encode("utf-8"))
        if isinstance(parent, int):
            self.out.write(b"from :%d\n" % parent)
        elif isinstance(parent, str):
            self.out.write(b"from %s\n" % parent.encode())
        if merge is not None:
            self.out.write(b"merge :%d\n" % merge)
        if deleteall:
            self.out.write(b"deleteall\n")
        for path in sorted(files):
            self.out.write(b"M 100644 :%d %s\n" % (files[path], _quote(path)))
        return self.mark

    def close(self) -> None:
        """Finish the stream; raise RuntimeError when fast-import failed."""
        self.out.write(b"done\n")
        self.out.close()
        if self.proc.wait() != 0:
            raise RuntimeError(f"git fast-import failed with exit code {self.proc.returncode}")


def _quote(path: str) -> bytes:
    if any(char in path for char in ' "\n\\'):
        escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'.encode()
    return path.encode()


@dataclass
class Change:
    """One unit of work in the history: a message and the files it writes."""

    message: str
    files: dict[str, str]
    when: int
    who: tuple[str, str]


def _epoch(day: date, seconds: int) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + seconds


class HistoryBuilder:
    """Builds the whole synthetic history for one Spec and streams it through fast-import."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.sprints = sprint_calendar(spec.sprints)
        components = max(4, spec.pages // 5)
        self.components = [f"{TOPICS[i % len(TOPICS)].lower()}{i // len(TOPICS) or ''}" for i in range(components)]
        self.folders = [f"{TOPICS[i].lower()}" for i in range(min(len(TOPICS), max(3, spec.pages // 60)))]
        self.code_revision: dict[str, int] = {}
        self.pages: list[KbPage] = []
        self.counts = {"commits": 0, "merges": 0}

    # -- content events -------------------------------------------------------------------------------------

    def _new_page(self) -> tuple[str, str]:
        index = len(self.pages)
        roll = self.rng.random()
        flavour = "plain"
        for name, limit in (
            ("bom", 0.01),
            ("crlf", 0.02),
            ("two-blocks", 0.03),
            ("no-owner", 0.04),
            ("no-frontmatter", 0.045),
            ("bad-yaml", 0.047),
        ):
            if roll < limit:
                flavour = name
                break
        page = KbPage(
            path=page_path(index, self.folders),
            docid=f"KB-{index + 1:05d}",
            title=f"{self.rng.choice(TOPICS)} {self.rng.choice(NOUNS).title()} Guide {index + 1}",
            component=self.rng.choice(self.components),
            owner=self.rng.choice(ROLES),
            managed=self.rng.random() < 0.1,
            flavour=flavour,
        )
        self.pages.append(page)
        return page.path, self._page_text(page)

    def _page_text(self, page: KbPage) -> str:
        index = int(Path(page.path).stem.split("-")[1])
        local = random.Random(f"{self.spec.seed}-{index}-{page.revision}")
        targets = [self.pages[local.randrange(index)].path for _ in range(min(index, 3))] if index else []
        return render_page(local, page, targets)

    def _edit_page(self) -> tuple[str, str]:
        page = self.pages[self.rng.randrange(len(self.pages))]
        page.revision += 1
        return page.path, self._page_text(page)

    def _code_change(self, component: str) -> dict[str, str]:
        files = {}
        for _ in range(self.rng.randint(1, 3)):
            module = f"mod{self.rng.randrange(8)}"
            path = f"src/{component}/{module}.py"
            revision = self.code_revision.get(path, 0) + 1
            self.code_revision[path] = revision
            files[path] = render_code(component, module, revision, self.rng)
        return files

    # -- the timeline ---------------------------------------------------------------------------------------

    def changes(self) -> Iterator[Change]:
        """Yield every unit of work, oldest first; sprint docs at sprint start and end, pages spread evenly."""
        spec, rng = self.spec, self.rng
        changes = round(spec.commits / (1 + BRANCH_SHARE))  # a branch change is two commits: feature + merge
        work_total = max(changes - 2 * spec.sprints, spec.sprints)
        carried: list[PlanItem] = []
        work_done = 0
        for position, sprint in enumerate(self.sprints):
            following = following_sprints(self.sprints, position)
            items = plan_items(rng, sprint, carried)
            plan_path = f"{SPRINT_DIR}/{sprint.key}-iteration-template.md"
            yield Change(
                f"docs(sprint): plan {sprint.key} (Sprint {sprint.number})",
                {plan_path: render_plan(self._doc_rng("plan", sprint), sprint, items, None)},
                _epoch(sprint.start, 8 * 3600),
                HUMANS[0],
            )
            budget = (work_total * (position + 1)) // len(self.sprints) - work_done
            window = (sprint.end - sprint.start).days * 86400 - 12 * 3600
            for step in range(budget):
                when = _epoch(sprint.start, 9 * 3600 + (window * (step + 1)) // (budget + 1))
                yield self._work(work_done + step, work_total, when, sprint)
            work_done += budget
            done = {item.id for item in items if rng.random() < 0.8}
            carried = [item for item in items if item.id not in done][:3]
            local = self._doc_rng("end", sprint)
            yield Change(
                f"docs(sprint): retro and summary for {sprint.key}",
                {
                    plan_path: messy(local, render_plan(self._doc_rng("plan", sprint), sprint, items, done)),
                    f"{SPRINT_DIR}/{sprint.key}-retrospective.md": messy(local, render_retro(local, sprint, following)),
                    f"{SPRINT_DIR}/{sprint.key}-execution-summary.md": render_summary(local, sprint, items, done),
                },
                _epoch(sprint.end, 6 * 3600),
                HUMANS[0],
            )

    def _doc_rng(self, what: str, sprint: SprintInfo) -> random.Random:
        return random.Random(f"{self.spec.seed}-{what}-{sprint.index}")

    def _work(self, step: int, total: int, when: int, sprint: SprintInfo) -> Change:
        """Return work step ``step`` of ``total``: code in one component, new KB pages pro rata, sometimes an edit."""
        rng = self.rng
        component = rng.choice(self.components)
        files = self._code_change(component)
        due_pages = (self.spec.pages * (step + 1)) // total - len(self.pages)
        for _ in range(due_pages):
            path, text = self._new_page()
            files[path] = text
        if self.pages and rng.random() < 0.15:
            path, text = self._edit_page()
            files[path] = text
        ref = f" {sprint.key}" if rng.random() < 0.3 else ""
        kb = f" KB-{rng.randint(1, max(len(self.pages), 1)):05d}" if rng.random() < 0.2 else ""
        message = f"{rng.choice(COMMIT_TYPES)}({component}): {_title(rng).lower()} (#{1000 + step}){ref}{kb}"
        return Change(message, files, when, rng.choice(HUMANS))

    def write(self, fast: FastImport, base: dict[str, str] | None = None) -> int | None:
        """Stream the history (on top of ``base`` files, committed first); return the mark of main's tip."""
        tip: int | None = None
        first_when = _epoch(self.sprints[0].start, 3600) if self.sprints else 1_700_000_000
        if base:
            marks = {path: fast.blob(text) for path, text in base.items()}
            tip = fast.commit(
                "refs/heads/main", HUMANS[0], first_when, "Initial import of the team docs\n", marks, None
            )
            self.counts["commits"] += 1
        for change in self.changes():
            marks = {path: fast.blob(text) for path, text in change.files.items()}
            number = self.counts["commits"]
            as_branch = tip is not None and self.rng.random() < BRANCH_SHARE
            if as_branch:
                feature = fast.commit(
                    "refs/heads/bench-feature", change.who, change.when - 600, change.message + "\n", marks, tip
                )
                found = re.search(r"\(#(\d+)\)", change.message)
                pr = int(found[1]) if found else 1000 + number
                message = f"Merge pull request #{pr} from team/feature-{pr}\n\n{change.message}\n"
                tip = fast.commit("refs/heads/main", change.who, change.when, message, marks, tip, merge=feature)
                self.counts["commits"] += 2
                self.counts["merges"] += 1
            else:
                tip = fast.commit("refs/heads/main", change.who, change.when, change.message + "\n", marks, tip)
                self.counts["commits"] += 1
        return tip


# ---------------------------------------------------------------------------------------------------- the cache


def _git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def _example_files(root: Path) -> dict[str, str]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8", errors="replace")
    return files


def _fingerprint(size: str, spec: Spec, base: dict[str, str] | None) -> str:
    digest = hashlib.sha256(json.dumps([size, GENERATOR_VERSION, asdict(spec)]).encode())
    for path, text in sorted((base or {}).items()):
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def spec_for(size: str) -> tuple[Spec, dict[str, str] | None, str]:
    """Return the spec, base files and a source label for ``size`` (small is the example repo when present)."""
    if size == "small":
        if EXAMPLE_REPO.is_dir() and any(EXAMPLE_REPO.rglob("*.md")):
            return Spec(sprints=0, pages=0, commits=0), _example_files(EXAMPLE_REPO), "examples/team-repo"
        return SIZES["tiny"], None, "generated (examples/team-repo absent)"
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose small, {', '.join(SIZES)}")
    return SIZES[size], None, "generated"


def build_repo(
    dest: Path, spec: Spec, size: str = "custom", base: dict[str, str] | None = None, source: str = "generated"
) -> Manifest:
    """Generate a bare repo at ``dest`` (must not exist) for ``spec``; return its manifest (also written)."""
    started = time.perf_counter()
    dest.mkdir(parents=True)
    git_dir = dest / "repo.git"
    _git("init", "--quiet", "--bare", "--initial-branch=main", str(git_dir))
    builder = HistoryBuilder(spec)
    fast = FastImport(git_dir)
    try:
        builder.write(fast, base)
    finally:
        fast.close()
    subprocess.run(
        ["git", "--git-dir", str(git_dir), "update-ref", "-d", "refs/heads/bench-feature"],
        check=False,
        capture_output=True,
    )
    tree = _git("--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "main").splitlines()
    last = builder.sprints[-1] if builder.sprints else None
    manifest = Manifest(
        size=size,
        generator_version=GENERATOR_VERSION,
        spec=asdict(spec),
        source=source,
        commits=int(_git("--git-dir", str(git_dir), "rev-list", "--count", "main")),
        merges=builder.counts["merges"],
        sprint_docs=sum(1 for path in tree if path.startswith(SPRINT_DIR + "/")),
        kb_pages=sum(1 for path in tree if path.startswith(KB_DIR + "/")),
        code_files=sum(1 for path in tree if path.startswith("src/")),
        head=_git("--git-dir", str(git_dir), "rev-parse", "main"),
        last_sprint_key=last.key if last else "",
        last_sprint_end=last.end.isoformat() if last else "",
        seconds=round(time.perf_counter() - started, 2),
        fingerprint=_fingerprint(size, spec, base),
    )
    (dest / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    return manifest


def load_manifest(cached: Path) -> Manifest | None:
    """Return the manifest of a cached repo dir, or None when it is missing or unreadable."""
    try:
        return Manifest(**json.loads((cached / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def ensure_repo(size: str, cache_dir: Path = CACHE_DIR) -> tuple[Path, Manifest]:
    """Return (cached dir holding ``repo.git``, manifest) for ``size``, generating it when missing or stale."""
    spec, base, source = spec_for(size)
    target = cache_dir / f"{size}-v{GENERATOR_VERSION}"
    manifest = load_manifest(target)
    if manifest is not None and manifest.fingerprint == _fingerprint(size, spec, base):
        return target, manifest
    building = cache_dir / f".{target.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    manifest = build_repo(building, spec, size, base, source)
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return target, manifest


def checkout(cached: Path, dest: Path) -> tuple[Path, Path]:
    """Copy the cached repo into ``dest`` as a bare remote plus a clone of it; return (work tree, remote)."""
    remote = dest / "remote.git"
    work = dest / "work"
    _git("clone", "--quiet", "--bare", "--local", str(cached / "repo.git"), str(remote))
    _git("clone", "--quiet", str(remote), str(work))
    _git("config", "user.name", "Bench Human", cwd=work)
    _git("config", "user.email", "human@example.com", cwd=work)
    return work, remote

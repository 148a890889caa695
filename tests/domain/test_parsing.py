"""The parser on our own fixture docs (same formats as the seeds) and on the line shapes it must read."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from ceremonies.domain import ONGOING, CeremonyKind, DocKind, Document
from ceremonies.domain.lines import ceremony_kind, parse_ceremony_line, parse_scope_line, sprint_ref
from ceremonies.domain.parsing import build_history, parse_document

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "docs"
SPRINT = DOCS / "good" / ".ai" / "sprint"
MESSY = DOCS / "messy"


def parse(path: Path) -> Document:
    """Return the parsed fixture at ``path`` (read as bytes so BOM and CRLF reach the parser)."""
    return parse_document(path.read_bytes().decode("utf-8"), path.name)


def test_german_plan() -> None:
    doc = parse(SPRINT / "SPR-020-iteration-template.md")
    assert (doc.kind, doc.errors) == (DocKind.PLAN, ())
    sprint = doc.sprint
    assert sprint is not None
    assert (sprint.key, sprint.number, sprint.name) == ("SPR-020", "2026-20", "Sprint 2026-20")
    assert (sprint.start, sprint.end, sprint.duration_days) == (date(2026, 9, 2), date(2026, 9, 16), 14)
    assert (sprint.planned_points, sprint.capacity_points, sprint.scope_points) == (30, 32, 30)
    assert (sprint.owner, sprint.status) == ("@Moderator", "Done")
    assert (sprint.demo_owner, sprint.demo_date) == ("@Payments", date(2026, 9, 16))
    assert sprint.goals == ("Cut checkout error rate below 0.5 percent", "Replace the legacy payment retry loop")
    assert sprint.acceptance == ("Error rate below 0.5 percent for seven days", "Legacy loop deleted")
    assert sprint.risks == ("Provider sandbox is unstable — Mitigation: record and replay fixtures",)
    assert sprint.retro is None, "the blank template retro is not a retro"
    assert doc.retro is None


def test_scope_line_shapes_in_a_plan() -> None:
    sprint = parse(SPRINT / "SPR-020-iteration-template.md").sprint
    assert sprint is not None
    shapes = [(item.id, item.title, item.owners, item.points, item.done) for item in sprint.items]
    assert shapes == [
        ("PAY-101", "Idempotent payment retries", ("@Payments", "@Backend"), 8, True),
        ("PAY-102", "Checkout error budget alerts", ("@SRE",), 5, True),
        (None, "Flaky cart test quarantine", ("@QA",), 3, False),
        ("PAY-103", "Remove legacy retry loop", (), 8, False),
        ("OPS-7", "Runbook for payment provider outages", ("@SRE", "@Support"), 6, False),
    ]
    assert sprint.done_points == 13
    assert [item.line for item in sprint.items] == [26, 27, 28, 29, 30]


def test_separate_retro_file_with_three_action_shapes() -> None:
    doc = parse(SPRINT / "SPR-020-retrospective.md")
    assert (doc.kind, doc.errors) == (DocKind.RETRO, ())
    retro = doc.retro
    assert retro is not None
    assert (retro.sprint_key, retro.sprint_number, retro.ref) == ("SPR-020", "2026-20", "SPR-020-RETRO")
    assert len(retro.went_well) == 2 and len(retro.to_improve) == 2
    actions = {action.index: action for action in retro.actions}
    assert list(actions) == [1, 2, 3, 4, 5]
    assert (actions[1].text, actions[1].owners, actions[1].target) == (
        "Quarantine flaky cart tests in CI",
        ("@QA",),
        "2026-21",
    )
    assert (actions[2].done, actions[2].due, actions[2].target) == (True, "2026-09-20", None)
    assert actions[3].target == ONGOING
    assert (actions[4].id, actions[4].text, actions[4].target, actions[4].priority) == (
        "PAY-110",
        "Alert on retry storms",
        "SPR-021",
        "high",
    )
    assert (actions[4].owners, actions[4].points) == (("@Payments", "@SRE"), 5)
    assert actions[4].measure == "no unalerted retry storm for two sprints"
    assert (actions[5].target, actions[5].priority, actions[5].owners) == ("2026-22", "medium", ("@Support",))


def test_plan_with_german_range_filled_retro_and_future_actions() -> None:
    doc = parse(SPRINT / "SPR-021-iteration-template.md")
    sprint = doc.sprint
    assert sprint is not None and doc.errors == ()
    assert (sprint.start, sprint.end) == (date(2026, 9, 16), date(2026, 9, 30))
    assert sprint.retro is not None and doc.retro == sprint.retro
    assert sprint.retro.went_well == ("facet cache landed early",)
    assert sprint.retro.to_improve == ("Estimates for cache invalidation were too low",)
    [action] = sprint.retro.actions
    assert (action.text, action.target) == ("Add cache hit-rate panel", "SPR-022"), "next sprint resolves to the key"
    [future] = sprint.future
    assert (future.id, future.target, future.owners) == ("DOC-9", "2026-22", ("@Support",))


def test_us_plan_with_table_timetable_and_time_zone() -> None:
    doc = parse(SPRINT / "SPR-030-iteration-template.md")
    sprint = doc.sprint
    assert sprint is not None and doc.errors == ()
    assert (sprint.key, sprint.number, sprint.timezone) == ("SPR-030", "14", "America/Chicago")
    assert (sprint.start, sprint.end) == (date(2026, 9, 28), date(2026, 10, 9))
    assert [(item.id, item.owners, item.points, item.done) for item in sprint.items] == [
        ("ONB-401", ("BE",), 5, True),
        ("ONB-402", ("BE", "Data"), 3, False),
        ("ONB-403", ("FE",), 8, False),
    ]
    assert sprint.planned_points == 16
    assert sprint.risks == ("CSV layouts vary by bank",)
    assert [(c.kind, c.day, c.start, c.end) for c in sprint.timetable] == [
        (CeremonyKind.PLANNING, date(2026, 9, 28), time(10), time(11, 30)),
        (CeremonyKind.STANDUP, None, time(9), time(9, 15)),
        (CeremonyKind.REFINEMENT, date(2026, 9, 30), time(13), time(13, 45)),
        (CeremonyKind.DEMO, date(2026, 10, 9), time(14), time(15)),
        (CeremonyKind.RETRO, date(2026, 10, 9), time(15, 15), time(16)),
    ]
    assert sprint.demo_date == date(2026, 10, 9)


def test_execution_summary() -> None:
    doc = parse(SPRINT / "SPR-020-execution-summary.md")
    summary = doc.summary
    assert doc.kind == DocKind.SUMMARY and summary is not None and doc.errors == ()
    assert (summary.key, summary.number, summary.start, summary.end) == (
        "SPR-020",
        "2026-20",
        date(2026, 9, 2),
        date(2026, 9, 16),
    )
    assert [(item.id, item.points, item.done) for item in summary.completed] == [
        ("PAY-101", 8, True),
        (None, 5, True),
        (None, 6, True),
    ]
    assert (summary.velocity, summary.planned_points) == (19, 30)


def test_bom_crlf_variant_reads_like_the_clean_one() -> None:
    messy = parse(MESSY / "SPR-040-iteration-template.md")
    clean = parse(SPRINT / "SPR-020-iteration-template.md")
    assert messy.has_bom and messy.errors == ()
    assert messy.sprint is not None and clean.sprint is not None
    assert messy.sprint.items == clean.sprint.items
    assert (messy.sprint.key, messy.sprint.start) == ("SPR-040", date(2026, 9, 30))


def test_two_frontmatter_blocks_are_merged() -> None:
    doc = parse(MESSY / "SPR-041-iteration-template.md")
    assert doc.frontmatter_blocks == 2 and doc.errors == ()
    assert doc.frontmatter["title"] == "Sprint 2026-41 Planning - Billing Exports"
    assert doc.frontmatter["status"] == "In Progress"
    assert doc.sprint is not None and doc.sprint.status == "In Progress"
    assert doc.sprint.start == date(2026, 10, 14), "English month with a German-style dot"


def test_trailing_junk_is_ignored() -> None:
    doc = parse(MESSY / "SPR-042-iteration-template.md")
    assert doc.errors == () and doc.sprint is not None
    assert doc.sprint.end == date(2026, 11, 11)
    assert "filePath" not in repr(doc)


def test_bad_yaml_is_reported_and_the_body_still_read() -> None:
    doc = parse(MESSY / "SPR-043-iteration-template.md")
    [error] = doc.errors
    assert (error.path, error.line) == ("SPR-043-iteration-template.md", 3)
    assert "invalid YAML" in error.what
    assert doc.sprint is not None and doc.sprint.start == date(2026, 11, 11)


def test_empty_and_binary_documents_are_errors_not_exceptions() -> None:
    empty = parse_document("", "empty.md")
    assert empty.kind == DocKind.UNKNOWN and [e.what for e in empty.errors] == ["empty document"]
    garbage = parse_document((MESSY / "SPR-044-iteration-template.md").read_bytes().decode("latin-1"), "bin.md")
    assert all(error.path == "bin.md" for error in garbage.errors)


def test_unreadable_fields_become_errors_with_lines() -> None:
    doc = parse(MESSY / "SPR-046-iteration-template.md")
    assert [(error.line, error.what.split(" (")[0]) for error in doc.errors] == [
        (9, "cannot read the date 'sometime soon'"),
        (13, "cannot read the date 'nach Absprache'"),
        (16, "cannot read the day 'Blursday' of ceremony 'Sprint Planning'"),
    ]
    assert doc.sprint is not None and doc.sprint.end == date(2026, 12, 9)


def test_plan_without_dates_is_a_warning_not_an_error() -> None:
    doc = parse_document("# SPR-050: Sprint 2026-50 Planning\n\n## Scope\n- [ ] A-1: x — 3 SP\n", "p.md")
    assert doc.ok and doc.sprint is not None and doc.sprint.start is None
    assert [(warning.line, warning.what) for warning in doc.warnings] == [
        (1, "no sprint start and end date found (Start Date:/End Date: or a range in the title)")
    ]


def test_build_history_orders_oldest_first_and_collects_everything() -> None:
    docs = [parse(path) for path in sorted(SPRINT.glob("*.md"), reverse=True)]
    docs.append(parse(MESSY / "SPR-043-iteration-template.md"))
    history = build_history(docs)
    assert [plan.key for plan in history.plans] == ["SPR-020", "SPR-021", "SPR-030", "SPR-043"]
    assert [retro.ref for retro in history.retros] == ["SPR-020-RETRO", "SPR-021-RETRO"]
    assert [summary.key for summary in history.summaries] == ["SPR-020"]
    assert [error.path for error in history.errors] == ["SPR-043-iteration-template.md"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "[ ] ML-GOV-001: Governance core — @Architect/@Backend — 13 SP",
            ("ML-GOV-001", "Governance core", ("@Architect", "@Backend"), 13.0, False),
        ),
        ("[x] Tidy the wiki — @Docs — 2 SP", (None, "Tidy the wiki", ("@Docs",), 2.0, True)),
        ("**PERF-7: Cache warmup** (5 SP)", ("PERF-7", "Cache warmup", (), 5.0, False)),
        ("[ ] Spike without estimate", (None, "Spike without estimate", (), None, False)),
        ("[X] #42: Fix login — @Web — 1.5 SP", ("#42", "Fix login", ("@Web",), 1.5, True)),
    ],
)
def test_parse_scope_line(line: str, expected: tuple[object, ...]) -> None:
    item = parse_scope_line(line, 7)
    assert item is not None
    assert (item.id, item.title, item.owners, item.points, item.done) == expected
    assert item.line == 7


@pytest.mark.parametrize("line", ["Just a sentence about scope", "**Epic A — Hot path:** faster queries", ""])
def test_lines_that_are_not_scope_items(line: str) -> None:
    assert parse_scope_line(line) is None


def test_ceremony_lines() -> None:
    planning = parse_ceremony_line("**Mon Apr 13 — 09:30–11:00:** Sprint Planning.", 3, 2026)
    assert planning is not None
    assert (planning.day, planning.start, planning.end, planning.kind) == (
        date(2026, 4, 13),
        time(9, 30),
        time(11),
        CeremonyKind.PLANNING,
    )
    daily = parse_ceremony_line("**Daily — 09:15–09:30:** Stand-up.", 4, 2026)
    assert daily is not None and (daily.day, daily.kind, daily.name) == (None, CeremonyKind.STANDUP, "Stand-up")
    assert parse_ceremony_line("Shared resources: infra team", 5, 2026) is None
    with pytest.raises(ValueError, match="'Someday'"):
        parse_ceremony_line("**Someday — 09:00–10:00:** Planning.", 6, 2026)


def test_ceremony_day_after_new_year_takes_the_next_year() -> None:
    ceremony = parse_ceremony_line("**Mon Jan 4 — 10:00–11:00:** Sprint Review/Demo.", 1, 2026, date(2026, 12, 28))
    assert ceremony is not None and ceremony.day == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Sprint Planning", CeremonyKind.PLANNING),
        ("Sprint Review/Demo", CeremonyKind.DEMO),
        ("Retro", CeremonyKind.RETRO),
        ("Mid-sprint Refinement/Checkpoint", CeremonyKind.REFINEMENT),
        ("Stand-up", CeremonyKind.STANDUP),
        ("Perf/COGS review & gate dry-run", CeremonyKind.OTHER),
    ],
)
def test_ceremony_kinds(name: str, kind: CeremonyKind) -> None:
    assert ceremony_kind(name) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sprint 2026-13", "2026-13"),
        ("SPR-019", "SPR-019"),
        ("ongoing", ONGOING),
        ("next sprint", "SPR-013"),
        ("2026-03-25", None),
        ("Future Sprints", None),
    ],
)
def test_sprint_refs(text: str, expected: str | None) -> None:
    assert sprint_ref(text, "SPR-012") == expected


def test_german_range_in_the_title_and_stretch_items() -> None:
    text = (
        "# SPR-060: Sprint 2027-01 Planning (7. Januar - 21. Januar 2027)\n\n## Scope\n\n**Must-have:**\n\n"
        "- [ ] A-1: Core — @a — 5 SP\n\n**Stretch (time-boxed):**\n\n- [ ] A-2: Nice to have — @b — 2 SP\n"
    )
    sprint = parse_document(text, "plan.md").sprint
    assert sprint is not None
    assert (sprint.start, sprint.end) == (date(2027, 1, 7), date(2027, 1, 21))
    assert [(item.id, item.stretch) for item in sprint.items] == [("A-1", False), ("A-2", True)]


def test_document_kinds_without_frontmatter_or_hints() -> None:
    retro = parse_document("# Sprint 2026-20 Retro\n\n## What went well\n- CI got faster\n", "notes.md")
    assert (retro.kind, retro.retro is not None) == (DocKind.RETRO, True)
    other = parse_document("# Team handbook\n\nHow we work.\n", "handbook.md")
    assert (other.kind, other.errors) == (DocKind.UNKNOWN, ())


@pytest.mark.parametrize(
    "text",
    [
        "---\nk: " + "[" * 5000 + "]" * 5000 + "\n---\n",
        ">" * 5000 + " deep quote\n",
        "".join("  " * depth + "- a\n" for depth in range(300)),
        "- **Start Date:** " + "2026 12 " * 5000 + "\n",
        "## Timeline\n- " + "Mon " * 20000 + "— 09:00–10:00: x\n",
        "## Scope\n- [ ] " + " — ".join(["@a"] * 20000) + "\n",
    ],
    ids=["deep-yaml", "deep-quote", "deep-list", "long-date-field", "long-ceremony", "long-scope"],
)
def test_pathological_text_gives_document_errors_not_crashes(text: str) -> None:
    doc = parse_document(text, "odd.md")
    assert all("internal parser error" not in error.what for error in doc.errors)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("**Mo 13. April — 09:30–11:00:** Sprint Planning.", ("Sprint Planning", date(2026, 4, 13), time(9, 30))),
        ("**Di 14.04. — 10:00–11:00 Uhr:** Refinement", ("Refinement", date(2026, 4, 14), time(10))),
        ("Sprint Planning: Mon Apr 13, 09:30–11:00", ("Sprint Planning", date(2026, 4, 13), time(9, 30))),
        ("Sprint Review — Fri Apr 24, 10:00-11:00", ("Sprint Review", date(2026, 4, 24), time(10))),
        ("**2026-04-13 — 09:30–11:00:** Sprint Planning", ("Sprint Planning", date(2026, 4, 13), time(9, 30))),
    ],
)
def test_ceremony_line_variants(line: str, expected: tuple[str, date, time]) -> None:
    ceremony = parse_ceremony_line(line, 1, 2026)
    assert ceremony is not None
    assert (ceremony.name, ceremony.day, ceremony.start) == expected


def test_labelled_segments_of_checkbox_actions() -> None:
    text = (
        "# SPR-030 Retrospective\n\n## Action items\n- [ ] Improve X — @a — Due: 2026-04-01\n"
        "- [ ] Improve Y — @b — Target: Sprint 2026-31\n- [ ] Improve Z — @c — 25. März 2026\n"
    )
    retro = parse_document(text, "r.md").retro
    assert retro is not None
    assert [(a.text, a.owners, a.target, a.due) for a in retro.actions] == [
        ("Improve X", ("@a",), None, "2026-04-01"),
        ("Improve Y", ("@b",), "2026-31", None),
        ("Improve Z", ("@c",), None, "2026-03-25"),
    ]

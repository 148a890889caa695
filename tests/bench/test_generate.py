"""The benchmark generator: output our parser reads, deterministic commit ids, a cache that is reused.

Small specs only and no timing assertions: speed lives in ``python -m bench``, never in tests.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from bench.run import Row, RunResult, add_merged_commits

from bench import generate, report

SMALL = generate.Spec(sprints=4, pages=12, commits=60, seed=3)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, generate.Manifest]:
    dest = tmp_path_factory.mktemp("gen") / "repo"
    return dest, generate.build_repo(dest, SMALL, "test")


@pytest.fixture(scope="module")
def work(built: tuple[Path, generate.Manifest], tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree, _ = generate.checkout(built[0], tmp_path_factory.mktemp("clone"))
    return tree


def test_repo_has_the_asked_for_sprints_pages_and_merged_history(built: tuple[Path, generate.Manifest]) -> None:
    _, manifest = built
    assert manifest.sprint_docs == 3 * SMALL.sprints
    assert manifest.kb_pages == SMALL.pages
    assert manifest.merges > 0
    assert abs(manifest.commits - SMALL.commits) <= SMALL.commits // 4
    assert manifest.last_sprint_key == "SPR-004"


def test_merges_touch_code_and_docs(work: Path) -> None:
    merged_files = git(work, "log", "--merges", "-m", "--first-parent", "--name-only", "--format=").split()
    assert any(path.startswith("src/") for path in merged_files)
    assert any(path.startswith(generate.KB_DIR + "/") for path in merged_files)
    assert any(path.startswith(generate.SPRINT_DIR + "/") for path in merged_files + git(work, "ls-files").split())


def test_sprint_docs_use_german_dates_and_seed_shapes(work: Path) -> None:
    plan = (work / generate.SPRINT_DIR / "SPR-004-iteration-template.md").read_text(encoding="utf-8-sig")
    summary = (work / generate.SPRINT_DIR / "SPR-004-execution-summary.md").read_text(encoding="utf-8")
    assert "- **End Date:** 18. März 2026" in plan.replace("\r\n", "\n")
    assert "## Scope (Planned Items)" in plan
    assert summary.startswith("# SPR-004: Sprint Execution Summary")
    assert "- **Story Points Completed:**" in summary


def test_kb_pages_have_frontmatter_sources_and_relative_links(work: Path) -> None:
    pages = sorted((work / generate.KB_DIR).rglob("*.md"))
    texts = [page.read_text(encoding="utf-8-sig") for page in pages]
    assert sum("sources:\n  - src/" in text for text in texts) >= len(pages) * 0.8
    assert any("](../" in text or "](page-" in text for text in texts)


def test_parser_reads_every_generated_sprint_doc_without_errors(work: Path) -> None:
    parsing = pytest.importorskip("ceremonies.domain.parsing")
    kinds = {}
    for path in sorted((work / generate.SPRINT_DIR).glob("*.md")):
        text = path.read_bytes().decode("utf-8")
        document = parsing.parse_document(text, path.name)
        assert not document.errors, (path.name, [str(error) for error in document.errors])
        kinds[path.name] = str(document.kind)
    assert kinds["SPR-003-iteration-template.md"] == "plan"
    assert kinds["SPR-003-retrospective.md"] == "retro"
    assert kinds["SPR-003-execution-summary.md"] == "summary"


def test_history_has_plans_retros_and_summaries(work: Path) -> None:
    files = pytest.importorskip("ceremonies.adapters.files")
    if not hasattr(files, "load_history"):
        pytest.skip("load_history not landed yet")
    from ceremonies.config import load_config

    history = files.load_history(work, load_config(work))
    assert [plan.key for plan in history.plans] == ["SPR-001", "SPR-002", "SPR-003", "SPR-004"]
    assert len(history.summaries) == SMALL.sprints
    assert history.retros and history.retros[-1].actions


def test_same_spec_gives_the_same_commit_ids(tmp_path: Path, built: tuple[Path, generate.Manifest]) -> None:
    again = generate.build_repo(tmp_path / "again", SMALL, "test")
    assert again.head == built[1].head
    other = generate.build_repo(tmp_path / "other", generate.Spec(4, 12, 60, seed=4), "test")
    assert other.head != built[1].head


def test_cache_is_reused_and_rebuilt_when_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(generate.SIZES, "tiny", SMALL)
    first_dir, first = generate.ensure_repo("tiny", cache_dir=tmp_path)
    calls = []
    real_build = generate.build_repo
    monkeypatch.setattr(generate, "build_repo", lambda *a, **k: calls.append(a) or real_build(*a, **k))
    second_dir, second = generate.ensure_repo("tiny", cache_dir=tmp_path)
    assert (second_dir, second.head, calls) == (first_dir, first.head, [])

    manifest = (first_dir / "manifest.json").read_text(encoding="utf-8")
    (first_dir / "manifest.json").write_text(manifest.replace(first.fingerprint, "stale"), encoding="utf-8")
    _, third = generate.ensure_repo("tiny", cache_dir=tmp_path)
    assert len(calls) == 1 and third.head == first.head
    assert [p.name for p in tmp_path.iterdir()] == [first_dir.name]


def test_added_merged_commits_reach_the_remote(built: tuple[Path, generate.Manifest], tmp_path: Path) -> None:
    tree, remote = generate.checkout(built[0], tmp_path)
    before = git(tree, "rev-parse", "HEAD").strip()
    touched = add_merged_commits(tree, 3, seed=1)
    assert git(tree, "rev-list", "--count", "--merges", f"{before}..HEAD").strip() == "3"
    assert git(remote, "rev-parse", "main") == git(tree, "rev-parse", "HEAD")
    assert touched and git(tree, "status", "--porcelain") == ""


def test_report_rewrites_only_its_blocks_and_is_idempotent() -> None:
    result = RunResult(
        "medium",
        {"source": "generated", "commits": 10, "merges": 2, "sprint_docs": 3, "kb_pages": 5, "code_files": 4},
        1.0,
        False,
        machine={"nproc": "2"},
        started="2026-01-01 00:00 UTC",
    )
    result.rows = [Row("KB full rebuild", 2.0, 1.0, 2.0), Row("KB incremental after 1 merge", 0.05, 0.02, 2.5)]
    human = "# Benchmarks\n\nA note written by a person.\n"
    once = report.render(human, [result])
    assert once.startswith(human)
    assert "| KB full rebuild | 2.00 s | 1.00 s | 2.00× |" in once
    assert "xychart-beta" in once
    assert report.render(once, [result]) == once
    assert "| KB full rebuild ≤ 3× its floor | 2.0× | ✅ met |" in once
    assert "| KB incremental after 1 merge ≥ 50× faster than the full rebuild | 40.0× | ❌ missed |" in once
    assert "| next-sprint direct path < 1 s | — | not measured |" in once


def test_report_keeps_a_moved_block_in_place_and_human_notes_between_blocks() -> None:
    manifest = {"source": "generated", "commits": 1, "merges": 0, "sprint_docs": 0, "kb_pages": 0, "code_files": 0}
    result = RunResult("large", manifest, 0.0, True, started="2026-01-01 00:00 UTC")
    first = report.render("", [result])
    notes = "\n## Notes\n\nWhat bounds the misses, written by a person.\n\n"
    begin = "<!-- bench:begin results -->"
    edited = first.replace(begin, notes + begin)
    again = report.render(edited, [result])
    assert notes in again and again == edited


def test_planner_plans_the_sprint_after_the_generated_history(work: Path) -> None:
    from ceremonies.adapters.files import load_history
    from ceremonies.config import load_config
    from ceremonies.planning import plan_next_sprint

    settings = load_config(work)
    history = load_history(work, settings)
    plan = plan_next_sprint(history, settings, generate.LAST_SPRINT_END)
    assert plan.previous.key == "SPR-004"
    assert plan.sprint.start is not None and plan.sprint.start >= generate.LAST_SPRINT_END
    sources = {(item.source or "").split(" action")[0] for item in plan.from_retro}
    assert "SPR-004-RETRO" in sources and sources <= {"SPR-003-RETRO", "SPR-004-RETRO"}  # next and next-but-one
    window = min(settings.sprint.velocity_window, SMALL.sprints)
    expected = [generate.sprint_key(n) for n in range(SMALL.sprints - window + 1, SMALL.sprints + 1)]
    assert [key for key, _ in plan.velocity.samples] == expected and plan.velocity.points


def test_reminders_cover_every_generated_sprint(work: Path) -> None:
    from ceremonies import reminders
    from ceremonies.adapters.files import load_history
    from ceremonies.config import load_config

    settings = load_config(work)
    history = load_history(work, settings)
    calendar = reminders.ceremony_calendar(history.plans, settings)
    assert {event.sprint_key for event in calendar} == {f"SPR-00{n}" for n in range(1, SMALL.sprints + 1)}
    assert {event.kind.value for event in calendar} >= {"planning", "demo"}
    assert reminders.all_reminders(calendar, settings)

"""KB page identity by the agreement rule (domain.identity): a generated placeholder block, a BOM, then the real
block — the page is indexed under the real docid and title, and every two-block page is in doc health."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from kb_team_files import team_files

from ceremonies import knowledge as kb
from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb
from support.gitrepo import make_team_repo

KB = ".ai/knowledgebase"
PLACEHOLDER_THEN_REAL = (
    "---\ndocid: KB-120\ntitle: KB 050 Plan Act Control\nowner: TBD\nstatus: Draft\n---\n"
    "\ufeff---\ndocid: KB-050\ntitle: Plan-Act-Control Practical Guide\nowner: '@Ops'\nstatus: Active\n---\n\n"
    "# Plan-Act-Control\n\nText.\n"
)
TWO_BLOCKS_NO_BOM = (
    "---\ndocid: KB-121\ntitle: KB 051 Runbook\n---\n\n---\ndocid: KB-051\ntitle: Incident runbook\nowner: '@Ops'\n"
    "status: Active\n---\n\n# Incident runbook\n"
)


def test_the_real_block_wins_by_agreement() -> None:
    page = kb.parse_kb_page(PLACEHOLDER_THEN_REAL, f"{KB}/ops/plan-act-control.md")
    assert (page.docid, page.title, page.owner) == ("KB-050", "Plan-Act-Control Practical Guide", "@Ops")
    kinds = {issue.kind for issue in page.issues}
    assert {"two-frontmatter-blocks", "bom", "identity-disagreement"} <= kinds
    dissent = next(issue for issue in page.issues if issue.kind == "identity-disagreement")
    assert "'KB-120'" in dissent.message and "using 'KB-050' (majority)" in dissent.message


def test_placeholder_bom_real_pages_are_indexed_under_the_real_docid_and_title(tmp_path: Path) -> None:
    files = {**team_files(), f"{KB}/ops/plan-act-control.md": PLACEHOLDER_THEN_REAL,
             f"{KB}/ops/runbook.md": TWO_BLOCKS_NO_BOM}
    team = make_team_repo(tmp_path, files, message="docs", date="2026-03-03T10:00:00+01:00")
    run_refresh_kb(
        RefreshRequest(str(team.work), now=datetime.fromisoformat("2026-03-17T12:00:00+01:00")),
        Effects(notifier=ConsoleNotifier("#kb", io.StringIO())),
    )
    index = (team.work / KB / "INDEX.md").read_text(encoding="utf-8")
    row = next(line for line in index.splitlines() if "plan-act-control.md" in line)
    assert "| KB-050 | Plan-Act-Control Practical Guide | @Ops | Active |" in row
    assert "KB-120" not in index
    runbook = next(line for line in index.splitlines() if "runbook.md" in line)
    assert "| KB-051 | Incident runbook |" in runbook
    health = (team.work / KB / "DOC-HEALTH.md").read_text(encoding="utf-8")
    two_block = [line for line in health.splitlines() if "two-frontmatter-blocks" in line and "|" in line]
    assert any("plan-act-control.md" in line for line in two_block), "the BOM hid a two-block page"
    assert any("runbook.md" in line for line in two_block)

"""The incremental refresh gives the bytes a full rebuild gives, after every kind of merged change.

One team repo goes through a series of merges (page added in a new folder, sources changed, docid made a duplicate,
a missing link target created, a page renamed, a folder emptied, a sprint doc added, a human edit of a generated
page); after each, the incremental refresh commits and a full rebuild of the same commit (dry run) must find nothing
to change — so whatever the incremental refresh patched row by row (INDEX, DOC-HEALTH, SPRINT-HISTORY, managed
blocks) is exactly what rendering everything again writes.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from kb_team_files import PLAN_102

from ceremonies.adapters.kb_render import KbRenderer
from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.refresh_kb import RefreshRequest, RefreshResult, run_refresh_kb
from support.gitrepo import TeamRepo, clone_again, git, merge_branch

KB = ".ai/knowledgebase"
NOW = datetime.fromisoformat("2026-03-20T12:00:00+01:00")

RUNBOOK = """---
docid: KB-090
title: Payments runbook
owner: "@Ops"
status: Active
sources: [src/payments/**]
---

# Payments runbook

See [payments](../services/payments.md), the [future guide](../guides/future.md) and [checkout](../guides/checkout.md).

<!-- ceremonies:begin recent-changes -->
<!-- ceremonies:end recent-changes -->
"""

FUTURE = """---
docid: KB-091
title: Future guide
owner: "@Docs"
status: Draft
---

# Future guide
"""


def refresh(team: TeamRepo, **kwargs: object) -> RefreshResult:
    """Run the direct path on the bot's work tree (Slack to a buffer)."""
    return run_refresh_kb(
        RefreshRequest(str(team.work), now=NOW, **kwargs),
        Effects(notifier=ConsoleNotifier("#kb", io.StringIO())),
    )


def merge(team: TeamRepo, tmp_path: Path, files: dict[str, str | None], message: str, pr: int) -> None:
    """A colleague merges a branch changing ``files`` (None deletes) and pushes."""
    human = tmp_path / "human"
    if not human.exists():
        clone_again(team.remote, human)
    git(human, "pull", "-q", "--ff-only")
    when = f"2026-03-{10 + pr % 10:02d}T1{pr % 10}:00:00+01:00"
    merge_branch(human, f"feat/{pr}", files, message, merge_message=f"Merge pull request #{pr}\n\n{message}",
                 date=when)
    git(human, "push", "-q", "origin", "main")


def page(team: TeamRepo, tmp_path: Path, path: str) -> str:
    """Return the text of ``path`` in the colleague's clone (pulled)."""
    git(tmp_path / "human", "pull", "-q", "--ff-only")
    return (tmp_path / "human" / path).read_text(encoding="utf-8")


def assert_same_as_full(team: TeamRepo, what: str) -> RefreshResult:
    """Refresh incrementally (and commit), then check a full rebuild of the same commit changes nothing."""
    result = refresh(team)
    assert result.mode == "incremental", what
    assert result.commit is not None, f"{what}: the refresh wrote something"
    rebuilt = refresh(team, full=True, dry_run=True)
    assert rebuilt.diff == "", f"{what}: a full rebuild differs from the incremental refresh:\n{rebuilt.diff}"
    assert rebuilt.health == result.health and rebuilt.needs_review == result.needs_review, what
    return result


def test_incremental_refresh_equals_full_rebuild_after_each_kind_of_change(team: TeamRepo, tmp_path: Path) -> None:
    assert refresh(team).mode == "full"

    merge(team, tmp_path, {f"{KB}/runbooks/payments-runbook.md": RUNBOOK}, "docs(kb): payments runbook KB-090", 1)
    added = assert_same_as_full(team, "page added in a new folder")
    assert f"{KB}/INDEX.md" in added.pages_written and "runbooks" in (team.work / KB / "INDEX.md").read_text()

    merge(team, tmp_path, {"src/payments/api.py": "VALUE = 7\n"}, "fix(payments): round half up", 2)
    stale = assert_same_as_full(team, "sources changed")
    assert {item["path"] for item in stale.needs_review} >= {f"{KB}/runbooks/payments-runbook.md"}

    runbook = page(team, tmp_path, f"{KB}/runbooks/payments-runbook.md")
    merge(team, tmp_path, {f"{KB}/runbooks/payments-runbook.md": runbook.replace("KB-090", "KB-031")
                           .replace("@Ops", "@Payments")}, "docs(kb): runbook takes a used docid", 3)
    duplicate = assert_same_as_full(team, "docid made a duplicate, owner changed")
    assert duplicate.health.get("duplicate-docid") == 2

    merge(team, tmp_path, {f"{KB}/guides/future.md": FUTURE}, "docs(kb): the future guide", 4)
    assert_same_as_full(team, "a missing link target created")

    checkout = page(team, tmp_path, f"{KB}/guides/checkout.md")
    merge(team, tmp_path, {f"{KB}/guides/checkout.md": None, f"{KB}/guides/checkout-flow.md": checkout},
          "docs(kb): rename the checkout guide", 5)
    renamed = assert_same_as_full(team, "page renamed (links to the old name break)")
    assert renamed.health.get("broken-link", 0) >= 1

    merge(team, tmp_path, {f"{KB}/runbooks/payments-runbook.md": None}, "docs(kb): drop the runbook", 6)
    assert_same_as_full(team, "page deleted, its folder emptied")
    assert "runbooks" not in (team.work / KB / "INDEX.md").read_text()

    plan_103 = PLAN_102.replace("SPR-102", "SPR-103").replace("16. März 2026", "30. März 2026")
    merge(team, tmp_path, {".ai/sprint/SPR-103-iteration-template.md": plan_103}, "docs(sprint): plan SPR-103", 7)
    sprint = assert_same_as_full(team, "sprint doc added")
    assert f"{KB}/SPRINT-HISTORY.md" in sprint.pages_written

    index = page(team, tmp_path, f"{KB}/INDEX.md")
    merge(team, tmp_path, {f"{KB}/INDEX.md": index.replace("Knowledge base index", "Our index"),
                           "src/checkout/cart.py": "VALUE = 1\n"}, "fix(checkout): a human edits the index", 8)
    assert_same_as_full(team, "a human edited a generated page")


def test_pages_put_together_from_rows_equal_the_whole_template(team: TeamRepo, tmp_path: Path) -> None:
    """INDEX.md and DOC-HEALTH.md assembled from cached rows (ceremonies' own templates) are byte for byte what
    rendering the whole template gives (the path a team's own template takes)."""
    assert refresh(team).mode == "full"
    merge(team, tmp_path, {f"{KB}/runbooks/payments-runbook.md": RUNBOOK, "src/payments/api.py": "VALUE = 9\n"},
          "docs(kb): payments runbook KB-090", 1)
    assert_same_as_full(team, "page added")
    shipped = Path(__file__).resolve().parents[2] / "templates" / "kb"
    own = team.work / ".ceremonies" / "templates" / "kb"
    own.mkdir(parents=True)
    for name in ("index.md.j2", "doc-health.md.j2"):
        (own / name).write_text((shipped / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert KbRenderer.for_repo(team.work, ".ceremonies/templates").own_template("index") is None, "the team's own"
    whole = refresh(team, full=True, dry_run=True)
    assert whole.diff == "", whole.diff
    assert whole.health.get("needs-review") and whole.health.get("broken-link")

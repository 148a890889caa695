"""One size limit per input kind, named in the error with its value and its setting; a plan that would come out
too big names the input that makes it big (not the template)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ceremonies.adapters.files import read_doc_text
from ceremonies.errors import SprintDocError
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from support.gitrepo import make_team_repo

SPRINTS = ".ai/sprint"
ITEMS = 300


def _plan(items: int) -> str:
    scope = "".join(f"- [ ] T-{i}: t{i} — 1 SP\n" for i in range(items))
    return (
        "---\ndocid: SPR-301\ntitle: Sprint 2026-21 Planning\n---\n\n# SPR-301: Sprint 2026-21 Planning\n\n"
        "## Sprint Overview\n- **Sprint Number:** 2026-21\n- **Start Date:** 2026-05-18\n"
        "- **End Date:** 2026-05-29\n\n## Scope (Planned Items)\n" + scope
    )


RETRO = "# SPR-301: Retrospective\n\n## What went well\n- x\n\n## Action items\n- [ ] Write it — @Bo — Sprint 2026-22\n"


def test_a_file_over_the_limit_names_size_limit_and_setting(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text("x" * 5000)
    with pytest.raises(SprintDocError) as caught:
        read_doc_text(big, limit=4096)
    assert "too large: 5,000 bytes, over the limit of 4,096 bytes ([limits] max_doc_bytes in ceremonies.toml" in str(
        caught.value
    )


def test_a_plan_that_would_be_too_big_names_the_input_not_the_template(tmp_path: Path) -> None:
    plan = _plan(ITEMS)
    limit = len(plan.encode()) + 200  # the input fits; the plan built from it (carried-over notes) does not
    files = {
        "ceremonies.toml": f'[sprint]\ntimezone = "Europe/Berlin"\n\n[limits]\nmax_doc_bytes = {limit}\n',
        f"{SPRINTS}/SPR-301-iteration-template.md": plan,
        f"{SPRINTS}/SPR-301-retrospective.md": RETRO,
    }
    team = make_team_repo(tmp_path / "team", files, date="2026-05-20T10:00:00+02:00")
    with pytest.raises(SprintDocError) as caught:
        run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 5, 27)))
    message = str(caught.value)
    assert message.startswith(
        f"{SPRINTS}/SPR-301-iteration-template.md: the plan of SPR-302 would be built from its {ITEMS} scope items"
    ), message
    assert f"over the limit of {limit:,} bytes ([limits] max_doc_bytes" in message and ".j2" not in message

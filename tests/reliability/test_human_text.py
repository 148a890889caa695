"""Human text: random KB pages with managed blocks (LF or CRLF, BOM or not, 1-3 blocks, unknown block names, random
human text around them) in a real repo; after any number of KB refreshes with merged work in between, every byte
outside the managed blocks is identical, and the sprint docs are not touched at all."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import COUNTS, KB, SPRINTS, team_files

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.errors import SprintDocError
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb
from ceremonies.knowledge import find_blocks
from support.gitrepo import commit_as_human, git, make_team_repo

FULL = os.environ.get("CEREMONIES_RELIABILITY_FULL") == "1"
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
human_line = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters=LINE_BREAKS), max_size=50
).filter(lambda line: "ceremonies:" not in line and "<!--" not in line)
BLOCKS = (
    "<!-- ceremonies:begin recent-changes -->",
    "<!-- ceremonies:begin recent-changes limit=2 -->",
    "<!--ceremonies:begin   recent-changes   -->",
    "<!-- ceremonies:begin someone-elses-block -->",
)


@st.composite
def kb_page(draw: st.DrawFn) -> bytes:
    """Return the bytes of a human KB page (frontmatter naming sources) with 1-3 managed blocks."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    head = ["---", "docid: KB-777", "title: Random page", 'owner: "@Ana"', "sources:", "  - src/search/**", "---"]
    lines = head + draw(st.lists(human_line, max_size=5))
    for _ in range(draw(st.integers(1, 3))):
        begin = draw(st.sampled_from(BLOCKS))
        name = begin.split("begin", 1)[1].split()[0]
        lines += [begin, *draw(st.lists(human_line, max_size=3)), f"<!-- ceremonies:end {name} -->"]
        lines += draw(st.lists(human_line, max_size=4))
    text = bom + newline.join(lines) + (newline if draw(st.booleans()) else "")
    return text.encode("utf-8")


def outside_blocks(data: bytes) -> list[bytes]:
    """Return the parts of a page outside the content of its well-formed managed blocks (markers included)."""
    text = data.decode("utf-8")
    parts, position = [], 0
    for span in find_blocks(text):
        if span.end is None:
            continue
        parts.append(text[position : span.content_start].encode("utf-8"))
        position = span.content_end
    parts.append(text[position:].encode("utf-8"))
    return parts


def changed_bytes(before: list[bytes], after: list[bytes]) -> int:
    """Return how many bytes differ between two lists of parts (length differences count in full)."""
    if len(before) != len(after):
        return max(sum(map(len, before)), sum(map(len, after))) or 1
    return sum(
        sum(x != y for x, y in zip(old, new, strict=False)) + abs(len(old) - len(new))
        for old, new in zip(before, after, strict=True)
    )


@given(st.lists(kb_page(), min_size=1, max_size=3), st.integers(1, 4))
@settings(max_examples=60 if FULL else 3, deadline=None, suppress_health_check=list(HealthCheck))
def test_bytes_outside_managed_blocks_survive_any_number_of_runs(pages: list[bytes], runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[str, str | bytes | None] = dict(team_files())
        paths = [f"{KB}/random/page-{i}.md" for i in range(len(pages))]
        files.update(zip(paths, pages, strict=True))
        team = make_team_repo(Path(tmp), files, date="2026-05-20T10:00:00+02:00")
        sprint_before = {p: (team.work / p).read_bytes() for p in files if p.startswith(SPRINTS)}
        originals = {path: outside_blocks(data) for path, data in zip(paths, pages, strict=True)}
        changed = 0
        for run in range(runs):
            stamp = f"2026-05-{21 + run}T10:00:00+02:00"
            commit_as_human(
                team.work, {"src/search/index.py": f"WARM = {run}\n"}, f"feat(search): tune {run}", date=stamp
            )
            git(team.work, "push", "-q", "origin", "main")
            run_refresh_kb(RefreshRequest(str(team.work)), Effects(notifier=ConsoleNotifier("#sprint", io.StringIO())))
            for path in paths:
                changed += changed_bytes(originals[path], outside_blocks((team.work / path).read_bytes()))
            changed += sum((team.work / p).read_bytes() != data for p, data in sprint_before.items())
        rendered = [
            (team.work / p).read_text(encoding="utf-8")
            for p, d in zip(paths, pages, strict=True)
            if b"recent-changes" in d and b"\x00" not in d  # a NUL makes the page binary: left alone
        ]
        assert all("tune" in text for text in rendered), "the recent-changes blocks were filled in"
        again = run_refresh_kb(
            RefreshRequest(str(team.work)),
            Effects(notifier=ConsoleNotifier("#sprint", io.StringIO())),
        )
        COUNTS["human bytes changed"] += changed
        assert changed == 0, "text outside managed blocks (or a sprint doc) changed"
        assert again.commit is None, "a re-run without new work commits nothing"
        assert git(team.work, "status", "--porcelain").strip() == "", "no uncommitted leftovers"


sprint_line = human_line.filter(lambda line: not line.lstrip().startswith(("---", "#", "-", "*", "|")))


@given(
    st.lists(sprint_line, max_size=6),
    st.lists(sprint_line, max_size=6),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["", "\ufeff"]),
    st.integers(1, 3),
)
@settings(max_examples=30 if FULL else 3, deadline=None, suppress_health_check=list(HealthCheck))
def test_human_sprint_docs_stay_byte_identical_under_planning_and_kb_runs(
    plan_extra: list[str], retro_extra: list[str], newline: str, bom: str, runs: int
) -> None:
    from datetime import date

    from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
    from ceremonies.jobs.recipe import Effects

    with tempfile.TemporaryDirectory() as tmp:
        files: dict[str, str | bytes | None] = dict(team_files())
        for path, extra in (
            (f"{SPRINTS}/SPR-301-iteration-template.md", plan_extra),
            (f"{SPRINTS}/SPR-301-retrospective.md", retro_extra),
        ):
            text = str(files[path]).rstrip("\n") + "\n\n" + "\n".join(extra) + "\n"
            files[path] = (bom + text.replace("\n", newline)).encode("utf-8")
        team = make_team_repo(Path(tmp), files, date="2026-05-20T10:00:00+02:00")
        human = {p: (team.work / p).read_bytes() for p in files if p.startswith(SPRINTS)}
        for run in range(runs):
            try:
                run_next_sprint(
                    NextSprintRequest(str(team.work), today=date(2026, 5, 26 + run)),
                    Effects(notifier=ConsoleNotifier("#sprint", io.StringIO())),
                )
            except SprintDocError as error:  # e.g. a NUL byte: refused with file and line, nothing written
                assert error.path and error.path.startswith(SPRINTS) and error.line, str(error)
            run_refresh_kb(RefreshRequest(str(team.work)), Effects(notifier=ConsoleNotifier("#sprint", io.StringIO())))
        changed = sum(len(data) for p, data in human.items() if (team.work / p).read_bytes() != data)
        COUNTS["human bytes changed"] += changed
        assert changed == 0, "a human sprint doc changed"
        assert git(team.work, "status", "--porcelain").strip() == ""

"""The KB state in the git dir: a head plus page records in shards; a refresh reads and writes only the shards of
the pages it touches, and a lost shard is a clear error, not a wrong page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceremonies import knowledge as kb
from ceremonies.adapters import state
from ceremonies.domain.commits import FileChange, MergedCommit
from ceremonies.jobs.kb_state import load_kb_state, save_kb_state

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def page(path: str) -> kb.KbPage:
    return kb.KbPage(path=path, docid=f"KB-{len(path):03d}", title=path, owner="@o", sources=("src/**",),
                     has_frontmatter=True)


def commit(sha: str, files: tuple[str, ...]) -> MergedCommit:
    return MergedCommit(sha=sha * 40, date=NOW, author="Dana", author_email="d@x", subject=f"docs: {sha}",
                        files=tuple(FileChange("M", f) for f in files))


def test_only_the_touched_pages_shards_are_read_and_written(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    git_dir.mkdir()
    pages = {f"kb/p{n}.md": page(f"kb/p{n}.md") for n in range(300)}
    full, _ = kb.apply_commits(kb.KbState(), [commit("1", tuple(pages))], pages, "1" * 40,
                               kb.KbIndex.build(pages.values()))
    assert save_kb_state(git_dir, full) == kb.SHARDS, "a full rebuild writes every shard"

    loaded = load_kb_state(git_dir)
    assert loaded is not None and loaded.records is not None and sorted(loaded.pages) == sorted(pages)
    reads: list[str] = []
    records = kb.Records(lambda shard: reads.append(shard) or state.load(git_dir, state.KB_STATE.part(shard)))
    loaded = kb.KbState.from_dict(state.load(git_dir, state.KB_STATE), records)
    assert loaded is not None
    current = kb.copy_map(loaded.pages)
    current["kb/p7.md"] = page("kb/p7.md")
    assert loaded.indexes is not None
    after, changed = kb.apply_commits(loaded, [commit("2", ("kb/p7.md",))], current, "2" * 40, loaded.indexes)
    assert changed == {"kb/p7.md"} and reads == [kb.shard_of("kb/p7.md")], "one page looked up: one shard read"
    assert save_kb_state(git_dir, after) == 1, "one page changed: one shard written"

    again = load_kb_state(git_dir)
    assert again is not None and again.history["kb/p7.md"].last.sha == "2" * 40  # type: ignore[union-attr]
    assert again.pages["kb/p8.md"] == pages["kb/p8.md"] and again.history["kb/p8.md"].last.sha == "1" * 40  # type: ignore[union-attr]


def test_a_lost_shard_names_itself_and_the_fix(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    git_dir.mkdir()
    pages = {"kb/a.md": page("kb/a.md")}
    full, _ = kb.apply_commits(kb.KbState(), [commit("1", ("kb/a.md",))], pages, "1" * 40)
    save_kb_state(git_dir, full)
    state.clear(git_dir, state.KB_STATE.part(kb.shard_of("kb/a.md")))
    loaded = load_kb_state(git_dir)
    assert loaded is not None
    with pytest.raises(kb.CacheGapError, match=r"kb/a\.md.*refresh-kb --full"):
        loaded.pages["kb/a.md"]

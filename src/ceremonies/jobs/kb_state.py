"""The KB refresh's cached state in the git dir (through :mod:`ceremonies.adapters.state`): a head document
(``kb-state``: sync point, recent work, sprint rows, indexes, rendered rows, every page path) and the page records
spread over shard documents (``kb-state-00`` … ``kb-state-ff``, :mod:`ceremonies.knowledge.shards`).

A refresh reads the head and then only the shards of the pages it looks up, and writes the head and only the
shards whose pages changed. The head is removed before shards are written and written last, so a run killed in
between leaves no head: the next refresh rebuilds the cache (it is only an optimisation).
"""

from __future__ import annotations

from pathlib import Path

from ceremonies import knowledge as kb
from ceremonies.adapters import state


def load_kb_state(git_dir: Path) -> kb.KbState | None:
    """Return the cached KB state (page records read from their shards on demand), or None when there is none or
    it is unreadable or of another version."""
    head = state.load(git_dir, state.KB_STATE)
    if not head:
        return None
    records = kb.Records(lambda shard: state.load(git_dir, state.KB_STATE.part(shard)))
    return kb.KbState.from_dict(head, records)


def save_kb_state(git_dir: Path, kb_state: kb.KbState) -> int:
    """Store ``kb_state``: the shards holding a page whose record changed (every shard when the state was not read
    from shards, e.g. a full rebuild), then the head. Return how many shards were written."""
    paths = kb.changed_paths(kb_state.pages, kb_state.history)
    shards = kb.shard_records(kb_state.pages, kb_state.history, paths, kb_state.records)
    state.clear(git_dir, state.KB_STATE)
    for shard, records in sorted(shards.items()):
        state.save(git_dir, state.KB_STATE.part(shard), records)
    state.save(git_dir, state.KB_STATE, kb_state.to_dict(head_only=True))
    return len(shards)

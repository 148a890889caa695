"""Rules for the knowledge base: pure functions, inputs in, new text or messages out (no I/O, no clock).

One module per concept (every public name is also importable from here: ``from ceremonies import knowledge as kb``):

- :mod:`.commits` — merged work → conventional-commit type/scope/title and referenced ids (``#123``, ``SPR-013``);
- :mod:`.globs` — ``sources:`` globs and the index finding the pages a changed path concerns;
- :mod:`.links`, :mod:`.pages` — KB pages → :class:`KbPage` (frontmatter, identity by agreement, links, managed
  blocks; broken YAML is a health issue with file:line, never an exception);
- :mod:`.blocks` — managed blocks inside human pages (only text between the markers changes);
- :mod:`.state` — :class:`KbState`, what the KB knows after applying merged work oldest first; the same
  :func:`apply_commits` serves the full rebuild and the incremental refresh, so both give byte-identical pages;
- :mod:`.sprints` — the sprint rows the sprint docs give (planned vs delivered, retro follow-through);
- :mod:`.layout`, :mod:`.text` — where the generated pages go; markdown cells, links, dates;
- :mod:`.indexes`, :mod:`.rows` — reverse indexes (sources, backlinks, docids) and rendered rows kept in the state,
  so an incremental refresh visits only the pages a change concerns;
- :mod:`.contexts`, :mod:`.health` — the contexts of the generated pages (index, what's new, sprint history, doc
  health);
- :mod:`.sla`, :mod:`.summary` — the freshness SLA report and the Slack summary of a refresh.
"""

from __future__ import annotations

from ceremonies.domain.managed import GENERATED_MARK, BlockSpan, find_blocks, is_generated
from ceremonies.knowledge.blocks import block_renderer, newline_of, recent_changes_block, replace_blocks
from ceremonies.knowledge.commits import (
    KEY_LINE,
    NOT_IDS,
    TYPE_TITLES,
    WorkSummary,
    display_subject,
    find_refs,
    parse_conventional,
    summarize,
)
from ceremonies.knowledge.contexts import (
    id_docs,
    index_context,
    index_folder,
    index_row,
    sprint_history_context,
    velocity_chart,
    whats_new_context,
)
from ceremonies.knowledge.globs import SourceIndex, ancestor_dirs, glob_regex, static_prefix
from ceremonies.knowledge.health import (
    Stale,
    health_context,
    health_counts,
    health_issues,
    issue_row,
    page_health,
    stale_of,
    stale_pages,
    stale_row,
)
from ceremonies.knowledge.indexes import KbIndex
from ceremonies.knowledge.layout import (
    GENERATED_BLOCKS,
    GENERATED_NAMES,
    GENERATED_SETTINGS,
    Layout,
    generated_text,
    name_collision,
)
from ceremonies.knowledge.links import Link, find_links, resolve_link
from ceremonies.knowledge.pages import HealthIssue, KbPage, page_identity, parse_kb_page
from ceremonies.knowledge.rows import RowCache
from ceremonies.knowledge.shards import (
    SHARDS,
    CacheGapError,
    LazyMap,
    Records,
    changed_paths,
    copy_map,
    shard_of,
    shard_records,
    stored,
)
from ceremonies.knowledge.sla import SLA_SHOWN, LateCommit, SlaReport, sla_report
from ceremonies.knowledge.sprints import FOLLOW_UP_SPRINTS, SprintFacts, SprintRow, sprint_facts, sprint_of
from ceremonies.knowledge.state import (
    RECENT_LIMIT,
    STATE_VERSION,
    WHATS_NEW_LIMIT,
    CommitRef,
    KbState,
    PageHistory,
    apply_commits,
    deleted_paths,
)
from ceremonies.knowledge.summary import SUMMARY_TEMPLATE, summary_context, summary_key
from ceremonies.knowledge.text import cell, points, relative_link, relative_path, short_date

__all__ = [
    "FOLLOW_UP_SPRINTS",
    "GENERATED_BLOCKS",
    "GENERATED_MARK",
    "GENERATED_NAMES",
    "GENERATED_SETTINGS",
    "KEY_LINE",
    "NOT_IDS",
    "RECENT_LIMIT",
    "SHARDS",
    "SLA_SHOWN",
    "STATE_VERSION",
    "SUMMARY_TEMPLATE",
    "TYPE_TITLES",
    "WHATS_NEW_LIMIT",
    "BlockSpan",
    "CacheGapError",
    "CommitRef",
    "HealthIssue",
    "KbIndex",
    "KbPage",
    "KbState",
    "LateCommit",
    "Layout",
    "LazyMap",
    "Link",
    "PageHistory",
    "Records",
    "RowCache",
    "SlaReport",
    "SourceIndex",
    "SprintFacts",
    "SprintRow",
    "Stale",
    "WorkSummary",
    "ancestor_dirs",
    "apply_commits",
    "block_renderer",
    "cell",
    "changed_paths",
    "copy_map",
    "deleted_paths",
    "display_subject",
    "find_blocks",
    "find_links",
    "find_refs",
    "generated_text",
    "glob_regex",
    "health_context",
    "health_counts",
    "health_issues",
    "id_docs",
    "index_context",
    "index_folder",
    "index_row",
    "is_generated",
    "issue_row",
    "name_collision",
    "newline_of",
    "page_health",
    "page_identity",
    "parse_conventional",
    "parse_kb_page",
    "points",
    "recent_changes_block",
    "relative_link",
    "relative_path",
    "replace_blocks",
    "resolve_link",
    "shard_of",
    "shard_records",
    "short_date",
    "sla_report",
    "sprint_facts",
    "sprint_history_context",
    "sprint_of",
    "stale_of",
    "stale_pages",
    "stale_row",
    "static_prefix",
    "stored",
    "summarize",
    "summary_context",
    "summary_key",
    "velocity_chart",
    "whats_new_context",
]

"""The Slack summary of a refresh: its template, idempotency key and context (text escaped by the template)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ceremonies.knowledge.health import Stale

SUMMARY_TEMPLATE = "slack/kb-summary.md.j2"
"""The template of the Slack summary of a refresh (a team may override it)."""


def summary_key(synced_through: str | None) -> str:
    """Return the idempotency key of a refresh's summary: ``kb-refresh/<sha12>``."""
    return f"kb-refresh/{synced_through[:12]}" if synced_through else "kb-refresh"


def summary_context(
    written: Sequence[str],
    stale: Sequence[Stale],
    counts: Mapping[str, int],
    new_work: int,
    synced_through: str | None,
    kb_url: str | None = None,
    sla: str | None = None,
) -> dict[str, Any]:
    """Return what ``templates/slack/kb-summary.md.j2`` shows: pages written, pages needing review with their
    owners and newest commit, doc health counts (doc and commit text as written: the template escapes it)."""
    return {
        "new_work": new_work,
        "written": list(written),
        "stale": [
            {
                "path": item.path,
                "owner": item.owner,
                "count": item.count,
                "last_sha": item.last.sha if item.last else None,
                "last_subject": item.last.subject if item.last else None,
            }
            for item in stale
        ],
        "counts": dict(counts),
        "synced_through": synced_through,
        "link_url": kb_url,
        "sla": sla,
    }

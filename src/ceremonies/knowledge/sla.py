"""KB freshness: merged work the KB does not reflect yet, and which of it is older than the SLA."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ceremonies.domain.commits import MergedCommit


@dataclass(frozen=True)
class LateCommit:
    """Merged work the KB does not reflect yet, older than the SLA."""

    sha: str
    subject: str
    date: str
    age_hours: float


SLA_SHOWN = 5
"""How many late commits (the oldest) an SLA summary names; the rest are counted."""


@dataclass(frozen=True)
class SlaReport:
    """Freshness of the KB at ``now``: merged work after the sync point, and which of it is older than the SLA.

    Before the first sync point there is nothing the KB promised: that history is the *baseline* (``baseline``
    counts its commits older than the SLA), never a breach.
    """

    hours: int
    now: str
    synced_through: str | None
    pending: int
    late: tuple[LateCommit, ...]
    baseline: int = 0

    @property
    def breached(self) -> bool:
        """Return True when any merged work is older than the SLA and not reflected in the KB."""
        return bool(self.late)

    def oldest(self) -> tuple[LateCommit, ...]:
        """Return the :data:`SLA_SHOWN` oldest late commits, oldest first."""
        return tuple(sorted(self.late, key=lambda c: (-c.age_hours, c.sha))[:SLA_SHOWN])

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``late``: the oldest few, ``late_count``: all of them)."""
        return {
            "sla_hours": self.hours,
            "now": self.now,
            "synced_through": self.synced_through,
            "pending": self.pending,
            "breached": self.breached,
            "late_count": len(self.late),
            "late": [
                {"sha": c.sha, "subject": c.subject, "date": c.date, "age_hours": c.age_hours} for c in self.oldest()
            ],
            "baseline": self.baseline,
        }

    def headline(self) -> str:
        """Return one line: OK, the baseline of a first sync, or the breach count with the oldest commits' shas."""
        if self.breached:
            shown = ", ".join(f"{c.sha[:8]} ({c.age_hours:.0f} h)" for c in self.oldest())
            more = f" and {len(self.late) - SLA_SHOWN} more" if len(self.late) > SLA_SHOWN else ""
            return (
                f"KB freshness SLA breached: {len(self.late)} merged commit(s) older than {self.hours} h; "
                f"oldest {shown}{more}"
            )
        if self.synced_through is None:
            return (
                f"KB first sync: the {self.baseline} merged commit(s) older than {self.hours} h before it are the "
                "baseline, not SLA breaches"
            )
        return f"KB freshness OK: {self.pending} merged commit(s) pending, none older than {self.hours} h."

    def describe(self) -> str:
        """Return the headline plus one line per oldest late commit (at most :data:`SLA_SHOWN`)."""
        lines = [self.headline()]
        shown = self.oldest() if self.breached else ()
        lines += [f"  {c.sha[:8]} {c.subject} ({c.age_hours:.1f} h old)" for c in shown]
        return "\n".join(lines)


def sla_report(pending: Sequence[MergedCommit], now: datetime, hours: int, synced_through: str | None) -> SlaReport:
    """Return the SLA report for merged work after the sync point (the bot's KB commits are not counted).

    Without a sync point (the first refresh) the old work is the baseline: counted, not late.
    """
    work = [commit for commit in pending if not commit.is_kb_sync]
    limit = timedelta(hours=hours)
    late = tuple(
        LateCommit(c.sha, c.subject, c.date.isoformat(), round((now - c.date).total_seconds() / 3600, 1))
        for c in work
        if now - c.date > limit
    )
    if synced_through is None:
        return SlaReport(hours, now.isoformat(), None, len(work), (), baseline=len(late))
    return SlaReport(hours, now.isoformat(), synced_through, len(work), late)

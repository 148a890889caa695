"""Vocabulary (dataclasses) and markdown ↔ model parsing. No I/O, no clock."""

from ceremonies.domain.model import (
    ONGOING,
    Ceremony,
    CeremonyKind,
    DocKind,
    Document,
    ExecutionSummary,
    Retro,
    RetroAction,
    Sprint,
    SprintHistory,
    WorkItem,
    next_label,
)

__all__ = [
    "ONGOING",
    "Ceremony",
    "CeremonyKind",
    "DocKind",
    "Document",
    "ExecutionSummary",
    "Retro",
    "RetroAction",
    "Sprint",
    "SprintHistory",
    "WorkItem",
    "next_label",
]

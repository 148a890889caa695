"""Merged work as the KB sees it: conventional-commit type/scope/title, breaking flag, the ids a commit
mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ceremonies.domain.commits import MergedCommit

TYPE_TITLES = {
    "feat": "Features",
    "fix": "Fixes",
    "perf": "Performance",
    "refactor": "Refactoring",
    "docs": "Documentation",
    "test": "Tests",
    "build": "Build",
    "ci": "CI",
    "chore": "Chores",
    "revert": "Reverts",
    "other": "Other changes",
}


_CONVENTIONAL = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?:\s*(?P<title>.+)$")
_MERGE_PR = re.compile(r"^Merge (?:pull request|branch|remote-tracking branch)\b.*$", re.IGNORECASE)
_PR_NUMBER = re.compile(r"(?<![\w&])#(\d{1,7})\b")
_DOC_ID = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-\d{1,6})(?![\w-])")
NOT_IDS = re.compile(r"^(?:UTF|ISO|SHA|RFC|HTTP|MD|CP|TLS|SSL|IPV|X)-", re.IGNORECASE)
KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w .-]*):")


@dataclass(frozen=True)
class WorkSummary:
    """What one merged commit says about itself: conventional type/scope, title, breaking flag, referenced ids."""

    type: str
    scope: str | None
    title: str
    breaking: bool
    refs: tuple[str, ...]


def parse_conventional(subject: str, body: str = "") -> tuple[str, str | None, str, bool]:
    """Return (type, scope, title, breaking) of a commit message; merge commits use the PR title in the body.

    ``feat(auth)!: drop v1 login`` → ("feat", "auth", "drop v1 login", True); anything else → ("other", None,
    subject, False). A GitHub merge ("Merge pull request #5 from x") takes its first body line as the message.
    """
    text = display_subject(subject.strip(), body)
    match = _CONVENTIONAL.match(text)
    if not match:
        return "other", None, text, False
    kind = match["type"].lower()
    kind = kind if kind in TYPE_TITLES else "other"
    scope = (match["scope"] or "").strip() or None
    breaking = bool(match["bang"]) or "BREAKING CHANGE" in body
    return kind, scope, match["title"].strip(), breaking


def display_subject(subject: str, body: str = "") -> str:
    """Return the subject to show for a commit: a merge's first body line (its PR title) when it has one."""
    if _MERGE_PR.match(subject.strip()):
        first = next((line.strip() for line in body.splitlines() if line.strip()), "")
        if first and (_CONVENTIONAL.match(first) or not KEY_LINE.match(first)):
            return first
    return subject


def find_refs(text: str) -> tuple[str, ...]:
    """Return the ids ``text`` mentions, in first-seen order: ``#123``, ``SPR-013``, ``ADR-001``, ``ML-GOV-001``..."""
    found: dict[str, int] = {}
    for match in _PR_NUMBER.finditer(text):
        found.setdefault(f"#{match[1]}", match.start())
    for match in _DOC_ID.finditer(text):
        if not NOT_IDS.match(match[1]):
            found.setdefault(match[1], match.start())
    return tuple(sorted(found, key=lambda ref: found[ref]))


def summarize(commit: MergedCommit) -> WorkSummary:
    """Return the conventional type/scope/title and referenced ids of ``commit`` (subject, body and trailers)."""
    kind, scope, title, breaking = parse_conventional(commit.subject, commit.body)
    refs = find_refs("\n".join([commit.subject, commit.body]))
    return WorkSummary(kind, scope, title, breaking, refs)

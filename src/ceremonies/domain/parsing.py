"""Sprint docs (plans, retrospectives, execution summaries) → the domain model.

:func:`parse_document` never raises: whatever cannot be read becomes a :class:`SprintDocError` (path, line,
what) in ``Document.errors`` and the rest of the file is still read. :func:`build_history` puts many
documents together, oldest sprint first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import PurePath
from typing import Any

from ceremonies.domain.doc_identity import identify, number_and_name, sprint_key
from ceremonies.domain.docparts import DocParts, meta_text
from ceremonies.domain.frontmatter import Frontmatter, split_frontmatter
from ceremonies.domain.model import (
    DocKind,
    Document,
    Retro,
    Sprint,
    SprintHistory,
)
from ceremonies.domain.outline import outline, plain
from ceremonies.domain.plan_doc import read_plan
from ceremonies.domain.retros import (
    retro_bucket,
    retro_from,
)
from ceremonies.domain.summary_doc import read_summary
from ceremonies.errors import SprintDocError

MAX_TEXT = 4 * 1024 * 1024
"""The parser's own ceiling (characters; the same number as the largest ``[limits] max_doc_bytes``)."""
_PLAN_SECTIONS = re.compile(r"\b(scope|goals?|sprint overview|commitment|backlog|ziele)\b", re.I)
_SUMMARY_TITLE = re.compile(r"execution summary|sprint summary|sprint report|sprint review summary", re.I)
_RETRO_TITLE = re.compile(r"\bretro(spective|spektive)?\b", re.I)
_REVIEW_TITLE = re.compile(r"^\W*(?:sprint\b[^:]{0,20}\s)?review\b", re.I)
_REVIEW_NAME = re.compile(r"(?:^|[-_ ])review$", re.I)
_PLAN_TITLE = re.compile(r"\bplan(ning|ned)?\b|\biteration\b|\bsprint\b", re.I)


# ---------------------------------------------------------------------------------------------------- documents


def detect_kind(doc: DocParts) -> DocKind:
    """Return the kind of a document from its frontmatter type, title, file name, then its sections."""
    declared = str(doc.meta.get("type") or doc.meta.get("kind") or "").lower()
    for kind, words in ((DocKind.SUMMARY, "summary"), (DocKind.RETRO, "retro"), (DocKind.PLAN, "plan")):
        if words in declared:
            return kind
    for text in (doc.title, meta_text(doc.meta, "title") or "", meta_text(doc.meta, "docid") or ""):
        if _SUMMARY_TITLE.search(text):
            return DocKind.SUMMARY
        if _RETRO_TITLE.search(text) and not re.search(r"planning|plan\b", text, re.I):
            return DocKind.RETRO
    name = PurePath(doc.path).name.lower()
    if "summary" in name:
        return DocKind.SUMMARY
    if "retro" in name:
        return DocKind.RETRO
    if _REVIEW_TITLE.search(doc.title) or _REVIEW_NAME.search(PurePath(doc.path).stem):
        return DocKind.SUMMARY
    titles = [plain(section.title) for section in doc.root.walk() if section.level]
    if any(_PLAN_TITLE.search(text) for text in (doc.title, name)) or any(_PLAN_SECTIONS.search(t) for t in titles):
        return DocKind.PLAN
    if any(retro_bucket(title) for title in titles):
        return DocKind.RETRO
    return DocKind.UNKNOWN


def _retro_document(doc: DocParts) -> Retro:
    """Return the Retro of a separate retrospective file (an empty one, e.g. a blank template, is a warning)."""
    fields = doc.fields
    number, _ = number_and_name(doc, fields)
    key = sprint_key(doc, doc.identity.value)
    retro = retro_from(doc.root, key, number, doc.path)
    if retro is None:
        doc.warn(doc.heading.line if doc.heading else 1, "retrospective has no went-well, to-improve or actions")
        return Retro(key, number, path=doc.path)
    return retro


def _split(text: str, path: str) -> tuple[Frontmatter, list[SprintDocError]]:
    """Return the frontmatter split of ``text``; on invalid YAML, the body after the blocks and the error."""
    front = split_frontmatter(text, path, strict=False)
    return front, list(front.errors)


def _read(text: str, path: str, kind: DocKind | None, key: str | None) -> Document:
    """Return the Document in ``text`` (the body of :func:`parse_document`, which adds the safety net)."""
    if len(text) > MAX_TEXT:
        what = f"too large: {len(text):,} characters, over the limit of {MAX_TEXT:,} ([limits] max_doc_bytes)"
        return Document(path, DocKind.UNKNOWN, errors=(SprintDocError(path, None, what),))
    front, errors = _split(text, path)
    if not front.body.strip() and not front.meta:
        return Document(
            path,
            DocKind.UNKNOWN,
            front.meta,
            front.blocks,
            front.has_bom,
            errors=tuple(errors) or (SprintDocError(path, 1, "empty document"),),
        )
    doc = DocParts(path, front, outline(front.body, front.body_line), list(errors), key)
    doc.identity, doc.number_identity = identify(doc)
    kind = kind if kind not in (None, DocKind.UNKNOWN) else detect_kind(doc)
    sprint = read_plan(doc) if kind == DocKind.PLAN else None
    retro = _retro_document(doc) if kind == DocKind.RETRO else (sprint.retro if sprint else None)
    summary = read_summary(doc) if kind == DocKind.SUMMARY else None
    problems = tuple(sorted(doc.errors, key=lambda error: error.line or 0))
    warnings = tuple(sorted(doc.warnings, key=lambda warning: warning.line or 0))
    return Document(
        path,
        kind,
        front.meta,
        front.blocks,
        front.has_bom or front.inner_bom,
        sprint,
        retro,
        summary,
        problems,
        warnings=warnings,
        identity=doc.identity,
        number_identity=doc.number_identity,
    )


def parse_document(text: str, path: str, kind: DocKind | None = None, key: str | None = None) -> Document:
    """Return the Document read from ``text`` (the content of the file at ``path``); never raises.

    Unreadable parts become SprintDocError(path, line, what) in ``errors``; the rest is still read. ``kind`` and
    ``key`` are hints from the file name (see ``Settings.paths``): ``kind`` overrides detection, ``key`` is used
    when the document itself names no sprint key.
    """
    try:
        return _read(text, path, kind, key)
    except Exception as exc:  # a parser bug must not stop the other files; it is reported like bad input
        return Document(path, DocKind.UNKNOWN, errors=(SprintDocError(path, None, f"internal parser error: {exc!r}"),))


# ---------------------------------------------------------------------------------------------------- history


def _label_numbers(label: str | None) -> tuple[int, ...]:
    """Return the numbers in a sprint label (``2026-13`` → (2026, 13), ``SPR-013`` → (13,)) for sorting."""
    return tuple(int(n) for n in re.findall(r"\d+", label or ""))[:4]


def _sprint_order(sprint: Sprint) -> tuple[Any, ...]:
    """Return the sort key of a plan: start date, then number, then key, then path."""
    return (sprint.start or date.max, _label_numbers(sprint.number), _label_numbers(sprint.key), sprint.path or "")


def build_history(docs: Iterable[Document]) -> SprintHistory:
    """Return plans, retros (separate files and filled-in plan sections) and summaries, oldest first, with all errors.

    Retros and summaries are ordered by the start date of the plan with the same key or number when known.
    """
    docs = list(docs)
    plans = sorted((d.sprint for d in docs if d.sprint is not None), key=_sprint_order)
    starts: dict[str, date] = {}
    for plan in plans:
        for label in (plan.key, plan.number):
            if label and plan.start:
                starts.setdefault(label, plan.start)

    def order(key: str | None, number: str | None, start: date | None, path: str | None) -> tuple[Any, ...]:
        """Return the sort key: start of the sprint (own or its plan's), then number, key and path."""
        known = start or starts.get(key or "") or starts.get(number or "") or date.max
        return (known, _label_numbers(number), _label_numbers(key), path or "")

    retros = sorted(
        (d.retro for d in docs if d.retro is not None), key=lambda r: order(r.sprint_key, r.sprint_number, None, r.path)
    )
    summaries = sorted(
        (d.summary for d in docs if d.summary is not None), key=lambda s: order(s.key, s.number, s.start, s.path)
    )
    errors = tuple(error for d in docs for error in d.errors)
    return SprintHistory(tuple(plans), tuple(retros), tuple(summaries), errors)

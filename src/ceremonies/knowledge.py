"""Rules for the knowledge base: pure functions, inputs in, new text or messages out (no I/O, no clock).

- merged work → conventional-commit type/scope and referenced ids (``#123``, ``SPR-013``, ``ADR-001``, scope ids);
- KB pages → :class:`KbPage` (frontmatter via :mod:`ceremonies.domain.frontmatter`; broken YAML is a health issue
  with file:line, never an exception);
- :class:`KbState` — what the KB knows after applying merged work oldest first (last human change of each page,
  commits that touched its ``sources:`` since, recent work); the same :func:`apply_commits` serves the full rebuild
  and the incremental refresh, so both give byte-identical pages;
- the contexts of the generated pages (index, what's new, sprint history, doc health), managed blocks inside
  human pages (only text between the markers changes), the SLA report and the Slack summary.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from ceremonies.domain.commits import MergedCommit
from ceremonies.domain.frontmatter import is_placeholder, split_frontmatter
from ceremonies.domain.identity import Identity as AgreedIdentity
from ceremonies.domain.identity import Vote, agree
from ceremonies.domain.managed import ANY_END as _ANY_END
from ceremonies.domain.managed import BEGIN, has_block
from ceremonies.domain.managed import GENERATED_MARK as GENERATED_MARK
from ceremonies.domain.managed import BlockSpan as BlockSpan
from ceremonies.domain.managed import find_blocks as find_blocks
from ceremonies.domain.managed import is_generated as is_generated
from ceremonies.domain.model import ONGOING, ExecutionSummary, Retro, RetroAction, SprintHistory, WorkItem
from ceremonies.errors import SprintDocError

STATE_VERSION = 4
WHATS_NEW_LIMIT = 100
"""What's new lists this many most recent merged commits."""
RECENT_LIMIT = 5
"""A ``recent-changes`` block lists this many most recent commits touching the page's sources."""
GENERATED_NAMES = {
    "index": "INDEX.md",
    "whats_new": "WHATS-NEW.md",
    "sprint_history": "SPRINT-HISTORY.md",
    "health": "DOC-HEALTH.md",
}
"""Default file names of the generated pages (``[kb] index_page`` ... change them)."""
GENERATED_BLOCKS = {
    "index": "index",
    "whats_new": "whats-new",
    "sprint_history": "sprint-history",
    "health": "doc-health",
}
"""Managed-block name that receives a generated page inside a human page holding the page's name."""
GENERATED_SETTINGS = {
    "index": "index_page",
    "whats_new": "whats_new_page",
    "sprint_history": "sprint_history_page",
    "health": "health_page",
}
"""The ``[kb]`` setting naming each generated page."""
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
_NOT_IDS = re.compile(r"^(?:UTF|ISO|SHA|RFC|HTTP|MD|CP|TLS|SSL|IPV|X)-", re.IGNORECASE)
_LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>\S+?)>?(?:\s+.*)?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)[^`]*?\1")
_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w .-]*):")


# ------------------------------------------------------------------------------------------------ merged work


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
        if first and (_CONVENTIONAL.match(first) or not _KEY_LINE.match(first)):
            return first
    return subject


def find_refs(text: str) -> tuple[str, ...]:
    """Return the ids ``text`` mentions, in first-seen order: ``#123``, ``SPR-013``, ``ADR-001``, ``ML-GOV-001``..."""
    found: dict[str, int] = {}
    for match in _PR_NUMBER.finditer(text):
        found.setdefault(f"#{match[1]}", match.start())
    for match in _DOC_ID.finditer(text):
        if not _NOT_IDS.match(match[1]):
            found.setdefault(match[1], match.start())
    return tuple(sorted(found, key=lambda ref: found[ref]))


def summarize(commit: MergedCommit) -> WorkSummary:
    """Return the conventional type/scope/title and referenced ids of ``commit`` (subject, body and trailers)."""
    kind, scope, title, breaking = parse_conventional(commit.subject, commit.body)
    refs = find_refs("\n".join([commit.subject, commit.body]))
    return WorkSummary(kind, scope, title, breaking, refs)


# ------------------------------------------------------------------------------------------------ globs


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Return a regex for a repo-relative glob: ``**`` spans directories, ``*`` and ``?`` stay within one."""
    pattern = pattern.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif char == "*":
            out.append("[^/]*")
            index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(char))
            index += 1
    return re.compile("".join(out) + r"\Z")


_PREFIXES: dict[str, str] = {}


def _static_prefix(pattern: str) -> str:
    """Return the directory part of a glob before its first wildcard component (``src/auth/**`` → ``src/auth``)."""
    found = _PREFIXES.get(pattern)
    if found is None:
        parts = []
        for part in pattern.strip().lstrip("/").split("/")[:-1]:
            if any(char in part for char in "*?["):
                break
            parts.append(part)
        found = _PREFIXES[pattern] = "/".join(parts)
    return found


def ancestor_dirs(paths: Iterable[str]) -> set[str]:
    """Return every directory above the given paths (``""`` for the top), e.g. ``a/b/c.py`` → ``"", a, a/b``."""
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        for depth in range(len(parts)):
            found.add("/".join(parts[:depth]))
    return found


class SourceIndex:
    """Finds the pages whose ``sources:`` globs match a path, looking only at globs under the path's directories.

    With ``only`` (directories), globs whose fixed directory part is not among them are left out: a refresh
    builds the index just for the directories its commits touched.
    """

    def __init__(self, pages: Iterable[KbPage], only: set[str] | None = None) -> None:
        self._by_prefix: dict[str, list[tuple[str, str]]] = {}
        for page in pages:
            for pattern in page.sources:
                prefix = _static_prefix(pattern)
                if only is None or prefix in only:
                    self._by_prefix.setdefault(prefix, []).append((pattern, page.path))

    def pages_for(self, path: str) -> set[str]:
        """Return the paths of pages with a source glob matching ``path``."""
        found: set[str] = set()
        parts = path.split("/")
        for depth in range(len(parts)):
            for pattern, page in self._by_prefix.get("/".join(parts[:depth]), ()):
                if page not in found and _cached_glob(pattern).match(path):
                    found.add(page)
        return found


_GLOBS: dict[str, re.Pattern[str]] = {}


def _cached_glob(pattern: str) -> re.Pattern[str]:
    """Return :func:`glob_regex` of ``pattern``, compiled once per process."""
    regex = _GLOBS.get(pattern)
    if regex is None:
        regex = _GLOBS[pattern] = glob_regex(pattern)
    return regex


# ------------------------------------------------------------------------------------------------ pages


@dataclass(frozen=True)
class HealthIssue:
    """One problem of the docs: ``kind`` (e.g. ``broken-link``), where (``path``, ``line``) and what."""

    kind: str
    path: str
    line: int | None
    message: str

    def to_list(self) -> list[Any]:
        """Return a JSON-ready list (see :meth:`from_list`)."""
        return [self.kind, self.path, self.line, self.message]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> HealthIssue:
        """Return the issue stored by :meth:`to_list`."""
        return cls(data[0], data[1], data[2], data[3])


@dataclass(frozen=True)
class Link:
    """A relative link of a page: the target as written, the repo path it resolves to (None: outside), the line."""

    target: str
    resolved: str | None
    line: int


@dataclass(frozen=True)
class KbPage:
    """One human-written KB page as the index and the health checks see it."""

    path: str
    docid: str | None = None
    title: str | None = None
    owner: str | None = None
    status: str | None = None
    sources: tuple[str, ...] = ()
    has_frontmatter: bool = False
    docid_line: int | None = None
    links: tuple[Link, ...] = ()
    blocks: tuple[str, ...] = ()
    issues: tuple[HealthIssue, ...] = ()

    @property
    def folder(self) -> str:
        """Return the page's directory (repo-relative), ``""`` at the top."""
        return self.path.rpartition("/")[0]

    def to_list(self) -> list[Any]:
        """Return a compact JSON-ready list (see :meth:`from_list`)."""
        return [
            self.path,
            self.docid,
            self.title,
            self.owner,
            self.status,
            list(self.sources),
            self.has_frontmatter,
            self.docid_line,
            [[link.target, link.resolved, link.line] for link in self.links],
            list(self.blocks),
            [issue.to_list() for issue in self.issues],
        ]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> KbPage:
        """Return the page stored by :meth:`to_list`."""
        return cls(
            path=data[0],
            docid=data[1],
            title=data[2],
            owner=data[3],
            status=data[4],
            sources=tuple(data[5]),
            has_frontmatter=data[6],
            docid_line=data[7],
            links=tuple(Link(*link) for link in data[8]),
            blocks=tuple(data[9]),
            issues=tuple(HealthIssue.from_list(issue) for issue in data[10]),
        )


def _text(value: Any) -> str | None:
    """Return a frontmatter value as display text (lists joined), None when empty or a placeholder."""
    if is_placeholder(value):
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value if not is_placeholder(item)) or None
    return str(value).strip() or None


def _sources(value: Any) -> tuple[str, ...]:
    """Return the ``sources:`` globs of a frontmatter value (string or list), blanks dropped."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(item).strip() for item in value if isinstance(item, str | int) and str(item).strip())


def _key_line(lines: list[str], first: int, key: str) -> int | None:
    """Return the 1-based line of ``key:`` in the frontmatter block opening at 1-based line ``first``."""
    for index in range(first, len(lines)):
        stripped = lines[index].rstrip()
        if stripped in ("---", "..."):
            return None
        match = _KEY_LINE.match(stripped)
        if match and match["key"].strip() == key:
            return index + 1
    return None


def resolve_link(page_path: str, target: str) -> str | None:
    """Return the repo path a relative link of ``page_path`` points at, or None when it leaves the repo.

    ``/x`` is taken from the repo root; ``#fragment`` and ``?query`` are dropped; percent-escapes are decoded.
    """
    clean = urllib.parse.unquote(target.split("#", 1)[0].split("?", 1)[0])
    base = [] if clean.startswith("/") else page_path.split("/")[:-1]
    parts = list(base)
    for part in clean.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _managed_spans(lines: list[str]) -> set[int]:
    """Return the 0-based indexes of lines inside managed blocks (generated text, not checked for links)."""
    inside, spans, current = False, set(), ""
    for index, line in enumerate(lines):
        begin = BEGIN.search(line)
        if begin and not inside:
            inside, current = True, begin["name"]
            continue
        if inside:
            end = _ANY_END.search(line)
            if end and end["name"] == current:
                inside = False
            else:
                spans.add(index)
    return spans


def find_links(page_path: str, body: str, first_line: int) -> tuple[Link, ...]:
    """Return the relative links (and images) of a page body; fenced code and managed blocks are skipped."""
    lines = body.split("\n")
    skip = _managed_spans(lines)
    links, fenced = [], False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or index in skip:
            continue
        if "`" in line:
            line = _INLINE_CODE.sub("", line)
        targets = [m["target"] for m in _LINK.finditer(line)] + [m["target"] for m in _IMAGE.finditer(line)]
        ref = _REF_DEF.match(line)
        if ref:
            targets.append(ref["target"])
        for target in targets:
            if _SCHEME.match(target) or target.startswith("#") or target.startswith("//"):
                continue
            links.append(Link(target, resolve_link(page_path, target), first_line + index))
    return tuple(links)


def _page_issues(
    path: str, meta: dict[str, Any], blocks: int, block_lines: tuple[int, ...], has_bom: bool, required: Sequence[str]
) -> list[HealthIssue]:
    """Return the frontmatter issues of a page: BOM, two blocks, missing required keys."""
    issues = []
    if has_bom:
        issues.append(HealthIssue("bom", path, 1, "file starts with a UTF-8 byte order mark (BOM)"))
    if blocks > 1:
        where = ", ".join(str(line) for line in block_lines)
        issues.append(
            HealthIssue(
                "two-frontmatter-blocks",
                path,
                block_lines[1],
                f"{blocks} frontmatter blocks (at lines {where}); merge them into one",
            )
        )
    if blocks:
        missing = [key for key in required if is_placeholder(meta.get(key))]
        if missing:
            issues.append(
                HealthIssue(
                    "missing-keys",
                    path,
                    block_lines[0] if block_lines else 1,
                    "missing required frontmatter keys: " + ", ".join(missing),
                )
            )
    return issues


def _block_issues(path: str, text: str) -> tuple[list[str], list[HealthIssue]]:
    """Return the names of a page's well-formed managed blocks and issues for unbalanced markers."""
    names, issues = [], []
    for span in find_blocks(text):
        if span.end is None:
            line = text.count("\n", 0, span.begin) + 1
            what = f"managed block {span.name!r} has no matching <!-- ceremonies:end {span.name} -->"
            issues.append(HealthIssue("managed-block", path, line, what))
        else:
            names.append(span.name)
    return names, issues


def parse_kb_page(
    text: str,
    path: str,
    required_keys: Sequence[str] = ("docid", "title", "owner", "status"),
) -> KbPage:
    """Return the KbPage of ``text`` (never raises): frontmatter fields, links, managed blocks and health issues.

    Invalid YAML becomes an ``invalid-yaml`` issue with the file and line; the page is still listed.
    """
    try:
        front = split_frontmatter(text, path=path, strict=False)
    except SprintDocError as error:  # strict=False keeps YAML errors; anything else is still reported, not raised
        issue = HealthIssue("invalid-yaml", path, error.line, error.what)
        return KbPage(path=path, issues=(issue,))
    issues = [HealthIssue("invalid-yaml", path, error.line, error.what) for error in front.errors]
    meta = front.meta
    issues += _page_issues(path, meta, front.blocks, front.block_lines, front.has_bom, required_keys)
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n") if front.blocks else []
    docid_line = None
    for first in front.block_lines:
        docid_line = _key_line(lines, first, "docid") or docid_line
    names, block_issues = _block_issues(path, text)
    issues += block_issues
    if front.inner_bom:
        issues.append(HealthIssue("bom", path, front.block_lines[-1] if front.block_lines else 1,
                                  "a UTF-8 byte order mark (BOM) inside the file hides the frontmatter block or "
                                  "text after it from most tools"))
    docid, title, identity = page_identity(path, front.block_metas or (meta,), front.body, front.block_lines)
    if identity.dissent:
        issues.append(HealthIssue("identity-disagreement", path, docid_line or 1, identity.describe()))
    return KbPage(
        path=path,
        docid=docid,
        title=title,
        owner=_text(meta.get("owner")),
        status=_text(meta.get("status")),
        sources=_sources(meta.get("sources")),
        has_frontmatter=front.blocks > 0,
        docid_line=docid_line,
        links=find_links(path, front.body, front.body_line),
        blocks=tuple(names),
        issues=tuple(issues),
    )


_LOOSE_ID = re.compile(r"(?<![\w-])(?P<prefix>[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*)[-_ ](?P<num>\d{1,6})(?![\w.-])")


def _doc_id_in(text: Any) -> str | None:
    """Return the doc id ``text`` names (``KB-050``, ``KB 050 Plan Act Control`` → ``KB-050``), else None."""
    if not isinstance(text, str) or is_placeholder(text):
        return None
    found = _LOOSE_ID.search(text)
    return f"{found['prefix']}-{found['num']}" if found and not _NOT_IDS.match(found["prefix"] + "-") else None


def page_identity(path: str, blocks: Sequence[Mapping[str, Any]], body: str, block_lines: Sequence[int] = (),
                  ) -> tuple[str | None, str | None, AgreedIdentity]:
    """Return (docid, title, the vote) of a KB page by the agreement rule of :mod:`ceremonies.domain.identity`.

    Votes, most trusted first: each frontmatter block's ``docid`` (later blocks first: a generated placeholder block
    comes before the real one), the doc id named in each block's ``title``, in the file name and in the H1. The
    title is the one of the latest block whose ``docid`` is the winner (else of the latest block with a title, else
    the H1). A page whose placeholder block says ``KB-120`` / ``KB 050 Plan Act Control`` and whose real block says
    ``KB-050`` / ``Plan-Act-Control Practical Guide`` is KB-050, "Plan-Act-Control Practical Guide".
    """
    order = list(reversed(list(enumerate(blocks))))
    lines = list(block_lines) + [None] * (len(blocks) - len(block_lines))
    votes = []
    for index, block in order:
        found = _doc_id_in(block.get("docid"))
        if found:
            votes.append(Vote(f"docid (frontmatter block {index + 1})", found, str(block.get("docid")), lines[index]))
    for index, block in order:
        found = _doc_id_in(block.get("title"))
        if found:
            votes.append(Vote(f"title (frontmatter block {index + 1})", found, str(block.get("title")), lines[index]))
    heading = _first_heading(body)
    for source, text in (("file name", path.rpartition("/")[2].rsplit(".", 1)[0]), ("heading", heading)):
        found = _doc_id_in(text)
        if found:
            votes.append(Vote(source, found, str(text)))
    identity = agree(votes)
    titled = [block for _, block in order if _text(block.get("title"))]
    chosen = next((block for block in titled if _doc_id_in(block.get("docid")) == identity.value), None)
    chosen = chosen or (titled[0] if titled else None)
    title = _text(chosen.get("title")) if chosen else None
    docid = identity.value
    if docid is None:
        docid = next((_text(block.get("docid")) for _, block in order if _text(block.get("docid"))), None)
    return docid, title or heading, identity


def _first_heading(body: str) -> str | None:
    """Return the text of the first markdown heading of ``body``, else None."""
    for line in body.split("\n"):
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None


def newline_of(text: str) -> str:
    """Return the newline style of ``text``: ``\\r\\n`` when it has any CRLF, else ``\\n``."""
    return "\r\n" if "\r\n" in text else "\n"


def replace_blocks(text: str, render: Callable[[str, dict[str, str]], str | None]) -> str:
    """Return ``text`` with the content of each well-formed managed block replaced by ``render(name, args)``.

    Only the characters between a begin marker and its end marker change; every byte outside stays identical.
    The new content sits on its own lines in the page's newline style. ``render`` returning None leaves a block
    as it is (unknown block names).
    """
    newline = newline_of(text)
    out, position = [], 0
    for span in find_blocks(text):
        if span.end is None:
            continue
        content = render(span.name, span.args)
        if content is None:
            continue
        lines = content.replace("\r\n", "\n").strip("\n").split("\n") if content.strip("\n") else []
        middle = newline + "".join(line + newline for line in lines)
        out.append(text[position : span.content_start])
        out.append(middle)
        position = span.content_end
    out.append(text[position:])
    return "".join(out)


# ------------------------------------------------------------------------------------------------ state


@dataclass(frozen=True)
class CommitRef:
    """The few facts of a commit that pages show: sha, committer date, author, subject."""

    sha: str
    date: str
    author: str
    subject: str

    @classmethod
    def of(cls, commit: MergedCommit) -> CommitRef:
        """Return the ref of ``commit`` (a merge commit shows its pull request's title when the body has one)."""
        return cls(commit.sha, commit.date.isoformat(), commit.author, display_subject(commit.subject, commit.body))


@dataclass(frozen=True)
class PageHistory:
    """What history says about one page: its last human change and the merged work on its sources since.

    ``stale_count`` commits touched the page's sources after ``last``; ``stale_first``/``stale_last`` name the
    oldest and newest of them. ``recent`` keeps the newest commits touching the sources (pages with a
    ``recent-changes`` block only), newest first.
    """

    last: CommitRef | None = None
    stale_count: int = 0
    stale_first: CommitRef | None = None
    stale_last: CommitRef | None = None
    recent: tuple[CommitRef, ...] = ()

    def to_list(self) -> list[Any]:
        """Return a compact JSON-ready list (see :meth:`from_list`)."""

        def ref(value: CommitRef | None) -> list[str] | None:
            return None if value is None else [value.sha, value.date, value.author, value.subject]

        return [
            ref(self.last),
            self.stale_count,
            ref(self.stale_first),
            ref(self.stale_last),
            [ref(item) for item in self.recent],
        ]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> PageHistory:
        """Return the history stored by :meth:`to_list`."""

        def ref(value: Sequence[str] | None) -> CommitRef | None:
            return None if value is None else CommitRef(*value)

        return cls(
            ref(data[0]),
            data[1],
            ref(data[2]),
            ref(data[3]),
            tuple(item for item in (ref(value) for value in data[4]) if item is not None),
        )


@dataclass(frozen=True)
class SprintRow:
    """One sprint as the sprint history and what's new show it."""

    label: str
    path: str | None
    start: date | None
    end: date | None
    goals: tuple[str, ...]
    planned: float | None
    delivered: float | None
    done: tuple[str, ...] = ()
    carried: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    open: tuple[str, ...] = ()

    def to_list(self) -> list[Any]:
        """Return a JSON-ready list (see :meth:`from_list`)."""
        return [
            self.label,
            self.path,
            self.start and self.start.isoformat(),
            self.end and self.end.isoformat(),
            list(self.goals),
            self.planned,
            self.delivered,
            list(self.done),
            list(self.carried),
            list(self.dropped),
            list(self.open),
        ]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> SprintRow:
        """Return the row stored by :meth:`to_list`."""
        return cls(
            data[0],
            data[1],
            data[2] and date.fromisoformat(data[2]),
            data[3] and date.fromisoformat(data[3]),
            tuple(data[4]),
            data[5],
            data[6],
            tuple(data[7]),
            tuple(data[8]),
            tuple(data[9]),
            tuple(data[10]),
        )


@dataclass(frozen=True)
class SprintFacts:
    """What the sprint docs give the KB: sprint rows (oldest first), id → doc path, and the docs' problems."""

    rows: tuple[SprintRow, ...] = ()
    docs: Mapping[str, str] = field(default_factory=dict)
    issues: tuple[HealthIssue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (see :meth:`from_dict`)."""
        return {
            "rows": [row.to_list() for row in self.rows],
            "docs": dict(self.docs),
            "issues": [issue.to_list() for issue in self.issues],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SprintFacts:
        """Return the facts stored by :meth:`to_dict`."""
        return cls(
            tuple(SprintRow.from_list(row) for row in data["rows"]),
            dict(data["docs"]),
            tuple(HealthIssue.from_list(issue) for issue in data["issues"]),
        )


@dataclass(frozen=True)
class KbState:
    """Everything the KB pages are computed from; stored (JSON) between runs so a refresh only applies new work.

    ``synced_through`` is the last main-branch commit applied; ``work`` the newest merged commits (oldest first,
    at most :data:`WHATS_NEW_LIMIT`, files dropped).
    """

    synced_through: str | None = None
    pages: Mapping[str, KbPage] = field(default_factory=dict)
    history: Mapping[str, PageHistory] = field(default_factory=dict)
    work: tuple[MergedCommit, ...] = ()
    sprints: SprintFacts = field(default_factory=SprintFacts)
    link_exists: Mapping[str, bool] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (see :meth:`from_dict`)."""
        return {
            "version": STATE_VERSION,
            "synced_through": self.synced_through,
            "pages": [page.to_list() for page in self.pages.values()],
            "history": {path: item.to_list() for path, item in self.history.items()},
            "work": [commit.to_dict() for commit in self.work],
            "sprints": self.sprints.to_dict(),
            "link_exists": dict(self.link_exists),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KbState | None:
        """Return the state stored by :meth:`to_dict`, or None when it is from another version or malformed."""
        if data.get("version") != STATE_VERSION:
            return None
        try:
            pages = {item[0]: KbPage.from_list(item) for item in data["pages"]}
            return cls(
                synced_through=data["synced_through"],
                pages=pages,
                history={path: PageHistory.from_list(item) for path, item in data["history"].items()},
                work=tuple(MergedCommit.from_dict(item) for item in data["work"]),
                sprints=SprintFacts.from_dict(data["sprints"]),
                link_exists=dict(data.get("link_exists", {})),
            )
        except (KeyError, IndexError, TypeError, ValueError):
            return None


def _touch_page(history: PageHistory, ref: CommitRef) -> PageHistory:
    """Return ``history`` after a human change of the page itself: nothing stale any more."""
    return replace(history, last=ref, stale_count=0, stale_first=None, stale_last=None)


def _touch_sources(history: PageHistory, ref: CommitRef, keep_recent: bool) -> PageHistory:
    """Return ``history`` after merged work touched the page's sources (not the page)."""
    recent = ((ref, *history.recent)[:RECENT_LIMIT]) if keep_recent else history.recent
    return replace(
        history,
        stale_count=history.stale_count + 1,
        stale_first=history.stale_first or ref,
        stale_last=ref,
        recent=recent,
    )


def apply_commits(
    state: KbState, commits: Sequence[MergedCommit], pages: Mapping[str, KbPage], head: str | None
) -> tuple[KbState, set[str]]:
    """Return the state after the merged ``commits`` (oldest first) on top of ``state``, with ``pages`` current,
    and the paths of the pages whose history changed.

    A page's last change is its last commit that is not the bot's KB commit; merged work touching a page's
    ``sources:`` after that makes it stale. The bot's own KB commits are not merged work.
    """
    changed: set[str] = set()
    dirs = ancestor_dirs(path for commit in commits if not commit.is_kb_sync for path in commit.touched_paths())
    index = SourceIndex(pages.values(), dirs)
    history = dict(state.history)
    work = list(state.work)
    for path in list(history):
        if path not in pages:
            del history[path]
    for commit in commits:
        if commit.is_kb_sync:
            continue
        ref = CommitRef.of(commit)
        touched = set(commit.touched_paths())
        for path in touched:
            if path in pages:
                history[path] = _touch_page(history.get(path, PageHistory()), ref)
                changed.add(path)
        affected: set[str] = set()
        for path in touched:
            affected |= index.pages_for(path)
        for page_path in affected:
            keep = "recent-changes" in pages[page_path].blocks
            current = history.get(page_path, PageHistory())
            if page_path in touched:  # the page was updated with its sources: recent, but nothing to review
                if keep:
                    history[page_path] = replace(current, recent=(ref, *current.recent)[:RECENT_LIMIT])
            else:
                history[page_path] = _touch_sources(current, ref, keep)
            changed.add(page_path)
        work.append(replace(commit, files=()))
    new_state = KbState(
        synced_through=head,
        pages=dict(pages),
        history=history,
        work=tuple(work[-WHATS_NEW_LIMIT:]),
        sprints=state.sprints,
        link_exists=state.link_exists,
    )
    return new_state, changed


# ------------------------------------------------------------------------------------------------ sprints


def _norm(text: str) -> str:
    """Return ``text`` lowercased with only letters and digits, single-spaced (for matching actions to items)."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


FOLLOW_UP_SPRINTS = 3
"""A retro action is looked for in the plans of this many following sprints."""


def _action_outcome(action: RetroAction, retro: Retro, later: Sequence[tuple[WorkItem, str]], plans_after: int) -> str:
    """Return ``done``, ``carried``, ``dropped`` or ``open`` for one retro action.

    ``later`` holds the items (with normalized titles) of the next :data:`FOLLOW_UP_SPRINTS` plans; ``plans_after``
    says how many plans follow the retro's sprint at all.
    """
    if action.done:
        return "done"
    wanted = _norm(action.text)
    found = []
    for item, title in later:
        same_id = bool(action.id and item.id == action.id)
        same_text = bool(wanted and (wanted in title or (title and title in wanted)))
        backlink = bool(item.source and retro.ref in item.source and f"action {action.index}" in item.source)
        if same_id or same_text or backlink:
            found.append(item)
    if any(item.done for item in found):
        return "done"
    if found:
        return "carried"
    if not plans_after or action.target == ONGOING:
        return "open"
    return "dropped"


def sprint_facts(history: SprintHistory) -> SprintFacts:
    """Return the sprint rows (planned vs delivered, goals, retro follow-through), id → doc paths and doc errors."""
    rows, docs = [], {}
    plans = list(history.plans)
    titled = [[(item, _norm(item.title)) for item in plan.items] for plan in plans]
    retros_of: dict[str, list[Retro]] = {}
    for retro in history.retros:
        for label in {retro.sprint_key, retro.sprint_number} - {None}:
            retros_of.setdefault(str(label), []).append(retro)
    summaries: dict[str, ExecutionSummary] = {}
    for found in history.summaries:
        for label in (found.key, found.number):
            if label:
                summaries.setdefault(label, found)
    for position, plan in enumerate(plans):
        summary = summaries.get(plan.key or "") or summaries.get(plan.number or "")
        planned = plan.planned_points if plan.planned_points is not None else (plan.scope_points or None)
        delivered = (
            summary.velocity
            if summary and summary.velocity is not None
            else (plan.done_points if plan.retro or any(item.done for item in plan.items) else None)
        )
        matching = retros_of.get(plan.key or "", []) + retros_of.get(plan.number or "", [])
        retros = list(dict.fromkeys(matching)) or ([plan.retro] if plan.retro else [])
        later = [pair for items in titled[position + 1 : position + 1 + FOLLOW_UP_SPRINTS] for pair in items]
        outcomes: dict[str, list[str]] = {"done": [], "carried": [], "dropped": [], "open": []}
        seen = set()
        for retro in retros:
            for action in retro.actions:
                if _norm(action.text) in seen:
                    continue
                seen.add(_norm(action.text))
                outcome = _action_outcome(action, retro, later, len(plans) - position - 1)
                outcomes[outcome].append(action.text)
        rows.append(
            SprintRow(
                plan.label,
                plan.path,
                plan.start,
                plan.end,
                plan.goals,
                planned,
                delivered,
                tuple(outcomes["done"]),
                tuple(outcomes["carried"]),
                tuple(outcomes["dropped"]),
                tuple(outcomes["open"]),
            )
        )
        if plan.path:
            for label in (plan.key, plan.number):
                if label:
                    docs[label] = plan.path
            for item in plan.items:
                if item.id and not item.id.startswith("#"):
                    docs[item.id] = plan.path
    issues = tuple(HealthIssue("sprint-doc", error.path or "?", error.line, error.what) for error in history.errors)
    return SprintFacts(tuple(rows), docs, issues)


def sprint_of(day: date, rows: Sequence[SprintRow]) -> SprintRow | None:
    """Return the sprint whose window holds ``day`` (the later one where two windows touch), else None."""
    found = None
    for row in rows:
        if (
            row.start
            and row.end
            and row.start <= day <= row.end
            and (found is None or (found.start is not None and row.start >= found.start))
        ):
            found = row
    return found


# ------------------------------------------------------------------------------------------------ rendering help


def relative_link(from_dir: str, to_path: str) -> str:
    """Return the markdown link destination from directory ``from_dir`` to file ``to_path`` (both repo-relative,
    posix): the relative path percent-encoded where CommonMark needs it (spaces, parentheses, non-ASCII, ``#``...;
    ``guides/my notes.md`` → ``guides/my%20notes.md``), so every renderer reads it as a link."""
    return urllib.parse.quote(relative_path(from_dir, to_path), safe="/")


def relative_path(from_dir: str, to_path: str) -> str:
    """Return the relative path from directory ``from_dir`` to file ``to_path`` (both repo-relative, posix)."""
    if from_dir and to_path.startswith(from_dir + "/"):
        return to_path[len(from_dir) + 1 :]
    source = [part for part in from_dir.split("/") if part]
    target = [part for part in to_path.split("/") if part]
    common = 0
    while common < min(len(source), len(target) - 1) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:]) or "."


def cell(value: Any) -> str:
    """Return ``value`` safe for a markdown table cell (pipes escaped, newlines flattened, None → ``—``)."""
    if value is None or value == "":
        return "—"
    text = str(value)
    if not _CELL_SPECIAL.search(text):
        return text.strip()
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


_CELL_SPECIAL = re.compile(r"[\\|\r\n]")


def _points(value: float | None) -> str:
    """Return story points without a trailing ``.0`` (``—`` when unknown)."""
    if value is None:
        return "—"
    return f"{value:g}"


@functools.lru_cache(maxsize=65536)
def _short_date(iso: str, zone: tzinfo) -> str:
    """Return the team-local calendar date of an ISO timestamp."""
    return datetime.fromisoformat(iso).astimezone(zone).date().isoformat()


@dataclass(frozen=True)
class Layout:
    """Where things are: the KB dir, the dir of the generated pages, and the generated pages' file names."""

    kb_dir: str
    generated_dir: str
    names: tuple[tuple[str, str], ...] = tuple(GENERATED_NAMES.items())

    @classmethod
    def of(cls, kb_dir: str, generated_sub: str = "", names: Mapping[str, str] | None = None) -> Layout:
        """Return the layout for ``kb_dir`` with generated pages in ``kb_dir/generated_sub``, named by ``names``
        (key of :data:`GENERATED_NAMES` → file name; the defaults for keys not given)."""
        kb = kb_dir.strip("/")
        sub = generated_sub.strip("/")
        chosen = {**GENERATED_NAMES, **(names or {})}
        return cls(kb, f"{kb}/{sub}" if sub else kb, tuple((key, chosen[key]) for key in GENERATED_NAMES))

    def generated(self, name: str) -> str:
        """Return the repo path of the generated page ``name`` (a key of :data:`GENERATED_NAMES`)."""
        return f"{self.generated_dir}/{dict(self.names)[name]}"

    def generated_paths(self) -> set[str]:
        """Return the repo paths of all generated pages."""
        return {self.generated(name) for name in GENERATED_NAMES}

    def is_page(self, path: str) -> bool:
        """Return True when ``path`` may be a human KB page: markdown under the KB dir. A file at a generated page's
        path is one unless it carries the generated mark (the caller looks at its text: :func:`is_generated`)."""
        return path.startswith(self.kb_dir + "/") and path.lower().endswith((".md", ".markdown"))


def name_collision(layout: Layout, name: str) -> HealthIssue:
    """Return the issue for a human page holding the path of generated page ``name`` without a managed block for
    it: what was not written, and the settings that resolve it."""
    path, block = layout.generated(name), GENERATED_BLOCKS[name]
    file = path.rpartition("/")[2]
    what = (
        f"{file} is a page a human wrote (its first line is not the generated mark), so the generated "
        f"{name.replace('_', ' ')} page was not written there. Resolve with one of: [kb] generated_dir = "
        f'"generated" (generated pages in their own folder), [kb] {GENERATED_SETTINGS[name]} = "<another name>" '
        f"in ceremonies.toml, or the markers <!-- ceremonies:begin {block} --> <!-- ceremonies:end {block} --> in "
        "the page (the generated text goes between them)"
    )
    return HealthIssue("name-collision", path, 1, what)


def generated_text(
    layout: Layout, name: str, current: str | None, rendered: str
) -> tuple[str | None, HealthIssue | None]:
    """Return (text to write, collision) for generated page ``name`` whose file now holds ``current``.

    Absent or generated (first line is the mark): the rendered page, whole. A human page with a managed block named
    after the page (:data:`GENERATED_BLOCKS`): the page with only that block's content replaced (the rendered page
    without its mark line). Any other human page: (None, name-collision issue) — nothing is written.
    """
    if current is None or is_generated(current):
        return rendered, None
    block = GENERATED_BLOCKS[name]
    if not has_block(current, block):
        return None, name_collision(layout, name)
    body = rendered.split("\n", 1)[1] if rendered.startswith(GENERATED_MARK) else rendered
    return replace_blocks(current, lambda found, _args: body if found == block else None), None


def _link_ref(ref: str, docs: Mapping[str, str], from_dir: str) -> str:
    """Return ``ref`` as a markdown link to its doc when known, else as plain text."""
    target = docs.get(ref)
    return f"[{ref}]({relative_link(from_dir, target)})" if target else ref


def id_docs(state: KbState) -> dict[str, str]:
    """Return id → repo path for every known id: sprint keys/numbers, scope items, KB page docids (first wins)."""
    docs = dict(state.sprints.docs)
    for page in sorted(state.pages.values(), key=lambda p: p.path):
        if page.docid and page.docid not in docs:
            docs[page.docid] = page.path
    return docs


# ------------------------------------------------------------------------------------------------ page contexts


def index_context(state: KbState, layout: Layout, zone: tzinfo) -> dict[str, Any]:
    """Return the template context of INDEX.md: pages grouped by folder, sorted by path, with last change dates."""
    here = layout.generated_dir
    folders: dict[str, list[dict[str, str]]] = {}
    warnings = 0
    for path in sorted(state.pages):
        page = state.pages[path]
        last = state.history.get(path, PageHistory()).last
        warning = "" if page.has_frontmatter else "⚠ no frontmatter"
        if any(issue.kind == "invalid-yaml" for issue in page.issues):
            warning = "⚠ invalid YAML"
        warnings += bool(warning)
        folder = page.folder[len(layout.kb_dir) + 1 :] if page.folder.startswith(layout.kb_dir + "/") else ""
        folders.setdefault(folder or "(top level)", []).append(
            {
                "link": relative_link(here, path),
                "name": cell(path.rpartition("/")[2]),
                "docid": cell(page.docid),
                "title": cell(page.title),
                "owner": cell(page.owner),
                "status": cell(page.status),
                "changed": _short_date(last.date, zone) if last else "—",
                "warning": warning,
            }
        )
    groups = [{"name": name, "pages": folders[name]} for name in sorted(folders)]
    return {"folders": groups, "count": len(state.pages), "warnings": warnings}


def whats_new_context(state: KbState, layout: Layout, zone: tzinfo) -> dict[str, Any]:
    """Return the context of WHATS-NEW.md: recent merged work by sprint window, then day, then type (newest first)."""
    here = layout.generated_dir
    docs = id_docs(state)
    sprints: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for commit in reversed(state.work):
        local = commit.date.astimezone(zone)
        row = sprint_of(local.date(), state.sprints.rows)
        label = row.label if row else "Outside any sprint window"
        if label not in sprints:
            window = f"{row.start.isoformat()} – {row.end.isoformat()}" if row and row.start and row.end else ""
            link = relative_link(here, row.path) if row and row.path else ""
            heading = f"[{label}]({link})" if link else label
            sprints[label] = {
                "label": label,
                "window": window,
                "link": link,
                "days": {},
                "heading": heading + (f" ({window})" if window else ""),
            }
            order.append(label)
        days = sprints[label]["days"]
        day = days.setdefault(local.date().isoformat(), {})
        work = summarize(commit)
        refs = [_link_ref(ref, docs, here) for ref in work.refs]
        scope = f"**{work.scope}:** " if work.scope else ""
        breaking = " ⚠ BREAKING" if work.breaking else ""
        line = f"{scope}{cell(work.title)}{breaking} (`{commit.short}`, {cell(commit.author)})"
        if refs:
            line += " — " + ", ".join(refs)
        day.setdefault(work.type, []).append(line)
    groups = []
    for label in order:
        entry = sprints[label]
        days = [
            {
                "date": day,
                "types": [
                    {"title": TYPE_TITLES[kind], "entries": items[kind]} for kind in TYPE_TITLES if kind in items
                ],
            }
            for day, items in sorted(entry["days"].items(), reverse=True)
        ]
        groups.append({**entry, "days": days})
    return {"sprints": groups, "count": len(state.work), "limit": WHATS_NEW_LIMIT}


def velocity_chart(rows: Sequence[SprintRow]) -> str:
    """Return a Mermaid ``xychart-beta`` of planned (bars) vs delivered (line) story points per sprint."""
    shown = [row for row in rows if row.planned is not None or row.delivered is not None]
    if not shown:
        return ""
    labels = ", ".join(f'"{row.label}"' for row in shown)
    planned = ", ".join(_points(row.planned or 0) for row in shown)
    delivered = ", ".join(_points(row.delivered or 0) for row in shown)
    top = max(max(row.planned or 0, row.delivered or 0) for row in shown)
    return "\n".join(
        [
            "xychart-beta",
            '    title "Velocity: planned (bars) vs delivered (line) story points"',
            f"    x-axis [{labels}]",
            f'    y-axis "Story points" 0 --> {_points(float(int(top * 1.2) + 1))}',
            f"    bar [{planned}]",
            f"    line [{delivered}]",
        ]
    )


def sprint_history_context(state: KbState, layout: Layout) -> dict[str, Any]:
    """Return the context of SPRINT-HISTORY.md: every sprint (newest first) and the velocity chart (oldest first)."""
    here = layout.generated_dir
    sprints = []
    for row in reversed(state.sprints.rows):
        sprints.append(
            {
                "label": cell(row.label),
                "link": relative_link(here, row.path) if row.path else "",
                "start": row.start.isoformat() if row.start else "—",
                "end": row.end.isoformat() if row.end else "—",
                "goals": list(row.goals),
                "planned": _points(row.planned),
                "delivered": _points(row.delivered),
                "done": list(row.done),
                "carried": list(row.carried),
                "dropped": list(row.dropped),
                "open": list(row.open),
            }
        )
    return {"sprints": sprints, "chart": velocity_chart(state.sprints.rows), "count": len(sprints)}


@dataclass(frozen=True)
class Stale:
    """A page needing review: its sources changed after its last change."""

    path: str
    owner: str | None
    count: int
    first: CommitRef | None
    last: CommitRef | None


def stale_pages(state: KbState) -> list[Stale]:
    """Return the pages needing review (sorted by path)."""
    out = []
    for path in sorted(state.history):
        item = state.history[path]
        page = state.pages.get(path)
        if page is not None and item.stale_count:
            out.append(Stale(path, page.owner, item.stale_count, item.stale_first, item.stale_last))
    return out


def health_issues(state: KbState, layout: Layout, exists: Callable[[str], bool]) -> list[HealthIssue]:
    """Return every doc health issue sorted by kind, path, line: page issues, duplicate docids, broken links,
    sprint-doc problems and stale pages. ``exists(repo_path)`` says whether a link target exists."""
    issues: list[HealthIssue] = []
    by_docid: dict[str, list[KbPage]] = {}
    for page in state.pages.values():
        issues.extend(page.issues)
        if not page.has_frontmatter and not page.issues:
            issues.append(HealthIssue("no-frontmatter", page.path, 1, "page has no frontmatter (docid, title, owner)"))
        if page.docid:
            by_docid.setdefault(page.docid, []).append(page)
        index_like = page.path.rpartition("/")[2].lower() in ("index.md", "readme.md")
        for link in page.links:
            if link.resolved is None:
                issues.append(
                    HealthIssue("broken-link", page.path, link.line, f"link {link.target!r} points outside the repo")
                )
            elif not exists(link.resolved):
                kind = "index-entry-missing" if index_like else "broken-link"
                issues.append(
                    HealthIssue(
                        kind, page.path, link.line, f"link {link.target!r} points at missing file {link.resolved}"
                    )
                )
    for docid, pages in by_docid.items():
        if len(pages) > 1:
            names = ", ".join(sorted(p.path for p in pages))
            for page in pages:
                issues.append(
                    HealthIssue(
                        "duplicate-docid",
                        page.path,
                        page.docid_line,
                        f"docid {docid!r} is used by {len(pages)} pages: {names}",
                    )
                )
    issues.extend(state.sprints.issues)
    for stale in stale_pages(state):
        newest = stale.last
        what = f"; newest {newest.sha[:8]} {newest.subject!r}" if newest else ""
        issues.append(
            HealthIssue(
                "needs-review",
                stale.path,
                1,
                f"sources changed by {stale.count} merged commit(s) since the page's last change"
                f"{what} (owner {stale.owner or 'unknown'})",
            )
        )
    return sorted(issues, key=lambda i: (i.kind, i.path, i.line or 0, i.message))


def health_context(issues: Sequence[HealthIssue], state: KbState, layout: Layout) -> dict[str, Any]:
    """Return the context of DOC-HEALTH.md: counts per kind, every issue with file:line, stale pages."""
    here = layout.generated_dir
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    rows = [
        {
            "kind": issue.kind,
            "where": f"{issue.path}:{issue.line}" if issue.line else issue.path,
            "link": relative_link(here, issue.path),
            "message": cell(issue.message),
        }
        for issue in issues
    ]
    stale = [
        {
            "path": s.path,
            "link": relative_link(here, s.path),
            "owner": cell(s.owner),
            "count": s.count,
            "first": f"`{s.first.sha[:8]}` {cell(s.first.subject)}" if s.first else "—",
            "last": f"`{s.last.sha[:8]}` {cell(s.last.subject)}" if s.last else "—",
        }
        for s in stale_pages(state)
    ]
    return {
        "counts": [{"kind": k, "count": counts[k]} for k in sorted(counts)],
        "issues": rows,
        "total": len(issues),
        "stale": stale,
        "pages": len(state.pages),
    }


def health_counts(issues: Sequence[HealthIssue]) -> dict[str, int]:
    """Return the number of issues per kind (sorted by kind)."""
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    return dict(sorted(counts.items()))


def recent_changes_block(page: KbPage, history: PageHistory, zone: tzinfo, limit: int = RECENT_LIMIT) -> str:
    """Return the content of a page's ``recent-changes`` block: the newest merged work touching its sources."""
    if not page.sources:
        return "_This page declares no `sources:` in its frontmatter; add globs there to list changes here._"
    if not history.recent:
        return "_No merged work has touched this page's sources yet._"
    lines = []
    for ref in history.recent[:limit]:
        kind, scope, title, _ = parse_conventional(ref.subject)
        label = f"{kind}({scope})" if scope else kind
        lines.append(f"- {_short_date(ref.date, zone)} `{ref.sha[:8]}` {label}: {cell(title)} — {cell(ref.author)}")
    if history.stale_count:
        lines.append("")
        lines.append(f"**Needs review:** {history.stale_count} change(s) since this page was last edited.")
    return "\n".join(lines)


def block_renderer(page: KbPage, history: PageHistory, zone: tzinfo) -> Callable[[str, dict[str, str]], str | None]:
    """Return the ``render(name, args)`` for :func:`replace_blocks` on ``page`` (unknown names: left alone)."""

    def render(name: str, args: dict[str, str]) -> str | None:
        if name == "recent-changes":
            limit = int(args["limit"]) if args.get("limit", "").isdigit() else RECENT_LIMIT
            return recent_changes_block(page, history, zone, min(limit, RECENT_LIMIT))
        return None

    return render


# ------------------------------------------------------------------------------------------------ freshness


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


# ------------------------------------------------------------------------------------------------ summary


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

"""KB pages → :class:`KbPage` (frontmatter via :mod:`ceremonies.domain.frontmatter`): fields, identity by agreement,
links, managed blocks and health issues; broken YAML is a health issue with file:line, never an exception."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ceremonies.domain.frontmatter import is_placeholder, split_frontmatter
from ceremonies.domain.identity import Identity as AgreedIdentity
from ceremonies.domain.identity import Vote, agree
from ceremonies.domain.managed import find_blocks
from ceremonies.errors import SprintDocError
from ceremonies.knowledge.commits import KEY_LINE, NOT_IDS
from ceremonies.knowledge.links import Link, find_links


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
        match = KEY_LINE.match(stripped)
        if match and match["key"].strip() == key:
            return index + 1
    return None


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
    return f"{found['prefix']}-{found['num']}" if found and not NOT_IDS.match(found["prefix"] + "-") else None


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

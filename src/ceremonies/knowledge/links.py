"""Relative links of a KB page: found in its body (fenced code and managed blocks skipped), resolved to repo paths."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from ceremonies.domain.managed import ANY_END as _ANY_END
from ceremonies.domain.managed import BEGIN

_LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>\S+?)>?(?:\s+.*)?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)[^`]*?\1")


@dataclass(frozen=True)
class Link:
    """A relative link of a page: the target as written, the repo path it resolves to (None: outside), the line."""

    target: str
    resolved: str | None
    line: int


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

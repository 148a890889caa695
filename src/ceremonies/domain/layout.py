"""How a team names its sprints in paths, and which file of a sprint is its plan, retro or review. Pure: no I/O.

A **unit style** spells one sprint in a path: ``sprint-{n:02}`` (``sprint-05``), ``Sprint {n}`` (``Sprint 3``),
``Sprint {year}-{n:02}`` (``Sprint 2026-13``), ``SPR-{n:03}`` (``SPR-013``). A trailing ``*`` allows a topic
after the key (``SPR-009-search-rework``). Matching ignores case and accepts any zero padding and any of
space/underscore/hyphen where the style has one, so ``sprint_5`` is ``sprint-{n:02}``'s sprint 5.

A **role pattern** is a path relative to the sprint dir with ``{key}`` where the unit stands:
``{key}-retrospective.md`` (flat files) or ``{key}/plan.md`` (a folder per sprint); ``*`` matches any text
within one path segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

GENERIC_KEY = r"[A-Za-z][A-Za-z0-9]*-\d+"
"""Any key like ``SPR-013`` (the style of repos whose config names no unit)."""

_PLACEHOLDER = re.compile(r"\{(?P<name>n|year)(?::(?P<spec>0?\d+d?))?\}")


@dataclass(frozen=True)
class Unit:
    """One sprint as a path spells it: the text (``sprint-05``), its number and, when numbered by year, the year."""

    text: str
    number: int
    year: int | None = None

    @property
    def label(self) -> str:
        """Return the sprint number as the docs write it: ``5`` or ``2026-13``."""
        return f"{self.year}-{self.number:02d}" if self.year is not None else str(self.number)

    @property
    def order(self) -> tuple[int, int]:
        """Return the sort order: year (0 when not numbered by year), then number."""
        return (self.year or 0, self.number)


def _literal(text: str) -> str:
    """Return the regex of a literal part of a style: separators match any run of space, ``_`` or ``-``."""
    out = []
    for part in re.split(r"([ _-]+)", text):
        if not part:
            continue
        if re.fullmatch(r"[ _-]+", part):
            out.append(r"[ _-]*")
        else:
            out.append(re.escape(part).replace(r"\*", r"[^/]*"))
    return "".join(out)


@dataclass(frozen=True)
class UnitStyle:
    """A unit style such as ``sprint-{n:02}`` (see the module docs); ``None`` pattern means any ``ABC-123`` key."""

    pattern: str | None = None

    def regex_source(self) -> str:
        """Return the regex source of one unit (named groups ``n`` and ``year``)."""
        if self.pattern is None:
            return rf"(?P<generic>{GENERIC_KEY})"
        out, last = [], 0
        for match in _PLACEHOLDER.finditer(self.pattern):
            out.append(_literal(self.pattern[last : match.start()]))
            out.append(r"(?P<year>\d{4})" if match["name"] == "year" else r"(?P<n>\d{1,4})")
            last = match.end()
        out.append(_literal(self.pattern[last:]))
        return "".join(out)

    def match(self, text: str) -> Unit | None:
        """Return the Unit ``text`` spells in this style (the whole text), else None."""
        found = _compiled(self.regex_source()).fullmatch(text)
        return _unit_of(found) if found else None

    def format(self, number: int, year: int | None = None) -> str:
        """Return sprint ``number`` (of ``year``) spelled in this style; a ``*`` topic part is dropped."""
        if self.pattern is None:
            return f"SPR-{number:03d}"

        def fill(match: re.Match[str]) -> str:
            """Return the value of one placeholder."""
            if match["name"] == "year":
                return str(year if year is not None else 0)
            spec = match["spec"] or "d"
            return format(number, spec if spec.endswith("d") else spec + "d")

        return _PLACEHOLDER.sub(fill, self.pattern).replace("*", "").rstrip(" _-")

    @property
    def by_year(self) -> bool:
        """Return True when the style numbers sprints within a year (``{year}``)."""
        return self.pattern is not None and "{year}" in self.pattern


@lru_cache(maxsize=256)
def _compiled(source: str) -> re.Pattern[str]:
    """Return the compiled, case-insensitive regex of ``source``."""
    return re.compile(source, re.IGNORECASE)


def _unit_of(found: re.Match[str]) -> Unit | None:
    """Return the Unit of a match of a unit regex (the generic style reads the last number of ``ABC-123``)."""
    groups = found.groupdict()
    if groups.get("generic"):
        generic = groups["generic"]
        return Unit(generic.upper(), int(generic.rsplit("-", 1)[1]))
    if groups.get("n") is None:
        return None
    year = int(groups["year"]) if groups.get("year") else None
    return Unit(found.group(0), int(groups["n"]), year)


@dataclass(frozen=True)
class RoleMatch:
    """What a path says about a doc: the unit it belongs to (None: no sprint in its path) and whether it is the
    unit's plan, retro or review by the configured file names (``role`` None: another doc of that sprint)."""

    unit: Unit | None
    role: str | None


def _pattern_regex(pattern: str, style: UnitStyle) -> re.Pattern[str]:
    """Return the regex of a role pattern (``{key}/plan.md``) with the unit group ``key``."""
    head, _, tail = pattern.partition("{key}")
    source = _literal_path(head) + f"(?P<key>{style.regex_source()})" + _literal_path(tail)
    return _compiled(f"^{source}$")


def _literal_path(text: str) -> str:
    """Return the regex of a literal part of a role pattern: exact but for ``*`` (any text in one segment)."""
    return re.escape(text).replace(r"\*", r"[^/]*")


def unit_in_path(relative: str, style: UnitStyle) -> Unit | None:
    """Return the unit named by a folder of ``relative`` (outermost first), else by the file name's start."""
    parts = relative.split("/")
    unit_source = style.regex_source()
    for part in parts[:-1]:
        found = _compiled(f"^{unit_source}$").match(part)
        if found:
            return _unit_of(found)
    stem = parts[-1].rsplit(".", 1)[0]
    found = _compiled(rf"^{unit_source}(?![0-9])").match(stem)
    return _unit_of(found) if found else None


def classify_path(relative: str, patterns: dict[str, str], style: UnitStyle) -> RoleMatch:
    """Return the unit and role of the doc at ``relative`` (posix, relative to the sprint dir).

    ``patterns`` maps a role (``plan``, ``retro``, ``summary``) to its pattern; a pattern without ``/`` is
    matched against the file name only (flat layouts keep docs in sub-folders too).
    """
    name = relative.rsplit("/", 1)[-1]
    for role, pattern in patterns.items():
        subject = relative if "/" in pattern else name
        found = _pattern_regex(pattern, style).match(subject)
        if found:
            key_text = found["key"]
            unit = style.match(key_text)
            return RoleMatch(unit, role)
    return RoleMatch(unit_in_path(relative, style), None)


def unit_path(pattern: str, style: UnitStyle, number: int, year: int | None = None) -> str:
    """Return the path (relative to the sprint dir) of the role file of sprint ``number`` by ``pattern``: a ``*``
    next to ``{key}`` (a topic) is dropped, one in another segment (``sprint*_plan.md``) is the sprint's number."""
    key = style.format(number, year)
    segments = [
        segment.replace("{key}", key).replace("*", "") if "{key}" in segment else segment.replace("*", str(number))
        for segment in pattern.split("/")
    ]
    return "/".join(segments)


def next_unit(unit: Unit, style: UnitStyle, starts_in_year: int | None = None) -> tuple[int, int | None]:
    """Return (number, year) of the sprint after ``unit``: the number plus one, or sprint 1 of the next year when
    the team numbers by year and the new sprint starts in a later year than ``unit``'s."""
    if unit.year is not None and starts_in_year is not None and starts_in_year > unit.year:
        return 1, starts_in_year
    return unit.number + 1, unit.year


# ------------------------------------------------------------------------------------------------ inference

_CANDIDATE = re.compile(
    r"^(?P<prefix>sprint|spr|iteration|iter)(?P<sep>[ _-]*)(?:(?P<year>(?:19|20)\d{2})(?P<ysep>[ _-]))?"
    r"(?P<n>\d{1,4})(?P<rest>(?:[ _.-].*)?)$",
    re.IGNORECASE,
)
_ROLE_WORDS = (
    ("retro", re.compile(r"retro", re.I)),
    ("summary", re.compile(r"review|summary|report|demo", re.I)),
    ("plan", re.compile(r"plan|iteration", re.I)),
)


@dataclass(frozen=True)
class Candidate:
    """A path part that names a sprint: the spelling parts of its style and whether it is a folder or a file."""

    prefix: str
    sep: str
    year_sep: str | None
    digits: str
    topic: bool
    folder: bool
    path: str
    depth: int


def _candidate(part: str, folder: bool, path: str, depth: int) -> Candidate | None:
    """Return the Candidate a folder name or file stem is, else None."""
    found = _CANDIDATE.match(part)
    if not found:
        return None
    rest = found["rest"] or ""
    ysep = found["ysep"] if found["year"] else None
    return Candidate(found["prefix"], found["sep"], ysep, found["n"], bool(rest.strip(" _.-")), folder, path, depth)


def sprint_candidates(paths: list[str]) -> list[Candidate]:
    """Return, for each path, the outermost part that names a sprint (a folder, else the file name's stem)."""
    found = []
    for path in paths:
        parts = path.split("/")
        for depth, part in enumerate(parts[:-1]):
            candidate = _candidate(part, True, path, depth)
            if candidate is not None:
                found.append(candidate)
                break
        else:
            candidate = _candidate(parts[-1].rsplit(".", 1)[0], False, path, len(parts) - 1)
            if candidate is not None:
                found.append(candidate)
    return found


def _most_common(values: list[str]) -> str:
    """Return the most frequent value (the first seen on a tie)."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=lambda value: counts[value])


def style_of(candidates: list[Candidate]) -> str:
    """Return the unit style that spells ``candidates`` (all folders or all files): ``sprint-{n:02}``, ...

    Zero padding is kept when the numbers are written with it; a topic after the number gives a trailing ``*``.
    """
    prefix = _most_common([c.prefix for c in candidates])
    sep = _most_common([c.sep for c in candidates])
    padded = [c.digits for c in candidates if c.digits.startswith("0") and len(c.digits) > 1]
    year_seps = [c.year_sep for c in candidates if c.year_sep is not None]
    year = f"{{year}}{_most_common(year_seps)}" if len(year_seps) * 2 > len(candidates) else ""
    if year and not padded and all(len(c.digits) == 2 for c in candidates):
        padded = ["00"]
    number = f"{{n:0{len(_most_common(padded))}}}" if padded else "{n}"
    topic = "*" if candidates[0].folder and any(c.topic for c in candidates) else ""
    return f"{prefix}{sep}{year}{number}{topic}"


def role_of_name(name: str) -> str | None:
    """Return the role a file name suggests: ``retro``, ``summary`` (review/summary/report), ``plan``, else None."""
    for role, words in _ROLE_WORDS:
        if words.search(name):
            return role
    return None


def role_patterns_of(candidates: list[Candidate]) -> dict[str, str]:
    """Return role → pattern (``{key}/plan.md`` or ``{key}-retrospective.md``) by the most common file name of
    each role among ``candidates``' paths; roles no file has are left out."""
    names: dict[str, list[str]] = {}
    for candidate in candidates:
        parts = candidate.path.split("/")
        if candidate.folder:
            if len(parts) != candidate.depth + 2:
                continue  # only files directly in the sprint's folder
            name = parts[-1]
            role = role_of_name(name)
            if role is not None:
                generic = re.sub(rf"(?<!\d)0*{int(candidate.digits)}(?!\d)", "*", name)
                names.setdefault(role, []).append("{key}/" + generic)
        else:
            stem_part = _CANDIDATE.match(parts[-1].rsplit(".", 1)[0])
            if stem_part is None:
                continue
            suffix = parts[-1][len(parts[-1].rsplit(".", 1)[0]) - len(stem_part["rest"] or "") :]
            role = role_of_name(suffix)
            if role is not None:
                names.setdefault(role, []).append("{key}" + suffix)
    return {role: _most_common(values) for role, values in names.items()}

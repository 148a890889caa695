"""Identity by agreement: several parts of a document each say who it is; the majority wins.

A sprint doc names its sprint in up to six places (file name, folder name, H1, ``Sprint Number:``/``Sprint Name:``
fields, frontmatter ``docid`` of each block, frontmatter ``title``); a knowledge-base page in two or three (``docid``,
``title``, file name). Any one of them can be wrong — a generated placeholder block's ``docid`` is a meaningless
sequence number — so none of them is trusted alone: :func:`agree` counts the votes, the value most sources give
wins (ties go to the earlier vote, so callers list votes most trusted first), and the sources that said something
else are kept so ``check`` can name them.

No I/O, no clock: callers collect :class:`Vote` values from what they parsed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_PREFIXED = re.compile(
    r"(?<![\w-])(?P<label>(?P<prefix>[A-Z][A-Z0-9]{1,9})(?:[-_]| (?=0))(?P<num>\d{1,6}))(?![\d.]|-\d)"
)
_SPRINT_WORD = re.compile(
    r"(?<![^\W_])(?P<label>(?:sprint|iteration|spr)[\s_-]*(?:(?P<year>\d{4})[-_/.])?(?P<num>\d{1,4}))(?![\d.]|-\d)",
    re.IGNORECASE,
)
_YEAR_NUMBER = re.compile(r"^\s*(?P<label>(?P<year>\d{4})-(?P<num>\d{1,3}))\s*$")
_BARE_NUMBER = re.compile(r"^\s*(?P<label>(?P<num>\d{1,4}))\s*\.?\s*$")


@dataclass(frozen=True)
class Vote:
    """What one source of a document says its identity is.

    ``value`` is the normalized identity compared between votes (for sprints the sprint's ordinal, ``"14"`` for
    ``SPR-014``, ``Sprint 2026-14`` and ``sprint-14``); ``raw`` is the text as written; ``line`` where (or None).
    """

    source: str
    value: str
    raw: str
    line: int | None = None


@dataclass(frozen=True)
class Identity:
    """The outcome of a vote: the winning ``value`` (None without votes), every vote, and the dissenting ones."""

    value: str | None
    votes: tuple[Vote, ...] = ()

    @property
    def agreeing(self) -> tuple[Vote, ...]:
        """Return the votes for the winning value, most trusted first."""
        return tuple(vote for vote in self.votes if vote.value == self.value)

    @property
    def dissent(self) -> tuple[Vote, ...]:
        """Return the votes for another value than the winner (empty when all sources agree)."""
        return tuple(vote for vote in self.votes if vote.value != self.value)

    def describe(self) -> str:
        """Return a one-line account of a disagreement, dissenters first: ``docid (frontmatter block 1, line 1)
        says 'SPR-231', but heading (line 10) and file name say 'SPR-022'; using 'SPR-022' (majority)``."""

        def where(vote: Vote) -> str:
            """Return the source of ``vote`` with its line."""
            if vote.line is None:
                return vote.source
            if vote.source.endswith(")"):
                return f"{vote.source[:-1]}, line {vote.line})"
            return f"{vote.source} (line {vote.line})"

        def group(votes: tuple[Vote, ...], value: str) -> str:
            """Return ``a, b and c say value`` for ``votes``."""
            names = [where(vote) for vote in votes]
            joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            return f"{joined} {'says' if len(names) == 1 else 'say'} {value}"

        dissent: dict[str, list[Vote]] = {}
        for vote in self.dissent:
            dissent.setdefault(vote.value, []).append(vote)
        parts = [group(tuple(votes), repr(votes[0].raw)) for votes in dissent.values()]
        winner = self.agreeing[0].raw if self.agreeing else str(self.value)
        return f"{'; '.join(parts)}, but {group(self.agreeing, repr(winner))}; using {winner!r} (majority)"


def agree(votes: list[Vote] | tuple[Vote, ...]) -> Identity:
    """Return the Identity the votes agree on: the most frequent value; a tie goes to the value voted first."""
    if not votes:
        return Identity(None)
    counts = Counter(vote.value for vote in votes)
    first_seen = {vote.value: index for index, vote in reversed(list(enumerate(votes)))}
    winner = max(counts, key=lambda value: (counts[value], -first_seen[value]))
    return Identity(winner, tuple(votes))


@dataclass(frozen=True)
class SprintLabel:
    """A sprint named in a text: its ordinal (``14``), the label as written, and the year for year-numbered ones.

    ``prefixed`` is True for key-style labels such as ``SPR-014`` (a key), False for ``Sprint 14``/``sprint-05``.
    """

    ordinal: int
    label: str
    year: int | None = None
    prefixed: bool = False


def sprint_label(text: str, bare: bool = False) -> SprintLabel | None:
    """Return the first sprint named in ``text``: ``SPR-014``, ``SPR 014``, ``Sprint 2026-14``, ``sprint-05``,
    ``Sprint 3``, ``Sprint1``; with ``bare=True`` also a field value that is only ``14`` or ``2026-14``.

    Returns None when the text names no sprint. Dates (``2026-09-17``) and decimals are not labels.
    """
    if bare:
        match = _YEAR_NUMBER.match(text) or _BARE_NUMBER.match(text)
        if match:
            year = match.groupdict().get("year")
            return SprintLabel(int(match["num"]), match["label"], int(year) if year else None)
    word = _SPRINT_WORD.search(text)
    prefixed = _PREFIXED.search(text)
    leading = prefixed is not None and not text[: prefixed.start()].strip(" #*_`[\t")
    if prefixed and (word is None or leading) and prefixed["prefix"].upper() != "SPRINT":
        return SprintLabel(int(prefixed["num"]), prefixed["label"], prefixed=True)
    if word:
        year = word["year"]
        return SprintLabel(int(word["num"]), word["label"], int(year) if year else None)
    return None

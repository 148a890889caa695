"""The value types of the git adapter: identities, commits, push outcomes, and commit messages with trailers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ceremonies.errors import UsageError

REMOTE = "origin"
ZERO_SHA = "0" * 40
_TRAILER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]*$")


@dataclass(frozen=True)
class Identity:
    """A git author/committer: ``name <email>``."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


DEFAULT_BOT = Identity("ceremonies-bot", "ceremonies-bot@users.noreply.localhost")
"""The bot identity when the settings name none (same defaults as ``Settings.bot``)."""


@dataclass(frozen=True)
class CommitInfo:
    """One commit: sha, author, author date (timezone-aware), committer date and subject line."""

    sha: str
    author_name: str
    author_email: str
    date: datetime
    committed: datetime | None = None
    subject: str = ""


@dataclass(frozen=True)
class PushOutcome:
    """What ``DocsRepo.push`` did: ``pushed`` (the remote moved), ``reason`` (why not, or how), the sha now on the
    remote branch, how many push attempts it took and whether local commits were rebased over remote ones."""

    pushed: bool
    reason: str = ""
    sha: str | None = None
    attempts: int = 0
    rebased: bool = False


def format_message(message: str, trailers: dict[str, str]) -> str:
    """Return ``message`` (trailing spaces trimmed) followed by a blank line and ``Key: value`` trailer lines.

    Raises UsageError for an empty message, a trailer key that is not a token, or a value spanning lines.
    """
    lines = [line.rstrip() for line in message.strip().splitlines()]
    if not lines or not lines[0]:
        raise UsageError("commit message is empty")
    for key, value in trailers.items():
        if not _TRAILER_KEY.match(key):
            raise UsageError(f"trailer key {key!r} must be letters, digits and dashes")
        if "\n" in str(value) or "\r" in str(value):
            raise UsageError(f"trailer {key!r} value {value!r} spans several lines")
    text = "\n".join(lines)
    if trailers:
        text += "\n\n" + "\n".join(f"{key}: {str(value).strip()}" for key, value in trailers.items())
    return text


def identity_env(who: Identity, date: datetime | None) -> dict[str, str]:
    """Return the environment that makes ``who`` author and committer (at ``date`` when given) of a commit."""
    env = {
        "GIT_AUTHOR_NAME": who.name,
        "GIT_AUTHOR_EMAIL": who.email,
        "GIT_COMMITTER_NAME": who.name,
        "GIT_COMMITTER_EMAIL": who.email,
    }
    if date is not None:
        stamp = date.isoformat()
        env["GIT_AUTHOR_DATE"] = stamp
        env["GIT_COMMITTER_DATE"] = stamp
    return env

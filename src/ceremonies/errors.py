"""The one exception hierarchy of ceremonies.

Every error quotes the bad value and says where it is (file and line when known). Errors are turned into
exit codes and one-line messages only at the edge (the CLI and the flows).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _where(path: str | PurePath | None, line: int | None) -> str:
    """Return ``path:line`` (or just ``path``) for message prefixes; empty when nothing is known."""
    if path is None:
        return ""
    return f"{path}:{line}" if line else f"{path}"


class CeremoniesError(Exception):
    """Root of every error ceremonies raises on purpose.

    ``path`` and ``line`` say where the problem is; ``str(error)`` is ``path:line: message``.
    """

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, path: str | PurePath | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = _where(self.path, self.line)
        return f"{where}: {self.message}" if where else self.message


class UsageError(CeremoniesError):
    """The caller asked for something impossible (bad flag value, missing argument)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Problem:
    """One bad field of a settings file: where, which key, what is wrong."""

    key: str
    message: str
    line: int | None = None


class ConfigError(CeremoniesError):
    """A ``ceremonies.toml`` has one or more bad fields; ``problems`` lists every one of them."""

    def __init__(self, path: str | PurePath, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [f"{_where(path, p.line)}: {p.key}: {p.message}" for p in problems]
        super().__init__(f"{len(problems)} bad setting(s):\n  " + "\n  ".join(lines), path=path)


class SprintDocError(CeremoniesError):
    """A sprint document (plan, retro, execution summary) cannot be read: ``path``, ``line``, ``what``."""

    def __init__(self, path: str | PurePath, line: int | None, what: str) -> None:
        self.what = what
        super().__init__(what, path=path, line=line)


class TemplateError(CeremoniesError):
    """A Jinja2 template is broken or refers to something undefined."""


class HumanEditError(CeremoniesError):
    """A file the tool would write was changed by a human since the tool last wrote it."""


class GitError(CeremoniesError):
    """A git operation failed (clone, pull, commit, push)."""


class PushRejectedError(GitError):
    """The remote rejected a push even after the bounded fetch-rebase-retry loop."""


class GitTimeoutError(GitError):
    """A git network call (clone, fetch, push) did not finish in time; the git process was killed."""


class SlackError(CeremoniesError):
    """Slack refused a call (``channel_not_found``, ``invalid_auth``, ...) or could not be reached."""


class RepoBusyError(CeremoniesError):
    """Another run holds the work tree's repo lock longer than this run waits: a clean skip (exit code 0).

    ``holder`` is what the lock file says about that run (job, pid, host, since), None when it cannot be told.
    """

    exit_code = EXIT_OK

    def __init__(self, message: str, *, repo: str, holder: dict[str, object] | None, waited: float) -> None:
        self.repo = repo
        self.holder = holder
        self.waited = waited
        super().__init__(message)


class LockTimeoutError(RepoBusyError):
    """A flow run gave up waiting for the docs repo's lock (the per-repo Prefect concurrency limit): the same error
    and wording as the CLI's RepoBusyError; the flow run ends Failed with it as its one-line message."""


class NotDueError(CeremoniesError):
    """Nothing to do yet (e.g. the next sprint is not due); flows treat it as a clean skip."""

    exit_code = EXIT_OK

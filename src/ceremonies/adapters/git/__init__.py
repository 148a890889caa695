"""The team's docs repo in git: open or clone, pull, commit only the files the bot wrote, push with a bounded
fetch-rebase-retry loop.

Every git command runs through :mod:`~ceremonies.adapters.git.runner` (environment, deadline, credential-free
errors naming repo and command); GitPython only opens repositories. A commit is made in a private index
(``GIT_INDEX_FILE``) holding HEAD plus only the named paths, written with ``commit-tree`` and moved in with a
compare-and-swap ``update-ref``: a human's staged or dirty files are never committed, a commit is never half made
(the branch moves in one atomic step or not at all) and nothing-changed never makes an empty commit.

Credentials never leave this package: every message, log line and exception goes through
:func:`ceremonies.redaction.redact` (``https://user:token@host`` → ``https://***@host``) and git errors are raised
``from None``.

Modules: ``runner`` (the one git runner), ``values`` (Identity, CommitInfo, PushOutcome, commit messages),
``remotes`` (URLs, credentials, clone dirs), ``base`` (queries, recovery, lock, plumbing), ``commit``, ``push``,
``repo`` (:class:`DocsRepo`: opening and cloning).
"""

from __future__ import annotations

from ceremonies.adapters.git.commit import COMMIT_ATTEMPTS
from ceremonies.adapters.git.remotes import (
    check_repo_spec,
    default_workdir,
    is_url,
    remote_head_branch,
    split_credentials,
    strip_userinfo,
)
from ceremonies.adapters.git.repo import DocsRepo
from ceremonies.adapters.git.values import (
    DEFAULT_BOT,
    REMOTE,
    ZERO_SHA,
    CommitInfo,
    Identity,
    PushOutcome,
    format_message,
)

__all__ = [
    "COMMIT_ATTEMPTS",
    "DEFAULT_BOT",
    "REMOTE",
    "ZERO_SHA",
    "CommitInfo",
    "DocsRepo",
    "Identity",
    "PushOutcome",
    "check_repo_spec",
    "default_workdir",
    "format_message",
    "is_url",
    "remote_head_branch",
    "split_credentials",
    "strip_userinfo",
]

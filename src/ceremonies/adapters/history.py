"""Merged work from git: the first-parent history of main, read with ONE ``git log`` call.

A merge commit's files are its diff against its first parent, so merge commits and squash/rebase merges look
the same. The sync point lives in git itself: the trailer ``KB-Synced-Through: <sha>`` on the bot's last KB
commit. Shallow clones are deepened (``git fetch --unshallow``) or refused with a clear GitError — merged work
is never silently dated today.

The KB refresh also keeps a small cache in the git dir (:data:`ceremonies.adapters.state.KB_STATE` and
``KB_SPRINT_DOCS``) so unchanged pages are not parsed again; it is only an optimisation — losing it costs one full read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ceremonies.adapters import state
from ceremonies.adapters.git import runner
from ceremonies.adapters.parse_cache import parser_version
from ceremonies.domain import docjson
from ceremonies.domain.commits import SYNC_TRAILER, FileChange, MergedCommit
from ceremonies.domain.model import Document
from ceremonies.errors import GitError

RECORD = "\x1e"
UNIT = "\x1f"
TRAILER_SEP = "\x1d"
LOG_FORMAT = "%x1e%H%x1f%P%x1f%cI%x1f%an%x1f%ae%x1f%s%x1f%b%x1f%(trailers:unfold,separator=%x1d)%x1f"


@dataclass(frozen=True)
class RepoFacts:
    """What one ``git rev-parse`` says about a work tree: git dir, HEAD sha (None before the first commit), shallow."""

    root: Path
    git_dir: Path
    head: str | None
    shallow: bool


@dataclass(frozen=True)
class SyncPoint:
    """The bot's last KB commit (``commit``) and the main-branch sha its trailer says the KB reflects."""

    commit: str
    synced_through: str


@dataclass(frozen=True)
class Done:
    """A finished git command: exit status and output."""

    returncode: int
    stdout: str
    stderr: str


def run_git(root: Path, *args: str, check: bool = True) -> Done:
    """Run ``git -C root args`` through the one runner and return the finished command; raise GitError naming the
    repo and the command when it fails (``check``)."""
    what = f"git {' '.join(args[:3])}"
    status, out, err = runner.run_git(["-C", str(root), *args], what=what, cwd=root if root.is_dir() else None)
    if check and status != 0:
        raise runner.failure(f"`{what}`", status, err or out, root)
    return Done(status, out, err)


def repo_facts(root: str | Path) -> RepoFacts:
    """Return the git dir, HEAD and shallowness of the work tree at ``root`` (one git call when HEAD exists)."""
    path = Path(root)
    if not path.is_dir():
        raise GitError("not a directory", path=path)
    done = run_git(
        path, "rev-parse", "--is-shallow-repository", "--absolute-git-dir", "--verify", "-q", "HEAD", check=False
    )
    lines = done.stdout.split()
    if done.returncode == 0 and len(lines) == 3:
        return RepoFacts(path, Path(lines[1]), lines[2], lines[0] == "true")
    bare = run_git(path, "rev-parse", "--is-shallow-repository", "--absolute-git-dir", check=False)
    parts = bare.stdout.split()
    if bare.returncode != 0 or len(parts) != 2:
        raise GitError("not a git work tree (git rev-parse failed)", path=path)
    return RepoFacts(path, Path(parts[1]), None, parts[0] == "true")


def find_sync_point(root: Path) -> SyncPoint | None:
    """Return the sync point recorded by the bot's last KB commit on the first-parent line, else None."""
    done = run_git(
        root,
        "log",
        "--first-parent",
        "-1",
        "-E",
        f"--grep=^{SYNC_TRAILER}:",
        f"--format=%H%x1f%(trailers:key={SYNC_TRAILER},valueonly,separator=%x1d)",
        "HEAD",
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None
    commit, _, values = done.stdout.strip().partition(UNIT)
    shas = [value.strip() for value in values.split(TRAILER_SEP) if value.strip()]
    if not shas:
        return None
    return SyncPoint(commit=commit, synced_through=shas[-1])


def _files(raw: str, same: dict[str, str] | None = None) -> tuple[FileChange, ...]:
    """Return the file changes of one commit from its ``--name-status -z`` part (paths seen before in ``same``
    are that one string: a path many commits touch is held once)."""
    seen = same if same is not None else {}
    tokens = [token for token in raw.lstrip("\0\n").split("\0") if token != ""]
    changes: list[FileChange] = []
    index = 0
    while index < len(tokens):
        status = tokens[index].strip()
        letter = status[:1]
        if letter in ("R", "C") and index + 2 < len(tokens):
            path, old = tokens[index + 2], tokens[index + 1]
            changes.append(FileChange(letter, seen.setdefault(path, path), seen.setdefault(old, old)))
            index += 3
        elif index + 1 < len(tokens):
            path = tokens[index + 1]
            changes.append(FileChange(letter, seen.setdefault(path, path)))
            index += 2
        else:
            break
    return tuple(changes)


def _trailers(raw: str) -> tuple[tuple[str, str], ...]:
    """Return ``(key, value)`` pairs from ``%(trailers:unfold,separator=%x1d)`` output."""
    pairs = []
    for item in raw.split(TRAILER_SEP):
        key, sep, value = item.partition(":")
        if sep and key.strip():
            pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def parse_log(output: str) -> list[MergedCommit]:
    """Return the commits in ``git log --format=LOG_FORMAT --name-status -z`` output, in output order.

    Texts that recur (paths, authors, emails, a sha that is the next commit's parent) are held once: the full
    history of a 50k-commit repo takes 26 MB instead of 37 MB, for the whole KB rebuild.
    """
    same: dict[str, str] = {}
    commits = []
    for record in output.split(RECORD):
        if not record.strip("\0\n"):
            continue
        fields = record.split(UNIT)
        if len(fields) < 9:
            raise GitError(f"unexpected git log record: {record[:80]!r}")
        sha, parents, date, author, email, subject, body, trailers = fields[:8]
        sha = sha.strip("\0\n")
        commits.append(
            MergedCommit(
                sha=same.setdefault(sha, sha),
                date=datetime.fromisoformat(date),
                author=same.setdefault(author, author),
                author_email=same.setdefault(email, email),
                subject=subject,
                body=body.strip(),
                trailers=_trailers(trailers),
                files=_files(UNIT.join(fields[8:]), same),
                parents=tuple(same.setdefault(parent, parent) for parent in parents.split()),
            )
        )
    return commits


def _is_ancestor(root: Path, ancestor: str, head: str) -> bool:
    """Return True when ``ancestor`` is a commit present locally and an ancestor of ``head``."""
    return run_git(root, "merge-base", "--is-ancestor", ancestor, head, check=False).returncode == 0


def _has_remote(root: Path) -> bool:
    """Return True when the repo has at least one remote."""
    return bool(run_git(root, "remote", check=False).stdout.strip())


def ensure_history(facts: RepoFacts, since: str | None) -> RepoFacts:
    """Return facts of a repo whose history covers ``since..HEAD`` (or all of it), deepening a shallow clone.

    Raises GitError when the clone is shallow, the needed history is missing and it cannot be deepened.
    """
    if not facts.shallow or facts.head is None:
        return facts
    if since is not None and _is_ancestor(facts.root, since, facts.head):
        return facts
    needed = f"merged work since {since[:12]}" if since else "the full history"
    if not _has_remote(facts.root):
        raise GitError(
            f"shallow clone without a remote: {needed} is missing; clone with full history "
            "(no --depth) so merged work is not dated wrongly",
            path=facts.root,
        )
    status, _, stderr = runner.run_git(
        ["-C", str(facts.root), "fetch", "--quiet", "--unshallow"], what="git fetch --unshallow", network=True
    )
    if status != 0:
        detail = (stderr.strip().splitlines() or ["unknown error"])[-1]
        raise GitError(
            f"shallow clone: {needed} is missing and `git fetch --unshallow` failed ({detail}); "
            "clone with full history",
            path=facts.root,
        )
    return repo_facts(facts.root)


def read_merged_work(facts: RepoFacts, since: str | None = None) -> list[MergedCommit]:
    """Return the first-parent commits of HEAD after ``since`` (all when None), oldest first, files included.

    One ``git log`` call; a merge commit's files are its diff against its first parent. An unknown ``since``
    (e.g. history rewritten) raises GitError so the caller can fall back to a full read.
    """
    if facts.head is None:
        return []
    revision = f"{since}..{facts.head}" if since else facts.head
    done = run_git(
        facts.root,
        "-c",
        "core.quotePath=false",
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--name-status",
        "--no-renames",
        "-z",
        "--reverse",
        f"--format={LOG_FORMAT}",
        revision,
        "--",
    )
    return parse_log(done.stdout)


def list_files(facts: RepoFacts, under: str) -> list[str]:
    """Return the tracked files below ``under`` (repo-relative, posix), sorted."""
    done = run_git(facts.root, "-c", "core.quotePath=false", "ls-files", "-z", "--", under)
    return sorted(path for path in done.stdout.split("\0") if path)


def dirty_paths(facts: RepoFacts, paths: list[str]) -> list[str]:
    """Return which of ``paths`` have uncommitted changes (staged or not) in the work tree."""
    if not paths or facts.head is None:
        return []
    done = run_git(
        facts.root, "-c", "core.quotePath=false", "status", "--porcelain", "-z", "--untracked-files=no", "--", *paths
    )
    dirty = []
    for entry in done.stdout.split("\0"):
        if len(entry) > 3 and entry[:2].strip():
            dirty.append(entry[3:])
    return sorted(dirty)


def load_sprint_docs(facts: RepoFacts) -> tuple[str | None, dict[str, Document]] | None:
    """Return the cached parsed sprint docs ``(synced_through, path → Document)``, or None (the cache is optional:
    none, unreadable, or written by another parser version)."""
    data = state.load(facts.git_dir, state.KB_SPRINT_DOCS)
    encoded = data.get("docs")
    if data.get("parser") != parser_version() or not isinstance(encoded, dict):
        return None
    try:
        docs = {str(path): docjson.decode(item) for path, item in encoded.items()}
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    if not all(isinstance(doc, Document) for doc in docs.values()):
        return None
    synced = data.get("synced_through")
    return (synced if isinstance(synced, str) else None), docs


def save_sprint_docs(facts: RepoFacts, synced_through: str | None, docs: dict[str, Document]) -> None:
    """Cache the parsed sprint docs next to the KB state (atomically); a doc the JSON codec cannot hold drops the
    whole cache (a partial one would hide that doc from the next incremental refresh)."""
    try:
        encoded = {path: docjson.encode(doc) for path, doc in docs.items()}
    except docjson.NotEncodable:
        state.clear(facts.git_dir, state.KB_SPRINT_DOCS)
        return
    data = {"parser": parser_version(), "synced_through": synced_through, "docs": encoded}
    state.save(facts.git_dir, state.KB_SPRINT_DOCS, data)

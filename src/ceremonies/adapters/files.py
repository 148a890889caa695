"""The file system: atomic writes, and reading sprint docs with clear errors naming the file."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from ceremonies.config import CONFIG_FILE, Settings
from ceremonies.domain.model import DocKind, Document, SprintHistory
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.errors import ConfigError, Problem, SprintDocError


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same dir, fsync, rename); return the path.

    Text is written as UTF-8 exactly as given (no newline translation), so callers control CRLF vs LF.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(tmp_name, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


# ------------------------------------------------------------------------------------------------ reading sprint docs

MAX_DOC_BYTES = 4 * 1024 * 1024
DOC_SUFFIXES = (".md", ".markdown")


def _decode(path: Path, data: bytes) -> str:
    """Return ``data`` as text (UTF-8, BOM kept for the parser; UTF-16 with a BOM); raise SprintDocError otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return "\ufeff" + data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SprintDocError(path, None, f"not valid UTF-16 text: {exc.reason}") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise SprintDocError(path, line, f"binary file, not text (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise SprintDocError(path, line, f"not UTF-8 text (byte 0x{bad} at offset {exc.start})") from None


def read_doc_text(path: Path) -> str:
    """Return the text of the sprint doc at ``path``; raise SprintDocError naming the file when it is unreadable.

    Unreadable means: missing, not a regular file, larger than MAX_DOC_BYTES, binary (NUL bytes) or not UTF-8.
    A UTF-8 BOM is kept (the parser records it); newlines are left as they are.
    """
    path = Path(path)
    try:
        if not path.is_file():
            raise SprintDocError(path, None, "no such file" if not path.exists() else "not a regular file")
        size = path.stat().st_size
        if size > MAX_DOC_BYTES:
            raise SprintDocError(path, None, f"too large ({size} bytes, limit {MAX_DOC_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise SprintDocError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return _decode(path, data)


def _inside(root: Path, candidate: Path) -> bool:
    """Return True when ``candidate`` (resolved, symlinks followed) lies inside the resolved ``root``."""
    try:
        candidate.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def sprint_dir(repo: Path, settings: Settings) -> Path:
    """Return the resolved sprint dir of ``repo``; raise ConfigError when ``paths.sprint_dir`` leaves the repo."""
    root = Path(repo).resolve()
    directory = root / settings.paths.sprint_dir
    if not _inside(root, directory):
        problem = Problem("paths.sprint_dir", f"{settings.paths.sprint_dir!r} points outside the repo {root}")
        raise ConfigError(root / CONFIG_FILE, [problem])
    return directory.resolve()


def _name_pattern(pattern: str) -> re.Pattern[str]:
    """Return a regex for a file name pattern like ``{key}-retrospective.md`` capturing the key."""
    head, _, tail = pattern.partition("{key}")
    return re.compile(rf"^{re.escape(head)}(?P<key>[A-Za-z][A-Za-z0-9]*-\d+){re.escape(tail)}$", re.IGNORECASE)


def name_hints(name: str, settings: Settings) -> tuple[DocKind | None, str | None]:
    """Return (kind, sprint key) a file name gives by the naming patterns of ``settings.paths``, else (None, None)."""
    patterns = (
        (settings.paths.plan_pattern, DocKind.PLAN),
        (settings.paths.retro_pattern, DocKind.RETRO),
        (settings.paths.summary_pattern, DocKind.SUMMARY),
    )
    for pattern, kind in patterns:
        match = _name_pattern(pattern).match(name)
        if match:
            return kind, match["key"].upper()
    return None, None


def _doc_files(directory: Path) -> list[Path]:
    """Return the markdown files below ``directory`` (hidden files and dirs skipped), sorted by path."""
    found = []
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() in DOC_SUFFIXES and (path.is_file() or path.is_symlink()):
            found.append(path)
    return sorted(found)


def read_document(path: Path, root: Path, settings: Settings) -> Document:
    """Return the parsed Document of one file under ``root`` (path shown repo-relative); never raises."""
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if not _inside(root, path):
        escape = SprintDocError(shown, None, "symlink points outside the repo")
        return Document(shown, DocKind.UNKNOWN, errors=(escape,))
    try:
        text = read_doc_text(path)
    except SprintDocError as error:
        return Document(shown, DocKind.UNKNOWN, errors=(SprintDocError(shown, error.line, error.what),))
    kind, key = name_hints(path.name, settings)
    return parse_document(text, shown, kind=kind, key=key)


def _key_order(key: str) -> tuple[int, str]:
    """Return the sort order of sprint key ``key`` (``SPR-013`` → (13, "SPR")): by number, then prefix."""
    prefix, _, number = key.rpartition("-")
    return int(number), prefix


def recent_doc_files(files: list[Path], settings: Settings, sprints: int) -> list[Path]:
    """Return the files of the newest ``sprints`` sprint keys (by the naming patterns) plus every file whose name
    gives no key (those are always read: they could be any sprint), sorted by path."""
    keyed: dict[str, list[Path]] = {}
    unkeyed: list[Path] = []
    for path in files:
        _, key = name_hints(path.name, settings)
        if key is None:
            unkeyed.append(path)
        else:
            keyed.setdefault(key, []).append(path)
    newest = sorted(keyed, key=_key_order)[-sprints:] if sprints > 0 else []
    return sorted(unkeyed + [path for key in newest for path in keyed[key]])


def scan_sprint_dir(repo: Path, settings: Settings, recent_sprints: int | None = None) -> list[Document]:
    """Return every sprint doc of ``repo`` parsed (sorted by path); one bad file never stops the others.

    With ``recent_sprints``, only the docs of the newest that many sprint keys (by file name) and the docs whose
    names give no key are parsed: the jobs that look at the last few sprints then cost the same in a repo with
    five hundred sprints as in one with five. Reads only inside the repo: the sprint dir and each file are resolved
    and refused when they escape it. A missing sprint dir gives an empty list.
    """
    root = Path(repo).resolve()
    directory = sprint_dir(root, settings)
    if not directory.is_dir():
        return []
    files = _doc_files(directory)
    if recent_sprints is not None:
        files = recent_doc_files(files, settings, recent_sprints)
    return [read_document(path, root, settings) for path in files]


def load_history(repo: Path, settings: Settings, recent_sprints: int | None = None) -> SprintHistory:
    """Return the SprintHistory of ``repo``'s sprint dir (plans, retros, summaries oldest first, all errors); with
    ``recent_sprints``, of the newest that many sprints only (see :func:`scan_sprint_dir`)."""
    return build_history(scan_sprint_dir(repo, settings, recent_sprints))

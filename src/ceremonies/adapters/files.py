"""The file system: atomic writes, and reading sprint docs with clear errors naming the file."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path, PurePosixPath

from ceremonies.adapters.atomic import write_atomic as write_atomic
from ceremonies.adapters.parse_cache import ParseCache
from ceremonies.config import CONFIG_FILE, DOC_BYTES_CEILING, Settings
from ceremonies.domain.layout import RoleMatch, Unit, classify_path
from ceremonies.domain.managed import is_generated, only_blocks_differ
from ceremonies.domain.model import DocKind, Document, Sprint, SprintHistory
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.errors import ConfigError, HumanEditError, Problem, SprintDocError


def write_repo_file(
    root: str | Path,
    relative: str,
    text: str,
    *,
    tool_wrote: Callable[[bytes], bool] | None = None,
    replace_human: bool = False,
) -> Path:
    """Write ``text`` to ``root/relative`` atomically — only when the file is the tool's to write; return the path.

    This is the one door every job writes docs-repo files through. The file may be written when it does not
    exist; when its first line is the generated mark (a page the tool generates whole); when ``tool_wrote(bytes)``
    says its current bytes are what the tool last wrote there (its record in the git dir, or the bot's last commit
    of it); or when ``text`` differs from it only between managed-block markers. Otherwise it holds a human's text
    and HumanEditError is raised, nothing written — unless ``replace_human`` (``--force``, after a backup).
    """
    target = Path(root) / relative
    if target.exists() and not replace_human:
        current = target.read_bytes()
        shown = current.decode("utf-8", errors="replace")
        if not (
            is_generated(shown) or (tool_wrote is not None and tool_wrote(current)) or only_blocks_differ(shown, text)
        ):
            raise HumanEditError(
                "holds text a human wrote (no generated mark, not what ceremonies last wrote there, and the change "
                "is not confined to managed blocks); not overwritten",
                path=relative,
            )
    return write_atomic(target, text)


# ------------------------------------------------------------------------------------------------ reading sprint docs

MAX_DOC_BYTES = DOC_BYTES_CEILING
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


def read_doc_text(path: Path, limit: int | None = None) -> str:
    """Return the text of the sprint doc at ``path``; raise SprintDocError naming the file when it is unreadable.

    Unreadable means: missing, not a regular file, larger than ``limit`` bytes (``[limits] max_doc_bytes``), binary
    (NUL bytes) or not UTF-8. A UTF-8 BOM is kept (the parser records it); newlines are left as they are.
    """
    path = Path(path)
    return _decode(path, read_doc_bytes(path, limit))


def too_large(size: int, limit: int, what: str = "") -> str:
    """Return the message for an input over the size limit: the size, the limit and the setting that sets it."""
    return (f"{what}too large: {size:,} bytes, over the limit of {limit:,} bytes ([limits] max_doc_bytes in "
            f"{CONFIG_FILE}, at most {DOC_BYTES_CEILING:,})")


def read_doc_bytes(path: Path, limit: int | None = None) -> bytes:
    """Return the bytes of the sprint doc at ``path``; raise SprintDocError naming the file when it is missing,
    not a regular file, larger than ``limit`` (default MAX_DOC_BYTES) or unreadable (see :func:`read_doc_text`)."""
    limit = MAX_DOC_BYTES if limit is None else limit
    try:
        if not path.is_file():
            raise SprintDocError(path, None, "no such file" if not path.exists() else "not a regular file")
        size = path.stat().st_size
        if size > limit:
            raise SprintDocError(path, None, too_large(size, limit))
        return path.read_bytes()
    except OSError as exc:
        raise SprintDocError(path, None, f"cannot read: {exc.strerror or exc}") from None


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


_ROLE_KIND = {"plan": DocKind.PLAN, "retro": DocKind.RETRO, "summary": DocKind.SUMMARY}


def name_hints(name: str, settings: Settings) -> tuple[DocKind | None, str | None]:
    """Return (kind, sprint key) a path (relative to the sprint dir; a bare file name for flat layouts) gives by
    the naming patterns of ``settings.paths``, else (None, None)."""
    found = classify_path(name, settings.paths.role_patterns(), settings.paths.unit_style())
    if found.role is None or found.unit is None:
        return None, None
    return _ROLE_KIND[found.role], found.unit.text


@dataclass(frozen=True)
class Placement:
    """Where one markdown file of the sprint dir stands: its path (repo-relative), the sprint it belongs to by its
    path (None: none), its role by the naming patterns (``plan``/``retro``/``summary``; None: another doc) and,
    for a doc the jobs do not read, why (``not in a sprint folder``, ``template``, ...)."""

    path: Path
    shown: str
    unit: Unit | None
    role: str | None
    why_not: str | None = None

    @property
    def read(self) -> bool:
        """Return True when the jobs parse this file as a sprint doc."""
        return self.why_not is None


_TEMPLATE_PART = re.compile(r"(?i)(^|[/_ -])templates?([/_ .-]|$)")


def _why_not_read(inner: str, found: RoleMatch, configured: bool) -> str | None:
    """Return why a file is not a sprint doc the jobs read (None: it is read)."""
    if found.role is not None and found.unit is not None:
        return None
    if _TEMPLATE_PART.search(inner):
        return "template"
    if not configured:
        return None
    if found.unit is None:
        return "not in a sprint folder and not named like a sprint doc"
    return f"another doc of {found.unit.text} (not its plan, retro or review by the configured names)"


def place_files(repo: Path, settings: Settings, files: list[Path] | None = None) -> list[Placement]:
    """Return where each markdown file under the sprint dir of ``repo`` stands (sorted by path).

    With ``paths.sprint_unit`` set (a layout ``ceremonies init`` found), only the plan, retro and review of each
    sprint are read; every other file is listed with the reason. Without it (the default layout) files whose
    names give no key are read too, as before: they could be any sprint's doc.
    """
    root = Path(repo).resolve()
    directory = sprint_dir(root, settings)
    if files is None:
        files = _doc_files(directory) if directory.is_dir() else []
    configured = settings.paths.sprint_unit is not None
    placed = []
    for path in files:
        inner = path.relative_to(directory).as_posix()
        found = classify_path(inner, settings.paths.role_patterns(), settings.paths.unit_style())
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        placed.append(Placement(path, shown, found.unit, found.role, _why_not_read(inner, found, configured)))
    return placed


def read_document(
    path: Path, root: Path, settings: Settings, placement: Placement | None = None, cache: ParseCache | None = None
) -> Document:
    """Return the parsed Document of one file under ``root`` (path shown repo-relative); never raises.

    The sprint the path names fills in the key and number when the doc itself names none. With ``cache``, a doc
    whose bytes were parsed before (same path, kind and key) is taken from it instead of parsed again.
    """
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if not _inside(root, path):
        escape = SprintDocError(shown, None, "symlink points outside the repo")
        return Document(shown, DocKind.UNKNOWN, errors=(escape,))
    try:
        data = read_doc_bytes(path, settings.limits.max_doc_bytes)
        text = _decode(path, data)
    except SprintDocError as error:
        return Document(shown, DocKind.UNKNOWN, errors=(SprintDocError(shown, error.line, error.what),))
    if placement is None:
        placement = place_files(root, settings, [path])[0]
    kind = _ROLE_KIND.get(placement.role or "")
    unit = placement.unit if placement.role is not None or settings.paths.sprint_unit is not None else None
    key = unit_key(unit, settings) if unit else None
    if cache is not None:
        doc = cache.parse(data, text, shown, kind, key)
    else:
        doc = parse_document(text, shown, kind=kind, key=key)
    return with_unit(doc, unit, key)


def parse_at(text: str, shown: str, settings: Settings) -> Document:
    """Return ``text`` parsed as the doc at the repo-relative path ``shown`` would be (its kind and sprint by the
    naming patterns): how the next run will read a doc that is about to be written there."""
    inner = PurePosixPath(shown).as_posix()
    base = PurePosixPath(settings.paths.sprint_dir.strip("/") or ".").as_posix()
    if base != "." and inner.startswith(base + "/"):
        inner = inner[len(base) + 1 :]
    found = classify_path(inner, settings.paths.role_patterns(), settings.paths.unit_style())
    unit = found.unit if found.role is not None or settings.paths.sprint_unit is not None else None
    key = unit_key(unit, settings) if unit else None
    doc = parse_document(text, shown, kind=_ROLE_KIND.get(found.role or ""), key=key)
    return with_unit(doc, unit, key)


def unit_key(unit: Unit, settings: Settings) -> str:
    """Return the key of a sprint named by a path: spelled by ``paths.sprint_unit`` (``sprint-05``), else as the
    path writes it (``SPR-013``)."""
    if settings.paths.sprint_unit is None:
        return unit.text
    return settings.paths.unit_style().format(unit.number, unit.year)


def with_unit(doc: Document, unit: Unit | None, key: str | None = None) -> Document:
    """Return ``doc`` with the key (``key``, else the unit's text) and number of the sprint its path names where
    the doc names none."""
    if unit is None:
        return doc
    if key is not None:
        unit = Unit(key, unit.number, unit.year)
    sprint, retro, summary = doc.sprint, doc.retro, doc.summary
    if sprint is not None:
        sprint = replace(sprint, key=sprint.key or unit.text, number=sprint.number or unit.label)
        if sprint.name is None:
            sprint = replace(sprint, name=f"Sprint {sprint.number}")
    if retro is not None:
        retro = replace(
            retro, sprint_key=retro.sprint_key or unit.text, sprint_number=retro.sprint_number or unit.label
        )
        if sprint is not None and sprint.retro is not None:
            sprint = replace(sprint, retro=retro)
    if summary is not None:
        summary = replace(summary, key=summary.key or unit.text, number=summary.number or unit.label)
    return replace(doc, sprint=sprint, retro=retro, summary=summary)


def _unit_order(unit: Unit) -> tuple[int, int]:
    """Return the sort order of a sprint unit."""
    return unit.order


def recent_placements(placed: list[Placement], sprints: int) -> list[Placement]:
    """Return the placements of the newest ``sprints`` sprints (by the number their paths give) plus every read
    file whose path gives no sprint (those are always read: they could be any sprint), sorted by path."""
    by_unit: dict[tuple[int, int], list[Placement]] = {}
    unplaced: list[Placement] = []
    for entry in placed:
        if entry.unit is None or (entry.role is None and entry.why_not is None):
            unplaced.append(entry)
        else:
            by_unit.setdefault(_unit_order(entry.unit), []).append(entry)
    newest = sorted(by_unit)[-sprints:] if sprints > 0 else []
    return sorted(unplaced + [entry for key in newest for entry in by_unit[key]], key=lambda entry: entry.path)


def recent_doc_files(files: list[Path], settings: Settings, sprints: int) -> list[Path]:
    """Return the files of the newest ``sprints`` sprint keys (by the naming patterns) plus every file whose name
    gives no key (those are always read: they could be any sprint), sorted by path."""
    placed = [Placement(path, path.name, *_hint_unit(path.name, settings)) for path in files]
    return [entry.path for entry in recent_placements(placed, sprints)]


def _hint_unit(name: str, settings: Settings) -> tuple[Unit | None, str | None]:
    """Return (unit, role) a flat file name gives by the naming patterns (both None when it names no role)."""
    found = classify_path(name, settings.paths.role_patterns(), settings.paths.unit_style())
    return (found.unit, found.role) if found.role is not None else (None, None)


def scan_placed(repo: Path, settings: Settings, recent_sprints: int | None = None) -> list[tuple[Placement, Document]]:
    """Return each read file's placement and parsed Document (see :func:`scan_sprint_dir`); unchanged docs come
    from the repo's parse cache (:mod:`ceremonies.adapters.parse_cache`), which is saved when it changed."""
    root = Path(repo).resolve()
    placed = [entry for entry in place_files(root, settings) if entry.read]
    if recent_sprints is not None:
        placed = recent_placements(placed, recent_sprints)
    cache = ParseCache.for_repo(root)
    read = [(entry, read_document(entry.path, root, settings, entry, cache)) for entry in placed]
    cache.save(root)
    return read


def scan_sprint_dir(repo: Path, settings: Settings, recent_sprints: int | None = None) -> list[Document]:
    """Return every sprint doc of ``repo`` parsed (sorted by path); one bad file never stops the others.

    With ``recent_sprints``, only the docs of the newest that many sprints (by path) and the docs whose paths give
    no sprint are parsed: the jobs that look at the last few sprints then cost the same in a repo with five
    hundred sprints as in one with five. Files :func:`place_files` does not read (templates, other docs of a
    configured layout) are skipped. Reads only inside the repo: the sprint dir and each file are resolved and
    refused when they escape it. A missing sprint dir gives an empty list.
    """
    return [doc for _, doc in scan_placed(repo, settings, recent_sprints)]


def _undated_unplaced(plan: Sprint, units: dict[str, Unit]) -> bool:
    """Return True for a plan with no start date whose path names no sprint: it is never taken as the newest."""
    return plan.start is None and (plan.path or "") not in units


def history_of(placed: list[tuple[Placement, Document]]) -> SprintHistory:
    """Return the history of the parsed docs, plans in sprint order.

    When every plan's path names its sprint (a folder per sprint, ``SPR-013-…`` names), plans are ordered by that
    number (undated plans included: the path places them); otherwise by start date. A plan without dates whose
    path names no sprint (a topic doc that reads like a plan) is put first: it is never the newest plan.
    """
    units = {doc.path: entry.unit for entry, doc in placed if entry.unit is not None and entry.role is not None}
    history = build_history(doc for _, doc in placed)
    plans = list(history.plans)
    if plans and all((plan.path or "") in units for plan in plans):
        plans.sort(key=lambda plan: (units[plan.path or ""].order, plan.start or date.min))
    else:
        plans.sort(key=lambda plan: not _undated_unplaced(plan, units))
    return replace(history, plans=tuple(plans))


def load_history(repo: Path, settings: Settings, recent_sprints: int | None = None) -> SprintHistory:
    """Return the SprintHistory of ``repo``'s sprint dir (plans, retros, summaries oldest first, all errors); with
    ``recent_sprints``, of the newest that many sprints only (see :func:`scan_sprint_dir`)."""
    return history_of(scan_placed(repo, settings, recent_sprints))


# ------------------------------------------------------------------------------------------------ what is there

_SPRINTISH = re.compile(r"(?i)(sprint|retro|iteration|\bspr-\d|planning|review)")
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    "site-packages",
    ".tox",
    ".cache",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ceremonies",
    ".demo",
}
MAX_SURVEY_FILES = 20_000


def sprint_like_files(repo: Path, limit: int = MAX_SURVEY_FILES) -> list[str]:
    """Return the repo-relative paths of markdown files whose path reads like a sprint doc (``sprint``,
    ``retro``, ``SPR-1``, ``planning``, ``review``), sorted; VCS, cache and vendored dirs skipped (``.ai/`` is
    read: teams keep sprint docs there), at most ``limit``
    files looked at (bounded time on a huge repo)."""
    root = Path(repo).resolve()
    found: list[str] = []
    seen = 0
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            seen += 1
            if seen > limit:
                return sorted(found)
            if Path(name).suffix.lower() not in DOC_SUFFIXES:
                continue
            relative = (Path(current) / name).relative_to(root).as_posix()
            if _SPRINTISH.search(relative):
                found.append(relative)
    return sorted(found)


def _common_dir(paths: list[str]) -> str:
    """Return the longest folder all ``paths`` share (``.`` when none)."""
    common = os.path.commonpath(paths) if paths else ""
    if common in paths:
        common = os.path.dirname(common)
    return common or "."


def no_plans_explained(repo: Path, settings: Settings) -> str:
    """Return why no sprint plan was found: what was looked for, what is there instead, how to configure it."""
    root = Path(repo).resolve()
    where = settings.paths.sprint_dir.strip("/") or "."
    looked = f"looked for sprint plans named {settings.paths.plan_pattern!r} under {where}/" + (
        "" if (root / where).is_dir() else " (that folder does not exist)"
    )
    found = sprint_like_files(root)
    if found:
        folder = _common_dir(found)
        instead = f"{len(found)} markdown file(s) under {folder}/ look like sprint docs (e.g. {', '.join(found[:3])})"
    else:
        instead = "no markdown file in the repo looks like a sprint doc"
    return (
        f"no sprint plan found: {looked}; {instead}. Run `ceremonies init --repo {root}` to detect the layout "
        f"and write {CONFIG_FILE} (or set [paths] sprint_dir and plan_pattern by hand)"
    )

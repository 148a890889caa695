"""``ceremonies init``, direct path: look at a team's docs repo, say what was recognised, propose ceremonies.toml.

inspect → infer the layout (where the sprint docs are, how sprints are spelled in paths, which file is a sprint's
plan, retro and review) → read the docs with it (per sprint: plan, retro, review, dates, items, points, actions) →
infer cadence, start rule and time zone from the dated plans → the proposed config text. Writing it is a separate
step (:func:`write_config`), refused when the repo already has one unless forced.
"""

from __future__ import annotations

import itertools
import os
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ceremonies.adapters.files import (
    Placement,
    history_of,
    place_files,
    read_document,
    sprint_like_files,
    write_atomic,
)
from ceremonies.adapters.git import DocsRepo
from ceremonies.config import CONFIG_FILE, Settings, parse_config
from ceremonies.domain.layout import (
    Candidate,
    role_of_name,
    role_patterns_of,
    sprint_candidates,
    style_of,
)
from ceremonies.domain.managed import is_generated
from ceremonies.domain.messages import named_people
from ceremonies.domain.model import Document, Sprint, SprintHistory
from ceremonies.errors import CeremoniesError, GitError
from ceremonies.knowledge import GENERATED_NAMES

DEFAULT_PATTERNS = {"plan": "{key}/plan.md", "retro": "{key}/retrospective.md", "summary": "{key}/review.md"}
_KB_DIRS = (".ai/knowledgebase", "docs/knowledgebase", "docs/knowledge-base", "docs/kb", "knowledgebase", "kb")
_MAX_TEMPLATE_DEPTH = 5


@dataclass
class SprintSeen:
    """What init read about one sprint: its key, the plan/retro/review paths and what they say."""

    key: str
    plan: str | None = None
    retro: str | None = None
    review: str | None = None
    start: str | None = None
    end: str | None = None
    items: int = 0
    points: float = 0.0
    actions: int = 0
    velocity: float | None = None

    def line(self) -> str:
        """Return the one-line text report of this sprint."""
        dates = f"{self.start} → {self.end}" if self.start and self.end else "no dates"
        parts = [
            f"plan {self.plan or '-'} ({dates}, {self.items} items, {self.points:g} SP)",
            f"retro {self.retro or '-'} ({self.actions} actions)",
            f"review {self.review or '-'}" + (f" (velocity {self.velocity:g} SP)" if self.velocity is not None else ""),
        ]
        return f"{self.key}: " + "; ".join(parts)


@dataclass
class InitReport:
    """The recognition report of ``ceremonies init`` and the config it proposes (``to_json()`` is ``--json``)."""

    repo: str
    branch: str | None = None
    sprint_dir: str | None = None
    sprint_unit: str | None = None
    patterns: dict[str, str] = field(default_factory=dict)
    plan_outline: str | None = None
    kb_dir: str | None = None
    kb_generated_dir: str | None = None
    """A sub-folder of kb_dir for the generated pages, proposed when human pages hold their default names."""
    kb_collisions: list[str] = field(default_factory=list)
    cadence_days: int | None = None
    start_rule: str | None = None
    timezone: str | None = None
    numbering: str = "sequence"
    sprint_docs: int = 0
    sprints: list[SprintSeen] = field(default_factory=list)
    not_placed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    config: str = ""
    people: list[str] = field(default_factory=list)
    """Handles and emails the sprint docs name (proposed, commented out, under [slack.people])."""
    config_exists: bool = False
    written: bool = False

    @property
    def recognised(self) -> bool:
        """Return True when a layout with at least one sprint plan was found."""
        return self.sprint_dir is not None and any(sprint.plan for sprint in self.sprints)

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "repo": self.repo,
            "recognised": self.recognised,
            "branch": self.branch,
            "sprint_dir": self.sprint_dir,
            "sprint_unit": self.sprint_unit,
            "patterns": self.patterns,
            "plan_outline": self.plan_outline,
            "kb_dir": self.kb_dir,
            "kb_generated_dir": self.kb_generated_dir,
            "kb_collisions": self.kb_collisions,
            "cadence_days": self.cadence_days,
            "start_rule": self.start_rule,
            "timezone": self.timezone,
            "numbering": self.numbering,
            "sprint_docs": self.sprint_docs,
            "sprints": [vars(sprint) for sprint in self.sprints],
            "not_placed": [{"path": path, "why": why} for path, why in self.not_placed],
            "problems": self.problems,
            "notes": self.notes,
            "config": self.config,
            "people": self.people,
            "config_exists": self.config_exists,
            "written": self.written,
        }

    def text(self) -> str:
        """Return the human-readable recognition report followed by the proposed config."""
        lines = [f"Repo: {self.repo}", f"Branch: {self.branch or '(not a git work tree)'}"]
        if self.sprint_dir is None:
            lines.append("Sprint docs: none recognised")
        else:
            lines += [
                f"Sprint docs: {self.sprint_docs} markdown file(s) under {self.sprint_dir}/, one sprint spelled "
                f"{self.sprint_unit!r} in paths",
                "Files: " + ", ".join(f"{role} {pattern!r}" for role, pattern in self.patterns.items()),
                f"New plans follow: {self.plan_outline or 'the headings of the last plan'}",
                f"Knowledge base: {self.kb_dir or 'not found (the KB job would create the configured kb_dir)'}",
                f"Cadence: {self.cadence_days or '?'} days, start rule {self.start_rule or '?'}, time zone "
                f"{self.timezone or '(not written in the docs; default kept)'}, numbering {self.numbering}",
                f"Sprints ({len(self.sprints)}):",
            ]
            lines += [f"  {sprint.line()}" for sprint in self.sprints]
        if self.not_placed:
            lines.append(f"Not used to plan ({len(self.not_placed)}):")
            lines += [f"  {path}: {why}" for path, why in self.not_placed]
        lines += [f"Problem: {problem}" for problem in self.problems]
        lines += [f"Note: {note}" for note in self.notes]
        lines += ["", f"Proposed {CONFIG_FILE}:", "", self.config.rstrip()]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ layout


def _branch_of(root: Path) -> str | None:
    """Return the checked-out branch of the work tree at ``root`` (None when it is no git work tree)."""
    try:
        with DocsRepo.open(root) as docs:
            return docs.branch
    except GitError:
        return None


def _unit_parent(candidate: Candidate) -> str:
    """Return the folder holding a sprint's folder (or a sprint's file), repo-relative (``.`` for the root)."""
    parts = candidate.path.split("/")
    return "/".join(parts[: candidate.depth]) or "."


def _chosen(candidates: list[Candidate]) -> list[Candidate]:
    """Return the candidates of the layout the repo mostly uses (folder per sprint, or files named per sprint),
    under the folder most of them share."""
    folders = [c for c in candidates if c.folder]
    files = [c for c in candidates if not c.folder]
    pick = folders if len(folders) >= len(files) else files
    parent = Counter(_unit_parent(c) for c in pick).most_common(1)[0][0]
    return [c for c in pick if _unit_parent(c) == parent]


def _relative_to(candidates: list[Candidate], parent: str) -> list[Candidate]:
    """Return ``candidates`` with paths relative to ``parent``."""
    if parent == ".":
        return candidates
    cut = len(parent.split("/"))
    return [
        Candidate(c.prefix, c.sep, c.year_sep, c.digits, c.topic, c.folder, c.path[len(parent) + 1 :], c.depth - cut)
        for c in candidates
    ]


def _template_outline(root: Path, sprint_dir: str) -> str | None:
    """Return the repo-relative path of the team's empty plan form (``templates/plan.md``,
    ``TEMPLATE-sprint/plan.md``), searched in the sprint dir first, then the repo; None when there is none."""
    for base in (root / sprint_dir, root):
        for current, dirs, files in os.walk(base):
            depth = len(Path(current).relative_to(base).parts)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and depth < _MAX_TEMPLATE_DEPTH)
            for name in sorted(files):
                relative = (Path(current) / name).relative_to(root).as_posix()
                if not name.lower().endswith(".md") or "template" not in relative.lower():
                    continue
                if sprint_candidates([relative]):
                    continue  # a sprint's own doc (SPR-013-iteration-template.md), not a blank form
                if role_of_name(name) == "plan" or (role_of_name(name) is None and "plan" in relative.lower()):
                    return relative
    return None


def _kb_dir(root: Path) -> str | None:
    """Return the first knowledge-base folder of the usual names that exists, else None."""
    return next((candidate for candidate in _KB_DIRS if (root / candidate).is_dir()), None)


_GENERATED_DIRS = ("generated", "_generated", "ceremonies-generated")


def _human_pages_at(folder: Path) -> list[str]:
    """Return the default generated page names that human pages (no generated mark) hold in ``folder``."""
    taken = []
    for name in GENERATED_NAMES.values():
        page = folder / name
        if page.is_file() and not is_generated(page.read_bytes()[:200].decode("utf-8", errors="replace")):
            taken.append(name)
    return taken


def kb_generated_dir(root: Path, kb_dir: str) -> tuple[str | None, list[str]]:
    """Return (sub-folder for the generated pages, the names human pages hold in kb_dir): None when nothing collides,
    else the first of ``generated``, ``_generated``, ``ceremonies-generated`` where no human page holds a name."""
    taken = _human_pages_at(root / kb_dir)
    if not taken:
        return None, []
    free = next((sub for sub in _GENERATED_DIRS if not _human_pages_at(root / kb_dir / sub)), None)
    return free, taken


# ------------------------------------------------------------------------------------------------ calendar


def _cadence(plans: list[Sprint]) -> tuple[int | None, str | None]:
    """Return (most common sprint length in days, start rule) of the dated plans; (None, None) without two."""
    dated = [plan for plan in plans if plan.start and plan.end and plan.end > plan.start]
    if not dated:
        return None, None
    spans = [(plan.end - plan.start).days for plan in dated if plan.start and plan.end]
    cadence = int(statistics.mode(spans))
    gaps = [
        (later.start - earlier.end).days for earlier, later in itertools.pairwise(dated) if later.start and earlier.end
    ]
    if not gaps:
        return cadence, None
    return cadence, "previous_end" if statistics.median(gaps) <= 0 else "next_working_day"


def _numbering(plans: list[Sprint], style: str) -> str:
    """Return ``by_year`` when the sprints are numbered within a year (``2026-13`` or a ``{year}`` style)."""
    if "{year}" in style:
        return "by_year"
    numbered = [plan.number for plan in plans if plan.number]
    if numbered and all(len(number.split("-")[0]) == 4 and "-" in number for number in numbered):
        return "by_year"
    return "sequence"


# ------------------------------------------------------------------------------------------------ config text


def _toml_string(value: str) -> str:
    """Return ``value`` as a TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def config_text(report: InitReport) -> str:
    """Return the ceremonies.toml proposed for ``report`` (every key it sets is one init recognised)."""
    lines = [
        "# Written by `ceremonies init` from the docs it found; every key is optional (see ceremonies/config.py).",
        "",
        "[paths]",
        f"sprint_dir = {_toml_string(report.sprint_dir or '.')}",
    ]
    if report.kb_dir:
        lines.append(f"kb_dir = {_toml_string(report.kb_dir)}")
    lines.append(f"sprint_unit = {_toml_string(report.sprint_unit or '')}")
    for role, key in (("plan", "plan_pattern"), ("retro", "retro_pattern"), ("summary", "summary_pattern")):
        lines.append(f"{key} = {_toml_string(report.patterns[role])}")
    lines.append('plan_style = "team"')
    if report.plan_outline:
        lines.append(f"plan_outline = {_toml_string(report.plan_outline)}")
    if report.kb_generated_dir:
        lines += ["", "[kb]", f"generated_dir = {_toml_string(report.kb_generated_dir)}   # human pages hold "
                  + ", ".join(report.kb_collisions) + " in kb_dir"]
    lines += ["", "[sprint]"]
    if report.cadence_days:
        lines.append(f"cadence_days = {report.cadence_days}")
    if report.start_rule:
        lines.append(f"start_rule = {_toml_string(report.start_rule)}")
    if report.timezone:
        lines.append(f"timezone = {_toml_string(report.timezone)}")
    lines.append(f"numbering = {_toml_string(report.numbering)}")
    lines.append('untargeted_actions = "next_sprint"')
    if report.people:
        lines += [
            "",
            "[slack.people]",
            "# Who the docs name -> Slack user id (U…) or user group id (S…), so that owners are notified in Slack.",
            "# Uncomment and fill in; a handle without an entry stays plain text (`ceremonies check` lists them).",
        ]
        lines += [f'# {_toml_string(handle)} = ""' for handle in report.people]
    lines += [
        "",
        "[git]",
        f"# branch = {_toml_string(report.branch or 'main')}   # default: the checked-out branch (a URL: its HEAD)",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ inspect


def _sprints_seen(placed: list[tuple[Placement, Document]], history: SprintHistory) -> list[SprintSeen]:
    """Return one SprintSeen per sprint the paths name, in sprint order."""
    seen: dict[tuple[int, int], SprintSeen] = {}
    for entry, doc in placed:
        if entry.unit is None or entry.role is None:
            continue
        sprint = seen.setdefault(
            entry.unit.order, SprintSeen(doc.sprint.key if doc.sprint and doc.sprint.key else entry.unit.text)
        )
        if entry.role == "plan" and doc.sprint is not None:
            plan = doc.sprint
            sprint.key = plan.key or sprint.key
            sprint.plan, sprint.items, sprint.points = doc.path, len(plan.items), plan.scope_points
            sprint.start = plan.start.isoformat() if plan.start else None
            sprint.end = plan.end.isoformat() if plan.end else None
        elif entry.role == "retro":
            sprint.retro = doc.path
            sprint.actions = len(doc.retro.actions) if doc.retro else 0
        elif entry.role == "summary":
            sprint.review = doc.path
            sprint.velocity = doc.summary.velocity if doc.summary else None
    return [seen[order] for order in sorted(seen)]


def inspect_repo(repo: str | Path) -> InitReport:
    """Return the recognition report of the docs repo at ``repo`` with the config it proposes."""
    root = Path(repo).expanduser().resolve()
    report = InitReport(repo=str(root), branch=_branch_of(root), config_exists=(root / CONFIG_FILE).is_file())
    if report.branch is None:
        report.notes.append("not a git work tree: the jobs need one (or a git URL) to commit and push")
    found = sprint_like_files(root)
    candidates = sprint_candidates(found)
    if not candidates:
        report.problems.append(
            f"no sprint docs recognised: {len(found)} markdown file(s) mention sprint/retro/planning/review in their "
            "path, none names a sprint like 'sprint-05', 'Sprint 3', 'SPR-013' or 'Sprint 2026-13'"
        )
        return report
    chosen = _chosen(candidates)
    parent = _unit_parent(chosen[0])
    relative = _relative_to(chosen, parent)
    report.sprint_dir = parent
    report.sprint_unit = style_of(relative)
    report.patterns = {**DEFAULT_PATTERNS, **role_patterns_of(relative)}
    if not relative[0].folder:
        flat = {role: pattern.split("/", 1)[-1] for role, pattern in DEFAULT_PATTERNS.items()}
        report.patterns = {
            **{r: "{key}-" + p.removeprefix("{key}/") for r, p in flat.items()},
            **role_patterns_of(relative),
        }
    report.plan_outline = _template_outline(root, parent)
    report.kb_dir = _kb_dir(root)
    if report.kb_dir:
        report.kb_generated_dir, report.kb_collisions = kb_generated_dir(root, report.kb_dir)
        if report.kb_collisions and report.kb_generated_dir:
            report.notes.append(f"{', '.join(report.kb_collisions)} in {report.kb_dir} are human pages: the generated "
                                f"pages go to {report.kb_dir}/{report.kb_generated_dir} ([kb] generated_dir)")
    report.config = config_text(report)
    settings = parse_config(report.config, CONFIG_FILE)
    _read_with(root, settings, report)
    report.config = config_text(report)
    parse_config(report.config, CONFIG_FILE)
    return report


def _read_with(root: Path, settings: Settings, report: InitReport) -> None:
    """Read the sprint docs with the proposed ``settings``; fill the sprints, what was not placed and the
    calendar into ``report``."""
    placements = place_files(root, settings)
    report.sprint_docs = len(placements)
    used = [entry for entry in placements if entry.read and entry.unit is not None]
    report.not_placed = [(entry.shown, entry.why_not or "") for entry in placements if not entry.read]
    report.not_placed += [
        (entry.shown, "its path names no sprint") for entry in placements if entry.read and entry.unit is None
    ]
    placed = [(entry, read_document(entry.path, root, settings, entry)) for entry in used]
    history = history_of(placed)
    report.sprints = _sprints_seen(placed, history)
    report.people = list(named_people(doc for _, doc in placed))
    report.problems += [str(error) for _, doc in placed for error in doc.errors]
    report.cadence_days, report.start_rule = _cadence(list(history.plans))
    zones = Counter(plan.timezone for plan in history.plans if plan.timezone)
    report.timezone = zones.most_common(1)[0][0] if zones else None
    report.numbering = _numbering(list(history.plans), report.sprint_unit or "")
    if not any(sprint.plan for sprint in report.sprints):
        report.problems.append(f"no sprint plan found with the names above under {report.sprint_dir}/")


def write_config(report: InitReport, force: bool = False) -> Path:
    """Write the proposed config to the repo root; raise CeremoniesError when one exists and ``force`` is not set
    (an existing config is never overwritten silently)."""
    path = Path(report.repo) / CONFIG_FILE
    if path.exists() and not force:
        raise CeremoniesError("already exists; not overwritten (use --force to replace it)", path=path)
    write_atomic(path, report.config)
    report.written = True
    return path


def relative_posix(path: str) -> str:
    """Return ``path`` as a posix path (for messages)."""
    return PurePosixPath(path).as_posix()

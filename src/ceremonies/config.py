"""Typed settings of a team's docs repo, read from ``ceremonies.toml`` at the repo root.

Every key is optional; the defaults fit the seed team (``.ai/sprint/``, ``.ai/knowledgebase/``, 14-day cadence).
A bad file is reported with *every* bad field at once, each with the file and line.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ceremonies.domain.layout import UnitStyle
from ceremonies.domain.messages import mention_markup
from ceremonies.errors import ConfigError, Problem

CONFIG_FILE = "ceremonies.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathSettings(_Section):
    """Where the team keeps its docs, and how files are named (``{key}`` is the sprint key)."""

    sprint_dir: str = Field(".ai/sprint", description="Sprint docs directory, relative to the repo root.")
    kb_dir: str = Field(".ai/knowledgebase", description="Knowledge base directory, relative to the repo root.")
    plan_pattern: str = Field("{key}-iteration-template.md", description="File name of a sprint plan.")
    retro_pattern: str = Field("{key}-retrospective.md", description="File name of a retrospective.")
    summary_pattern: str = Field("{key}-execution-summary.md", description="File name of an execution summary.")
    sprint_template: str | None = Field(None, description="Team template for new plans (repo-relative).")
    template_dir: str = Field(".ceremonies/templates", description="Team overrides of any default template.")
    sprint_unit: str | None = Field(
        None,
        description="How a sprint is spelled in paths, with {n} its number ({n:02} zero-padded) and {year} when "
        "numbered by year: 'sprint-{n:02}', 'Sprint {n}', 'SPR-{n:03}*' (* = a topic may follow). Set it when "
        "the patterns hold a folder per sprint ('{key}/plan.md'); unset, {key} is any key like SPR-013.",
    )
    plan_style: Literal["template", "team"] = Field(
        "template",
        description="'team': a new plan follows the headings of the team's last plan (or plan_outline); "
        "'template': it is rendered from sprint.md.j2.",
    )
    plan_outline: str | None = Field(
        None, description="Repo-relative team doc (e.g. an empty plan form) whose headings new plans follow."
    )

    @field_validator("plan_pattern", "retro_pattern", "summary_pattern")
    @classmethod
    def _has_key_placeholder(cls, value: str) -> str:
        if "{key}" not in value:
            raise ValueError(f"{value!r} must contain the placeholder {{key}}")
        return value

    @field_validator("sprint_unit")
    @classmethod
    def _has_number_placeholder(cls, value: str | None) -> str | None:
        if value is not None and not re.search(r"\{n(?::0?\d+d?)?\}", value):
            raise ValueError(f"{value!r} must contain the placeholder {{n}} (or {{n:02}})")
        if value is not None and "/" in value:
            raise ValueError(f"{value!r} must be one path segment (no '/')")
        return value

    def unit_style(self) -> UnitStyle:
        """Return how sprints are spelled in paths (any ``ABC-123`` key when ``sprint_unit`` is unset)."""
        return UnitStyle(self.sprint_unit)

    def role_patterns(self) -> dict[str, str]:
        """Return role → file pattern: ``plan``, ``retro``, ``summary``."""
        return {"plan": self.plan_pattern, "retro": self.retro_pattern, "summary": self.summary_pattern}


class SprintSettings(_Section):
    """Cadence, calendar and numbering of sprints."""

    key_prefix: str = Field("SPR", description="Prefix of sprint keys (SPR-013).")
    numbering: Literal["sequence", "by_year"] = Field(
        "sequence",
        description="'by_year': sprint numbers like 2026-26 restart at 01 in a new year (2027-01); "
        "'sequence': the last number just goes up.",
    )
    untargeted_actions: Literal["follow_up", "next_sprint"] = Field(
        "follow_up",
        description="Retro actions that name no sprint: 'next_sprint' makes those of the last retro scope of the "
        "next sprint; 'follow_up' lists them under follow-through.",
    )
    cadence_days: int = Field(14, ge=1, le=70, description="Length of a sprint in calendar days.")
    start_rule: Literal["previous_end", "next_working_day"] = Field(
        "previous_end", description="New sprint starts on the previous end date, or the next working day after it."
    )
    timezone: str = Field("Europe/Berlin", description="IANA time zone of the team.")
    holiday_country: str | None = Field("DE", description="ISO country code for public holidays (holidays pkg).")
    holiday_subdivision: str | None = Field(None, description="State/region code for public holidays.")
    extra_holidays: list[str] = Field(default_factory=list, description="Extra days off, ISO dates.")
    due_within_days: int = Field(3, ge=0, description="Plan the next sprint when the current ends within N days.")
    velocity_window: int = Field(3, ge=1, description="Completed sprints averaged into rolling velocity.")
    history_window: int = Field(
        12, ge=2, description="Newest sprints (by file name) next-sprint and remind read; older docs are not parsed."
    )
    overcommit_warning: float = Field(0.10, ge=0, description="Warn when planned SP exceed velocity by this share.")

    def sprints_to_read(self) -> int:
        """Return how many of the newest sprints next-sprint and remind parse: ``history_window``, and at least the
        velocity window plus the previous, current and next sprint."""
        return max(self.history_window, self.velocity_window + 3)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class CeremonyTimes(_Section):
    """Local start times and lengths of the recurring ceremonies."""

    planning: time = Field(time(10, 0), description="Sprint planning, first day of the sprint.")
    planning_minutes: int = Field(90, ge=5)
    demo: time = Field(time(14, 0), description="Review/demo, demo date or last day of the sprint.")
    demo_minutes: int = Field(60, ge=5)
    retro: time = Field(time(15, 30), description="Retrospective, last day of the sprint.")
    retro_minutes: int = Field(60, ge=5)
    refinement: time = Field(time(14, 0), description="Backlog refinement / mid-sprint checkpoint.")
    refinement_minutes: int = Field(45, ge=5)
    refinement_day: int = Field(4, ge=0, description="Calendar day offset of refinement from sprint start.")
    holiday_policy: Literal["skip", "previous_working_day", "next_working_day", "keep"] = Field(
        "previous_working_day", description="What happens to a ceremony that falls on a holiday or weekend."
    )


class ReminderSettings(_Section):
    """When reminders go out."""

    lead_minutes: list[int] = Field(default_factory=lambda: [60], description="Minutes before each ceremony.")
    day_before_at: time | None = Field(time(16, 0), description="Also remind the working day before, at this time.")
    ceremonies: list[str] = Field(
        default_factory=lambda: ["planning", "demo", "retro"], description="Ceremonies that get reminders."
    )
    horizon_hours: int = Field(48, ge=1, le=24 * 120, description="How far ahead reminders are scheduled.")


class SlackSettings(_Section):
    """Where messages go. The token is never configured here: Prefect Secret block or SLACK_BOT_TOKEN."""

    channel: str = Field("#sprint", description="Channel name or id for reminders and announcements.")
    docs_url: str | None = Field(None, description="Web base URL of the docs repo, for links in messages.")
    people: dict[str, str] = Field(
        default_factory=dict,
        description="Doc handles (@Backend) and owner emails -> Slack user ids (U…) or user group ids (S…).",
    )
    lookup_emails: bool = Field(
        False, description="Look up owners written as emails with users.lookupByEmail (scope users:read.email)."
    )

    @field_validator("people")
    @classmethod
    def _slack_ids(cls, value: dict[str, str]) -> dict[str, str]:
        bad = []
        for handle, slack_id in value.items():
            try:
                mention_markup(slack_id)
            except ValueError as exc:
                bad.append(f"{handle}: {exc}")
        if bad:
            raise ValueError("; ".join(bad))
        return value


class BotSettings(_Section):
    """Git identity of the bot's commits."""

    name: str = Field("ceremonies-bot", description="Commit author/committer name.")
    email: str = Field("ceremonies-bot@users.noreply.localhost", description="Commit author/committer email.")

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
            raise ValueError(f"{value!r} is not an email address")
        return value


class KnowledgeSettings(_Section):
    """Knowledge-base generation."""

    sla_hours: int = Field(24, ge=1, description="Merged work must be reflected in the KB within this time.")
    required_keys: list[str] = Field(
        default_factory=lambda: ["docid", "title", "owner", "status"], description="Frontmatter every page needs."
    )
    generated_dir: str = Field("", description="Sub-directory of kb_dir for generated pages ('' = kb_dir).")
    index_page: str = Field("INDEX.md", description="File name of the generated index.")
    whats_new_page: str = Field("WHATS-NEW.md", description="File name of the generated what's-new page.")
    sprint_history_page: str = Field("SPRINT-HISTORY.md", description="File name of the generated sprint history.")
    health_page: str = Field("DOC-HEALTH.md", description="File name of the generated doc-health page.")

    @field_validator("index_page", "whats_new_page", "sprint_history_page", "health_page")
    @classmethod
    def _plain_markdown_name(cls, value: str) -> str:
        if not re.fullmatch(r"[^/\\]+\.(md|markdown)", value) or value.startswith("."):
            raise ValueError(f"{value!r} must be a markdown file name (no folder; use generated_dir for that)")
        return value

    def page_names(self) -> dict[str, str]:
        """Return generated page key (index, whats_new, sprint_history, health) → file name."""
        return {
            "index": self.index_page,
            "whats_new": self.whats_new_page,
            "sprint_history": self.sprint_history_page,
            "health": self.health_page,
        }


class GitSettings(_Section):
    """The docs repo's branch (default: the checked-out branch, or the remote's HEAD for a URL) and how results
    reach the remote."""

    branch: str | None = Field(None, description="Branch the sprint docs live on; --branch overrides it.")

    @field_validator("branch")
    @classmethod
    def _plain_branch(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or re.search(r"\s|\.\.|[~^:?*\[\\]", value)):
            raise ValueError(f"{value!r} is not a branch name")
        return value

    push_branch: str | None = Field(
        None,
        description="Push each result to this branch instead of the docs branch (for a protected main): "
        "{job} is the job (next-sprint, refresh-kb), {sprint} the sprint key (empty for the KB), e.g. "
        "'ceremonies/{job}/{sprint}'. One branch per job and sprint, reused by re-runs; CI turns it into a merge "
        "request.",
    )

    @field_validator("push_branch")
    @classmethod
    def _plain_push_branch(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or re.search(r"\s|\.\.|[~^:?*\[\\]|@\{", value)):
            raise ValueError(f"{value!r} is not a branch name")
        return value

    def push_target(self, job: str, sprint: str | None = None) -> str | None:
        """Return the remote branch a result of ``job`` (for ``sprint``) is pushed to, or None for the docs branch."""
        if not self.push_branch:
            return None
        name = self.push_branch.replace("{job}", job).replace("{sprint}", sprint or "")
        name = re.sub(r"/{2,}", "/", name).strip("/-")
        return re.sub(r"-{2,}", "-", name)


DOC_BYTES_CEILING = 4 * 1024 * 1024
"""The largest sprint doc or KB page ceremonies reads or writes (4 MiB); ``[limits] max_doc_bytes`` may lower it."""


class LimitSettings(_Section):
    """Input size limits: one per kind of input, named in the error that refuses an input."""

    max_doc_bytes: int = Field(
        DOC_BYTES_CEILING, ge=1024, le=DOC_BYTES_CEILING,
        description="Largest sprint doc or KB page read (and plan written), in bytes.",
    )


class Settings(_Section):
    """All settings of one team's docs repo."""

    paths: PathSettings = Field(default_factory=PathSettings)
    sprint: SprintSettings = Field(default_factory=SprintSettings)
    ceremonies: CeremonyTimes = Field(default_factory=CeremonyTimes)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    kb: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    git: GitSettings = Field(default_factory=GitSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)


def _line_of(text: str, dotted_key: str) -> int | None:
    """Return the 1-based line where the last part of ``dotted_key`` is assigned (best effort), else None."""
    parts = dotted_key.split(".")
    section, leaf = (parts[0], parts[-1]) if len(parts) > 1 else (None, parts[0])
    in_section = section is None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = section is None or stripped.strip("[]").strip() == section
            continue
        if in_section and re.match(rf"{re.escape(leaf)}\s*=", stripped):
            return number
    return None


def parse_config(text: str, path: str | Path = CONFIG_FILE) -> Settings:
    """Return the Settings in ``text``; raise ConfigError naming ``path`` and every bad field with its line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise ConfigError(path, [Problem("(file)", f"not valid TOML: {exc}", line)]) from exc
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"])
            value = error.get("input")
            shown = f" (got {value!r})" if not isinstance(value, dict) else ""
            problems.append(Problem(key, f"{error['msg']}{shown}", _line_of(text, key)))
        raise ConfigError(path, problems) from None


def load_config(repo: str | Path) -> Settings:
    """Return the Settings of the docs repo at ``repo`` (defaults when it has no ``ceremonies.toml``)."""
    path = Path(repo) / CONFIG_FILE
    if not path.is_file():
        return Settings()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [Problem("(file)", f"cannot read: {exc}")]) from exc
    return parse_config(text, path)

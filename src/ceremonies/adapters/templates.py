"""Jinja2 templates: the team's own template dir first, then ceremonies' defaults (sandboxed, StrictUndefined).

Doc text only ever reaches a template as data (a context value), never as template source, so ``{{ }}`` inside a
sprint doc is printed as written and never evaluated.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ceremonies.errors import TemplateError
from ceremonies.resources import shipped_path


def default_template_dir() -> Path:
    """Return ceremonies' own templates dir (inside the installed package, or the checkout's top-level
    ``templates/``; see ceremonies.resources)."""
    return shipped_path("templates")


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """Return (template file, line) of the innermost template frame in ``exc``'s traceback, or (None, None)."""
    where: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".j2"):
            where = (frame.filename, frame.lineno)
    return where


class TemplateRenderer:
    """Renders templates found in ``search_dirs`` (first match wins) in a sandbox with StrictUndefined."""

    def __init__(self, search_dirs: Sequence[Path]) -> None:
        self.search_dirs = [Path(path) for path in search_dirs if Path(path).is_dir()]
        self._env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(path) for path in self.search_dirs]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    @classmethod
    def for_repo(cls, repo: Path, template_dir: str) -> TemplateRenderer:
        """Return a renderer looking in ``repo/template_dir`` first, then in ceremonies' own templates."""
        return cls([Path(repo) / template_dir, default_template_dir()])

    def source_of(self, name: str) -> Path | None:
        """Return the file that template ``name`` is loaded from, or None when no search dir has it."""
        for directory in self.search_dirs:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        return None

    def _load(self, name: str) -> jinja2.Template:
        """Return template ``name``; TemplateError naming the file and line for a syntax error or a missing one."""
        try:
            return self._env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"template syntax error: {exc.message}", path=exc.filename or name, line=exc.lineno
            ) from None
        except jinja2.TemplateNotFound:
            dirs = ", ".join(str(path) for path in self.search_dirs) or "(no template dir exists)"
            raise TemplateError(f"template {name!r} not found in {dirs}", path=name) from None

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Return template ``name`` rendered with ``context``; raise TemplateError naming the template file and line."""
        template = self._load(name)
        try:
            return template.render(**context)
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            path, line = _template_frame(exc)
            raise TemplateError(f"cannot render: {exc}", path=path or template.filename or name, line=line) from None

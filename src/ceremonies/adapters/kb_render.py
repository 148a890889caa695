"""Rendering the generated KB pages from Jinja2 templates (sandboxed, StrictUndefined).

Templates are looked up in the team's template dir first (``settings.paths.template_dir`` inside the docs repo),
then in ceremonies' own ``templates/`` dir. Doc text is passed as data, never evaluated as a template.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ceremonies.errors import TemplateError

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "templates"
"""ceremonies' own templates (the repo's top-level ``templates/`` dir)."""


class KbRenderer:
    """Renders ``kb/<name>.md.j2`` templates from ``search_dirs`` (first match wins)."""

    def __init__(self, search_dirs: Sequence[Path]) -> None:
        dirs = [str(path) for path in search_dirs if Path(path).is_dir()]
        self._env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(dirs),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    @classmethod
    def for_repo(cls, repo: Path, template_dir: str) -> KbRenderer:
        """Return a renderer looking in ``repo/template_dir`` first, then in ceremonies' own templates."""
        return cls([Path(repo) / template_dir, DEFAULT_TEMPLATE_DIR])

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Return template ``kb/<name>.md.j2`` rendered with ``context``; raise TemplateError naming it."""
        template_name = f"kb/{name}.md.j2"
        try:
            template = self._env.get_template(template_name)
            text = template.render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}", path=exc.filename or template_name,
                                line=exc.lineno) from None
        except jinja2.TemplateNotFound:
            raise TemplateError("template not found in the team's template dir nor the defaults",
                                path=template_name) from None
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
            raise TemplateError(f"cannot render: {exc}", path=template_name) from None
        return text.rstrip("\n") + "\n"

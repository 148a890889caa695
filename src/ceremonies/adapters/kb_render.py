"""Rendering the generated KB pages from Jinja2 templates (sandboxed, StrictUndefined).

Templates are looked up in the team's template dir first (``settings.paths.template_dir`` inside the docs repo),
then in ceremonies' own ``templates/`` dir. Doc text is passed as data, never evaluated as a template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ceremonies.adapters.templates import TemplateRenderer, default_template_dir

DEFAULT_TEMPLATE_DIR = default_template_dir()
"""ceremonies' own templates (the repo's top-level ``templates/`` dir)."""


class KbRenderer(TemplateRenderer):
    """Renders ``kb/<name>.md.j2`` templates from the search dirs (first match wins)."""

    @classmethod
    def for_repo(cls, repo: Path, template_dir: str) -> KbRenderer:
        """Return a renderer looking in ``repo/template_dir`` first, then in ceremonies' own templates."""
        return cls([Path(repo) / template_dir, DEFAULT_TEMPLATE_DIR])

    def render_page(self, name: str, context: dict[str, Any]) -> str:
        """Return template ``kb/<name>.md.j2`` rendered with ``context`` (ending in one newline)."""
        return self.render(f"kb/{name}.md.j2", context).rstrip("\n") + "\n"

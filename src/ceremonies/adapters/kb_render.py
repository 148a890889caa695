"""Rendering the generated KB pages from Jinja2 templates (sandboxed, StrictUndefined).

Templates are looked up in the team's template dir first (``settings.paths.template_dir`` inside the docs repo),
then in ceremonies' own ``templates/`` dir. Doc text is passed as data, never evaluated as a template.

ceremonies' own ``kb/index.md.j2`` and ``kb/doc-health.md.j2`` name their parts as blocks (header, folder, page
row; header, stale/issue rows ...): :meth:`KbRenderer.render_block` renders one part, so an incremental refresh
renders only the rows that changed and puts the page together from cached rows (see ``jobs/kb_rows.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from ceremonies.adapters.templates import TemplateRenderer, default_template_dir
from ceremonies.errors import TemplateError

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

    def own_template(self, name: str) -> str | None:
        """Return the text of ``kb/<name>.md.j2`` when it is ceremonies' own (the team does not override it: only
        then is the page's layout of blocks known), else None."""
        source = self.source_of(f"kb/{name}.md.j2")
        if source is None or source.resolve().parent != (DEFAULT_TEMPLATE_DIR / "kb").resolve():
            return None
        return source.read_text(encoding="utf-8")

    def render_block(self, name: str, block: str, context: dict[str, Any]) -> str:
        """Return block ``block`` of template ``kb/<name>.md.j2`` rendered with ``context``; TemplateError naming
        the template when the block is missing or fails."""
        template = self._load(f"kb/{name}.md.j2")
        render = template.blocks.get(block)
        if render is None:
            raise TemplateError(f"template has no block {block!r}", path=template.filename or name)
        try:
            return "".join(render(template.new_context(context)))
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            raise TemplateError(f"cannot render block {block!r}: {exc}", path=template.filename or name) from None

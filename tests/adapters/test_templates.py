"""TemplateRenderer: team templates override the defaults; errors name the template file and line; sandboxed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceremonies.adapters.templates import TemplateRenderer, default_template_dir
from ceremonies.errors import TemplateError


def _dirs(tmp_path: Path, team: dict[str, str], defaults: dict[str, str]) -> list[Path]:
    for root, files in (("team", team), ("defaults", defaults)):
        for name, text in files.items():
            path = tmp_path / root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return [tmp_path / "team", tmp_path / "defaults"]


def test_team_template_wins_over_the_default(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_dirs(tmp_path, {"a.md.j2": "team {{ x }}"}, {"a.md.j2": "default {{ x }}"}))
    assert renderer.render("a.md.j2", {"x": 1}) == "team 1"
    assert renderer.source_of("a.md.j2") == tmp_path / "team" / "a.md.j2"


def test_default_is_used_when_the_team_has_none(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_dirs(tmp_path, {}, {"a.md.j2": "default {{ x }}"}))
    assert renderer.render("a.md.j2", {"x": 2}) == "default 2"


def test_undefined_variable_names_template_file_and_line(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_dirs(tmp_path, {"a.md.j2": "line one\n{{ missing }}\n"}, {}))
    with pytest.raises(TemplateError) as caught:
        renderer.render("a.md.j2", {})
    assert caught.value.line == 2 and "a.md.j2" in str(caught.value) and "missing" in str(caught.value)


def test_syntax_error_names_template_file_and_line(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_dirs(tmp_path, {"a.md.j2": "ok\nok\n{% if %}\n"}, {}))
    with pytest.raises(TemplateError) as caught:
        renderer.render("a.md.j2", {})
    assert caught.value.line == 3 and str(tmp_path / "team" / "a.md.j2") in str(caught.value)


def test_missing_template_lists_where_it_looked(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_dirs(tmp_path, {}, {"b.md.j2": ""}))
    with pytest.raises(TemplateError, match=r"'nope\.md\.j2' not found in .*defaults"):
        renderer.render("nope.md.j2", {})


def test_doc_text_is_data_never_template_source(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_dirs(tmp_path, {"a.md.j2": "{{ title }}"}, {}))
    assert renderer.render("a.md.j2", {"title": "{{ 7 * 7 }} {% raw %}"}) == "{{ 7 * 7 }} {% raw %}"


def test_sandbox_refuses_unsafe_attribute_access(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_dirs(tmp_path, {"a.md.j2": "{{ x.__class__.__mro__ }}"}, {}))
    with pytest.raises(TemplateError, match=r"unsafe|cannot render"):
        renderer.render("a.md.j2", {"x": 1})


def test_default_template_dir_is_the_projects_templates() -> None:
    assert (default_template_dir() / "kb" / "index.md.j2").is_file()

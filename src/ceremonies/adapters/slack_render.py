"""The one way doc and git text reaches Slack: templates under ``templates/slack/`` rendered in a Slack environment.

Every ``{{ value }}`` passes the environment's ``finalize`` step, :func:`slack_finalize`, which escapes ``&``, ``<``
and ``>`` (:func:`ceremonies.domain.messages.escape_slack`) — so ``<!channel>`` in a commit subject or a scope line
shows as written and pings nobody. Only the filters below produce Slack markup, and their output is marked safe
(:class:`SlackSafe`): ``mention`` (a doc handle or email mapped in ``[slack.people]`` becomes ``<@U…>`` or
``<!subteam^S…>``; unmapped ones stay escaped text), ``mentions`` (a list of them, comma-joined), ``slack_date``
(``<!date^epoch^{date_short_pretty} {time}|fallback>``: each reader sees their own local time), ``link``
(``<url|label>``) and a ``join`` that keeps safe items and escapes the rest.

A message template defines Jinja blocks: ``header`` (plain text, at most 150 characters), ``body`` (mrkdwn),
``context`` (a small mrkdwn line at the end), optionally ``button`` (the label of the link button to
``link_url``) and ``fallback`` (the notification text). A team template without blocks is the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ceremonies.adapters.slack_blocks import compose
from ceremonies.adapters.templates import TemplateRenderer, _template_frame, default_template_dir
from ceremonies.config import Settings
from ceremonies.domain.messages import Message, SlackParts, escape_slack, handle_key, mention_markup
from ceremonies.errors import TemplateError

PARTS = ("header", "body", "context", "button", "fallback")
"""The Jinja blocks a Slack message template may define."""


class SlackSafe(Markup):
    """Slack markup we produced ourselves (a mention, date or link): ``finalize`` leaves it as it is.

    Like ``markupsafe.Markup``, but the text it is joined or formatted with is escaped the Slack way (``&``, ``<``,
    ``>`` only), not the HTML way.
    """

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> SlackSafe:
        """Return ``s`` as SlackSafe: safe values as they are, anything else escaped for Slack."""
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(escape_slack(str(s)))


def slack_finalize(value: Any) -> Any:
    """Return what ``{{ value }}`` prints: safe markup as it is, anything else escaped for Slack."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape_slack(str(value))


class People:
    """Doc handles and emails → Slack mentions (from ``[slack.people]``, plus emails looked up in Slack)."""

    def __init__(self, table: Mapping[str, str] | None = None) -> None:
        self._table = {handle_key(handle): mention_markup(value) for handle, value in (table or {}).items()}

    def add(self, handle: str, slack_id: str) -> None:
        """Map one more handle (e.g. an email found with users.lookupByEmail)."""
        self._table[handle_key(handle)] = mention_markup(slack_id)

    def get(self, handle: str) -> str | None:
        """Return the Slack mention of ``handle``, or None when it is not mapped."""
        return self._table.get(handle_key(handle))

    def __contains__(self, handle: object) -> bool:
        return isinstance(handle, str) and handle_key(handle) in self._table


_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def _mention(people: People, handle: Any) -> Any:
    """Return the Slack mention of ``handle`` (safe) when mapped; an unmapped email as a ``mailto:`` link (the
    Slack notifier turns it into a mention when ``lookup_emails`` finds the user); else the handle as text."""
    if hasattr(handle, "__html__"):
        return handle
    found = people.get(str(handle))
    if found:
        return SlackSafe(found)
    email = str(handle).strip()
    if _EMAIL.match(email):
        return SlackSafe(f"<mailto:{email}|{email}>")
    return str(handle)


def _join(values: Iterable[Any], separator: str = "") -> SlackSafe:
    """Return ``values`` joined by ``separator``: safe ones as they are, the others escaped."""
    return SlackSafe(SlackSafe.escape(separator).join(SlackSafe.escape(value) for value in values))


def _epoch(moment: datetime | date | str) -> int:
    """Return epoch seconds of an aware datetime (or an ISO string of one)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return int(moment.timestamp())


def slack_date(moment: datetime | date | str, fallback: Any, token: str = "{date_short_pretty} {time}") -> SlackSafe:
    """Return Slack's date token for ``moment``: each reader sees it in their own time zone; ``fallback`` is shown
    where the token cannot be rendered (and in printed mode)."""
    safe_token = re.sub(r"[|<>^]", "", token)
    return SlackSafe(f"<!date^{_epoch(moment)}^{safe_token}|{SlackSafe.escape(fallback)}>")


def _link(url: Any, label: Any = None) -> Any:
    """Return a Slack link ``<url|label>`` for an http(s) URL; anything else as escaped text."""
    text = str(url)
    if not re.match(r"^https?://[^\s<>|]+$", text):
        return text if label is None else f"{label} ({text})"
    shown = text if label is None else label
    return SlackSafe(f"<{escape_slack(text)}|") + SlackSafe.escape(shown) + SlackSafe(">")


def slack_environment(loader: jinja2.BaseLoader | None, people: People) -> SandboxedEnvironment:
    """Return the Slack rendering environment: sandboxed, StrictUndefined, ``finalize`` escaping every value."""
    env = SandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=slack_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["mention"] = lambda handle: _mention(people, handle)
    env.filters["mentions"] = lambda handles, sep=", ": _join((_mention(people, h) for h in handles), sep)
    env.filters["join"] = _join
    env.filters["slack_date"] = slack_date
    env.filters["link"] = _link
    return env


def _concat(parts: Iterable[str]) -> str:
    return "".join(parts)


def _tidy(text: str) -> str:
    """Return rendered text without trailing spaces and with at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


class SlackRenderer(TemplateRenderer):
    """Renders Slack message templates (team dir first, then the defaults) in the Slack environment."""

    def __init__(self, search_dirs: Sequence[Path], people: People | None = None) -> None:
        super().__init__(search_dirs)
        self.people = people or People()
        self._env = slack_environment(self._env.loader, self.people)

    @classmethod
    def for_settings(cls, repo: Path | None, settings: Settings, people: People | None = None) -> SlackRenderer:
        """Return a renderer for a docs repo (its template dir first) mapping ``[slack.people]`` handles."""
        dirs = [Path(repo) / settings.paths.template_dir] if repo is not None else []
        return cls([*dirs, default_template_dir()], people or People(settings.slack.people))

    def render_parts(self, name: str, context: Mapping[str, Any], header: str = "") -> SlackParts:
        """Return the header, body, context line, button and fallback of template ``name`` rendered with
        ``context`` (``link_url`` in the context is the button's target); ``header`` when the template has none.

        Raises TemplateError naming the template file and line.
        """
        template = self._load(name)
        try:
            ctx = template.new_context(dict(context))
            whole = _concat(template.root_render_func(ctx))  # also collects the blocks of parent templates
            parts = {part: _tidy(_concat(ctx.blocks[part][0](ctx))) for part in PARTS if ctx.blocks.get(part)}
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            path, line = _template_frame(exc)
            raise TemplateError(f"cannot render: {exc}", path=path or template.filename or name, line=line) from None
        body = parts.get("body", _tidy(whole) if not parts else "")
        url = context.get("link_url")
        return SlackParts(
            header=" ".join(parts.get("header", escape_slack(header)).split()),
            body=body,
            context=parts.get("context", ""),
            button_url=str(url) if url and parts.get("button") else None,
            button_label=" ".join(parts.get("button", "").split()),
            fallback=parts.get("fallback", ""),
        )


def render_message(
    renderer: SlackRenderer,
    template: str,
    context: Mapping[str, Any],
    *,
    key: str | None = None,
    post_at: datetime | None = None,
    channel: str | None = None,
    header: str = "",
) -> Message:
    """Return the Slack message of ``template`` rendered with ``context``: Block Kit, fallback, key and time."""
    return compose(renderer.render_parts(template, context, header), key=key, post_at=post_at, channel=channel)

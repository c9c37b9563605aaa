"""Message templates from definitions (``notifications[].template``, ``reminders[].template``).

A template is a short Jinja text rendered in Jinja's sandbox with a small, fixed context
(:data:`CONTEXT_NAMES`): what identifies the record and a link, never record data (an
email leaves the system; the details stay behind sign-in). Two layers keep it safe:

1. **An allowlist, checked when the definition is validated** (and again before every
   render): text, the context names, ``if``/``elif``/``else``, comparisons, ``and``/
   ``or``/``not``, ``~`` joins, string/number constants and the filters in
   :data:`ALLOWED_FILTERS`. No attribute or item access, calls, loops, macros, includes
   or arithmetic: nothing that reaches Python objects or can make huge output.
2. **The sandbox** (:class:`ImmutableSandboxedEnvironment`, strict undefined) renders it,
   refusing unsafe attribute access even if the allowlist were bypassed.

The HTML part is the text part escaped as a whole (the template's own text too: a
definition never puts markup into an email). Flask-free.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any, Literal, overload

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join

log = logging.getLogger(__name__)

# name -> what it holds (documented in docs/app-definitions.md).
CONTEXT_NAMES: dict[str, str] = {
    "app_title": "the app's title",
    "org_name": "the organisation's name",
    "org_ods": "the organisation's ODS code",
    "period": "the period, e.g. April 2025 (empty for apps without periods)",
    "status": "the record's status title, e.g. Approved (empty when there is no record)",
    "due": "the due date, e.g. 10 May 2025 (reminders and overdue only)",
    "event": "what happened: created, submitted, overdue, commented, action:…, state:…, reminder",
    "link": "the address of the record (or of the return to complete)",
    "actor_name": "who acted (empty for scheduled emails)",
    "recipient_name": "the name of the person the email goes to",
}
ALLOWED_FILTERS = frozenset(
    {"capitalize", "default", "d", "lower", "title", "trim", "truncate", "upper"}
)
MAX_TEMPLATE_LENGTH = 2000
MAX_OUTPUT_LENGTH = 5000

_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Concat,
    nodes.Filter,
    nodes.Test,
    nodes.Keyword,
)
_ALLOWED_TESTS = frozenset({"defined", "none", "number", "string", "eq", "ne"})


class MessageTemplateError(ValueError):
    """A template that is not allowed or does not render; the message says why."""


@cache
def sandbox(autoescape: bool) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment templates render in (one per escaping mode)."""
    return ImmutableSandboxedEnvironment(
        autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=False
    )


def template_problem(text: str) -> str | None:
    """Why ``text`` may not be used as a message template, or None if it may."""
    if len(text) > MAX_TEMPLATE_LENGTH:
        return f"is too long: at most {MAX_TEMPLATE_LENGTH} characters"
    return _allowed_problem(text)


# Templates checked and compiled, by their text (at most MAX_TEMPLATE_LENGTH characters
# each): a definition's few templates render on every email, and parsing and compiling
# them each time was about 2 % of a submit. Both are pure functions of the text.
_TEMPLATE_CACHE_SIZE = 256


@lru_cache(maxsize=_TEMPLATE_CACHE_SIZE)
def _allowed_problem(text: str) -> str | None:
    """Whether the parsed ``text`` keeps to the allowlist (see :func:`template_problem`)."""
    env = sandbox(False)
    try:
        tree = env.parse(text)
    except TemplateSyntaxError as exc:
        return f"is not a valid template: {exc.message} (line {exc.lineno})"
    for name in tree.find_all(nodes.Name):  # first: the likeliest mistake, and its fix
        if name.ctx == "load" and name.name not in CONTEXT_NAMES | env.globals.keys():
            names = ", ".join(CONTEXT_NAMES)
            return f"uses the unknown name '{name.name}' (available: {names})"
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            return f"uses {_describe(node)}, which message templates do not allow"
        if isinstance(node, nodes.Name) and node.ctx != "load":
            return "assigns a name, which message templates do not allow"
        if isinstance(node, nodes.Name) and node.name not in CONTEXT_NAMES:
            return f"uses '{node.name}', which message templates do not allow"
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            allowed = ", ".join(sorted(ALLOWED_FILTERS))
            return f"uses the filter '{node.name}' (allowed: {allowed})"
        if isinstance(node, nodes.Test) and node.name not in _ALLOWED_TESTS:
            return f"uses the test '{node.name}' (allowed: {', '.join(sorted(_ALLOWED_TESTS))})"
    return None


def _describe(node: nodes.Node) -> str:
    words = {
        "Getattr": "attribute access (a.b)",
        "Getitem": "item access (a[b])",
        "Call": "a call",
        "For": "a loop",
        "Assign": "an assignment",
        "AssignBlock": "an assignment",
        "Macro": "a macro",
        "Include": "an include",
        "Import": "an import",
        "FromImport": "an import",
        "Extends": "extends",
    }
    name = type(node).__name__
    return words.get(name, f"'{name}'" if name not in ("Add", "Sub", "Mul") else "arithmetic")


@overload
def render_message(text: str, context: Mapping[str, Any], *, html: Literal[True]) -> Markup: ...
@overload
def render_message(text: str, context: Mapping[str, Any], *, html: Literal[False]) -> str: ...
def render_message(text: str, context: Mapping[str, Any], *, html: bool) -> str:
    """Render ``text`` with ``context`` (every name of :data:`CONTEXT_NAMES`; missing ones
    are empty). ``html``: the plain text, escaped as a whole (the template's own text as
    well as the values: markup written into a definition, such as a link, shows as
    text and never becomes a link), line breaks as ``<br>``, returned as
    :class:`Markup`. Raises :class:`MessageTemplateError` for a template that is not
    allowed or fails."""
    problem = template_problem(text)
    if problem is not None:
        raise MessageTemplateError(f"the template {problem}")
    values = {name: context.get(name) or "" for name in CONTEXT_NAMES}
    try:
        rendered = _compiled(text).render(values)
    except Exception as exc:  # anything a template does wrong is the template's error
        raise MessageTemplateError(f"the template failed: {exc}") from exc
    rendered = rendered.strip()[:MAX_OUTPUT_LENGTH]
    if not html:
        return rendered
    return Markup("<br>").join(escape(line) for line in rendered.split("\n"))


@lru_cache(maxsize=_TEMPLATE_CACHE_SIZE)
def _compiled(text: str) -> Template:
    """``text`` compiled in the sandbox (only once :func:`template_problem` allowed it)."""
    return sandbox(False).from_string(text)


def template_issues(raw: Mapping[str, Any]) -> list[Issue]:
    """Definition validation: every ``notifications`` and ``reminders`` template that may
    not be used, at its JSON pointer."""
    issues = []
    for member in ("notifications", "reminders"):
        entries = raw.get(member)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            text = entry.get("template") if isinstance(entry, dict) else None
            if not isinstance(text, str):
                continue
            problem = template_problem(text)
            if problem is not None:
                at = pointer_join(f"/{member}", index, "template")
                issues.append(Issue(at, problem, "bad_template"))
    return issues


def render_messages(
    templates: Sequence[tuple[str, str]], email_context: Mapping[str, Any], recipient_name: str
) -> tuple[str | None, Markup | None]:
    """Render a notification's ``(template, event)`` texts for one recipient: plain text
    and autoescaped HTML, each joined; (None, None) when there are none. A template that
    fails is left out and logged: it must never block what caused the email."""
    texts: list[str] = []
    htmls: list[Markup] = []
    for template, event in templates:
        values = {
            **email_context,
            "status": email_context.get("status_title"),
            "link": email_context.get("url"),
            "event": event,
            "recipient_name": recipient_name,
        }
        try:
            texts.append(render_message(template, values, html=False))
            htmls.append(render_message(template, values, html=True))
        except MessageTemplateError as exc:
            log.warning("notification template for %s not used: %s", event, exc)
    if not texts:
        return None, None
    return "\n\n".join(texts), Markup("<br><br>").join(htmls)

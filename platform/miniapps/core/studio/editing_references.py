"""Where a field is used: other fields' conditions, rules written in JSON, dashboard
widgets and the workflow. A field still in use is not deleted; the refusal names each
place in words ("the condition of “DBS number”")."""

from __future__ import annotations

from typing import Any

from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.studio.editing_base import holder_at, label_of, parent_of
from miniapps.core.studio.field_kinds import data_pattern, property_at

BRANCH_KEYWORDS = ("allOf", "anyOf", "oneOf")
NESTED_KEYWORDS = ("not", "if", "then", "else")


def mentions(condition: Any, tokens: list[str], depth: int = 0) -> bool:
    """Whether a condition (the ``show_if`` language) tested against an object names the
    field at the relative path ``tokens`` (``["about", "name"]``; ``"-"`` for items)."""
    if not isinstance(condition, dict) or not tokens or depth > 30:
        return False
    head, rest = tokens[0], tokens[1:]
    properties = condition.get("properties")
    sub = properties.get(head) if isinstance(properties, dict) else None
    if sub is not None and (not rest or _mentions_below(sub, rest, depth)):
        return True
    named = head in (condition.get("required") or []) or head in (
        condition.get("dependentRequired") or {}
    )
    if named and not rest:
        return True
    for keyword in BRANCH_KEYWORDS:
        if any(mentions(b, tokens, depth + 1) for b in condition.get(keyword) or []):
            return True
    return any(mentions(condition.get(k), tokens, depth + 1) for k in NESTED_KEYWORDS)


def _mentions_below(sub: Any, rest: list[str], depth: int) -> bool:
    if rest[0] == "-":
        if not isinstance(sub, dict):
            return False
        return any(mentions(sub.get(k), rest[1:], depth + 1) for k in ("items", "contains"))
    return mentions(sub, rest, depth + 1)


def _relative(pointer: str, base: str) -> list[str] | None:
    """``pointer``'s tokens below the object ``base``, or None when it is not below it."""
    if base and not (pointer + "/").startswith(base + "/"):
        return None
    return pointer_parts(pointer[len(base) :])


def _under(candidate: Any, pointer: str) -> bool:
    """Whether the pointer ``candidate`` is ``pointer`` or inside it."""
    if not isinstance(candidate, str) or not candidate.startswith("/"):
        return False
    return (data_pattern(candidate) + "/").startswith(pointer + "/")


def field_uses(definition: dict[str, Any], pointer: str) -> list[str]:
    """The places that use the field at ``pointer`` (or a field inside it), in words."""
    pointer = data_pattern(pointer)
    uses = _condition_uses(definition, pointer) + _rule_uses(definition, pointer)
    uses += _widget_uses(definition, pointer) + _workflow_uses(definition, pointer)
    return list(dict.fromkeys(uses))


def _condition_uses(definition: dict[str, Any], pointer: str) -> list[str]:
    uses = []
    for key, entry in ((definition.get("ui") or {}).get("fields") or {}).items():
        if not isinstance(entry, dict) or "show_if" not in entry or _under(key, pointer):
            continue
        tokens = _relative(pointer, parent_of(key))
        if tokens and mentions(entry["show_if"], tokens):
            found = property_at(definition, key)
            name = label_of(found, pointer_parts(data_pattern(key))[-1])
            uses.append(f"the condition of “{name}”")
    return uses


def _rule_uses(definition: dict[str, Any], pointer: str) -> list[str]:
    """``if``/``then``/``else``, ``allOf``, ``dependentRequired`` of any object above it."""
    uses = []
    tokens = pointer_parts(pointer)
    for depth in range(len(tokens)):
        base = "".join(pointer_join("", t) for t in tokens[:depth])
        holder = holder_at(definition, base)
        if holder is None:
            continue
        rules = [holder.get(k) for k in NESTED_KEYWORDS]
        rules += [*(holder.get("allOf") or []), *(holder.get("anyOf") or [])]
        rules += list((holder.get("dependentSchemas") or {}).values())
        rest = tokens[depth:]
        dependent = holder.get("dependentRequired") or {}
        named = len(rest) == 1 and (
            rest[0] in dependent
            or any(isinstance(v, list) and rest[0] in v for v in dependent.values())
        )
        if named or any(mentions(rule, rest) for rule in rules):
            uses.append("a rule written in JSON (if/then/else) in the schema")
    return uses


def _widget_uses(definition: dict[str, Any], pointer: str) -> list[str]:
    uses = []
    widgets = (definition.get("dashboard") or {}).get("widgets") or []
    for widget in widgets if isinstance(widgets, list) else []:
        if not isinstance(widget, dict):
            continue
        named = [widget.get(k) for k in ("field", "group_by", "x", "y")]
        named += list(widget.get("columns") or [])
        used = any(_under(value, pointer) for value in named)
        used = used or mentions(widget.get("where"), pointer_parts(pointer))
        field = widget.get("field")
        if isinstance(field, str) and widget.get("item_where") is not None:
            tokens = _relative(pointer, data_pattern(field) + "/-")
            used = used or bool(tokens and mentions(widget["item_where"], tokens))
        if used:
            uses.append(f"the dashboard widget “{widget.get('title') or widget.get('id')}”")
    return uses


def _workflow_uses(definition: dict[str, Any], pointer: str) -> list[str]:
    workflow = definition.get("workflow")
    if not isinstance(workflow, dict):
        return []
    uses = []
    for step in workflow.get("transitions") or []:
        if not isinstance(step, dict):
            continue
        listed = [*(step.get("requires_fields") or []), *(step.get("fields") or [])]
        if any(_under(p, pointer) for p in listed) or mentions(
            step.get("when"), pointer_parts(pointer)
        ):
            uses.append(f"the workflow step “{step.get('title') or step.get('action')}”")
    for name, state in (workflow.get("states") or {}).items():
        if isinstance(state, dict) and any(
            _under(p, pointer) for p in state.get("requires_fields") or []
        ):
            uses.append(f"the workflow state “{state.get('title') or name}”")
    return uses

"""Conditions (``if``, ``show_if``, a channel's ``when``) and ``required``-like lists
only name fields of the object they are tested against."""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.context import SemanticContext
from miniapps.core.pointers import pointer_join


def _where(data_parent: str) -> str:
    return f" in {data_parent}" if data_parent else ""


def check_names(ctx: SemanticContext, names: Any, at: str, data_parent: str) -> None:
    """Each name in a ``required``-like list is a field of the object at ``data_parent``."""
    known = ctx.children.get(data_parent, set())
    for i, name in enumerate(names if isinstance(names, list) else []):
        if name not in known:
            ctx.add(
                pointer_join(at, i),
                f"there is no field '{name}'{_where(data_parent)}",
                "unknown_field",
            )


def check_condition(
    ctx: SemanticContext, cond: Any, at: str, data_parent: str, depth: int = 0
) -> None:
    """A condition (``if``, ``show_if``) only names fields of the object it is tested against."""
    if not isinstance(cond, dict) or depth > 20:
        return
    known = ctx.children.get(data_parent, set())
    for key, sub in (cond.get("properties") or {}).items():
        here = pointer_join(at, "properties", key)
        if key not in known:
            ctx.add(here, f"there is no field '{key}'{_where(data_parent)}", "unknown_field")
            continue
        child = pointer_join(data_parent, key)
        kind = ctx.fields[child].kind if child in ctx.fields else None
        if kind == "object":
            check_condition(ctx, sub, here, child, depth + 1)
        elif kind == "repeat" and isinstance(sub, dict):
            for keyword in ("items", "contains"):
                item_at = pointer_join(here, keyword)
                check_condition(ctx, sub.get(keyword), item_at, child + "/-", depth + 1)
    check_names(ctx, cond.get("required"), pointer_join(at, "required"), data_parent)
    check_dependent(ctx, cond, at, data_parent)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for i, branch in enumerate(cond.get(keyword) or []):
            check_condition(ctx, branch, pointer_join(at, keyword, i), data_parent, depth + 1)
    for keyword in ("not", "if", "then", "else"):
        check_condition(ctx, cond.get(keyword), pointer_join(at, keyword), data_parent, depth + 1)


def check_dependent(ctx: SemanticContext, node: dict[str, Any], at: str, data_parent: str) -> None:
    known = ctx.children.get(data_parent, set())
    for keyword in ("dependentRequired", "dependentSchemas"):
        for key, value in (node.get(keyword) or {}).items():
            here = pointer_join(at, keyword, key)
            if key not in known:
                ctx.add(here, f"there is no field '{key}'{_where(data_parent)}", "unknown_field")
            if keyword == "dependentRequired":
                check_names(ctx, value, here, data_parent)

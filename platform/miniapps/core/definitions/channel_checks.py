"""Channels make sense: ``when`` and ``sla.urgent_when`` are conditions in the ``show_if``
language naming real fields; the actions that stop clocks exist; the category field
has choices; ``side: stakeholder`` belongs to an app with channels."""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.condition_checks import check_condition
from miniapps.core.definitions.context import SemanticContext
from miniapps.core.forms.conditions import check_condition as unsupported_keywords
from miniapps.core.pointers import pointer_join
from miniapps.core.workflow import DEFAULT_WORKFLOW

CHOICE_KINDS = frozenset({"enum", "boolean", "multi_enum"})


def check_channels(ctx: SemanticContext) -> None:
    channels = ctx.raw.get("channels") or []
    workflow = ctx.raw.get("workflow") or DEFAULT_WORKFLOW
    actions = {t["action"] for t in workflow["transitions"]}
    for i, channel in enumerate(channels):
        at = pointer_join("/channels", i)
        if "when" in channel:
            _check_condition(ctx, channel["when"], pointer_join(at, "when"))
        if "category_field" in channel:
            _check_category(ctx, channel["category_field"], pointer_join(at, "category_field"))
        sla = channel.get("sla") or {}
        if "urgent_when" in sla:
            _check_condition(ctx, sla["urgent_when"], pointer_join(at, "sla", "urgent_when"))
        for member in ("acknowledged_by", "decided_by"):
            for k, action in enumerate(sla.get(member) or []):
                if action not in actions:
                    listed = ", ".join(sorted(actions))
                    ctx.add(
                        pointer_join(at, "sla", member, k),
                        f"there is no workflow action '{action}' (actions: {listed})",
                        "unknown_action",
                    )
    _check_sides(ctx, workflow, bool(channels))


def _check_condition(ctx: SemanticContext, cond: Any, at: str) -> None:
    ctx.issues.extend(unsupported_keywords(cond, at))
    if ctx.schema_ok:
        check_condition(ctx, cond, at, "")


def _check_category(ctx: SemanticContext, pointer: str, at: str) -> None:
    if not ctx.schema_ok:
        return
    found = ctx.find(pointer)
    if found is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
    elif found.kind not in CHOICE_KINDS:
        ctx.add(at, f"{pointer} has no choices to count by (use a field with options)")


def _check_sides(ctx: SemanticContext, workflow: dict[str, Any], has_channels: bool) -> None:
    for i, transition in enumerate(workflow["transitions"]):
        if transition.get("side") != "stakeholder":
            continue
        at = pointer_join("/workflow/transitions", i)
        if not has_channels:
            message = (
                "a stakeholder-side step needs a channel: add 'channels' so that a "
                "stakeholder organisation receives the record"
            )
            ctx.add(pointer_join(at, "side"), message, "needs_channel")
        roles = transition.get("roles")
        if roles is not None and "stakeholder" not in roles:
            message = "a stakeholder-side step is taken by stakeholders: list 'stakeholder'"
            ctx.add(pointer_join(at, "roles"), message, "side_roles")

"""Dashboard widgets' conditions, item counts and durations make sense.

Beside :func:`miniapps.core.definitions.member_checks.check_dashboard` (ids, fields,
columns, groupings, indicators): ``where`` is a condition in the ``show_if`` language
naming top-level fields, ``item_where`` one naming fields of the items of the repeating
section it counts; ``"aggregate": "items"`` needs a repeating section and a widget that
aggregates (metric, chart, map) by org, period or month; a ``duration``'s ``to`` names a
workflow state some step leads into, grouped by org, month or period only; ``from`` and
``to`` belong to durations only. A heatmap's axes and bands, and any widget's
``states``: :mod:`miniapps.core.definitions.heatmap_checks`.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.condition_checks import check_condition
from miniapps.core.definitions.context import SemanticContext, normalise
from miniapps.core.definitions.heatmap_checks import check_heatmap, check_states
from miniapps.core.forms.conditions import check_condition as unsupported_keywords
from miniapps.core.pointers import pointer_join
from miniapps.core.workflow import DEFAULT_WORKFLOW

AGGREGATING = ("metric", "chart", "map")
DURATION_GROUPS = ("org", "month", "period")


def check_widgets(ctx: SemanticContext) -> None:
    workflow = ctx.raw.get("workflow") or DEFAULT_WORKFLOW
    for i, widget in enumerate((ctx.raw.get("dashboard") or {}).get("widgets") or []):
        at = pointer_join("/dashboard/widgets", i)
        kind = widget["type"]
        if "where" in widget:
            if kind == "indicator":
                message = "an indicator widget shows the indicator's own results: remove where"
                ctx.add(pointer_join(at, "where"), message, "not_allowed")
            else:
                _check_condition(ctx, widget["where"], pointer_join(at, "where"), "")
        _check_items(ctx, widget, at)
        check_heatmap(ctx, widget, at)
        check_states(ctx, widget, at, workflow)
        if kind == "duration":
            _check_duration(ctx, widget, at, workflow)
        else:
            for member in ("from", "to"):
                if member in widget:
                    message = "is used only by duration widgets"
                    ctx.add(pointer_join(at, member), message, "not_allowed")


def _check_condition(ctx: SemanticContext, cond: Any, at: str, data_parent: str) -> None:
    ctx.issues.extend(unsupported_keywords(cond, at))
    if ctx.schema_ok:
        check_condition(ctx, cond, at, data_parent)


def _check_items(ctx: SemanticContext, widget: dict[str, Any], at: str) -> None:
    items = widget.get("aggregate") == "items"
    if "item_where" in widget and not items:
        message = 'is used only with "aggregate": "items"'
        ctx.add(pointer_join(at, "item_where"), message, "not_allowed")
    if not items:
        return
    if widget["type"] not in AGGREGATING:
        message = f"a {widget['type']} widget does not count items: use a metric, chart or map"
        ctx.add(pointer_join(at, "aggregate"), message, "not_allowed")
    group = str(widget.get("group_by", ""))
    if group.startswith("/"):
        message = "items are counted by org, period or month, not by a field's answers"
        ctx.add(pointer_join(at, "group_by"), message, "not_allowed")
    if not ctx.schema_ok or "field" not in widget:
        return
    section = ctx.find(widget["field"])
    if section is None:
        return  # check_dashboard says there is no such field
    if section.kind != "repeat":
        message = f"items are counted in a repeating section, but {widget['field']} is not one"
        ctx.add(pointer_join(at, "field"), message, "wrong_kind")
    elif "item_where" in widget:
        item_fields = normalise(section.pointer) + "/-"
        _check_condition(ctx, widget["item_where"], pointer_join(at, "item_where"), item_fields)


def _check_duration(
    ctx: SemanticContext, widget: dict[str, Any], at: str, workflow: dict[str, Any]
) -> None:
    state = widget["to"].removeprefix("state:")
    states = workflow["states"]
    if state not in states:
        listed = ", ".join(states)
        message = f"there is no workflow state '{state}' (states: {listed})"
        ctx.add(pointer_join(at, "to"), message, "unknown_state")
    elif not any(t["to"] == state for t in workflow["transitions"]):
        message = f"no workflow step leads into '{state}', so no record ever reaches it"
        ctx.add(pointer_join(at, "to"), message, "unreachable_state")
    group = widget.get("group_by")
    if group is not None and group not in DURATION_GROUPS:
        message = "a duration is grouped by org, month or period"
        ctx.add(pointer_join(at, "group_by"), message, "not_allowed")

"""A ``heatmap`` widget's axes and bands, and any widget's ``states``, make sense.

A heatmap counts records by two integer answers (likelihood across, impact down): each
axis is a top-level integer field with ``minimum`` and ``maximum`` (a small grid: at most
10 values each); its ``bands`` of the score (x times y) go up and the last one reaches the
highest score, so every cell has a band. ``x``, ``y`` and ``bands`` belong to heatmaps
only. ``states`` (count only records in those workflow states) names states of the
workflow other than the initial one, whose records (drafts) are never counted.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.schema_fields import Field
from miniapps.core.pointers import pointer_join

HEATMAP_ONLY = ("x", "y", "bands")
MAX_AXIS_VALUES = 10


def check_heatmap(ctx: SemanticContext, widget: dict[str, Any], at: str) -> None:
    """The heatmap members of ``widget`` (at ``at``)."""
    if widget["type"] != "heatmap":
        for member in HEATMAP_ONLY:
            if member in widget:
                message = "is used only by heatmap widgets"
                ctx.add(pointer_join(at, member), message, "not_allowed")
        return
    if not ctx.schema_ok:
        return
    axes = [_axis(ctx, widget[name], pointer_join(at, name)) for name in ("x", "y")]
    x, y = axes
    if x is not None and y is not None and "bands" in widget:
        _check_bands(ctx, widget["bands"], pointer_join(at, "bands"), x[1] * y[1])


def _axis(ctx: SemanticContext, pointer: str, at: str) -> tuple[int, int] | None:
    """The axis's (minimum, maximum), or None after saying what is wrong with it."""
    field = ctx.find(pointer)
    if field is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
        return None
    if field.kind != "integer" or "-" in field.pointer.split("/"):
        message = f"a heatmap axis is an integer field with one value per record: {pointer} is not"
        ctx.add(at, message, "wrong_kind")
        return None
    return _bounds(ctx, field, at)


def _bounds(ctx: SemanticContext, field: Field, at: str) -> tuple[int, int] | None:
    low, high = field.schema.get("minimum"), field.schema.get("maximum")
    if not isinstance(low, int) or not isinstance(high, int):
        message = (
            f'{field.pointer} needs a whole "minimum" and "maximum" (1 and 5): they are the '
            "rows or columns of the heatmap"
        )
        ctx.add(at, message, "needs_bounds")
        return None
    count = high - low + 1
    if not 1 <= count <= MAX_AXIS_VALUES:
        message = f"a heatmap axis has 1 to {MAX_AXIS_VALUES} values: {field.pointer} has {count}"
        ctx.add(at, message, "out_of_range")
        return None
    return low, high


def _check_bands(ctx: SemanticContext, bands: list[dict[str, Any]], at: str, top: int) -> None:
    previous = 0
    for i, band in enumerate(bands):
        if band["max"] <= previous:
            message = f"bands go up: this one must end above the band before it ({previous})"
            ctx.add(pointer_join(at, i, "max"), message, "not_ascending")
        previous = max(previous, band["max"])
    if bands and previous < top:
        message = f"the highest score is {top}: the last band must reach it"
        ctx.add(pointer_join(at, len(bands) - 1, "max"), message, "out_of_range")


def check_states(
    ctx: SemanticContext, widget: dict[str, Any], at: str, workflow: dict[str, Any]
) -> None:
    """``states`` names workflow states whose records are counted (not the initial one)."""
    states = workflow["states"]
    for i, state in enumerate(widget.get("states") or []):
        here = pointer_join(at, "states", i)
        if state not in states:
            listed = ", ".join(states)
            ctx.add(
                here, f"there is no workflow state '{state}' (states: {listed})", "unknown_state"
            )
        elif state == workflow["initial"]:
            message = f"records in '{state}' are drafts, which dashboards never count"
            ctx.add(here, message, "not_allowed")

"""The ``heatmap`` widget: records counted by two integer answers (likelihood across,
impact down), each cell banded by its score (x times y).

``data``: ``{"x": {"field", "title", "values"}, "y": {...}, "cells": [{"x", "y", "count",
"score", "band"}], "bands": [{"max", "label", "colour"}], "total"}``, one cell for every
pair of values of the two fields' ranges (``minimum`` to ``maximum``), impact from high
to low and likelihood from low to high; ``band`` is the label of the first band whose
``max`` the score does not exceed. Records whose answers are missing or outside the
ranges are not in any cell (nor in ``total``). One aggregate statement over the widget's
records (the dashboard's scope, periods and filters, then ``where`` and ``states``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from miniapps.core.definitions.schema_fields import Field, find_field
from miniapps.core.pointers import pointer_parts
from miniapps.services.dashboards.declared_figures import Context
from miniapps.services.dashboards.query import NUMBER

# Risk score bands (likelihood x impact) used across the NHS: 1-3 low, 4-6 moderate,
# 8-12 high, 15-25 extreme (no product of two numbers 1-5 lies between the bands).
DEFAULT_BANDS: tuple[dict[str, Any], ...] = (
    {"max": 3, "label": "Low", "colour": "green"},
    {"max": 6, "label": "Moderate", "colour": "yellow"},
    {"max": 12, "label": "High", "colour": "orange"},
    {"max": 25, "label": "Extreme", "colour": "red"},
)


def build_heatmap(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    x_field, y_field = find_field(ctx.schema, spec["x"]), find_field(ctx.schema, spec["y"])
    assert x_field is not None and y_field is not None  # the definition was checked
    bands = [dict(band) for band in spec.get("bands") or DEFAULT_BANDS]
    for band in bands:
        band.setdefault("colour", "grey")
    counts = _counts(ctx, x_field, y_field)
    xs, ys = _values(x_field), _values(y_field)
    cells = []
    for y in reversed(ys):  # the highest impact first, as the grid is read
        for x in xs:
            score = x * y
            count = counts.get((x, y), 0)
            cells.append(
                {"x": x, "y": y, "count": count, "score": score, "band": band_of(bands, score)}
            )
    data = {
        "x": _axis(spec["x"], x_field),
        "y": _axis(spec["y"], y_field),
        "cells": cells,
        "bands": bands,
        "total": sum(counts.get((x, y), 0) for x in xs for y in ys),
    }
    return {"id": spec["id"], "type": spec["type"], "title": spec["title"], "data": data}


def band_of(bands: list[dict[str, Any]], score: int) -> str | None:
    """The label of the first band reaching ``score`` (None above the last)."""
    for band in bands:
        if score <= band["max"]:
            return str(band["label"])
    return None


def _values(field: Field) -> list[int]:
    return list(range(int(field.schema["minimum"]), int(field.schema["maximum"]) + 1))


def _axis(pointer: str, field: Field) -> dict[str, Any]:
    return {"field": pointer, "title": field.title, "values": _values(field)}


def _counts(ctx: Context, x_field: Field, y_field: Field) -> dict[tuple[int, int], int]:
    query = ctx.query
    source, document = query.walk([])
    x = query.read(document, pointer_parts(x_field.pointer))
    y = query.read(document, pointer_parts(y_field.pointer))
    rows = query.session.execute(
        select(x.number, y.number, func.count())
        .select_from(source)
        .where(*query.conditions, x.kind == NUMBER, y.kind == NUMBER)
        .group_by(x.number, y.number)
    )
    counts: dict[tuple[int, int], int] = {}
    for x_value, y_value, count in rows:
        if float(x_value).is_integer() and float(y_value).is_integer():
            key = (int(x_value), int(y_value))
            counts[key] = counts.get(key, 0) + int(count)
    return counts

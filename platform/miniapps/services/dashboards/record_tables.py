"""Declared widgets for someone who sees an app's figures beyond the records they may read.

An app's ``permissions.dashboard`` lets roles see its aggregate figures (counts, charts,
durations) over their usual scope without reading its records
(:data:`~miniapps.services.permissions.DASHBOARD`). A ``table`` widget is not a figure: it
lists records' answers. For such a user it lists only the records they may read (the
dashboard's query, also within :meth:`~miniapps.services.permissions.Access.org_clause`
for reading), and its data says so in ``restricted``; when they may read none of the
app's records it lists none and says why. Everyone else (every app without
``permissions.dashboard``) gets :func:`declared_widgets` unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from miniapps.models import App
from miniapps.services.dashboards.declared import Context, declared_widgets
from miniapps.services.permissions import READ, Access

RECORD_LISTS = ("table",)  # declared widget types that list records rather than count them
READ_ONLY_NOTE = "Only the records you may read are listed."


def none_readable_note(app: App) -> str:
    return f"You see the figures of {app.title} here, not its records, so no records are listed."


def widgets_for(
    access: Access, app: App, ctx: Context, specs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The declared widgets of ``specs`` in order, tables limited to what ``access`` reads."""
    if not access.counts_beyond_reading(app):
        return declared_widgets(ctx, specs)
    reads_any = access.may_list_records(app)
    readable = copy.copy(ctx.query)
    readable.conditions = [*ctx.query.conditions, access.org_clause(READ, app)]
    # Its own memo: ids matched by a ``where`` over fewer records must not be reused by
    # the figures.
    reading = dataclasses.replace(ctx, query=readable, memo={})
    widgets: list[dict[str, Any]] = []
    for spec in specs:
        if spec["type"] not in RECORD_LISTS:
            widgets.extend(declared_widgets(ctx, [spec]))
            continue
        if reads_any:
            widget = declared_widgets(reading, [spec])[0]
            widget["data"]["restricted"] = READ_ONLY_NOTE
        else:
            widget = declared_widgets(reading, [{**spec, "limit": 0}])[0]
            widget["data"]["restricted"] = none_readable_note(app)
        widgets.append(widget)
    return widgets

"""Channel items counted by their channel's ``category_field``: the record's answer at
that pointer, shown by its option title where the schema gives one (``An adult at
risk``), ``Yes``/``No`` for a yes/no field.

Each channel names its own field, so items are counted per app and field, in SQL,
through the dashboard engine's typed JSON reading
(:class:`~miniapps.services.dashboards.query.WidgetQuery`), then added up by title: two
channels counting the same field share rows. A multi-select answer counts once for each
option chosen. Items whose record has no answer are counted as "No answer"; items of a
channel without a category field are only counted (``uncategorised``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from miniapps.core.channels.definition import Channel, channels_of
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, find_field
from miniapps.models import App, ChannelItem, Record
from miniapps.services.dashboards.filters import choices_of
from miniapps.services.dashboards.widgets import WidgetQuery, counted_kinds, value_counts_widget
from miniapps.services.definitions import app_definition

NO_ANSWER = "No answer"


class AppDefinitions:
    """The latest definitions of the apps items belong to, each read once per request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._apps: dict[str, App] = {}
        self._definitions: dict[str, AppDefinition] = {}

    def app(self, app_id: str) -> App:
        if app_id not in self._apps:
            app = self.session.get(App, app_id)
            assert app is not None, f"channel items of a missing app {app_id}"
            self._apps[app_id] = app
        return self._apps[app_id]

    def definition(self, app_id: str) -> AppDefinition:
        if app_id not in self._definitions:
            self._definitions[app_id] = app_definition(self.session, self.app(app_id))
        return self._definitions[app_id]

    def channel(self, app_id: str, channel_id: str) -> Channel | None:
        """The channel as the app's latest version declares it (None once dropped)."""
        found = channels_of(self.definition(app_id).channels)
        return next((channel for channel in found if channel.id == channel_id), None)

    def channel_title(self, app_id: str, channel_id: str) -> str:
        channel = self.channel(app_id, channel_id)
        return channel.title if channel is not None else channel_id


def category_counts(
    session: Session,
    definitions: AppDefinitions,
    conditions: Sequence[ColumnElement[bool]],
    by_channel: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """``{"counts": [{"category", "items"}], "uncategorised"}`` for the items passing
    ``conditions``; ``by_channel`` gives each (app, channel)'s item count."""
    groups: dict[tuple[str, str], list[str]] = {}  # (app, pointer) -> channels
    totals: dict[tuple[str, str], int] = {}
    fields: dict[tuple[str, str], Field] = {}
    uncategorised = 0
    for row in by_channel:
        app_id, channel_id = row["app_id"], row["channel"]
        channel = definitions.channel(app_id, channel_id)
        pointer = channel.category_field if channel is not None else None
        field = find_field(definitions.definition(app_id).schema, pointer) if pointer else None
        if field is None:
            uncategorised += row["items"]
            continue
        key = (app_id, field.pointer)
        groups.setdefault(key, []).append(channel_id)
        totals[key] = totals.get(key, 0) + row["items"]
        fields[key] = field
    counts: dict[str, int] = {}
    for key, channel_ids in groups.items():
        app_id = key[0]
        where = [*conditions, ChannelItem.app_id == app_id, ChannelItem.channel.in_(channel_ids)]
        answered = _count_answers(session, app_id, fields[key], where, counts)
        if answered < totals[key]:
            counts[NO_ANSWER] = counts.get(NO_ANSWER, 0) + totals[key] - answered
    if NO_ANSWER in counts:  # last, whatever order the groups came in
        counts[NO_ANSWER] = counts.pop(NO_ANSWER)
    listed = [{"category": title, "items": items} for title, items in counts.items()]
    return {"counts": listed, "uncategorised": uncategorised}


def _count_answers(
    session: Session,
    app_id: str,
    field: Field,
    where: Sequence[ColumnElement[bool]],
    counts: dict[str, int],
) -> int:
    """Add the items' answers to ``field`` to ``counts`` by title; returns how many
    items have an answer."""
    source, value = WidgetQuery(session, app_id, true()).values(field)
    answers = (
        select(ChannelItem.id.label("item"), value.kind.label("kind"), value.text.label("text"))
        .select_from(source.join(ChannelItem, ChannelItem.record_id == Record.id))
        .where(*where, value.kind.in_(counted_kinds(field)))
        .subquery()  # group on named columns: PostgreSQL will not match repeated bind params
    )
    rows = session.execute(
        select(answers.c.kind, answers.c.text, func.count()).group_by(
            answers.c.kind, answers.c.text
        )
    ).all()
    titles = dict(choices_of(field))
    for text, items in value_counts_widget(field, rows)["data"]["counts"].items():
        title = titles.get(text, text)
        counts[title] = counts.get(title, 0) + items
    answered = session.scalar(select(func.count(func.distinct(answers.c.item))))
    return int(answered or 0)

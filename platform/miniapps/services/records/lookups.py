"""The database side of fields that name other rows: the options a form offers for them
(:data:`LOOKUPS`, by widget) and what the record page shows of the rows they name.

Options carry no patient data: a practice by name and ODS code, a record by its
reference (the record number) and the day it was submitted, a person (the ``person``
widget) by the name and role of one of the organisation's own staff. Only records the
user may see are offered or linked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_fields import Field, find_field
from miniapps.core.forms.lookup_fields import LookupChoices
from miniapps.core.pointers import pattern_values
from miniapps.core.records.date_bounds import LONDON
from miniapps.core.records.references import ORGANISATION_WIDGET, RECORD_WIDGET, record_of
from miniapps.core.records.references import references as reference_fields
from miniapps.models import App, Organisation, Record
from miniapps.services.permissions import Access, is_targeted
from miniapps.services.records.people import PERSON_WIDGET, person_choices
from miniapps.services.records.references import pcn_practices

# Most recent records offered by a record widget (older ones: type no id; the API takes any).
RECORD_CHOICES = 200

Lookup = Callable[[Session, Access, Field, Organisation], LookupChoices]


def organisation_choices(
    session: Session, access: Access, field: Field, org: Organisation
) -> LookupChoices:
    """The other practices of ``org``'s PCN."""
    practices = pcn_practices(session, org)
    return LookupChoices(
        [(p.ods, f"{p.name} ({p.ods})") for p in practices],
        prompt="Select a practice",
        empty=f"{org.name} has no other practices in its PCN to choose.",
    )


def record_choices(
    session: Session, access: Access, field: Field, org: Organisation
) -> LookupChoices:
    """``org``'s submitted records of the app the field links to that the user may see,
    newest first."""
    app_id = record_of(field) or ""
    app = session.get(App, app_id)
    if app is None or app.status != "published" or not is_targeted(session, app_id, org):
        name = app.title if app is not None else app_id.replace("_", " ").capitalize()
        return LookupChoices(
            prompt="No record to link",
            empty=f"{name} is not used at {org.name}, so there is nothing to link here.",
        )
    rows = session.scalars(
        select(Record)
        .join(Organisation, Record.organisation_id == Organisation.id)
        .where(
            Record.app_id == app.id,
            Record.organisation_id == org.id,
            Record.status != "draft",
            access.record_clause(app),
        )
        .order_by(Record.submitted_at.desc(), Record.id.desc())
        .limit(RECORD_CHOICES)
    )
    return LookupChoices(
        [(str(r.id), record_label(app, r)) for r in rows.unique()],
        prompt=f"Select a {app.title} record",
        empty=f"There are no submitted {app.title} records at {org.name} that you can see.",
    )


LOOKUPS: dict[str, Lookup] = {
    ORGANISATION_WIDGET: organisation_choices,
    RECORD_WIDGET: record_choices,
    PERSON_WIDGET: person_choices,
}


def field_lookups(
    session: Session, access: Access, definition: AppDefinition, org: Organisation | None
) -> dict[str, LookupChoices]:
    """The options of every field of ``definition`` whose widget takes them from the
    database, by field pattern, for a record of ``org`` (none without an organisation)."""
    found: dict[str, LookupChoices] = {}
    for pointer, spec in (definition.ui.get("fields") or {}).items():
        lookup = LOOKUPS.get(str(spec.get("widget"))) if isinstance(spec, dict) else None
        field = find_field(definition.schema, pointer) if lookup is not None else None
        if lookup is not None and field is not None:
            found[field.pointer] = (
                lookup(session, access, field, org) if org is not None else LookupChoices()
            )
    return found


def record_label(app: App, record: Record) -> str:
    """``Incident reporting record 12, submitted 3 March 2026``: no answers in it."""
    label = f"{app.title} record {record.id}"
    if record.submitted_at is not None:
        day = _london(record.submitted_at).strftime("%-d %B %Y")
        label += f", submitted {day}"
    return label


def _london(moment: datetime) -> datetime:
    """A stored time (naive: UTC) in London."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON)


def references_panel(
    session: Session, access: Access, app: App, record: Record, definition: AppDefinition
) -> dict[str, Any] | None:
    """The record page's panel: the organisation the record is about and the records it
    links to (``{"rows": [{"label", "text", "app_id", "record_id"}]}``, a link only to a
    record the user may see); None when it names none."""
    rows: list[dict[str, Any]] = []
    for ref in reference_fields(definition.schema, definition.ui, definition.subject):
        for _, value in pattern_values(record.data, ref.pattern):
            if ref.target == ORGANISATION_WIDGET:
                rows.append(_organisation_row(session, ref.title, value))
            else:
                rows.append(_record_row(session, access, ref.title, ref.target, value))
    return {"rows": rows} if rows else None


def _organisation_row(session: Session, title: str, value: Any) -> dict[str, Any]:
    org = session.scalar(select(Organisation).where(Organisation.ods == str(value)))
    text = f"{org.name} ({org.ods})" if org is not None else str(value)
    return {"label": title, "text": text, "app_id": None, "record_id": None}


def _record_row(
    session: Session, access: Access, title: str, app_id: str, value: Any
) -> dict[str, Any]:
    linked = session.get(Record, value) if isinstance(value, int) else None
    app = session.get(App, app_id)
    if linked is None or app is None or linked.app_id != app_id:
        return {"label": title, "text": f"Record {value}", "app_id": None, "record_id": None}
    if not access.can_see_record(linked, app):
        text = f"{app.title} record {linked.id} (you cannot open it)"
        return {"label": title, "text": text, "app_id": None, "record_id": None}
    return {
        "label": title,
        "text": record_label(app, linked),
        "app_id": app.id,
        "record_id": linked.id,
    }

"""Fields naming another organisation or record (:mod:`miniapps.core.records.references`):
the checks that need the database, run on every write path (``DATA_CHECKS``), and the
upkeep of ``Record.subject_id`` (``UPKEEP``).

* An organisation (the ``subject`` field, or any field shown with the ``organisation``
  widget) must be an active practice of the writer's PCN, and not the writer itself (a
  practice cannot peer review itself).
* A record link (``x-record-of``) must name a submitted record of that app at the same
  organisation; where the app is not published to the organisation the field takes no
  value at all.

Only values that are new or changed are checked: a record saved again after its subject
left the PCN, or after the linked app was withdrawn, keeps what it was written with.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import Issue
from miniapps.core.pointers import pattern_values, value_at
from miniapps.core.records.references import ORGANISATION_WIDGET, Reference, references
from miniapps.models import App, Organisation, Record
from miniapps.services.permissions import is_targeted
from miniapps.services.records.write import Write


def pcn_of(org: Organisation) -> Organisation | None:
    """The PCN ``org`` belongs to (itself for a PCN), or None."""
    if org.type == "pcn":
        return org
    parent = org.parent
    return parent if parent is not None and parent.type == "pcn" else None


def pcn_practices(session: Session, org: Organisation) -> list[Organisation]:
    """The active practices of ``org``'s PCN other than ``org``, by name."""
    pcn = pcn_of(org)
    if pcn is None:
        return []
    query = select(Organisation).where(
        Organisation.parent_id == pcn.id,
        Organisation.type == "practice",
        Organisation.active,
        Organisation.id != org.id,
    )
    return list(session.scalars(query.order_by(Organisation.name)))


def reference_issues(session: Session, write: Write) -> list[Issue]:
    """Every organisation or record a write names that it may not (see the module)."""
    definition = write.definition
    stored = write.record.data if write.record is not None else None
    issues: list[Issue] = []
    for ref in references(definition.schema, definition.ui, definition.subject):
        for pointer, value in pattern_values(write.data, ref.pattern):
            if stored is not None and value_at(stored, pointer) == value:
                continue
            if ref.target == ORGANISATION_WIDGET:
                message = _organisation_problem(session, write.org, ref, value)
            else:
                message = _record_problem(session, write.org, ref, value)
            if message is not None:
                issues.append(Issue(pointer, message, "reference"))
    return issues


def _organisation_problem(
    session: Session, writer: Organisation, ref: Reference, value: Any
) -> str | None:
    code = str(value)
    if code == writer.ods:
        if ref.is_subject:
            return f"{ref.title}: a practice cannot peer review itself"
        return f"{ref.title}: choose a practice other than your own"
    if code in {o.ods for o in pcn_practices(session, writer)}:
        return None
    return f"{ref.title}: {value} is not a practice of your PCN"


def _record_problem(
    session: Session, writer: Organisation, ref: Reference, value: Any
) -> str | None:
    app = session.get(App, ref.target)
    if app is None or app.status != "published" or not is_targeted(session, app.id, writer):
        name = app.title if app is not None else ref.target.replace("_", " ").capitalize()
        return f"{ref.title}: {name} is not used at {writer.name}, so leave this empty"
    linked = session.get(Record, value) if isinstance(value, int) else None
    if (
        linked is None
        or linked.app_id != app.id
        or linked.organisation_id != writer.id
        or linked.status == "draft"
    ):
        return f"{ref.title}: {writer.name} has no submitted {app.title} record {value}"
    return None


def keep_subject(session: Session, record: Record, definition: AppDefinition) -> None:
    """``record.subject_id``: the organisation its subject field names (None without)."""
    subject = definition.subject
    if subject is None:
        if record.subject_id is not None:
            record.subject_id = None
        return
    value = value_at(record.data, subject["field"])
    code = value if isinstance(value, str) and value else None
    found = (
        session.scalar(select(Organisation.id).where(Organisation.ods == code))
        if code is not None
        else None
    )
    if record.subject_id != found:
        record.subject_id = found

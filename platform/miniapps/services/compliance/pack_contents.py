"""What an inspection pack holds for one practice: which apps, which of their records,
which attached files. Reads only.

* **Apps**: every published app whose latest definition maps records to the framework
  with ``evidence``, the framework's home app (``compliance``), and the rest of the home
  app's bundle: apps whose id starts like the home app's (``cqc_compliance`` →
  ``cqc_...``, the bundle's naming rule). Kept when targeted at the practice or holding
  records of it.
* **Records**: submitted (not drafts, not superseded duplicates), made or submitted in
  the window, of the practice or about it (``subject_id``), and visible through the
  caller's :class:`Access` (the platform, for the command line, sees them all).
* **Attachments**: the files the records' answers cite (an attachment's id held in the
  data), of the record's app and organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from miniapps.core.exports.records import ExportItem
from miniapps.models import App, AppVersion, Attachment, Organisation, Record, User
from miniapps.services.permissions import Access, is_targeted

# Attachment ids are UUIDs (see AttachmentStore.save); anything else in the data is not one.
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class PackApp:
    app: App
    title: str
    home: bool  # the framework's home app (its compliance view)


def pack_apps(
    session: Session, framework_id: str, org: Organisation, home_app_id: str | None = None
) -> list[PackApp]:
    """The apps whose records go into ``org``'s pack for ``framework_id``: the home app
    first, then by id."""
    latest = {
        row.app_id: row.definition
        for row in session.scalars(
            select(AppVersion)
            .join(App, App.id == AppVersion.app_id)
            .where(App.latest_version > 0, AppVersion.version == App.latest_version)
        )
    }
    homes = {
        app_id
        for app_id, raw in latest.items()
        if (raw.get("compliance") or {}).get("framework") == framework_id
    }
    if home_app_id is not None and home_app_id in latest:
        homes.add(home_app_id)
    prefixes = tuple(f"{home.split('_')[0]}_" for home in homes if "_" in home)
    chosen = [
        app_id
        for app_id, raw in latest.items()
        if app_id in homes
        or app_id.startswith(prefixes)
        or any(e.get("framework") == framework_id for e in raw.get("evidence") or [])
    ]
    held = _apps_with_records(session, chosen, org)
    apps = []
    for app_id in sorted(chosen, key=lambda a: (a not in homes, a)):
        app = session.get(App, app_id)
        if app is not None and (app_id in held or is_targeted(session, app_id, org)):
            apps.append(
                PackApp(app, str(latest[app_id].get("title") or app.title), app_id in homes)
            )
    return apps


def _apps_with_records(session: Session, app_ids: list[str], org: Organisation) -> set[str]:
    if not app_ids:
        return set()
    query = select(Record.app_id).where(
        Record.app_id.in_(app_ids), _of_or_about(org), Record.status != "draft"
    )
    return set(session.scalars(query.distinct()))


def _of_or_about(org: Organisation) -> Any:
    return or_(Record.organisation_id == org.id, Record.subject_id == org.id)


def record_stamp() -> Any:
    """When a record counts from: submitted, else made (imported records are submitted)."""
    return func.coalesce(Record.submitted_at, Record.created_at)


def pack_records(
    session: Session,
    access: Access,
    app: App,
    org: Organisation,
    since: datetime,
    now: datetime,
) -> list[ExportItem]:
    """``(record, ODS, organisation name, submitter name)`` for the export writers: the
    records of ``app`` in ``org``'s pack, oldest first."""
    stamp = record_stamp()
    query = (
        select(Record, Organisation.ods, Organisation.name, User.name)
        .join(Organisation, Record.organisation_id == Organisation.id)
        .outerjoin(User, Record.created_by_id == User.id)
        .where(
            Record.app_id == app.id,
            _of_or_about(org),
            Record.status != "draft",
            Record.superseded.is_(False),
            stamp >= since,
            stamp <= now,
            access.record_clause(app),
        )
        .order_by(stamp, Record.id)
    )
    return [
        (record, ods, name, submitter) for record, ods, name, submitter in session.execute(query)
    ]


def record_attachments(
    session: Session, app_id: str, records: Sequence[Record]
) -> dict[int, list[Attachment]]:
    """Record id → the attachments its answers cite, in the order cited."""
    cited: dict[int, list[str]] = {}
    for record in records:
        ids = list(dict.fromkeys(_uuid_strings(record.data)))
        if ids:
            cited[record.id] = ids
    wanted = sorted({i for ids in cited.values() for i in ids})
    found: dict[str, Attachment] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(Attachment).where(Attachment.app_id == app_id, Attachment.id.in_(chunk))
        found.update((a.id, a) for a in session.scalars(query))
    owners = {record.id: record.organisation_id for record in records}
    # An id is the record's file only when the attachment was uploaded for the record's
    # own organisation: data naming another practice's file never brings it in.
    return {
        record_id: attached
        for record_id, ids in cited.items()
        if (
            attached := [
                found[i]
                for i in ids
                if i in found and found[i].organisation_id == owners[record_id]
            ]
        )
    }


def _uuid_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if _UUID.match(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _uuid_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _uuid_strings(item)

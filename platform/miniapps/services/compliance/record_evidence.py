"""Records as compliance evidence: the ``records`` source of :data:`SOURCES`.

A submitted record (any state after draft, not a superseded duplicate) of an app whose
definition (the version the record was made with) maps it with ``evidence`` counts for
the statements named there or held in its ``statements_field``, in the category named
or held in its ``category_field``, when it matches ``when``. It belongs to the
organisation the record is about when the app declares ``subject``, else to its own.
Its owner is whoever last submitted it (from the audit trail; else its creator).

One statement for all mapped apps and organisations, selecting only the columns an item
needs (a year of a PCN's evidence is tens of thousands of rows): a record's ``data`` only
for the versions whose mappings read it, the submitter joined from one aggregate of the
audit trail. What depends on the version alone (its entries, whose organisation owns the
record) is worked out once per version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.forms.condition_language import matches
from miniapps.core.pointers import value_at
from miniapps.core.workflow import Workflow
from miniapps.models import AppVersion, AuditEntry, Organisation, Record, User
from miniapps.services.compliance.source_types import EvidenceItem, SourceBase

# Mapping members that read a record's data: a version with none of them never loads it.
READS_DATA = ("when", "statements_field", "category_field", "title_field")


@dataclass(frozen=True)
class _Entry:
    """One ``evidence`` entry of a version, with what does not depend on the record."""

    mapping: dict[str, Any]
    statements: tuple[str, ...] | None  # named in the entry, else held by each record
    category: str | None  # named in the entry, else held by each record
    title: str  # the version's title, for a record without a title of its own


@dataclass(frozen=True)
class _Counted:
    """What one mapped version contributes, worked out once per call."""

    entries: list[_Entry]  # its ``evidence`` entries for the framework
    by_subject: bool  # the record belongs to the organisation it is about
    reads_data: bool
    submit: str | None  # the workflow's submit action


class RecordEvidence(SourceBase):
    """Evidence from the records of apps mapped to a framework with ``evidence``."""

    def evidence(
        self,
        session: Session,
        orgs: Sequence[Organisation],
        framework: str,
        since: datetime,
        now: datetime,
    ) -> Iterator[EvidenceItem]:
        org_ids = [org.id for org in orgs]
        versions = _counted_versions(session, framework)
        if not org_ids or not versions:
            return
        wanted = set(org_ids)
        found: dict[str, list[EvidenceItem]] = {app_id: [] for app_id, _ in versions}
        for row in session.execute(_evidence_query(versions, org_ids, since, now)):
            counted = versions[(row[1], row[2])]
            owner_org = row[4] if counted.by_subject else row[3]
            if owner_org is None or owner_org not in wanted:
                continue
            # Aware UTC, as an item's date is (SQLite hands back naive UTC, psycopg its
            # session's zone); once per record, not once per use downstream.
            at = row[5].replace(tzinfo=UTC) if row[5].tzinfo is None else row[5].astimezone(UTC)
            for entry in counted.entries:
                item = _item(entry, row, owner_org, at)
                if item is not None:
                    found[row[1]].append(item)
        # App by app in the order of their first version, then oldest record first: the
        # order items of the same moment keep in the assessment. Sorted here, not by the
        # database, which would sort such wide rows on disk.
        for items in found.values():
            yield from sorted(items, key=attrgetter("record_id"))


def _counted_versions(session: Session, framework: str) -> dict[tuple[str, int], _Counted]:
    found = {}
    for app_id, definitions in mapped_versions(session, framework).items():
        for version, definition in definitions.items():
            mappings = [m for m in definition.evidence if m["framework"] == framework]
            entries = [
                _Entry(
                    mapping,
                    tuple(mapping["statements"]) if "statements" in mapping else None,
                    mapping.get("category"),
                    definition.title,
                )
                for mapping in mappings
            ]
            reads_data = any(key in m for m in mappings for key in READS_DATA)
            by_subject = bool(definition.subject)
            submit = Workflow(definition.workflow).submit_action()
            found[(app_id, version)] = _Counted(
                entries, by_subject, reads_data, submit.action if submit else None
            )
    return found


def _evidence_query(
    versions: dict[tuple[str, int], _Counted], org_ids: list[int], since: datetime, now: datetime
) -> Select[Any]:
    """The counted records of every mapped version touching ``org_ids``: the columns
    :func:`_item` reads."""
    by_app: dict[str, list[int]] = defaultdict(list)
    for app_id, version in versions:
        by_app[app_id].append(version)
    counted = (
        or_(
            *(
                and_(Record.app_id == app_id, Record.app_version.in_(sorted(numbers)))
                for app_id, numbers in sorted(by_app.items())
            )
        ),
        Record.status != "draft",
        Record.superseded.is_(False),
        Record.submitted_at.is_not(None),
        Record.submitted_at >= since,
        Record.submitted_at <= now,
        or_(Record.organisation_id.in_(org_ids), Record.subject_id.in_(org_ids)),
    )
    reading = sorted({app_id for (app_id, _), c in versions.items() if c.reads_data})
    data: ColumnElement[Any] = (
        case((Record.app_id.in_(reading), Record.data), else_=null()) if reading else null()
    )
    creator, submitter, entry = aliased(User), aliased(User), aliased(AuditEntry)
    last = _last_submits(versions, counted)
    named = creator.name if last is None else func.coalesce(submitter.name, creator.name)
    query = select(
        Record.id,
        Record.app_id,
        Record.app_version,
        Record.organisation_id,
        Record.subject_id,
        Record.submitted_at,
        data.label("data"),
        named.label("submitter"),
    ).outerjoin(creator, Record.created_by_id == creator.id)
    if last is not None:
        query = (
            query.outerjoin(last, last.c.record_id == Record.id)
            .outerjoin(entry, entry.id == last.c.entry_id)
            .outerjoin(submitter, submitter.id == entry.actor_id)
        )
    return query.where(*counted)


def _last_submits(
    versions: dict[tuple[str, int], _Counted], counted: tuple[ColumnElement[bool], ...]
) -> Subquery | None:
    """Record id → the id of its last audit entry of its app's submit action (those of
    any of its mapped versions) taken by someone, for the records ``counted`` selects
    (None when no mapped workflow submits)."""
    actions: dict[str, set[str]] = defaultdict(set)
    for (app_id, _version), version in versions.items():
        if version.submit is not None:
            actions[app_id].add(version.submit)
    apps_by_actions: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for app_id, names in sorted(actions.items()):
        apps_by_actions[tuple(sorted(names))].append(app_id)
    if not apps_by_actions:
        return None
    submitted = or_(
        *(
            and_(Record.app_id.in_(apps), AuditEntry.action.in_(names))
            for names, apps in apps_by_actions.items()
        )
    )
    return (
        select(AuditEntry.record_id, func.max(AuditEntry.id).label("entry_id"))
        .join(Record, AuditEntry.record_id == Record.id)
        .join(User, AuditEntry.actor_id == User.id)
        .where(submitted, *counted)
        .group_by(AuditEntry.record_id)
        .subquery()
    )


def mapped_versions(session: Session, framework: str) -> dict[str, dict[int, AppDefinition]]:
    """app id → {version → definition} for the stored versions with an ``evidence``
    entry for ``framework``. A document library's records are the documents themselves,
    kept centrally: their evidence is the practices' adoptions (the documents source)."""
    found: dict[str, dict[int, AppDefinition]] = defaultdict(dict)
    query = select(AppVersion.app_id, AppVersion.version, AppVersion.content_hash)
    for app_id, version, content_hash in session.execute(query.order_by(AppVersion.id)):
        definition = _by_content(session, app_id, version, content_hash)
        if definition.documents is None and any(
            entry.get("framework") == framework for entry in definition.evidence
        ):
            found[app_id][version] = definition
    return dict(found)


# Versions are immutable: read each content once per process (by its hash, which a
# rolled-back test's reused row id would not fool).
_DEFINITIONS: dict[str, AppDefinition] = {}


def _by_content(session: Session, app_id: str, version: int, content_hash: str) -> AppDefinition:
    if content_hash not in _DEFINITIONS:
        raw = session.scalar(
            select(AppVersion.definition).where(
                AppVersion.app_id == app_id, AppVersion.version == version
            )
        )
        _DEFINITIONS[content_hash] = AppDefinition(raw=raw or {})
    return _DEFINITIONS[content_hash]


def _item(entry: _Entry, row: Sequence[Any], org_id: int, at: datetime) -> EvidenceItem | None:
    """The item ``row`` (a row of :func:`_evidence_query`, submitted ``at``) makes for
    ``entry``, if any."""
    record_id, app_id, _version, _org, _subject, _submitted, data, submitter = row
    data = data or {}
    mapping = entry.mapping
    if "when" in mapping and not matches(mapping["when"], data):
        return None
    statements = entry.statements
    if statements is None:
        statements = _held_statements(data, mapping["statements_field"])
    if not statements:
        return None
    category = entry.category or value_at(data, mapping.get("category_field", ""))
    return EvidenceItem(
        org_id=org_id,
        framework=mapping["framework"],
        statements=statements,
        category=category if isinstance(category, str) else "",
        title=_title(entry, data, at),
        at=at,
        source="records",
        owner=submitter,
        link=f"/apps/{app_id}/records/{record_id}",
        app_id=app_id,
        record_id=record_id,
    )


def _held_statements(data: Any, pointer: str) -> tuple[str, ...]:
    held = value_at(data, pointer)
    if isinstance(held, str):
        held = [held]
    if not isinstance(held, list):
        return ()
    return tuple(dict.fromkeys(s for s in held if isinstance(s, str) and s))


def _title(entry: _Entry, data: Any, at: datetime) -> str:
    if "title_field" in entry.mapping:
        title = value_at(data, entry.mapping["title_field"])
        if isinstance(title, str) and title.strip():
            return title.strip()
    return _dated_title(entry.title, at.year, at.month, at.day)


@lru_cache(maxsize=4096)
def _dated_title(title: str, year: int, month: int, day: int) -> str:
    """ "Fridge log, 3 May 2026": a year of records shares a few hundred such titles, and
    formatting a date is slow enough to matter at tens of thousands of them."""
    return f"{title}, {day} {date(year, month, day):%B %Y}"

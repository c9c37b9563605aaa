"""Many new submitted records at once (imports): what :func:`create_record` with
``submit=True`` stores for each, written in a few statements per batch.

The caller has already made every check :func:`create_record` makes (permission,
targeting, the period's lock and slot, the one record check, step values, the submit
step's needs, the stored-data checks) for every row; this module only writes, in the
caller's transaction (flush, never commit). For each record it stores exactly what the
one-by-one path stores:

- the record: status the submit transition's target (the initial state when the app has
  none), ``submitted_at``, ``app_version``, ``period_slot``, the subject and ``version``
  as the one-by-one path leaves it (1, plus 1 for the one UPDATE that sets the subject
  and takes the submit step);
- two audit entries: "create" with every answer, then the submit action's ``/status``
  change; the "create" entry names ``source`` (the file imported);
- the keys the record holds under the app's ``unique`` member.

SQLite inserts each batch with one ``executemany`` per table
(:mod:`miniapps.db_direct`); PostgreSQL COPYs it
(:mod:`miniapps.services.records.bulk_copy`), on a worker thread when the caller passes
a :class:`~miniapps.services.records.bulk_copy.CopyPipeline`.

Apps whose records need per-record hooks (channels, follow-up actions, or an upkeep hook
this module does not know) are written through :func:`create_record` one by one
(:func:`needs_per_record_hooks`), then their "create" entries are given ``source``.
Imports pass no base URL for links, so neither path sends emails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.periods.slots import period_slot
from miniapps.core.pointers import value_at
from miniapps.core.records.unique_keys import answer_keys
from miniapps.core.workflow import Workflow
from miniapps.db_direct import insert_rows
from miniapps.models import App, AuditEntry, Organisation, Record, User
from miniapps.models.record_key import RecordKey
from miniapps.services.permissions import Access
from miniapps.services.records import references, unique_keys
from miniapps.services.records.audit import AUDIT_ENTRIES, created_changes
from miniapps.services.records.bulk_copy import CopyPipeline, copy_rows
from miniapps.services.records.direct_submit import RECORDS
from miniapps.services.records.lifecycle import create_record
from miniapps.services.records.stored_checks import UPKEEP

KNOWN_UPKEEP = (unique_keys.keep_record_keys, references.keep_subject)
# The tables themselves: Core statements skip the ORM's bookkeeping per row (the records'
# and audit entries' as the one-by-one path names them).
RECORD_KEYS = cast(Table, RecordKey.__table__)
Step = tuple[str, str | None]  # a record's initial state and its submit action, if any


@dataclass(frozen=True)
class NewRecord:
    """One checked row to store: its organisation, period, data and the definition
    (expanded for its period) it was checked against."""

    org_id: int
    period: str | None
    data: dict[str, Any]
    definition: AppDefinition
    keys: list[tuple[int, str]] | None = None  # (index, digest) of its unique keys, if known


def needs_per_record_hooks(definition: AppDefinition) -> bool:
    """True when storing a record of ``definition`` does more than this module writes:
    channels to send it through, follow-up actions on submission, or an upkeep hook
    added to :data:`~miniapps.services.records.stored_checks.UPKEEP` since."""
    unknown_upkeep = any(hook not in KNOWN_UPKEEP for hook in UPKEEP)
    return bool(definition.channels) or definition.follow_ups is not None or unknown_upkeep


def write_submitted(
    session: Session,
    access: Access,
    app: App,
    records: Sequence[NewRecord],
    actor: User | None,
    source: str | None,
    pipeline: CopyPipeline | None = None,
) -> list[int]:
    """Store ``records`` as submitted (see the module); their ids, in order. With a
    ``pipeline`` (PostgreSQL), plain records are handed to it and may still be on their
    way when this returns (:meth:`CopyPipeline.wait`)."""
    if not records:
        return []
    plain = not any(needs_per_record_hooks(r.definition) for r in records)
    if pipeline is not None and plain and not any(r.definition.subject for r in records):
        ids = pipeline.take_ids(len(records))
        rows, steps = _record_rows(app.id, records, actor, {}, datetime.now(UTC))
        for row, id_ in zip(rows, ids, strict=True):
            row["id"] = id_
        entries, keys = _entry_and_key_rows(app.id, records, rows, steps, ids, actor, source)
        pipeline.send([(RECORDS, rows), (AUDIT_ENTRIES, entries), (RECORD_KEYS, keys)], len(ids))
        return ids
    if pipeline is not None:
        pipeline.wait()  # the session's connection is the pipeline's
    if not plain:
        return _one_by_one(session, access, app, records, actor, source)
    return insert_submitted(session, app.id, records, actor, source)


def insert_submitted(
    session: Session,
    app_id: str,
    records: Sequence[NewRecord],
    actor: User | None,
    source: str | None,
) -> list[int]:
    """The bulk path of :func:`write_submitted`: three or four statements in all."""
    subjects = _subject_ids(session, records)
    rows, steps = _record_rows(app_id, records, actor, subjects, datetime.now(UTC))
    ids = _insert_records(session, rows)
    entries, keys = _entry_and_key_rows(app_id, records, rows, steps, ids, actor, source)
    if _is_postgresql(session):
        copy_rows(session, AUDIT_ENTRIES, entries)
        copy_rows(session, RECORD_KEYS, keys)
        return ids
    insert_rows(session, AUDIT_ENTRIES, entries)
    insert_rows(session, RECORD_KEYS, keys)
    return ids


def _record_rows(
    app_id: str,
    records: Sequence[NewRecord],
    actor: User | None,
    subjects: dict[str, int],
    now: datetime,
) -> tuple[list[dict[str, Any]], list[Step]]:
    """The ``records`` rows, without ids (``subjects``: ODS code → organisation id), and
    each one's (initial state, submit action)."""
    actor_id = actor.id if actor else None
    workflows: dict[int, Workflow] = {}
    rows: list[dict[str, Any]] = []
    steps: list[Step] = []
    for new in records:
        definition = new.definition
        workflow = workflows.get(id(definition))
        if workflow is None:
            workflow = workflows[id(definition)] = Workflow(definition.workflow)
        submit = workflow.submit_action(new.data)
        subject_id = subjects.get(_subject_code(definition, new.data) or "")
        steps.append((workflow.initial, submit.action if submit else None))
        rows.append(
            {
                "app_id": app_id,
                "app_version": definition.version,
                "organisation_id": new.org_id,
                "subject_id": subject_id,
                "period": new.period,
                "period_slot": period_slot(definition.period, new.period),
                "superseded": False,
                "data": new.data,
                "status": submit.target if submit else workflow.initial,
                # 1 when inserted, then one UPDATE for the subject and the submit step
                "version": 1 + (subject_id is not None or submit is not None),
                "created_by_id": actor_id,
                "updated_by_id": actor_id,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now if submit else None,
            }
        )
    return rows, steps


def _entry_and_key_rows(
    app_id: str,
    records: Sequence[NewRecord],
    rows: list[dict[str, Any]],
    steps: list[Step],
    ids: Sequence[int],
    actor: User | None,
    source: str | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``audit_entries`` rows ("create", then the submit action's ``/status``
    change) and the ``record_keys`` rows of the records stored as ``rows`` with ``ids``."""
    actor_id = actor.id if actor else None
    entries: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for record_id, new, row, (initial, action) in zip(ids, records, rows, steps, strict=True):
        base = {"record_id": record_id, "app_id": app_id, "actor_id": actor_id}
        base["at"] = row["created_at"]
        entries.append(
            {**base, "action": "create", "changes": created_changes(new.data), "source": source}
        )
        if action is not None:
            change = {"pointer": "/status", "old": initial, "new": row["status"]}
            entries.append({**base, "action": action, "changes": [change], "source": None})
        held = new.keys
        if held is None:
            held = [(k.index, k.digest) for k in answer_keys(new.definition.unique, new.data)]
        keys += [
            {
                "app_id": app_id,
                "organisation_id": new.org_id,
                "key_index": index,
                "key_hash": digest,
                "record_id": record_id,
            }
            for index, digest in held
        ]
    return entries, keys


def _insert_records(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``records`` with Core statements (no ORM bookkeeping per row);
    their ids, in the rows' order."""
    table = RECORDS
    if not _is_postgresql(session):
        # SQLite cannot promise the order of a multi-row INSERT's RETURNING, so SQLAlchemy
        # would send one INSERT per row. The import holds the database's write lock, and
        # new rowids follow the largest: the ids above the largest before are the rows'.
        largest = session.scalar(select(func.max(Record.id))) or 0
        insert_rows(session, table, rows)
        query = select(Record.id).where(Record.id > largest).order_by(Record.id)
        ids = list(session.scalars(query))
        assert len(ids) == len(rows), "another writer inserted records meanwhile"
        return ids
    # PostgreSQL: the ids are drawn from the table's sequence first (one statement), so the
    # rows go in with one COPY (:mod:`miniapps.services.records.bulk_copy`).
    drawn = session.scalars(
        text("SELECT nextval(pg_get_serial_sequence('records', 'id')) FROM generate_series(1, :n)"),
        {"n": len(rows)},
    )
    ids = sorted(drawn)
    copy_rows(session, table, [{"id": id_, **row} for row, id_ in zip(rows, ids, strict=True)])
    return ids


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _subject_code(definition: AppDefinition, data: Any) -> str | None:
    subject = definition.subject
    if subject is None:
        return None
    value = value_at(data, subject["field"])
    return value if isinstance(value, str) and value else None


def _subject_ids(session: Session, records: Sequence[NewRecord]) -> dict[str, int]:
    """ODS code → organisation id of every subject the records name (one query)."""
    codes = {code for r in records if (code := _subject_code(r.definition, r.data))}
    if not codes:
        return {}
    query = select(Organisation.ods, Organisation.id).where(Organisation.ods.in_(codes))
    found: dict[str, int] = {}
    for ods, org_id in session.execute(query.order_by(Organisation.id)):
        found.setdefault(ods, org_id)
    return found


def _one_by_one(
    session: Session,
    access: Access,
    app: App,
    records: Sequence[NewRecord],
    actor: User | None,
    source: str | None,
) -> list[int]:
    ids: list[int] = []
    for new in records:
        org = session.get(Organisation, new.org_id)
        assert org is not None, "the import found the organisation"
        record = create_record(
            session, access, app, org, new.data, period=new.period, submit=True, actor=actor
        )
        ids.append(record.id)
    if source is not None:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.record_id.in_(ids), AuditEntry.action == "create")
            .values(source=source)
            .execution_options(synchronize_session=False)
        )
    return ids

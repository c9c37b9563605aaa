"""One record per combination of answers: the ``unique`` member, held by the database.

A definition's ``"unique": [{"fields": ["/fridge", "/date"]}]`` lets an organisation
keep only one record (in the app) with the same fridge and date. Two parts, both in the
registries of :mod:`miniapps.services.records.stored_checks`, so every path that stores
data (the form, the API, imports, workflow steps that fill in fields) goes through them:

- :func:`unique_answer_issues` (a data check) refuses data whose key another record of
  the organisation holds, at the key's first field, with the definition's ``message``
  or one naming the answers and the record that has them;
- :func:`keep_record_keys` (upkeep) stores the keys a record holds once its data is
  flushed, and moves them when an edit changes the answers. The unique index on
  ``record_keys`` settles a race the check could not see (two requests for the same
  fridge and day, each checking before the other wrote): the loser gets the same
  :class:`DataInvalid` at the same pointer, its insert undone in a savepoint, and the
  request rolls back, so nothing of it is stored.

Which records hold keys: every record whose data answers all of a key's fields, drafts
included (a draft log for today's fridge reading holds the fridge and day). Superseded
records (duplicates kept from before a period rule) hold none: they are history, out of
every count. Records stored before their app declared ``unique`` hold keys from their
next edit on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue
from miniapps.core.records.unique_keys import AnswerKey, answer_keys, clash_message
from miniapps.models import Organisation, Record
from miniapps.models.record_key import RecordKey

if TYPE_CHECKING:  # stored_checks lists the functions below: no import back at run time
    from miniapps.services.records.write import Write


def unique_answer_issues(session: Session, write: Write) -> list[Issue]:
    """An issue per key of ``write`` another record of its organisation already holds."""
    unique = write.definition.unique
    if not unique or (write.record is not None and write.record.superseded):
        return []
    keys = answer_keys(unique, write.data)
    holders = key_holders(session, write.app_id, write.org.id, keys)
    own = write.record.id if write.record is not None else None
    return [
        clash_issue(write.definition, key, write.org, f"record {holders[key.index]}")
        for key in keys
        if holders.get(key.index) not in (None, own)
    ]


def keep_record_keys(session: Session, record: Record, definition: AppDefinition) -> None:
    """Store the keys ``record`` holds now and drop those it no longer holds. A key
    another writer took meanwhile raises :class:`DataInvalid` at the key's pointer."""
    if not definition.unique:
        return
    wanted = (
        {}
        if record.superseded
        else {k.index: k for k in answer_keys(definition.unique, record.data)}
    )
    stored: dict[int, str] = {}
    if record.version > 1:  # version 1 is a record inserted just now: it holds no keys yet
        query = select(RecordKey.key_index, RecordKey.key_hash).where(
            RecordKey.record_id == record.id
        )
        stored = {index: digest for index, digest in session.execute(query)}
    stale = [i for i, digest in stored.items() if i not in wanted or wanted[i].digest != digest]
    if stale:  # the answers changed: the old combination is free again
        session.execute(
            delete(RecordKey).where(
                RecordKey.record_id == record.id, RecordKey.key_index.in_(stale)
            )
        )
    for key in wanted.values():
        if stored.get(key.index) != key.digest:
            _claim(session, record, definition, key)


def key_holders(
    session: Session, app_id: str, org_id: int, keys: Sequence[AnswerKey]
) -> dict[int, int]:
    """Which record holds each of ``keys`` in the organisation, by key index."""
    if not keys:
        return {}
    query = select(RecordKey.key_index, RecordKey.record_id).where(
        RecordKey.app_id == app_id,
        RecordKey.organisation_id == org_id,
        tuple_(RecordKey.key_index, RecordKey.key_hash).in_([(k.index, k.digest) for k in keys]),
    )
    return {index: record_id for index, record_id in session.execute(query)}


@dataclass(frozen=True)
class KeyedRow:
    """A row of a file about to become a record (imports): where, whose and what."""

    row: int
    org: Organisation
    data: dict[str, Any]


def file_clashes(
    session: Session, app_id: str, definition: AppDefinition, rows: Iterable[KeyedRow]
) -> list[tuple[int, Issue]]:
    """(row, issue) for each row of a file whose key a stored record of its organisation,
    or an earlier row of the file, already holds: what an import reports before writing."""
    if not definition.unique:
        return []
    found: list[tuple[int, Issue]] = []
    seen: dict[tuple[int, int, str], int] = {}
    for row in rows:
        keys = answer_keys(definition.unique, row.data)
        holders = key_holders(session, app_id, row.org.id, keys)
        for key in keys:
            earlier = seen.setdefault((row.org.id, key.index, key.digest), row.row)
            if key.index in holders:
                holder = f"record {holders[key.index]}"
            elif earlier != row.row:
                holder = f"row {earlier}"
            else:
                continue
            found.append((row.row, clash_issue(definition, key, row.org, holder)))
    return found


def _claim(session: Session, record: Record, definition: AppDefinition, key: AnswerKey) -> None:
    row = RecordKey(
        app_id=record.app_id,
        organisation_id=record.organisation_id,
        key_index=key.index,
        key_hash=key.digest,
        record_id=record.id,
    )
    try:
        with session.begin_nested():  # a lost race undoes this insert, not the transaction
            session.add(row)
            session.flush()
    except IntegrityError:
        holders = key_holders(session, record.app_id, record.organisation_id, [key])
        holder = f"record {holders[key.index]}" if key.index in holders else "another record"
        raise DataInvalid([clash_issue(definition, key, record.organisation, holder)]) from None


def clash_issue(definition: AppDefinition, key: AnswerKey, org: Organisation, holder: str) -> Issue:
    """The problem of ``key`` (``org``'s answers) already held by ``holder`` ("record 12",
    "row 4"), at the key's first field, in the definition's words."""
    fields = {f.pointer: f for f in definition.fields}
    message = clash_message(
        definition.unique, key, fields, definition.schema, org_name=org.name, holder=holder
    )
    return Issue(key.pointer, message, "not_unique")

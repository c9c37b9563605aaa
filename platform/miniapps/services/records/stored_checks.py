"""Checks and upkeep of record data that need the database, run on every write path.

:func:`miniapps.core.records.check.check_record` decides whether data may be stored from
the definition alone. Some rules need stored rows too: only one record of an
organisation may hold a ``unique`` combination of answers (one fridge log per fridge and
day), a ``subject`` must be a practice of the writer's PCN, a record link must name a
record the organisation holds. Those checks run here, after the pure check and before
anything is stored, on every path that stores data (new records, edits, step fields);
each answers :class:`Issue` objects at the data's pointers.

After the data is stored (flushed), the upkeep hooks keep derived rows in step with it
(the unique keys a record holds, the organisation it is about). Both lists are explicit
registries: each capability adds its function here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue
from miniapps.models import Record
from miniapps.services.records import people, references, unique_keys
from miniapps.services.records.write import DataCheck, Upkeep, Write

# Each: (session, write) -> issues at data pointers; [] when the data may be stored.
DATA_CHECKS: list[DataCheck] = [
    unique_keys.unique_answer_issues,
    references.reference_issues,
    people.person_issues,
]
# Each: (session, record, definition) after the record's data is flushed; may raise
# DataInvalid (a race lost to another writer), which leaves nothing stored.
UPKEEP: list[Upkeep] = [
    unique_keys.keep_record_keys,
    references.keep_subject,
]


def stored_issues(session: Session, write: Write) -> list[Issue]:
    """Every problem the database-backed checks find with ``write``."""
    return [issue for check in DATA_CHECKS for issue in check(session, write)]


def raise_stored_issues(session: Session, write: Write, earlier: Sequence[Issue] = ()) -> None:
    """Refuse ``write`` with :class:`DataInvalid` when anything is wrong with it, together
    with ``earlier`` problems (pointers already reported are not repeated)."""
    reported = {issue.pointer for issue in earlier}
    issues = [i for i in stored_issues(session, write) if i.pointer not in reported]
    if earlier or issues:
        raise DataInvalid([*earlier, *issues])


def keep_up(session: Session, record: Record, definition: AppDefinition) -> None:
    """Run every upkeep hook for ``record`` after its data was stored."""
    for upkeep in UPKEEP:
        upkeep(session, record, definition)

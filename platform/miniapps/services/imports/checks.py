"""The checks an import makes before writing that need the database, batched.

:class:`OrgChecks` finds each row's organisation (one query per batch of new ODS codes)
and whether the user may add records there (once per organisation).
:class:`WriteChecks` makes, for a row about to become a record, every check
:func:`miniapps.services.records.lifecycle.create_record` would make when storing it as
submitted, so that the bulk writer never meets a refusal: the period (well formed, not
locked: once per organisation and period), step values, the one record check again when
they changed the data, the stored-data checks other than ``unique`` (organisation and
record references, people; :mod:`miniapps.services.imports.duplicates` batches
``unique``), and what the submit step needs (``requires_fields``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DataInvalid, Issue, MiniappsError
from miniapps.core.imports.base import Column, ImportRow, RowProblem
from miniapps.core.imports.columns import column_for
from miniapps.core.records.check import check_record
from miniapps.core.records.references import references
from miniapps.core.records.step_values import keep_step_values
from miniapps.core.workflow import Workflow
from miniapps.models import App, Organisation
from miniapps.services.definitions import app_definition
from miniapps.services.permissions import WRITE, Access, is_targeted
from miniapps.services.records.people import person_fields, person_issues
from miniapps.services.records.periods import check_period
from miniapps.services.records.references import reference_issues
from miniapps.services.records.steps import step_issues
from miniapps.services.records.stored_checks import DATA_CHECKS
from miniapps.services.records.unique_keys import unique_answer_issues
from miniapps.services.records.write import DataCheck, Write
from miniapps.services.returns.locks import ensure_period_open


class OrgChecks:
    """Organisations by ODS code, and why a user may not import for one (or None)."""

    def __init__(self, session: Session, access: Access, app: App) -> None:
        self.session = session
        self.access = access
        self.app = app
        self.found: dict[str, Organisation] = {}
        self.by_id: dict[int, Organisation] = {}
        self._looked_up: set[str] = set()
        self._problems: dict[str, str | None] = {}

    def look_up(self, codes: Iterable[str | None]) -> None:
        """Find the organisations of ``codes`` not looked up yet, in one query."""
        wanted = {c.strip().upper() for c in codes if c and c.strip()} - self._looked_up
        if not wanted:
            return
        self._looked_up |= wanted
        query = select(Organisation).where(Organisation.ods.in_(sorted(wanted)))
        for org in self.session.scalars(query):
            self.found[org.ods] = org
            self.by_id[org.id] = org

    def problem(self, ods: str) -> str | None:
        """Why rows for ``ods`` cannot be imported (checked once per code), or None."""
        if ods not in self._problems:
            self.look_up([ods])
            self._problems[ods] = self._org_problem(self.found.get(ods), ods)
        return self._problems[ods]

    def _org_problem(self, org: Organisation | None, ods: str) -> str | None:
        app = self.app
        if org is None or not org.active:
            return f"no organisation has the ODS code {ods}"
        if not self.access.can(WRITE, org, app):
            return f"you may not add records for {org.name} ({org.ods})"
        if not is_targeted(self.session, app.id, org):
            return f"{app.title} is not published to {org.name} ({org.ods})"
        return None


# The stored-data checks a row gets here: ``unique`` is checked in batches elsewhere.
ROW_DATA_CHECKS = [check for check in DATA_CHECKS if check is not unique_answer_issues]


def row_data_checks(definition: AppDefinition) -> list[DataCheck]:
    """The checks of :data:`ROW_DATA_CHECKS` that can find anything in ``definition``'s
    data: a definition without organisation or record references (or without person
    fields) is not asked, row after row, about them."""
    idle: set[DataCheck] = set()
    if not references(definition.schema, definition.ui, definition.subject):
        idle.add(reference_issues)
    if not any(True for _ in person_fields(definition)):
        idle.add(person_issues)
    return [check for check in ROW_DATA_CHECKS if check not in idle]


class WriteChecks:
    """What :func:`create_record` would refuse of a new row, found before writing."""

    def __init__(self, session: Session, app: App, columns: list[Column]) -> None:
        self.session = session
        self.app = app
        self.columns = columns
        self._definitions: dict[str | None, AppDefinition] = {}
        self._workflows: dict[int, Workflow] = {}
        self._locks: dict[tuple[int, str | None], str | None] = {}
        self._checks: dict[int, list[DataCheck]] = {}

    def definition(self, period: str | None) -> AppDefinition:
        """The definition a record of ``period`` is stored with (one load per period)."""
        if period not in self._definitions:
            self._definitions[period] = app_definition(self.session, self.app, period)
        return self._definitions[period]

    def workflow(self, definition: AppDefinition) -> Workflow:
        key = id(definition)
        if key not in self._workflows:
            self._workflows[key] = Workflow(definition.workflow)
        return self._workflows[key]

    def check(
        self, row: ImportRow, org: Organisation
    ) -> tuple[dict[str, Any] | None, list[RowProblem]]:
        """(the data to store, []) or (None, the problems), in :func:`create_record`'s
        order: the period, its lock, the data (step values, stored checks), the step."""
        definition = self.definition(row.period)
        try:
            check_period(definition, row.period)
        except DataInvalid as exc:
            return None, self._problems(row, exc.issues)
        locked = self._lock(org, row.period)
        if locked is not None:
            return None, [RowProblem(row.row, None, locked)] if locked else []
        workflow = self.workflow(definition)
        data, issues = keep_step_values(workflow, definition.schema, {}, row.data)
        if issues or data is not row.data:  # step values changed it: check it again
            check = check_record(definition, data, submit=True)
            issues, data = [*issues, *check.issues], check.data
        if not issues:
            write = Write(self.app.id, org, definition, data, None)
            checks = self._checks.get(id(definition))
            if checks is None:
                checks = self._checks[id(definition)] = row_data_checks(definition)
            issues = [i for check in checks for i in check(self.session, write)]
        if not issues:
            submit = workflow.submit_action(data)
            if submit is not None:
                issues = step_issues(workflow, submit, definition, data, None)
        return (None, self._problems(row, issues)) if issues else (data, [])

    def _lock(self, org: Organisation, period: str | None) -> str | None:
        """Why ``period`` is closed at ``org``: the message the first time, "" after
        (reported once per organisation and period), None when open."""
        key = (org.id, period)
        if key in self._locks:
            return "" if self._locks[key] is not None else None
        try:
            ensure_period_open(self.session, self.app.id, org, period)
        except MiniappsError as exc:
            self._locks[key] = str(exc)
            return str(exc)
        self._locks[key] = None
        return None

    def _problems(self, row: ImportRow, issues: Iterable[Issue]) -> list[RowProblem]:
        return [
            RowProblem(row.row, column_for(issue.pointer, self.columns), issue.message)
            for issue in issues
        ]

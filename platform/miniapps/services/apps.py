"""Publishing app definitions: immutable versions, targets, lifecycle."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.definitions.context import schema_pointer
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.schema_changes import breaking_changes, migrate_data
from miniapps.core.errors import DefinitionInvalid, IncompatibleChange, Issue
from miniapps.core.records.schema_issues import validate_record_data
from miniapps.models import (
    App,
    AppTarget,
    AppVersion,
    AuditEntry,
    EndedTarget,
    Organisation,
    Record,
    User,
)
from miniapps.services.app_visibility import sees_app
from miniapps.services.compliance.definition_checks import framework_issues
from miniapps.services.definitions import app_definition, latest_version
from miniapps.services.permissions import Access, Forbidden
from miniapps.services.publish_rights import check_owns_existing, check_targets, not_owned

# How many failing records to name before summarising.
MAX_RECORD_ISSUES = 10


@dataclass(frozen=True)
class Published:
    app: App
    version: AppVersion
    created: bool  # False when the same content was already the latest version


def get_app(session: Session, app_id: str) -> App | None:
    return session.get(App, app_id)


def publish(
    session: Session,
    definition: AppDefinition,
    targets: list[Organisation] | None,
    actor: User | None,
    access: Access | None = None,
    *,
    targeted_from: date | None = None,
    replace_targets: bool = False,
) -> Published:
    """Store ``definition`` as a new immutable version and target organisations.

    ``targets`` None means everything ``access`` may publish to (all organisations
    for the CLI, which passes no ``access``). Republishing identical content creates
    no new version. A version number must go up; a change that would leave stored
    records invalid is refused (:class:`IncompatibleChange`) unless a migration fixes it.
    Frameworks, statements and categories the definition names must be loaded
    (:class:`DefinitionInvalid` otherwise, at their pointers).

    New targets count from ``targeted_from`` (default: today; an existing target keeps
    its date). With ``replace_targets`` the app's other targets end on that day: they
    are kept as :class:`EndedTarget`, so returns owed before then stay owed.

    A new app published by a stakeholder user to its area (:meth:`Access.publishing_owner`)
    belongs to that stakeholder organisation (``App.owner_id``): an ad hoc collection.
    ``targets`` None then means its whole area.
    """
    since = targeted_from or date.today()
    app = session.get(App, definition.id)
    owner: Organisation | None = None
    if access is not None:
        if app is not None:  # whose app it is first: that refusal says the way out
            if not sees_app(session, access, app):
                raise Forbidden(hidden_id_message(definition.id))
            check_owns_existing(access, app)
        targets = check_targets(session, access, targets, app)
        if app is None:
            owner = access.publishing_owner(targets)
    unknown_ids = framework_issues(session, definition)  # frameworks and statements loaded
    if unknown_ids:
        raise DefinitionInvalid(unknown_ids, source=definition.source)
    latest = latest_version(session, definition.id) if app else None
    if app is not None and latest is not None and latest.content_hash == definition.content_hash:
        if targets is not None:
            _set_targets(session, app, targets, since, replace_targets, actor)
        return Published(app, latest, created=False)
    if latest is not None and definition.version <= latest.version:
        raise IncompatibleChange(
            [
                Issue(
                    "/version",
                    f"must be greater than {latest.version}, the latest published version",
                )
            ]
        )
    if app is not None and latest is not None:
        _check_stored_records(session, app_definition(session, app), definition)
        _carry_records_forward(session, definition, actor)
    if app is None:
        app = App(id=definition.id, title=definition.title)
        app.owner_id = owner.id if owner is not None else None
        session.add(app)
    version = AppVersion(
        app_id=definition.id,
        version=definition.version,
        title=definition.title,
        definition=definition.raw,
        content_hash=definition.content_hash,
        published_by_id=actor.id if actor else None,
    )
    session.add(version)
    app.title, app.status, app.latest_version = definition.title, "published", definition.version
    session.flush()
    if targets is None:
        targets = list(
            session.scalars(select(Organisation).where(Organisation.parent_id.is_(None)))
        )
    _set_targets(session, app, targets, since, replace_targets, actor)
    session.add(
        AuditEntry(
            app_id=app.id,
            actor_id=actor.id if actor else None,
            action="publish",
            changes=[
                {
                    "pointer": "/version",
                    "old": latest.version if latest else None,
                    "new": definition.version,
                }
            ],
        )
    )
    session.flush()
    return Published(app, version, created=True)


def publish_raw(session: Session, raw: dict[str, Any], **kwargs: Any) -> Published:
    """Validate a definition from JSON (API, upload) and publish it."""
    return publish(session, validate_definition(raw), **kwargs)


def publish_problems(session: Session, access: Access, definition: AppDefinition) -> list[Issue]:
    """What would stop ``access`` publishing ``definition`` now, with the way out, checked
    before any preview (nothing is written): an app id someone else published more widely
    (use a new id), a framework or statement not loaded, a version not above the latest
    (use the next one), a change that would leave stored records invalid. Publishing the
    same content again is no problem."""
    app = session.get(App, definition.id)
    problem = None
    if app is not None:
        seen = sees_app(session, access, app)
        problem = not_owned(access, app) if seen else hidden_id_message(definition.id)
    if problem:
        return [Issue("/id", problem, "forbidden")]
    unknown_ids = framework_issues(session, definition)
    if app is None or unknown_ids:
        return unknown_ids
    latest = latest_version(session, definition.id)
    if latest is None or latest.content_hash == definition.content_hash:
        return []
    if definition.version <= latest.version:
        message = (
            f"{app.title} (id “{app.id}”) is already published as version {latest.version}: "
            f"to publish your changes as a new version, set “version” to {latest.version + 1}"
            " (or change “id” to publish a separate app)"
        )
        return [Issue("/version", message, "version")]
    try:
        _check_stored_records(session, app_definition(session, app), definition)
    except IncompatibleChange as exc:
        return list(exc.issues)
    return []


def _set_targets(
    session: Session,
    app: App,
    targets: list[Organisation],
    since: date,
    replace: bool,
    actor: User | None,
) -> None:
    """Add ``targets`` from ``since``; with ``replace`` end every other target on ``since``.

    An ended target is kept (:class:`EndedTarget`) unless it started on or after
    ``since`` (it never covered a day). Changes are audited (``/targets``, ODS codes).
    """
    wanted = {org.id: org for org in targets}
    current = {t.organisation_id: t for t in app.targets}
    added = [org for org_id, org in wanted.items() if org_id not in current]
    ended = [t for org_id, t in current.items() if replace and org_id not in wanted]
    if not added and not ended:
        return
    before = sorted(t.organisation.ods for t in app.targets)
    for target in ended:
        if target.targeted_from < since:
            session.add(
                EndedTarget(
                    app_id=app.id,
                    organisation_id=target.organisation_id,
                    targeted_from=target.targeted_from,
                    ended_on=since,
                )
            )
        app.targets.remove(target)
    for org in added:
        app.targets.append(AppTarget(organisation=org, targeted_from=since))
    session.flush()
    session.add(
        AuditEntry(
            app_id=app.id,
            actor_id=actor.id if actor else None,
            action="target",
            changes=[
                {
                    "pointer": "/targets",
                    "old": before,
                    "new": sorted(t.organisation.ods for t in app.targets),
                },
                {"pointer": "/targeted_from", "old": None, "new": since.isoformat()},
            ],
        )
    )


def _check_stored_records(session: Session, old: AppDefinition, new: AppDefinition) -> None:
    has_records = session.scalar(select(Record.id).where(Record.app_id == old.id).limit(1))
    if has_records is None:
        return
    issues = breaking_changes(old, new)
    migration = new.raw.get("migration")
    if not issues:
        rows = session.execute(
            select(Record.id, Record.data).where(Record.app_id == old.id, Record.status != "draft")
        )
        for record_id, data in rows:
            for issue in validate_record_data(
                new.schema, migrate_data(data, migration, new.schema)
            ):
                issues.append(
                    Issue(
                        schema_pointer(re.sub(r"/\d+(?=/|$)", "/-", issue.pointer)),
                        f"record {record_id} would become invalid: {issue.message}",
                    )
                )
            if len(issues) >= MAX_RECORD_ISSUES:
                break
    if issues:
        raise IncompatibleChange(issues)


def _carry_records_forward(session: Session, new: AppDefinition, actor: User | None) -> None:
    """Move every stored record to the new version, applying its migration (audited)."""
    migration = new.raw.get("migration")
    for record in session.scalars(select(Record).where(Record.app_id == new.id)):
        data = migrate_data(record.data, migration, new.schema)
        changes = [{"pointer": "/app_version", "old": record.app_version, "new": new.version}]
        if data != record.data:
            changes.append({"pointer": "", "old": record.data, "new": data})
            record.data = data
        record.app_version = new.version
        session.add(
            AuditEntry(
                record_id=record.id,
                app_id=new.id,
                actor_id=actor.id if actor else None,
                action="migrate",
                changes=changes,
            )
        )
    session.flush()


def hidden_id_message(app_id: str) -> str:
    """Why an id taken by an app the publisher cannot see cannot be published: it says
    the id is taken, never whose app it is or what it is called."""
    return (
        f"The app id “{app_id}” is already taken, so you cannot publish under it. "
        f"Change “id” to one of your own, like “{app_id}_2”."
    )

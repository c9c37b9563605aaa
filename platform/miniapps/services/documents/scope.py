"""Where a document library reaches and who may do what in it.

A library is an app whose latest definition has a ``documents`` member. A document is
one of its records; its keeper is the record's organisation (a PCN or ICB). It applies to
every active practice at or beneath the keeper that the app is published to. Keepers
are those who may write the record (draft, publish) or approve it (approve a version);
a practice's adopters are its practice managers (and platform admins); its signers are
the active people whose role *at that practice* is one of the document's sign roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session, selectinload

from miniapps.core.channels.working_days import LONDON
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.documents.settings import DocumentFacts, LibrarySettings
from miniapps.models import App, AppVersion, Organisation, Record, User
from miniapps.models.organisation import subtree
from miniapps.services.definitions import app_definition, for_period, record_definition
from miniapps.services.documents.errors import DocumentNotFound
from miniapps.services.permissions import APPROVE, READ, WRITE, Access, targeted_clause

ADOPT_ROLES = frozenset({"practice_manager", "platform_admin"})


def local_today(now: datetime) -> date:
    """The day it is in England at ``now`` (naive values are UTC)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


def library_settings(session: Session, app: App) -> LibrarySettings | None:
    """The settings of ``app``'s library (its latest definition), or None if it is none."""
    member = app_definition(session, app).documents
    return LibrarySettings.from_member(member) if member else None


def require_library(session: Session, app: App) -> LibrarySettings:
    settings = library_settings(session, app)
    if settings is None:
        raise DocumentNotFound(f"{app.title} is not a document library.")
    return settings


def library_apps(session: Session) -> list[App]:
    """Every published app that is a document library, by title (their versions loaded
    with them: two statements whatever the number of apps)."""
    query = select(App).where(App.status == "published").options(selectinload(App.versions))
    apps = session.scalars(query.order_by(App.title))
    return [app for app in apps if app.versions and "documents" in app.versions[-1].definition]


def document_facts(session: Session, record: Record, settings: LibrarySettings) -> DocumentFacts:
    """The document's title, category, owner, sign roles and review months, read through
    the ``documents`` member of the definition its record was made with."""
    return _facts(record_definition(session, record), record, settings)


def documents_facts(
    session: Session, records: Sequence[Record], settings: LibrarySettings
) -> dict[int, DocumentFacts]:
    """Record id → :func:`document_facts` for many records, their definitions read in one
    statement (a library's documents share a few versions)."""
    wanted = {(r.app_id, r.app_version) for r in records}
    definitions: dict[tuple[str, int], AppDefinition] = {}
    if wanted:
        query = select(AppVersion.app_id, AppVersion.version, AppVersion.definition).where(
            AppVersion.app_id.in_(sorted({app_id for app_id, _ in wanted})),
            AppVersion.version.in_(sorted({version for _, version in wanted})),
        )
        for app_id, version, raw in session.execute(query):
            definitions[(app_id, version)] = AppDefinition(raw=raw)
    return {
        r.id: _facts(
            for_period(session, definitions[(r.app_id, r.app_version)], r.period), r, settings
        )
        for r in records
    }


def _facts(definition: AppDefinition, record: Record, settings: LibrarySettings) -> DocumentFacts:
    member = definition.documents
    own = LibrarySettings.from_member(member) if member else settings
    return own.facts(record.data, fallback_title=f"Document {record.id}")


def practices_under(session: Session, app: App, keeper: Organisation) -> list[Organisation]:
    """The active practices at or beneath ``keeper`` that ``app`` is published to."""
    query = select(Organisation).where(
        subtree(keeper.path),
        Organisation.type == "practice",
        Organisation.active,
        targeted_clause(app.id),
    )
    return list(session.scalars(query.order_by(Organisation.name)))


def applies_to(app_targets_practice: bool, record: Record, practice: Organisation) -> bool:
    """Whether the document of ``record`` applies to ``practice`` (kept at or above it)."""
    return (
        app_targets_practice
        and practice.type == "practice"
        and practice.active
        and practice.path.startswith(record.organisation.path)
    )


def documents_kept_within(session: Session, app: App, org: Organisation) -> list[Record]:
    """The documents kept at ``org`` or beneath it (a keeper's list), by id."""
    query = (
        select(Record)
        .join(Organisation, Organisation.id == Record.organisation_id)
        .where(Record.app_id == app.id, subtree(org.path))
    )
    return list(session.scalars(query.order_by(Record.id)))


def documents_above(session: Session, app: App, practice: Organisation) -> list[Record]:
    """The documents kept at ``practice`` or above it (what applies to it), by id."""
    query = (
        select(Record)
        .join(Organisation, Organisation.id == Record.organisation_id)
        .where(Record.app_id == app.id, literal(practice.path).startswith(Organisation.path))
    )
    return list(session.scalars(query.order_by(Record.id)))


def is_targeted_at(session: Session, app: App, org: Organisation) -> bool:
    query = select(Organisation.id).where(Organisation.id == org.id, targeted_clause(app.id))
    return session.scalar(query) is not None


def sees_as_keeper(access: Access, app: App, record: Record) -> bool:
    """Whether the user sees the document from the keeper's side (drafts included)."""
    return access.sees_as_provider(record, app)


def may_keep(access: Access, app: App, record: Record) -> bool:
    return access.can(WRITE, record.organisation, app)


def may_approve(access: Access, app: App, record: Record) -> bool:
    return access.can(APPROVE, record.organisation, app)


def may_adopt(access: Access, practice: Organisation) -> bool:
    return access.is_admin or bool(access.roles_at(practice) & ADOPT_ROLES)


def reading_practices(
    session: Session, access: Access, app: App, record: Record
) -> list[Organisation]:
    """The practices the document applies to whose library the user may read."""
    if record.status == "draft":
        return []
    readable = {o.id for o in access.orgs(session, READ, app)}
    return [o for o in practices_under(session, app, record.organisation) if o.id in readable]


def sign_roles_held(user: User, practice: Organisation, sign_roles: tuple[str, ...]) -> set[str]:
    """The user's roles held at ``practice`` itself that are sign roles."""
    return {
        m.role
        for m in user.memberships
        if m.organisation_id == practice.id and m.role in sign_roles
    }


def find_document(session: Session, access: Access, app: App, record_id: int) -> Record:
    """The document ``record_id`` of ``app`` when the user sees it, as its keeper or
    through a practice it applies to; else :class:`DocumentNotFound` (never say which)."""
    record = session.get(Record, record_id)
    if record is None or record.app_id != app.id:
        raise DocumentNotFound(f"There is no document {record_id} that you can see.")
    if sees_as_keeper(access, app, record) or reading_practices(session, access, app, record):
        return record
    raise DocumentNotFound(f"There is no document {record_id} that you can see.")

"""The world of the authorisation matrix: the test organisations and one user per role
(the attackers), and a second ICB (the victims) whose every object carries a marker.

The victims are a whole other ICB (``QZZ`` > ``PLZ01`` > ``U00099`` > ``A00099``, with a
safeguarding team ``LAZZ`` covering its Place), so nobody signed in at the test ICB may
see anything of theirs; only the platform admin, whose role spans the platform, may.
Their records, comments, file names, document titles, import notes, emails and user
names all contain :data:`MARKER`, and every number they answer is :data:`SCORE`, so a
leaked value, sum or mean shows in a response body.

Plain functions (no fixtures): ``tests/security/conftest.py`` seeds this once per module.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from miniapps.models import (
    ApiToken,
    App,
    Attachment,
    FollowUp,
    Membership,
    OutboxMessage,
    Record,
    User,
)
from miniapps.models.channel import Webhook
from miniapps.models.organisation import Organisation
from miniapps.services import invitations
from miniapps.services import users as user_service
from miniapps.services.documents import library
from miniapps.services.imports.store import ImportFolder, ImportProgress
from miniapps.services.organisations import OrgRow, upsert_organisations
from miniapps.services.permissions import Access
from miniapps.services.records import comments
from miniapps.services.records import lifecycle as record_service
from miniapps.services.records.attachments import attachment_path
from miniapps.services.studio import drafts as studio_drafts
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.documents_setup import SAF, policies_definition
from tests.fixtures_channels import concern_definition
from tests.publishing import publish_app

MARKER = "ZQXMARK"
SCORE = 7919  # a prime: neither a count nor a sum of the test ICB's own answers
PASSWORD = "correct horse battery"  # the same as tests/conftest.py's
PROBE = "matrix_probe"  # published to both ICBs: the victims' records are in an app one sees
HIDDEN = "matrix_hidden"  # published to the victims' ICB only: an app one may not know
MISSING_ID = 987_654_321  # an id nothing has: a foreign id must be answered like this one

ATTACKERS = {
    # role: (email, organisation)
    "platform_admin": ("admin@example.nhs.uk", "QWE"),
    "icb_viewer": ("icb@example.nhs.uk", "QWE"),
    "pcn_manager": ("pcn@example.nhs.uk", "U00001"),
    "practice_manager": ("pm@example.nhs.uk", "A00001"),
    "practice_staff": ("staff@example.nhs.uk", "A00001"),
    "stakeholder": ("laadult@example.gov.uk", "LAADULT"),
}

ORGANISATIONS = [
    OrgRow("QWE", "Test ICB", "icb", None),
    OrgRow("PLC01", "Test Place", "place", "QWE"),
    OrgRow("U00001", "North PCN", "pcn", "PLC01"),
    OrgRow("U00002", "South PCN", "pcn", "PLC01"),
    OrgRow("A00001", "North Surgery", "practice", "U00001"),
    OrgRow("A00002", "Hill Surgery", "practice", "U00001"),
    OrgRow("A00003", "South Surgery", "practice", "U00002"),
    OrgRow(
        "LAADULT",
        "Test Council Adult Safeguarding",
        "stakeholder",
        "PLC01",
        category=("la_adult_safeguarding"),
    ),
    OrgRow("QZZ", "Zed ICB", "icb", None),
    OrgRow("PLZ01", "Zed Place", "place", "QZZ"),
    OrgRow("U00099", "Zed PCN", "pcn", "PLZ01"),
    OrgRow("A00099", "Zed Surgery", "practice", "U00099"),
    OrgRow(
        "LAZZ",
        "Zed Council Adult Safeguarding",
        "stakeholder",
        "PLZ01",
        category=("la_adult_safeguarding"),
    ),
]


def probe_definition(app_id: str = PROBE) -> dict[str, Any]:
    """An app with every kind of object a URL can name: a file answer, checklist items
    that become follow-ups, a view, a workflow with approval and a dashboard."""
    return {
        "id": app_id,
        "title": "Matrix probe" if app_id == PROBE else "Matrix hidden",
        "version": 1,
        "schema": {
            "type": "object",
            "required": ["note"],
            "properties": {
                "note": {"type": "string", "title": "Note", "maxLength": 500},
                "score": {"type": "number", "title": "Score"},
                "kind": {
                    "type": "string",
                    "title": "Kind",
                    "oneOf": [{"const": "one", "title": "One"}, {"const": "two", "title": "Two"}],
                },
                "evidence": {"type": "string", "title": "Evidence"},
                "items": {
                    "type": "array",
                    "title": "Checklist",
                    "items": {
                        "type": "object",
                        "title": "Item",
                        "properties": {
                            "result": {
                                "type": "string",
                                "title": "Result",
                                "enum": ["met", "not_met"],
                            },
                            "action": {"type": "string", "title": "Action"},
                            "owner": {"type": "string", "title": "Owner"},
                            "due": {"type": "string", "format": "date", "title": "Due"},
                        },
                    },
                },
            },
        },
        "ui": {"fields": {"/evidence": {"widget": "file"}, "/items": {"widget": "repeat"}}},
        "workflow": {
            "initial": "draft",
            "states": {
                "draft": {"title": "Draft"},
                "submitted": {"title": "Submitted"},
                "approved": {"title": "Approved", "final": True},
            },
            "transitions": [
                {"action": "submit", "title": "Submit", "from": ["draft"], "to": "submitted"},
                {
                    "action": "approve",
                    "title": "Approve",
                    "from": ["submitted"],
                    "to": "approved",
                    "permission": "approve",
                },
            ],
        },
        "follow_ups": {
            "items": "/items",
            "where": {"required": ["result"], "properties": {"result": {"const": "not_met"}}},
            "title": "/action",
            "owner": "/owner",
            "due": "/due",
        },
        "views": [
            {
                "id": "overview",
                "title": "Overview",
                "roles": ["pcn_manager", "icb_viewer", "practice_manager", "practice_staff"],
                "fields": ["/score", "/kind"],
                "themes": ["/kind"],
            }
        ],
        "dashboard": {
            "widgets": [
                {
                    "id": "total",
                    "type": "metric",
                    "title": "Total score",
                    "field": "/score",
                    "aggregate": "sum",
                },
                {
                    "id": "kinds",
                    "type": "chart",
                    "chart": "bar",
                    "title": "Kinds",
                    "group_by": "/kind",
                },
            ]
        },
    }


@dataclass
class Foreign:
    """The victims' objects in one app: what fills a URL's variables."""

    app_id: str
    record_id: int
    draft_id: int
    attachment_id: str
    action_id: int
    view_id: str = "overview"
    number: int = 1


@dataclass
class World:
    attackers: dict[str, User]
    victims: dict[str, User]
    probe: Foreign
    hidden: Foreign
    library: Foreign
    draft: Foreign  # a draft of South Surgery (A00003), in the attackers' own ICB
    import_token: str
    invitation_token: str
    message_id: int
    api_token_id: int
    membership_id: int
    webhook_id: int
    studio_draft_id: int  # a studio draft of the victims' PCN
    own: dict[str, Any] = field(default_factory=dict)  # the attackers' own objects
    victim_ids: set[int] = field(default_factory=set)
    victim_emails: set[str] = field(default_factory=set)


def seed_world(session: Session, uploads: Path, imports: Path) -> World:
    """Everything the matrix needs, committed (the caller's outer transaction holds it)."""
    upsert_organisations(session, ORGANISATIONS)
    orgs = {o.ods: o for o in session.scalars(select(Organisation))}
    attackers = {
        role: user_service.create_user(
            session, email, role.replace("_", " ").title(), PASSWORD, role, orgs[ods]
        )
        for role, (email, ods) in ATTACKERS.items()
    }
    victims = {
        "keeper": _victim(session, "keeper", "pcn_manager", orgs["U00099"]),
        "approver": _victim(session, "approver", "pcn_manager", orgs["U00099"]),
        "manager": _victim(session, "manager", "practice_manager", orgs["A00099"]),
        "officer": _victim(session, "officer", "stakeholder", orgs["LAZZ"]),
        "south": _victim(session, "south", "practice_manager", orgs["A00003"]),
    }
    both = [orgs["QWE"], orgs["QZZ"]]
    probe_app = publish_app(session, probe_definition(PROBE), both)
    hidden_app = publish_app(session, probe_definition(HIDDEN), [orgs["QZZ"]])
    publish_app(session, concern_definition(), both)
    manager = victims["manager"]
    probe = _records(session, uploads, probe_app, orgs["A00099"], manager)
    hidden = _records(session, uploads, hidden_app, orgs["A00099"], manager)
    draft = _draft(session, uploads, probe_app, orgs["A00003"], victims["south"])
    _concern(session, orgs["A00099"], manager)
    library_foreign = _library(session, both, orgs["U00099"], victims)
    folder = ImportFolder(imports)
    note = {
        "user_id": manager.id,
        "app_id": PROBE,
        "filename": f"{MARKER}.csv",
        "rows": 1,
        "organisation": "A00099",
        "period": None,
    }
    import_token = folder.keep(f"note\n{MARKER}\n".encode(), note)
    folder.save_progress(import_token, ImportProgress("done", f"{MARKER}.csv", rows=1))
    link = invitations.issue_link(
        session, victims["manager"], "reset", actor=None, base_url="http://localhost"
    )
    message = OutboxMessage(
        to_address=manager.email,
        to_user_id=manager.id,
        subject=f"About {MARKER}",
        body_text=f"{MARKER} {SCORE}",
        body_html=None,
    )
    session.add(message)
    user_service.create_token(session, manager)
    session.flush()
    token_id = max(t.id for t in session.scalars(select(ApiToken)))
    membership = session.scalars(select(Membership).where(Membership.user_id == manager.id)).one()
    webhook = Webhook(
        organisation=orgs["LAZZ"],
        created_by_id=victims["officer"].id,
        url=f"https://{MARKER.lower()}.example/hook",
        secret="s" * 32,
    )
    session.add(webhook)
    keeper = victims["keeper"]
    studio_draft = studio_drafts.start_draft(
        session,
        Access(keeper),
        keeper,
        {"id": "zqx_draft", "title": f"{MARKER} draft", "version": 1, "schema": {}},
        f"Started {MARKER}",
    )
    staff = attackers["practice_staff"]
    mine = record_service.create_record(
        session,
        Access(staff),
        probe_app,
        orgs["A00001"],
        {"note": "Our own note", "score": 3, "kind": "one"},
        submit=True,
        actor=staff,
    )
    own_hook = Webhook(
        organisation=orgs["LAADULT"],
        created_by_id=attackers["stakeholder"].id,
        url="https://laadult.example/hook",
        secret="t" * 32,
    )
    session.add(own_hook)
    session.flush()
    own = {
        "app_id": PROBE,
        "record_id": mine.id,
        "view_id": "overview",
        "webhook_id": own_hook.id,
        "number": 1,
    }
    session.commit()
    return World(
        attackers=attackers,
        victims=victims,
        probe=probe,
        hidden=hidden,
        library=library_foreign,
        draft=draft,
        import_token=import_token,
        invitation_token=link.url.rstrip("/").rsplit("/", 1)[-1],
        message_id=message.id,
        api_token_id=token_id,
        membership_id=membership.id,
        webhook_id=webhook.id,
        studio_draft_id=studio_draft.id,
        own=own,
        victim_ids={u.id for u in victims.values()},
        victim_emails={u.email for u in victims.values()},
    )


def _victim(session: Session, name: str, role: str, org: Organisation) -> User:
    email = f"{name}.{MARKER.lower()}@zed.example.nhs.uk"
    return user_service.create_user(session, email, f"{MARKER} {name}", PASSWORD, role, org)


def _attachment(session: Session, uploads: Path, app: App, org: Organisation) -> Attachment:
    content = f"%PDF-1.4 {MARKER}".encode()
    attachment = Attachment(
        id=str(uuid.uuid4()),
        app_id=app.id,
        organisation_id=org.id,
        field_pointer="/evidence",
        filename=f"{MARKER}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    session.add(attachment)
    session.flush()
    path = attachment_path(uploads, attachment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return attachment


def _draft(session: Session, uploads: Path, app: App, org: Organisation, actor: User) -> Foreign:
    """A draft with a file: nobody but its practice (and the admin) may see either."""
    attachment = _attachment(session, uploads, app, org)
    data = {"note": f"{MARKER} draft", "score": SCORE, "evidence": attachment.id}
    draft = record_service.create_record(session, Access(actor), app, org, data, actor=actor)
    session.commit()
    return Foreign(app.id, draft.id, draft.id, attachment.id, 0)


def _records(session: Session, uploads: Path, app: App, org: Organisation, actor: User) -> Foreign:
    attachment = _attachment(session, uploads, app, org)
    data = {
        "note": f"{MARKER} secret note",
        "score": SCORE,
        "kind": "two",
        "evidence": attachment.id,
        "items": [
            {
                "result": "not_met",
                "action": f"{MARKER} action",
                "owner": f"{MARKER}",
                "due": "2030-01-01",
            }
        ],
    }
    access = Access(actor)
    record = record_service.create_record(session, access, app, org, data, submit=True, actor=actor)
    draft = record_service.create_record(
        session, access, app, org, {"note": f"{MARKER} draft", "score": SCORE}, actor=actor
    )
    session.flush()
    comments.add_comment(session, access, record, f"{MARKER} comment", actor)
    action = session.scalars(select(FollowUp).where(FollowUp.record_id == record.id)).first()
    assert action is not None, "the probe's not_met item should have made a follow-up"
    session.commit()
    return Foreign(app.id, record.id, draft.id, attachment.id, action.id)


def _concern(session: Session, org: Organisation, actor: User) -> Record:
    app = session.get(App, concern_definition()["id"])
    assert app is not None
    record = record_service.create_record(
        session,
        Access(actor),
        app,
        org,
        {"kind": "adult", "summary": f"{MARKER} concern", "urgent": True},
        submit=True,
        actor=actor,
    )
    session.commit()
    return record


def _library(
    session: Session,
    targets: list[Organisation],
    keeper_org: Organisation,
    victims: dict[str, User],
) -> Foreign:
    from miniapps.services.compliance.frameworks import load_framework

    load_framework(session, json.loads(SAF.read_text(encoding="utf-8")), source=str(SAF))
    app = publish_app(session, policies_definition(), targets)
    keeper, approver = victims["keeper"], victims["approver"]
    data = {
        "title": f"{MARKER} policy",
        "category": "policy",
        "owner": f"{MARKER} owner",
        "statements": ["infection_prevention_and_control"],
    }
    record = record_service.create_record(
        session, Access(keeper), app, keeper_org, data, submit=True, actor=keeper
    )
    session.flush()
    now = datetime.now(UTC).replace(microsecond=0)
    version = library.add_version(
        session,
        Access(keeper),
        app,
        record,
        keeper,
        body=f"{MARKER} body\n",
        change_summary=f"{MARKER} first",
        now=now,
    )
    library.approve_version(
        session, Access(approver), app, record, version.number, approver, now=now
    )
    library.publish_version(
        session,
        Access(keeper),
        app,
        record,
        version.number,
        keeper,
        now=now,
        base_url="http://localhost",
    )
    session.commit()
    return Foreign(app.id, record.id, record.id, "", 0, number=version.number)

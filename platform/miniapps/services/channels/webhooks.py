"""A stakeholder organisation's webhooks: register, list (with recent deliveries) and
delete. Only users acting for a stakeholder organisation have webhooks; everyone else
is refused (:class:`Forbidden`). The secret is stored to sign deliveries and never shown,
logged or written to the audit trail. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miniapps.core.channels.definition import channels_of
from miniapps.core.errors import Issue, IssuesError, MiniappsError
from miniapps.models import App, AppVersion, Organisation, User, Webhook, WebhookDelivery
from miniapps.services.admin.audit import audit_admin
from miniapps.services.channels.webhook_delivery import stop_queued
from miniapps.services.channels.webhook_policy import Resolver, UrlRefused, check_url
from miniapps.services.permissions import Access, Forbidden

SECRET_LENGTH = (16, 200)
RECENT_DELIVERIES = 20


class WebhookInvalid(IssuesError):
    """What was sent to register a webhook breaks a rule (one issue per member)."""

    code = "invalid_request"
    kind = "invalid"


class WebhookNotFound(MiniappsError):
    """No such webhook among the caller's organisations' (never says whose it is)."""

    code = "not_found"
    kind = "not_found"


def register_webhook(
    session: Session,
    access: Access,
    url: str,
    secret: str,
    channel: str | None = None,
    org: str | None = None,
    *,
    insecure: frozenset[str] = frozenset(),
    resolver: Resolver | None = None,
    now: datetime | None = None,
) -> Webhook:
    """Register a webhook for the caller's stakeholder organisation (flush only).

    ``org`` (an ODS code) chooses among several stakeholder organisations of the caller;
    ``insecure``: the hosts allowed over http and at any address
    (:func:`~miniapps.services.channels.webhook_policy.insecure_hosts` of the config)."""
    organisation = _acting_for(session, access, org)
    issues: list[Issue] = []
    try:
        check_url(url, insecure, resolver)
    except UrlRefused as exc:
        issues.append(Issue("/url", str(exc), "url_refused"))
    low, high = SECRET_LENGTH
    if not low <= len(secret) <= high:
        message = f"The secret must be {low} to {high} characters long (got {len(secret)})."
        issues.append(Issue("/secret", message, "secret_length"))
    if channel is not None and channel not in published_channels(session):
        message = f"No published app has a channel {channel!r}."
        issues.append(Issue("/channel", message, "unknown_channel"))
    if issues:
        raise WebhookInvalid(issues)
    webhook = Webhook(
        organisation=organisation,
        created_by_id=access.user.id if access.user is not None else None,
        url=url,
        secret=secret,
        channel=channel,
        created_at=now or datetime.now(UTC),
    )
    session.add(webhook)
    session.flush()
    _audit(session, access.user, "webhook_registered", webhook, None, _described(webhook))
    return webhook


def list_webhooks(session: Session, access: Access, org: str | None = None) -> list[Webhook]:
    """The live webhooks of the caller's stakeholder organisations (or of ``org``), oldest
    first."""
    org_ids = _org_ids(session, access, org)
    query = (
        select(Webhook)
        .where(Webhook.organisation_id.in_(org_ids), Webhook.deleted_at.is_(None))
        .order_by(Webhook.id)
    )
    return list(session.scalars(query))


def recent_deliveries(
    session: Session, webhook: Webhook, limit: int = RECENT_DELIVERIES
) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def delete_webhook(
    session: Session, access: Access, webhook_id: int, now: datetime | None = None
) -> Webhook:
    """Delete one of the caller's organisations' webhooks; its queued deliveries stop.
    Anyone else's (or an unknown or deleted one) is :class:`WebhookNotFound`."""
    org_ids = _org_ids(session, access, None)
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.organisation_id not in org_ids or webhook.deleted_at:
        raise WebhookNotFound(f"You have no webhook {webhook_id}.")
    now = now or datetime.now(UTC)
    webhook.deleted_at = now
    stop_queued(session, webhook.id)
    session.flush()
    _audit(session, access.user, "webhook_deleted", webhook, _described(webhook), None)
    return webhook


def published_channels(session: Session) -> set[str]:
    """The channel ids of every published app's latest version."""
    query = (
        select(AppVersion.definition)
        .join(App, App.id == AppVersion.app_id)
        .where(App.status == "published", AppVersion.version == App.latest_version)
    )
    return {
        channel.id
        for definition in session.scalars(query)
        for channel in channels_of(definition.get("channels"))
    }


def _acting_for(session: Session, access: Access, org: str | None) -> Organisation:
    """The stakeholder organisation the caller registers for."""
    org_ids = _org_ids(session, access, org)
    if len(org_ids) > 1:
        names = sorted(o.ods for o in _organisations(session, org_ids))
        message = f"You act for several organisations ({', '.join(names)}): say which in org."
        raise WebhookInvalid([Issue("/org", message, "org_required")])
    organisation = session.get(Organisation, org_ids[0])
    assert organisation is not None
    return organisation


def _org_ids(session: Session, access: Access, org: str | None) -> list[int]:
    """The caller's stakeholder organisations (just ``org`` when given); Forbidden for
    anyone who acts for none, or not for ``org``."""
    mine = sorted(access.stakeholder_org_ids)
    if not mine:
        raise Forbidden("Only users of a stakeholder organisation have webhooks.")
    if org is None:
        return mine
    wanted = org.strip().upper()
    for candidate in _organisations(session, mine):
        if candidate.ods == wanted:
            return [candidate.id]
    raise Forbidden(f"You do not act for a stakeholder organisation {wanted}.")


def _organisations(session: Session, org_ids: list[int]) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(org_ids))))


def _described(webhook: Webhook) -> dict[str, Any]:
    """What the audit trail keeps of a webhook: never its secret."""
    return {"org": webhook.organisation.ods, "url": webhook.url, "channel": webhook.channel}


def _audit(
    session: Session,
    actor: User | None,
    action: str,
    webhook: Webhook,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> None:
    audit_admin(session, actor, action, f"/webhooks/{webhook.id}", old, new)

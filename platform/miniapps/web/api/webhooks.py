"""Webhooks of stakeholder organisations: register, list with recent deliveries, delete.

Order of checks: token (401), a stakeholder user (403), the body (415/400/422); a webhook
that is not one of the caller's organisations' is a 404. The secret is never answered.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.models import Webhook, WebhookDelivery
from miniapps.services.channels.webhook_policy import insecure_hosts
from miniapps.services.channels.webhooks import (
    delete_webhook,
    list_webhooks,
    recent_deliveries,
    register_webhook,
)
from miniapps.services.permissions import Forbidden
from miniapps.services.records.representation import timestamp
from miniapps.web.api.auth import api_access
from miniapps.web.api.blueprint import bp
from miniapps.web.api.parsing import allow_params, text_param, validated_body


def webhook_answer(webhook: Webhook) -> dict[str, Any]:
    return {"id": webhook.id, "url": webhook.url, "channel": webhook.channel}


def delivery_answer(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "delivery": delivery.delivery,
        "event": delivery.event,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": timestamp(delivery.created_at),
        "delivered_at": timestamp(delivery.delivered_at),
        "last_status": delivery.last_status,
    }


def _require_stakeholder() -> None:
    """403 before anything is read from the body."""
    if not api_access().stakeholder_org_ids:
        raise Forbidden("Only users of a stakeholder organisation have webhooks.")


@bp.post("/webhooks")
def create_webhook() -> ResponseReturnValue:
    allow_params([])
    _require_stakeholder()
    body = validated_body("WebhookCreate")
    webhook = register_webhook(
        db.session,
        api_access(),
        body["url"],
        body["secret"],
        body.get("channel"),
        body.get("org"),
        insecure=insecure_hosts(current_app.config),
    )
    db.session.commit()
    response = jsonify(webhook_answer(webhook))
    response.status_code = 201
    return response


@bp.get("/webhooks")
def get_webhooks() -> ResponseReturnValue:
    allow_params(["org"])
    items = [
        {
            **webhook_answer(webhook),
            "created_at": timestamp(webhook.created_at),
            "deliveries": [delivery_answer(d) for d in recent_deliveries(db.session, webhook)],
        }
        for webhook in list_webhooks(db.session, api_access(), text_param("org"))
    ]
    return jsonify({"items": items})


@bp.delete("/webhooks/<int:webhook_id>")
def remove_webhook(webhook_id: int) -> ResponseReturnValue:
    allow_params([])
    delete_webhook(db.session, api_access(), webhook_id)
    db.session.commit()
    return Response(status=204)

"""``/api/v1/webhooks``: registration rules (https, public addresses, secret, channel),
who may have webhooks, the delivery log in the list, and deletion."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from miniapps.models import AuditEntry, Webhook, WebhookDelivery
from miniapps.services import users as user_service
from miniapps.services.channels import webhook_policy
from miniapps.services.channels.webhook_queue import queue_item_event
from miniapps.web.api.openapi_spec import openapi_document
from sqlalchemy import func, select
from sqlalchemy.orm import Session

URL = "/api/v1/webhooks"
PUBLIC = "https://93.184.215.14/hooks/miniapps"  # a public address: no DNS needed
SECRET = "s3cret-of-twenty-chars"


@pytest.fixture
def laadult(stakeholder_users, token, concern_app) -> dict[str, str]:
    """Auth headers of LAADULT's officer (the concern app, with its channels, published)."""
    return token(stakeholder_users["LAADULT"])


def check(schema_name: str, instance: Any) -> None:
    schema = {**openapi_document(), "$ref": f"#/components/schemas/{schema_name}"}
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(instance)]
    assert not errors, errors


def register(client: FlaskClient, auth: dict[str, str], **body: Any):
    return client.post(URL, json={"url": PUBLIC, "secret": SECRET, **body}, headers=auth)


def pointers(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_json()
    check("ValidationError", response.get_json())
    return {e["pointer"]: e["message"] for e in response.get_json()["errors"]}


def count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Webhook)) or 0


def test_register_answers_id_url_channel_and_never_the_secret(
    client: FlaskClient, laadult, db_session: Session
) -> None:
    created = register(client, laadult, channel="adult_safeguarding")
    assert created.status_code == 201, created.get_json()
    check("Webhook", created.get_json())
    answer = created.get_json()
    assert answer == {"id": answer["id"], "url": PUBLIC, "channel": "adult_safeguarding"}
    everything = register(client, laadult, url=PUBLIC + "/all")
    assert everything.status_code == 201
    assert everything.get_json()["channel"] is None
    listed = client.get(URL, headers=laadult)
    assert listed.status_code == 200
    check("WebhookList", listed.get_json())
    assert [w["id"] for w in listed.get_json()["items"]] == [answer["id"], answer["id"] + 1]
    stored = db_session.get(Webhook, answer["id"])
    assert stored is not None and stored.secret == SECRET
    assert stored.organisation.ods == "LAADULT"
    trail = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "webhook_registered"))
    logged = [json.dumps(entry.changes) for entry in trail]
    assert len(logged) == 2 and PUBLIC in logged[0]
    for text in (created.get_data(as_text=True), listed.get_data(as_text=True), *logged):
        assert SECRET not in text


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://93.184.215.14/hooks", "https://"),
        ("ftp://93.184.215.14/hooks", "https://"),
        ("hooks.example.org/x", "full URL"),
        ("https://user:pw@93.184.215.14/hooks", "user name or password"),
        ("https://93.184.215.14/hooks#part", "fragment"),
        ("https://93.184.215.14/" + "a" * 2000, "2000 characters"),
        ("https://93.184.215.14:99999/", "port"),
        ("https://exa mple.org/", "spaces"),
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://[::1]:8443/hooks", "loopback"),
        ("https://10.1.2.3/hooks", "private"),
        ("https://192.168.0.10/hooks", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://224.0.0.1/", "multicast"),
        ("https://[::ffff:10.0.0.1]/", "private"),
        ("https://100.64.0.1/", "not a public address"),
    ],
)
def test_refused_urls_are_422_at_url_and_nothing_is_stored(
    client: FlaskClient, laadult, db_session: Session, url: str, words: str
) -> None:
    issues = pointers(register(client, laadult, url=url))
    assert list(issues) == ["/url"]
    assert words in issues["/url"]
    assert count(db_session) == 0


def test_a_host_name_resolving_to_a_private_address_is_refused(
    client: FlaskClient, laadult, db_session: Session, monkeypatch
) -> None:
    answers = {
        "intranet.example.org": ["93.184.215.14", "10.0.0.7"],
        "hooks.example.org": ["93.184.215.14"],
    }
    monkeypatch.setattr(webhook_policy, "resolve", lambda host, port: answers[host])
    issues = pointers(register(client, laadult, url="https://intranet.example.org/hook"))
    assert "intranet.example.org (10.0.0.7)" in issues["/url"]
    assert "private" in issues["/url"]
    assert register(client, laadult, url="https://hooks.example.org/hook").status_code == 201

    def unknown(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    monkeypatch.setattr(webhook_policy, "resolve", unknown)
    issues = pointers(register(client, laadult, url="https://nowhere.example.org/hook"))
    assert "could not be resolved" in issues["/url"]
    assert count(db_session) == 1


def test_listed_insecure_hosts_may_use_http_and_local_addresses(
    app: Flask, client: FlaskClient, laadult, monkeypatch
) -> None:
    assert app.config["WEBHOOK_INSECURE_HOSTS"] == ""  # empty by default
    monkeypatch.setitem(app.config, "WEBHOOK_INSECURE_HOSTS", "127.0.0.1, localhost")
    for url in ("http://127.0.0.1:9000/hook", "http://localhost:9000/hook"):
        assert register(client, laadult, url=url).status_code == 201, url
    issues = pointers(register(client, laadult, url="http://10.0.0.9/hook"))
    assert "https://" in issues["/url"]
    issues = pointers(register(client, laadult, url="https://10.0.0.9/hook"))
    assert "private" in issues["/url"]


@pytest.mark.parametrize("length", [0, 15, 201])
def test_the_secret_is_16_to_200_characters(
    client: FlaskClient, laadult, db_session: Session, length: int
) -> None:
    issues = pointers(register(client, laadult, secret="x" * length))
    assert issues == {"/secret": f"The secret must be 16 to 200 characters long (got {length})."}
    assert count(db_session) == 0


def test_secrets_of_16_and_200_characters_are_accepted(client: FlaskClient, laadult) -> None:
    for length in (16, 200):
        assert register(client, laadult, secret="k" * length).status_code == 201


def test_an_unknown_channel_is_named_at_channel(
    client: FlaskClient, laadult, db_session: Session
) -> None:
    issues = pointers(register(client, laadult, channel="adult_safegaurding"))
    assert issues == {"/channel": "No published app has a channel 'adult_safegaurding'."}
    # Every problem at once, each at its own member.
    issues = pointers(register(client, laadult, url="http://x.org", secret="short", channel="n"))
    assert sorted(issues) == ["/channel", "/secret", "/url"]
    assert count(db_session) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC},
        {"url": PUBLIC, "secret": SECRET, "extra": 1},
        {"url": 5, "secret": SECRET},
    ],
)
def test_bodies_of_the_wrong_shape_are_refused(client: FlaskClient, laadult, body) -> None:
    response = client.post(URL, json=body, headers=laadult)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_request"


def test_users_without_a_stakeholder_organisation_get_403(
    client: FlaskClient, users, token, concern_app
) -> None:
    for key in ("practice_manager", "pcn_manager", "platform_admin"):
        auth = token(users[key])
        # 403 before the body is looked at: even an invalid one.
        for body in ({"url": PUBLIC, "secret": SECRET}, {"url": "nope"}):
            refused = client.post(URL, json=body, headers=auth)
            assert refused.status_code == 403, key
            check("Error", refused.get_json())
            assert refused.get_json()["error"] == "forbidden"
        assert client.get(URL, headers=auth).status_code == 403
        assert client.delete(f"{URL}/1", headers=auth).status_code == 403
    assert client.post(URL, json={"url": PUBLIC, "secret": SECRET}).status_code == 401


def test_the_list_shows_the_last_20_deliveries_newest_first(
    client: FlaskClient, laadult, db_session: Session, send_concern
) -> None:
    hook = register(client, laadult).get_json()["id"]
    record = send_concern("adult")
    item = record.channel_items[0]
    first = db_session.scalars(select(WebhookDelivery)).one()
    assert (first.event, first.webhook_id) == ("item.sent", hook)
    for _ in range(22):
        queue_item_event(db_session, item, "item.comment", first.created_at)
    db_session.commit()
    listed = client.get(URL, headers=laadult).get_json()["items"]
    deliveries = listed[0]["deliveries"]
    assert len(deliveries) == 20
    assert {d["event"] for d in deliveries} == {"item.comment"}
    assert deliveries[0] == {
        "delivery": deliveries[0]["delivery"],
        "event": "item.comment",
        "status": "queued",
        "attempts": 0,
        "created_at": deliveries[0]["created_at"],
        "delivered_at": None,
        "last_status": None,
    }
    ids = [
        db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.delivery == d["delivery"]))
        .one()
        .id
        for d in deliveries
    ]
    assert ids == sorted(ids, reverse=True)


def test_delete_then_404_and_others_webhooks_are_404(
    client: FlaskClient, laadult, stakeholder_users, token, db_session: Session, send_concern
) -> None:
    mine = register(client, laadult).get_json()["id"]
    send_concern("adult")
    lakids = token(stakeholder_users["LAKIDS"])
    assert client.get(URL, headers=lakids).get_json() == {"items": []}
    assert client.delete(f"{URL}/{mine}", headers=lakids).status_code == 404
    assert client.delete(f"{URL}/999999", headers=laadult).status_code == 404
    deleted = client.delete(f"{URL}/{mine}", headers=laadult)
    assert deleted.status_code == 204
    assert deleted.get_data() == b""
    assert client.get(URL, headers=laadult).get_json() == {"items": []}
    again = client.delete(f"{URL}/{mine}", headers=laadult)
    assert again.status_code == 404
    check("Error", again.get_json())
    # Its queued delivery stopped; nothing new is queued for it.
    delivery = db_session.scalars(select(WebhookDelivery)).one()
    db_session.refresh(delivery)
    assert delivery.status == "failed"
    assert delivery.last_error is not None and "deleted" in delivery.last_error
    send_concern("adult")
    assert db_session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_a_user_of_several_stakeholders_says_which(
    client: FlaskClient, laadult, stakeholder_users, stakeholders, db_session: Session, password
) -> None:
    officer = stakeholder_users["LAADULT"]
    user_service.create_user(
        db_session, officer.email, officer.name, password, "stakeholder", stakeholders["LAKIDS"]
    )
    db_session.commit()
    issues = pointers(register(client, laadult))
    assert "LAADULT, LAKIDS" in issues["/org"]
    created = register(client, laadult, org="lakids")
    assert created.status_code == 201
    webhook = db_session.get(Webhook, created.get_json()["id"])
    assert webhook is not None and webhook.organisation.ods == "LAKIDS"
    assert register(client, laadult, org="LAOTHER").status_code == 403
    assert len(client.get(URL, headers=laadult).get_json()["items"]) == 1
    assert client.get(f"{URL}?org=LAADULT", headers=laadult).get_json() == {"items": []}
    assert client.get(f"{URL}?org=LAOTHER", headers=laadult).status_code == 403

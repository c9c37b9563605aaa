"""``miniapps tokens``: API bearer tokens (made for a number of days, listed, revoked)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from miniapps.cli.output import fail, table
from miniapps.db import db
from miniapps.models import ApiToken, User
from miniapps.services import users as user_service
from miniapps.services.users.tokens import (
    MAX_TOKEN_DAYS,
    TokenError,
    by_prefix,
    create_token,
    revoke,
    token_state,
    tokens_of,
)

tokens_group = AppGroup("tokens", help="API bearer tokens (stored hashed, shown once).")


def _user(email: str) -> User:
    user = user_service.by_email(db.session, email)
    if user is None:
        fail(summary=f"no user has the email {email!r}; create it with `miniapps users create`")
    return user


@tokens_group.command("create")
@click.argument("email")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_TOKEN_DAYS),
    default=None,
    help="Days until the token expires (default API_TOKEN_DAYS, 90).",
)
def create_token_command(email: str, days: int | None) -> None:
    """Make a new API token for EMAIL and print it (the only time it is shown)."""
    session = db.session
    user = _user(email)
    if not user.active:
        fail(summary=f"{user.email} is deactivated")
    lifetime = days if days is not None else int(current_app.config["API_TOKEN_DAYS"])
    try:
        token = create_token(session, user, lifetime)
    except TokenError as exc:
        fail(summary=str(exc))
    session.commit()
    click.echo(token)
    click.echo(
        f"token for {user.email}, valid for {lifetime} days: store it now, it cannot be "
        "shown again. Send it as `Authorization: Bearer <token>`.",
        err=True,
    )


@tokens_group.command("list")
@click.option("--user", "email", help="Only this person's tokens.")
def list_tokens(email: str | None) -> None:
    """Tokens by their first characters: holder, state, made, expires, last used."""
    session = db.session
    if email is not None:
        rows = tokens_of(session, _user(email))
    else:
        rows = list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))
    now = datetime.now(UTC)
    for line in table(
        ("TOKEN", "HOLDER", "STATE", "CREATED", "EXPIRES", "LAST USED"),
        [
            (
                token.prefix + "…",
                token.user.email,
                token_state(token, now),
                f"{token.created_at:%Y-%m-%d %H:%M}",
                f"{token.expires_at:%Y-%m-%d %H:%M}",
                f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
            )
            for token in rows
        ],
    ):
        click.echo(line)


@tokens_group.command("revoke")
@click.argument("prefix", required=False)
@click.option("--user", "email", help="Revoke every token of this person instead.")
def revoke_tokens(prefix: str | None, email: str | None) -> None:
    """Revoke the token listed as PREFIX (e.g. mna_AbC123), or all of --user EMAIL's."""
    if (prefix is None) == (email is None):
        click.echo("error: give a token PREFIX or --user EMAIL (one of them)", err=True)
        raise SystemExit(2)
    session = db.session
    if email is not None:
        user = _user(email)
        revoked = [t for t in tokens_of(session, user) if revoke(t)]
        session.commit()
        click.echo(f"revoked {len(revoked)} token(s) of {user.email}")
        return
    assert prefix is not None
    try:
        token = by_prefix(session, prefix)
    except TokenError as exc:
        fail(summary=str(exc))
    changed = revoke(token)
    session.commit()
    verb = "revoked" if changed else "was already revoked:"
    click.echo(f"{verb} token {token.prefix}… of {token.user.email}")

"""``miniapps tokens``: API bearer tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from miniapps.cli.output import fail
from miniapps.db import db
from miniapps.services import users as user_service

tokens_group = AppGroup("tokens", help="API bearer tokens (stored hashed, shown once).")


@tokens_group.command("create")
@click.argument("email")
def create_token(email: str) -> None:
    """Make a new API token for EMAIL and print it (the only time it is shown)."""
    session = db.session
    user = user_service.by_email(session, email)
    if user is None:
        fail(summary=f"no user has the email {email!r}; create it with `miniapps users create`")
    if not user.active:
        fail(summary=f"{user.email} is deactivated")
    token = user_service.create_token(session, user)
    session.commit()
    click.echo(token)
    click.echo(
        f"token for {user.email}: store it now, it cannot be shown again. "
        "Send it as `Authorization: Bearer <token>`.",
        err=True,
    )

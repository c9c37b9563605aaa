"""``miniapps users``: accounts and their roles."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from miniapps.cli.output import fail
from miniapps.db import db
from miniapps.models import ROLES
from miniapps.services import users as user_service
from miniapps.services.organisations import UnknownOrganisation, by_ods

users_group = AppGroup("users", help="People and their roles per organisation.")


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name, as shown to other users.")
@click.option("--role", required=True, help=f"One of: {', '.join(ROLES)}.")
@click.option("--org", "ods", required=True, help="ODS code of the organisation the role is at.")
@click.option(
    "--password",
    envvar="MINIAPPS_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Read from MINIAPPS_PASSWORD, else asked for (never pass it on the command line).",
)
def create_user(email: str, name: str, role: str, ods: str, password: str) -> None:
    """Create the account EMAIL with ROLE at an organisation (or add the role to it)."""
    session = db.session
    if role not in ROLES:
        fail(summary=f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    try:
        org = by_ods(session, ods)
    except UnknownOrganisation as exc:
        fail(summary=f"{exc} Import organisations first (`miniapps orgs import`).")
    existed = user_service.by_email(session, email) is not None
    try:
        user = user_service.create_user(session, email, name, password, role, org)
    except user_service.UserError as exc:
        session.rollback()
        fail(summary=str(exc))
    session.commit()
    verb = "updated" if existed else "created"
    click.echo(f"{verb} user {user.email}: {role} at {org.name} ({org.ods})")

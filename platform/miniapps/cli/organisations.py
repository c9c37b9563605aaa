"""``miniapps orgs``: import organisations from CSV and show the hierarchy."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from miniapps.cli.output import fail
from miniapps.db import db
from miniapps.models import ORG_TYPES, Organisation
from miniapps.services.organisations import (
    IMPORT_COLUMNS,
    ActivityInvalid,
    OrganisationImportInvalid,
    UnknownOrganisation,
    by_ods,
    parse_org_csv,
    set_activity,
    upsert_organisations,
)

orgs_group = AppGroup("orgs", help="Organisations: ICB > Place > PCN > Practice, stakeholders.")


@orgs_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_orgs(file: Path) -> None:
    """Create or update organisations from FILE.csv (columns ods,name,type,parent_ods).

    All or nothing: every bad row is reported as ``row N, column C: message``.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(summary=f"{file} is not UTF-8 text; save it as CSV UTF-8 and try again")
    session = db.session
    try:
        created, updated = upsert_organisations(session, parse_org_csv(text))
    except OrganisationImportInvalid as exc:
        session.rollback()
        fail(
            exc.lines(),
            f"{len(exc.issues)} problem(s) in {file}; nothing was imported "
            f"(expected columns: {','.join(IMPORT_COLUMNS)})",
        )
    session.commit()
    click.echo(f"imported {file}: {created} created, {updated} updated")


@orgs_group.command("activity")
@click.argument("ods")
@click.option("--from", "active_from", type=click.DateTime(formats=["%Y-%m-%d"]), help="Opened on.")
@click.option(
    "--closed-on", "closed_on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Closed on."
)
def activity(ods: str, active_from: datetime | None, closed_on: datetime | None) -> None:
    """Record when organisation ODS was open (dates YYYY-MM-DD; leave one out for none).

    Returns are owed only for periods it was open at the end of; past periods keep
    counting after it closes.
    """
    session = db.session
    try:
        org = by_ods(session, ods)
        set_activity(
            session,
            org,
            active_from=active_from.date() if active_from else None,
            closed_on=closed_on.date() if closed_on else None,
        )
    except UnknownOrganisation:
        fail(summary=f"unknown ODS code: {ods}")
    except ActivityInvalid as exc:
        session.rollback()
        fail(exc.lines(), f"{ods} was not changed")
    session.commit()
    opened = org.active_from.isoformat() if org.active_from else "always"
    closed = org.closed_on.isoformat() if org.closed_on else "still open"
    click.echo(f"{org.ods} {org.name}: open from {opened}, closed: {closed}")


@orgs_group.command("list")
def list_orgs() -> None:
    """Show every organisation as a tree (demo organisations are marked)."""
    orgs = sorted(db.session.scalars(select(Organisation)), key=_tree_order)
    if not orgs:
        click.echo(
            "no organisations yet: run `miniapps orgs import FILE.csv` or `miniapps demo load`"
        )
        return
    known = {o.id for o in orgs}
    children: dict[int | None, list[Organisation]] = {}
    for org in orgs:
        parent = org.parent_id if org.parent_id in known else None
        children.setdefault(parent, []).append(org)

    def show(parent: int | None, depth: int) -> None:
        for org in children.get(parent, []):
            marks = (
                [org.type]
                + (["demo"] if org.is_demo else [])
                + ([] if org.active else ["inactive"])
            )
            click.echo(f"{'  ' * depth}{org.ods}  {org.name}  ({', '.join(marks)})")
            show(org.id, depth + 1)

    show(None, 0)


def _tree_order(org: Organisation) -> tuple[int, list[str | int]]:
    """Trees before stakeholders; names in natural order (Practice 9 before Practice 10)."""
    rank = ORG_TYPES.index(org.type) if org.type in ORG_TYPES else len(ORG_TYPES)
    return rank, [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", org.name)]

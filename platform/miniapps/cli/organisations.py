"""``miniapps orgs``: import organisations from CSV, show the hierarchy and the
stakeholder categories."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from miniapps.cli.output import fail
from miniapps.db import db
from miniapps.models import ORG_TYPES, Organisation
from miniapps.services.admin.stakeholders import CATEGORY_TITLES
from miniapps.services.channels.stakeholders import area_path
from miniapps.services.organisations import (
    IMPORT_COLUMNS,
    STANDARD_CATEGORIES,
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
    """Create or update organisations from FILE.csv (columns ods,name,type,parent_ods
    and an optional category).

    type is icb, place, pcn, practice or stakeholder. A stakeholder's category says what
    it receives through channels: la_adult_safeguarding, la_children_safeguarding,
    icb_quality, icb_safeguarding, or any lower-case name like ^[a-z][a-z0-9_]*$ (see
    `miniapps orgs categories`); other types leave it empty. A stakeholder's parent_ods
    (a Place or an ICB) is its area: everything beneath it. A file without the column
    keeps the categories already set; an empty cell in it clears one.

    All or nothing: every bad row is reported as ``row N, column C: message``.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(summary=f"{file} is not UTF-8 text; save it as CSV UTF-8 and try again")
    session = db.session
    try:
        rows = parse_org_csv(text)
        created, updated = upsert_organisations(session, rows)
    except OrganisationImportInvalid as exc:
        session.rollback()
        fail(
            exc.lines(),
            f"{len(exc.issues)} problem(s) in {file}; nothing was imported "
            f"(expected columns: {','.join(IMPORT_COLUMNS)})",
        )
    session.commit()
    click.echo(f"imported {file}: {created} created, {updated} updated")
    for row in rows:
        if row.type == "stakeholder":
            click.echo(_stakeholder_line(by_ods(session, row.ods)))


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
                + ([f"category {org.category}"] if org.category else [])
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


@orgs_group.command("categories")
def categories() -> None:
    """List the stakeholder categories: the standard ones, then any other in use, each
    with the stakeholder organisations that have it, their area and those with none."""
    session = db.session
    stakeholders = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.type == "stakeholder")
            .order_by(func.coalesce(Organisation.category, ""), Organisation.ods)
        )
    )
    in_use = sorted({o.category for o in stakeholders if o.category} - set(STANDARD_CATEGORIES))
    for category in (*STANDARD_CATEGORIES, *in_use):
        title = CATEGORY_TITLES.get(category, "(not a standard category)")
        holders = [o for o in stakeholders if o.category == category]
        click.echo(f"{category}  {title}: {len(holders)} stakeholder(s)")
        for org in holders:
            click.echo(f"  {_stakeholder_line(org)}")
    lacking = [o for o in stakeholders if not o.category]
    if lacking:
        click.echo(f"no category (named by ODS code only): {len(lacking)} stakeholder(s)")
        for org in lacking:
            click.echo(f"  {_stakeholder_line(org)}")


def _stakeholder_line(org: Organisation) -> str:
    """``LAADULT  Name: category c, area PLC01 (Test Place)`` for a stakeholder."""
    category = f"category {org.category}" if org.category else "no category"
    parent = org.parent if area_path(org) is not None else None
    area = f"area {parent.ods} ({parent.name})" if parent else "no area (no parent)"
    return f"{org.ods}  {org.name}: {category}, {area}"

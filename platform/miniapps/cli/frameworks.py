"""``miniapps frameworks``: load and list compliance frameworks (versioned data)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from miniapps.cli.output import fail, table
from miniapps.core.definitions.loading import read_definition
from miniapps.core.errors import IssuesError
from miniapps.db import db
from miniapps.services.compliance.frameworks import load_framework, stored_frameworks

frameworks_group = AppGroup("frameworks", help="Compliance frameworks: load, list.")


@frameworks_group.command("load")
@click.argument("file", type=click.Path(path_type=str))
def load(file: str) -> None:
    """Check the framework version in FILE and store it.

    Loading the same content again changes nothing; a different content for a version
    already loaded is refused (give it a new version). Errors are
    `<file>:<json-pointer>: <message>` lines (exit 1); nothing is stored then.
    """
    try:
        raw, source = read_definition(file)
        outcome = load_framework(db.session, raw, source=source, actor=None)
    except IssuesError as exc:
        fail(exc.lines(), summary=f"{len(exc.issues)} problem(s) found; nothing was loaded")
    db.session.commit()
    framework = outcome.framework
    name = f"{framework.id} {framework.version}"
    if not outcome.created:
        click.echo(f"unchanged {name}")
        return
    counts = ", ".join(f"{q.id} {len(q.statements)}" for q in framework.key_questions)
    click.echo(
        f"loaded {name}: {len(framework.key_questions)} key questions, "
        f"{len(framework.statements)} statements ({counts})"
    )


@frameworks_group.command("list")
def list_frameworks() -> None:
    """The loaded framework versions: id, version, title, counts, what it replaces."""
    rows = [
        (
            row.framework_id,
            row.version,
            len(row.content["key_questions"]),
            sum(len(q["statements"]) for q in row.content["key_questions"]),
            row.content.get("replaces", {}).get("version", "-"),
            row.loaded_at.strftime("%Y-%m-%d %H:%M"),
            row.title,
        )
        for row in stored_frameworks(db.session)
    ]
    if not rows:
        click.echo("no frameworks loaded")
        return
    headers = ("framework", "version", "key_questions", "statements", "replaces", "loaded", "title")
    for line in table(headers, rows):
        click.echo(line)

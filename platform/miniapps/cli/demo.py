"""``miniapps demo``: load the demonstration data set."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from miniapps.cli.output import fail, table
from miniapps.db import db
from miniapps.demo.loader import DEFAULT_PASSWORD, DemoReport, load_demo

demo_group = AppGroup("demo", help="Demonstration data: pilot organisations, users, apps, records.")


@demo_group.command("load")
def load() -> None:
    """Load the pilot organisations, users at every level, the bundled apps and a year of
    records (the latest return due left open for the practices with users), and the
    stakeholder teams' inboxes (incidents and referrals in every state) and ad hoc return.

    Apps come from APPS_DIR and docs/examples/ beside it; all are published to the
    demo ICB. The sign-in address printed is BASE_URL (MINIAPPS_BASE_URL). Idempotent:
    running it again adds only what is missing.
    """
    config = current_app.config
    apps_dir = Path(config["APPS_DIR"])
    started = time.perf_counter()
    report = load_demo(
        db.session,
        pilot_file=Path(config["ORGANISATIONS_FILE"]),
        apps_dirs=[apps_dir, apps_dir.parent / "docs" / "examples"],
        password=config.get("DEMO_PASSWORD") or DEFAULT_PASSWORD,
        progress=lambda line: click.echo(f"... {line}", err=True),
    )
    db.session.commit()
    _print_report(report, config["BASE_URL"], time.perf_counter() - started)
    if report.problems:
        fail(summary=f"{len(report.problems)} problem(s) in bundled apps (above); the rest loaded")


def _print_report(report: DemoReport, base_url: str, seconds: float) -> None:
    click.echo(
        f"organisations: {report.orgs_created} created, {report.orgs_updated} updated "
        "(codes with a hyphen are made up; the named practices' PCNs are illustrative)"
    )
    click.echo(f"users: {report.users_created} created, {len(report.logins)} in all")
    for line in report.apps or ["none found to publish"]:
        click.echo(f"app: {line}")
    for app_id, count in report.records_created.items():
        click.echo(f"records: {count} created for {app_id}")
    for app_id, count in report.records_kept.items():
        click.echo(f"records: {app_id} already has {count}, none added")
    if report.records_invalid:
        click.echo(f"records: {report.records_invalid} generated that failed the schema, skipped")
    for line in report.problems:
        click.echo(line)
    click.echo(f"done in {seconds:.1f} s\n\nSign in at {base_url}\n")
    rows = [(x.email, x.password, x.role, f"{x.org_name} ({x.org_ods})") for x in report.logins]
    for line in table(("EMAIL", "PASSWORD", "ROLE", "ORGANISATION"), rows):
        click.echo(line)

"""``miniapps evidence``: the inspection pack of one practice.

The command line acts as the platform itself: the pack holds every record of the
practice that the pack's apps hold, whoever may read them on the web.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from miniapps.cli.output import fail
from miniapps.db import db
from miniapps.services.compliance.assessment import UnknownFramework
from miniapps.services.compliance.pack import PackRefused, build_pack, practice_for_pack

evidence_group = AppGroup("evidence", help="Compliance evidence: the inspection pack.")

DEFAULT_FRAMEWORK = "cqc-saf"


@evidence_group.command("pack")
@click.argument("ods")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The ZIP file to write (replaced if it exists).",
)
@click.option(
    "--framework",
    "framework_id",
    default=DEFAULT_FRAMEWORK,
    show_default=True,
    help="The compliance framework (its latest loaded version).",
)
def pack(ods: str, out: Path, framework_id: str) -> None:
    """Build the inspection pack of practice ODS into --out (a ZIP).

    It holds index.html (printable, by key question and quality statement, each piece of
    evidence with its date, owner and links into the pack), records/<app>.csv and .xlsx
    (the last 12 months), attachments/<record id>/<file> and summaries/ (CSV, and
    summaries.xlsx with a sheet per table). The file appears only once complete: it is
    written beside --out and renamed at the end. Exit 1 for an unknown practice or
    framework.
    """
    session = db.session
    if not out.parent.is_dir():
        fail(summary=f"cannot write {out}: the folder {out.parent} does not exist")
    try:
        org = practice_for_pack(session, ods)
        summary = build_pack(
            session,
            org,
            framework_id,
            out,
            uploads_dir=current_app.config["UPLOADS_DIR"],
        )
    except (PackRefused, UnknownFramework) as exc:
        session.rollback()
        fail(summary=str(exc))
    session.commit()  # the audit entry of the pack (and the reads of channel records)
    click.echo(f"{summary.line()} -> {out}")

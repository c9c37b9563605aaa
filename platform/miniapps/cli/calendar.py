"""``miniapps calendar``: the bank-holiday calendar that working-day SLAs count on."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from miniapps.cli.output import fail, table
from miniapps.core.errors import DataInvalid
from miniapps.db import db
from miniapps.models import BankHoliday
from miniapps.services.channels.calendar import calendar_days, replace_calendar

calendar_group = AppGroup(
    "calendar", help="The bank-holiday calendar for working days: load, list."
)


@calendar_group.command("load")
@click.argument("file", type=click.Path(path_type=str))
def load(file: str) -> None:
    """Replace the bank-holiday calendar with the one in FILE.

    FILE is GOV.UK's bank-holidays.json (its england-and-wales division is used) or
    {"events": [{"date": "2026-12-25", "title": "Christmas Day"}, ...]}. Errors are
    `<file>:<json-pointer>: <message>` lines (exit 1); nothing changes then. Deadlines
    already set stay as they were; new items count on the new calendar.
    """
    raw = _read(file)
    try:
        days = replace_calendar(db.session, raw, actor=None)
    except DataInvalid as exc:
        lines = [f"{file}:{issue.pointer}: {issue.message}" for issue in exc.issues]
        fail(lines, summary=f"{len(lines)} problem(s) found; the calendar was not changed")
    db.session.commit()
    click.echo(f"loaded {len(days)} bank holidays, {_span(days)}")


@calendar_group.command("list")
def list_days() -> None:
    """The calendar in use (loaded, or the one shipped with the package) and its days."""
    loaded_at = db.session.scalar(select(func.max(BankHoliday.loaded_at)))
    days = calendar_days(db.session)
    if loaded_at is None:
        source = "shipped with miniapps (England and Wales)"
    else:
        source = f"loaded {loaded_at:%Y-%m-%d %H:%M} UTC"
    click.echo(f"calendar: {source}, {len(days)} bank holidays, {_span(days)}")
    rows = [(day.isoformat(), f"{day:%a}", title) for day, title in days.items()]
    for line in table(("date", "day", "title"), rows):
        click.echo(line)


def _read(file: str) -> Any:
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail([f"{file}:: file not found"], summary="the calendar was not changed")
    except (OSError, UnicodeDecodeError) as exc:
        fail([f"{file}:: cannot be read ({exc})"], summary="the calendar was not changed")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        reason = exc.msg[:1].lower() + exc.msg[1:]
        message = f"is not valid JSON: {reason} at line {exc.lineno}, column {exc.colno}"
        fail([f"{file}:: {message}"], summary="the calendar was not changed")


def _span(days: dict[date, str]) -> str:
    return f"{min(days).isoformat()} to {max(days).isoformat()}" if days else "none"

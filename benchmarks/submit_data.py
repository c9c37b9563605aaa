"""The submit benchmark's data: the published app (a cleaning and infection-control audit
of 16 fields with a condition, a submit step and a notification), the answers each request
sends (as JSON and as the record form posts them) and the fresh database they go into.
Used by ``submit_bench.py`` and ``submit_server.py``."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "platform"))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from miniapps import migrations_api  # noqa: E402
from miniapps.core.definitions.loading import validate_definition  # noqa: E402
from miniapps.db import make_engine  # noqa: E402
from miniapps.models.base import JsonType  # noqa: E402
from miniapps.services import apps as app_service  # noqa: E402
from miniapps.services import users as user_service  # noqa: E402
from miniapps.services.organisations import OrgRow, by_ods, upsert_organisations  # noqa: E402
from miniapps.services.users.tokens import create_token  # noqa: E402
from sqlalchemy import DateTime, String  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402

APP_ID = "bench_submit"
PRACTICE = "ZS00001"
STAFF = "staff@submit-bench.invalid"
MANAGER = "manager@submit-bench.invalid"
PASSWORD = "submit benchmark 2026"
GOAL = 0.5
SQLITE_URL = f"sqlite:///{generate.DATA_DIR / 'submit_bench.sqlite3'}"
PG_DATABASE = os.environ.get("MINIAPPS_BENCH_DATABASE", "miniapps_bench") + "_submit"
PG_URL = f"{generate.PG_SERVER}/{PG_DATABASE}"
KINDS = ("bare", "api", "form")

AREAS = ["reception", "consulting", "treatment", "toilets", "kitchen", "waiting"]
CHECKS = ["floors", "surfaces", "bins", "sinks", "curtains", "equipment"]


def _choices(values: list[str]) -> list[dict[str, str]]:
    return [{"const": v, "title": v.replace("_", " ").capitalize()} for v in values]


DEFINITION: dict[str, Any] = {
    "id": APP_ID,
    "title": "Cleaning and infection control audit",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["audit_date", "area", "auditor", "score", "issues_found"],
        "properties": {
            "audit_date": {
                "type": "string",
                "format": "date",
                "title": "Date of the audit",
                "x-not-future": True,
            },
            "area": {"type": "string", "title": "Area", "oneOf": _choices(AREAS)},
            "auditor": {"type": "string", "title": "Auditor's role", "maxLength": 80},
            "score": {"type": "integer", "title": "Score (%)", "minimum": 0, "maximum": 100},
            "rooms_checked": {"type": "integer", "title": "Rooms checked", "minimum": 0},
            "fridge_temperature": {
                "type": "number",
                "title": "Fridge temperature (°C)",
                "minimum": -30,
                "maximum": 40,
            },
            "hand_gel": {"type": "boolean", "title": "Hand gel at every entrance?"},
            "sharps_bins": {
                "type": "string",
                "title": "Sharps bins",
                "oneOf": _choices(["correct", "over_full", "not_labelled", "missing"]),
            },
            "checked": {
                "type": "array",
                "title": "What was checked",
                "items": {"type": "string", "oneOf": _choices(CHECKS)},
                "uniqueItems": True,
            },
            "contractor": {"type": "string", "title": "Cleaning contractor", "maxLength": 120},
            "last_deep_clean": {"type": "string", "format": "date", "title": "Last deep clean"},
            "waste": {
                "type": "string",
                "title": "Waste segregation",
                "oneOf": _choices(["good", "some_errors", "poor"]),
            },
            "notes": {"type": "string", "title": "Notes", "maxLength": 1000},
            "issues_found": {"type": "boolean", "title": "Were any issues found?"},
        },
        "if": {"properties": {"issues_found": {"const": True}}, "required": ["issues_found"]},
        "then": {
            "required": ["issue_details", "risk"],
            "properties": {
                "issue_details": {
                    "type": "string",
                    "title": "What was found",
                    "minLength": 1,
                    "maxLength": 2000,
                },
                "risk": {"type": "string", "title": "Risk", "oneOf": _choices(["low", "high"])},
            },
        },
    },
    "ui": {"fields": {"/notes": {"widget": "textarea", "rows": 4}}},
    "workflow": {
        "initial": "draft",
        "states": {
            "draft": {"title": "Draft"},
            "submitted": {"title": "Submitted"},
            "reviewed": {"title": "Reviewed", "final": True},
        },
        "transitions": [
            {"action": "submit", "title": "Submit", "from": ["draft"], "to": "submitted"},
            {
                "action": "review",
                "title": "Mark reviewed",
                "from": ["submitted"],
                "to": "reviewed",
                "roles": ["practice_manager"],
            },
        ],
    },
    "notifications": [
        {
            "on": "submitted",
            "to": ["practice_manager"],
            "when": {"properties": {"risk": {"const": "high"}}, "required": ["risk"]},
            "template": "A cleaning audit found a high risk.",
        }
    ],
}


# --- the floors' tables (submit_bench.py, submit_form_floor.py) -------------------------


class FloorBase(DeclarativeBase):
    pass


class FloorRow(FloorBase):
    """One submitted JSON body's data: what the floor stores."""

    __tablename__ = "submit_bench_floor"
    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(100))
    org: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def record_data(n: int) -> dict[str, Any]:
    """The ``n``-th submitted answers: every field, a few varying, every 4th with issues."""
    day = date.today() - timedelta(days=1 + n % 300)
    data: dict[str, Any] = {
        "audit_date": day.isoformat(),
        "area": AREAS[n % len(AREAS)],
        "auditor": "Infection control lead",
        "score": n % 101,
        "rooms_checked": 3 + n % 9,
        "fridge_temperature": 4.5,
        "hand_gel": n % 2 == 0,
        "sharps_bins": "correct",
        "checked": CHECKS[: 1 + n % len(CHECKS)],
        "contractor": "Bright Clean Ltd",
        "last_deep_clean": (day - timedelta(days=30)).isoformat(),
        "waste": "good",
        "notes": "Routine monthly audit; nothing unusual apart from what is listed.",
        "issues_found": n % 4 == 0,
    }
    if data["issues_found"]:
        data["issue_details"] = "Dust on high surfaces in two rooms."
        data["risk"] = "high" if n % 8 == 0 else "low"
    return data


def form_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the record form posts it (dates as day/month/year boxes, yes/no radios,
    one entry per ticked checkbox)."""
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("audit_date", "last_deep_clean"):
            year, month, day = value.split("-")
            fields.update({f"{key}-day": day, f"{key}-month": month, f"{key}-year": year})
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        elif isinstance(value, list):
            fields[key] = list(value)
        else:
            fields[key] = str(value)
    return fields


def setup(url: str) -> str:
    """A fresh database with the organisations, users and the published app; the token."""
    generate.reset_database(url)
    migrations_api.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            upsert_organisations(
                session,
                [
                    OrgRow("SUBMIT-ICB", "Submit bench ICB", "icb", None, True),
                    OrgRow("SUBMIT-PLACE", "Submit bench Place", "place", "SUBMIT-ICB", True),
                    OrgRow("SUBMIT-PCN", "Submit bench PCN", "pcn", "SUBMIT-PLACE", True),
                    OrgRow(PRACTICE, "Submit Bench Surgery", "practice", "SUBMIT-PCN", True),
                ],
            )
            practice = by_ods(session, PRACTICE)
            staff = user_service.create_user(
                session, STAFF, "Bench staff", PASSWORD, "practice_staff", practice
            )
            user_service.create_user(
                session, MANAGER, "Bench manager", PASSWORD, "practice_manager", practice
            )
            token = create_token(session, staff, 30)
            icb = by_ods(session, "SUBMIT-ICB")
            since = date.today() - timedelta(days=400)
            definition = validate_definition(DEFINITION)
            app_service.publish(session, definition, [icb], actor=None, targeted_from=since)
            session.commit()
    finally:
        engine.dispose()
    return token


Send = Callable[[int], None]  # sends the n-th submit and checks its answer


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

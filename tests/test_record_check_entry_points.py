"""One table of record-data cases through every entry point: the same verdict everywhere.

Each case is data plus the pointers :func:`check_record` refuses for a draft and on
submit. The form (a real POST), the API, the wide import (dry run and confirmed), the long
indicator extract and the submit transition must refuse exactly those pointers (an import
names the column a pointer came from) and store nothing when they refuse.

Two faults of the four hand-written checks this replaced are cases here: the API stored
the draft ``{"reading": "not a number"}`` that the form refused (``test_api[wrong
type-draft]``), and a wide-import dry run of an app with declared ``indicators`` passed a
numerator above its denominator that the confirmed import then refused naming no column
(``test_wide_import[numerator above denominator-dry run]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.forms import bind_form, compile_form
from miniapps.core.records.check import check_record
from miniapps.models import Record
from miniapps.services.definitions import app_definition
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tests.conftest import iif_data
from tests.publishing import publish_app

CHECK_APP: dict[str, Any] = {
    "id": "check_cases",
    "title": "Check cases",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["reading"],
        "properties": {
            "reading": {"type": "number", "title": "Temperature", "minimum": -30, "maximum": 40},
            "num": {"type": "integer", "title": "Vaccinated", "minimum": 0},
            "den": {"type": "integer", "title": "Eligible", "minimum": 0},
            "smoker": {"type": "boolean", "title": "Smoker"},
        },
        "if": {"properties": {"smoker": {"const": True}}, "required": ["smoker"]},
        "then": {
            "properties": {"per_day": {"type": "integer", "title": "A day", "minimum": 1}},
            "required": ["per_day"],
        },
    },
    "indicators": [
        {
            "code": "VAC-1",
            "title": "Vaccinated",
            "numerator": "/num",
            "denominator": "/den",
            "lower_threshold": 0.5,
            "upper_threshold": 0.8,
            "direction": "higher",
            "max_points": 10,
            "value_per_point": 100.0,
        }
    ],
}


@dataclass(frozen=True)
class Case:
    name: str
    data: dict[str, Any]
    draft: set[str]  # pointers refused for a draft
    submit: set[str]  # pointers refused on submit
    stored: dict[str, Any] | None = None  # what a submit stores, when not ``data``
    form_ok: bool = field(default=True)  # the case can be typed into the form


CASES = [
    Case("valid", {"reading": 4, "num": 3, "den": 5}, set(), set()),
    Case("missing required", {"num": 1, "den": 2}, set(), {"/reading"}),
    Case("wrong type", {"reading": "not a number"}, {"/reading"}, {"/reading"}),
    Case("out of range", {"reading": 99}, {"/reading"}, {"/reading"}),
    Case("numerator above denominator", {"reading": 4, "num": 50, "den": 40}, {"/num"}, {"/num"}),
    Case("branch field missing", {"reading": 4, "smoker": True}, set(), {"/per_day"}),
    Case(
        "hidden value dropped on submit",
        {"reading": 4, "smoker": False, "per_day": 5},
        set(),
        set(),
        stored={"reading": 4, "smoker": False},
    ),
]
IDS = [c.name for c in CASES]


def refused(case: Case, submit: bool) -> set[str]:
    return case.submit if submit else case.draft


def records(session: Any) -> int:
    return session.scalar(select(func.count()).select_from(Record)) or 0


@pytest.fixture
def check_app(db_session, orgs):
    return publish_app(db_session, CHECK_APP, [orgs["QWE"]])


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_record_verdict(case: Case, submit: bool) -> None:
    check = check_record(validate_definition(CHECK_APP), case.data, submit=submit)
    assert {i.pointer for i in check.issues} == refused(case, submit)
    if submit and check.ok:
        assert check.data == (case.stored or case.data)


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api(client, db_session, users, token, check_app, case: Case, submit: bool) -> None:
    body = {"org": "A00001", "data": case.data, "submit": submit}
    response = client.post(
        "/api/v1/apps/check_cases/records", json=body, headers=token(users["practice_manager"])
    )
    expected = refused(case, submit)
    if expected:
        assert response.status_code == 422, response.json
        assert {e["pointer"] for e in response.json["errors"]} == expected
        assert records(db_session) == 0
    else:
        assert response.status_code == 201, response.json
        stored = db_session.get(Record, response.json["id"])
        assert stored.data == (case.stored or case.data if submit else case.data)


def _form_pairs(case: Case) -> list[tuple[str, str]]:
    """What a browser posts for the case's data (a wrong value typed as it was)."""
    definition = validate_definition(CHECK_APP)
    compiled = compile_form(definition.schema, definition.ui)
    typed = {k: v for k, v in case.data.items() if not isinstance(v, str)}
    typed_in = {k: v for k, v in case.data.items() if isinstance(v, str)}
    pairs = [p for p in bind_form(compiled, data=typed).formdata_pairs() if p[0] not in typed_in]
    pairs += list(typed_in.items())
    return pairs


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_form(client, db_session, users, login, check_app, case: Case, submit: bool) -> None:
    login(users["practice_manager"])
    pairs = _form_pairs(case) + ([("submit", "1")] if submit else [("save", "1")])
    response = client.post("/apps/check_cases/new?org=A00001", data=MultiDict(pairs))
    expected = refused(case, submit)
    if expected:
        page = response.get_data(as_text=True)
        assert response.status_code == 400, page
        definition = validate_definition(CHECK_APP)
        messages = check_record(definition, case.data, submit=submit).issues
        for issue in messages:
            assert issue.message in page
        assert records(db_session) == 0
    else:
        assert response.status_code == 302, response.get_data(as_text=True)
        stored = db_session.scalars(select(Record)).one()
        assert stored.data == (case.stored or case.data if submit else case.data)


def _csv(case: Case) -> str:
    columns = ["ods", *case.data]
    values = ["A00001", *(_cell(v) for v in case.data.values())]
    return ",".join(columns) + "\n" + ",".join(values) + "\n"


def _cell(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "confirmed"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_wide_import(db_session, users, check_app, case: Case, dry_run: bool) -> None:
    report = import_records(
        db_session,
        Access(users["practice_manager"]),
        check_app,
        _csv(case).encode(),
        "cases.csv",
        dry_run=dry_run,
        actor=users["practice_manager"],
    )
    expected = {pointer.lstrip("/") for pointer in case.submit}
    missing_column = {p.lstrip("/") for p in case.submit} - set(case.data)
    row_problems = {p.column for p in report.problems if p.row == 2}
    header_problems = " ".join(p.message for p in report.problems if p.row == 1)
    assert row_problems | {c for c in missing_column if c in header_problems} == expected
    if expected or dry_run:
        assert records(db_session) == 0
    else:
        assert [r.data for r in db_session.scalars(select(Record))] == [case.stored or case.data]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_submit_transition(client, db_session, users, token, check_app, orgs, case: Case) -> None:
    # A draft stored before today's rules (or by any route): submitting it runs the check.
    draft = Record(app_id="check_cases", app_version=1, organisation=orgs["A00001"], data=case.data)
    draft.status = "draft"
    db_session.add(draft)
    db_session.commit()
    response = client.post(
        f"/api/v1/records/{draft.id}/transitions",
        json={"action": "submit"},
        headers=token(users["practice_manager"]),
    )
    if case.submit:
        assert response.status_code == 422, response.json
        assert {e["pointer"] for e in response.json["errors"]} == case.submit
        db_session.refresh(draft)
        assert (draft.status, draft.data) == ("draft", case.data)
    else:
        assert response.status_code == 200, response.json
        db_session.refresh(draft)
        assert draft.data == (case.stored or case.data)


# --- indicators as yearly data: the long extract, the API and transitions agree ------------

IIF_CASES = [
    ("valid", iif_data(9000, CAN_04=(30, 40)), set()),
    (
        "numerator above denominator",
        iif_data(9000, CAN_04=(50, 40)),
        {"/indicators/CAN-04/numerator"},
    ),
    ("negative count", iif_data(9000, CAN_04=(-1, 40)), {"/indicators/CAN-04/numerator"}),
]


@pytest.mark.parametrize(("name", "data", "pointers"), IIF_CASES, ids=[c[0] for c in IIF_CASES])
def test_indicator_source_entry_points(
    client, db_session, users, token, iif_app, name, data, pointers
) -> None:
    definition = app_definition(db_session, iif_app, "2025-06")
    verdict = {i.pointer for i in check_record(definition, data, submit=True).issues}
    assert verdict == pointers
    headers = token(users["practice_manager_2"])
    body = {"org": "A00003", "period": "2025-06", "data": data, "submit": True}
    api = client.post("/api/v1/apps/iif_tracker/records", json=body, headers=headers)
    assert api.status_code == (422 if pointers else 201), api.json
    if pointers:
        assert {e["pointer"] for e in api.json["errors"]} == pointers
    rows = "".join(
        f"A00001,{code},{counts['numerator']},{counts['denominator']},9000\n"
        for code, counts in data["indicators"].items()
    )
    text = "ods,indicator,numerator,denominator,list_size\n" + rows
    report = import_records(
        db_session,
        Access(users["pcn_manager"]),
        iif_app,
        text.encode(),
        "extract.csv",
        period="2025-06",
        dry_run=True,
    )
    assert {p.column for p in report.problems} == {p.rsplit("/", 1)[-1] for p in pointers}

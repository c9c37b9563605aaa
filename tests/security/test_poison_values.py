"""Issue 15, fault 7: values that pass a JSON Schema yet break what comes after them.

Reproduced before the fix: a vertical tab in an answer made the XLSX export 500; a lone
surrogate stored on SQLite broke the CSV and JSON exports and the record page; ``1e400``
in an API draft was stored as Infinity and served as ``Infinity`` (not JSON); on
PostgreSQL the same inputs answered 500 on create.

Now every entry point refuses them through the one record check, at the field's pointer
(the API also refuses ``NaN``/``Infinity``/``1e400`` while parsing the body), and values
stored before the check refused them are exported and shown, never a 500.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.exports.cells import csv_text
from miniapps.core.records.check import check_record
from miniapps.core.records.value_safety import VALUE_CODES, load_stored_json
from miniapps.models import App, Organisation, Record, User
from miniapps.services.imports.records import import_records
from miniapps.services.permissions import Access
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.publishing import publish_app
from tests.step_fields_app import publish_decision_app, send_concern

POISON_APP: dict[str, Any] = {
    "id": "poison_values",
    "title": "Poison values",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["note"],
        "properties": {
            "note": {"type": "string", "title": "Note", "maxLength": 2000},
            "reading": {"type": "number", "title": "Reading"},
            "visits": {
                "type": "array",
                "title": "Visits",
                "items": {
                    "type": "object",
                    "title": "Visit",
                    "properties": {"place": {"type": "string", "title": "Place"}},
                },
            },
        },
    },
}
RECORDS = "/api/v1/apps/poison_values/records"

# Text refused wherever it appears, and what is still allowed.
BAD_TEXT = {
    "vertical tab": "tab\x0bhere",
    "NUL": "nul\x00here",
    "escape": "esc\x1bhere",
    "DEL": "del\x7fhere",
    "C1 control": "c1\x85here",
    "noncharacter": "not\ufffehere",
    "lone surrogate": "half\ud800here",
}
GOOD_TEXT = "tab\there, new\nline, crlf\r\n, emoji 😀, accents é, ß"
BAD_NUMBERS = {"infinity": math.inf, "minus infinity": -math.inf, "NaN": math.nan}


@pytest.fixture
def poison_app(db_session: Session, orgs: dict[str, Organisation]) -> App:
    return publish_app(db_session, POISON_APP, [orgs["QWE"]])


def answer(response: Any) -> Any:
    """The JSON of an answer (typed ``Any``: the shape is what the test asserts)."""
    return response.get_json()


def stored_records(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Record)) or 0


def raw_json(value: Any) -> str:
    """JSON text as a client sends it: ``\\ud800`` escaped, as any encoder writes it."""
    return json.dumps(value)


# --- the one record check -----------------------------------------------------------------


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("text", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_the_check_refuses_unstorable_text_at_its_pointer(text: str, submit: bool) -> None:
    definition = validate_definition(POISON_APP)
    data = {"note": "fine", "visits": [{"place": "fine"}, {"place": text}]}
    top = check_record(definition, {"note": text}, submit=submit)
    nested = check_record(definition, data, submit=submit)
    assert [(i.pointer, i.code in VALUE_CODES) for i in top.issues] == [("/note", True)]
    assert [i.pointer for i in nested.issues] == ["/visits/1/place"]
    assert top.issues[0].message.startswith("Note contains ")
    assert "Place" in nested.issues[0].message


@pytest.mark.parametrize("number", [*BAD_NUMBERS.values(), 10**400], ids=[*BAD_NUMBERS, "10**400"])
def test_the_check_refuses_numbers_that_are_not_finite(number: float) -> None:
    check = check_record(
        validate_definition(POISON_APP), {"note": "x", "reading": number}, submit=False
    )
    assert [(i.pointer, i.code) for i in check.issues] == [("/reading", "non_finite")]


def test_the_check_refuses_a_member_name_that_cannot_be_stored() -> None:
    check = check_record(validate_definition(POISON_APP), {"note": "x", "a\x00b": 1}, submit=False)
    assert [i.code for i in check.issues] == ["control_character"]
    assert check.issues[0].pointer == "/a\x00b"


def test_the_check_allows_tab_newline_carriage_return_and_any_real_character() -> None:
    check = check_record(validate_definition(POISON_APP), {"note": GOOD_TEXT}, submit=True)
    assert check.ok, check.issues


# --- every entry point ----------------------------------------------------------------------


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("text", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_api_create_refuses_unstorable_text(
    client: FlaskClient, db_session: Session, users, token, poison_app, text: str, submit: bool
) -> None:
    body = {"org": "A00001", "data": {"note": text}, "submit": submit}
    response = client.post(
        RECORDS,
        data=raw_json(body),
        content_type="application/json",
        headers=token(users["practice_manager"]),
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert [e["pointer"] for e in answer(response)["errors"]] == ["/note"]
    assert stored_records(db_session) == 0


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_api_refuses_numbers_that_are_not_finite_while_parsing(
    client: FlaskClient, db_session: Session, users, token, poison_app, number: str
) -> None:
    body = '{"org": "A00001", "data": {"note": "x", "reading": ' + number + "}}"
    response = client.post(
        RECORDS,
        data=body,
        content_type="application/json",
        headers=token(users["practice_manager"]),
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert answer(response)["error"] == "malformed_json"
    assert number.lstrip("-") in answer(response)["message"]
    assert stored_records(db_session) == 0


def test_api_refuses_an_integer_too_large_for_a_double(
    client: FlaskClient, db_session: Session, users, token, poison_app
) -> None:
    body = '{"org": "A00001", "data": {"note": "x", "reading": 1' + "0" * 400 + "}}"
    response = client.post(
        RECORDS,
        data=body,
        content_type="application/json",
        headers=token(users["practice_manager"]),
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "too large" in answer(response)["message"]


def test_api_patch_refuses_unstorable_text(
    client: FlaskClient, db_session: Session, users, token, poison_app
) -> None:
    auth = token(users["practice_manager"])
    made = client.post(RECORDS, json={"org": "A00001", "data": {"note": "ok"}}, headers=auth)
    assert made.status_code == 201, made.json
    record_id = answer(made)["id"]
    response = client.patch(
        f"/api/v1/records/{record_id}",
        data=raw_json({"data": {"note": "half\ud800"}}),
        content_type="application/json",
        headers={**auth, "If-Match": str(answer(made)["version"])},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert [e["pointer"] for e in answer(response)["errors"]] == ["/note"]
    kept = db_session.get(Record, record_id)
    assert kept is not None and kept.data == {"note": "ok"}


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_the_form_refuses_a_control_character(
    client: FlaskClient, db_session: Session, users, login, poison_app, submit: bool
) -> None:
    login(users["practice_manager"])
    action = ("submit", "1") if submit else ("save", "1")
    response = client.post(
        "/apps/poison_values/new?org=A00001", data=dict([("note", "tab\x0bhere"), action])
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert "Note contains a control character (U+000B)" in page
    assert stored_records(db_session) == 0


def test_the_form_refuses_a_number_too_large(
    client: FlaskClient, db_session: Session, users, login, poison_app
) -> None:
    login(users["practice_manager"])
    response = client.post(
        "/apps/poison_values/new?org=A00001", data={"note": "x", "reading": "1e400", "save": "1"}
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert stored_records(db_session) == 0


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "confirmed"])
def test_an_import_refuses_a_control_character_naming_its_column(
    db_session: Session, users: dict[str, User], poison_app: App, dry_run: bool
) -> None:
    csv = 'ods,note\nA00001,"nul\x00here"\nA00001,fine\n'
    report = import_records(
        db_session,
        Access(users["practice_manager"]),
        poison_app,
        csv.encode(),
        "poison.csv",
        dry_run=dry_run,
        actor=users["practice_manager"],
    )
    assert [(p.row, p.column) for p in report.problems] == [(2, "note")]
    assert stored_records(db_session) == 0


def test_a_step_refuses_unstorable_text(
    client: FlaskClient, db_session: Session, orgs, users, token, stakeholders, stakeholder_users
) -> None:
    app = publish_decision_app(db_session, [orgs["QWE"]])
    sent = send_concern(db_session, app, users["practice_staff"], orgs["A00001"])
    body = {"action": "decide", "data": {"la_outcome": "other", "la_reasons": "nul\x00"}}
    response = client.post(
        f"/api/v1/records/{sent.id}/transitions",
        data=raw_json(body),
        content_type="application/json",
        headers=token(stakeholder_users["LAADULT"]),
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert [e["pointer"] for e in answer(response)["errors"]] == ["/la_reasons"]
    db_session.refresh(sent)
    assert sent.status == "sent" or "la_reasons" not in sent.data


# --- values stored before the check refused them ----------------------------------------------


def _store(db_session: Session, orgs: dict[str, Organisation], data: dict[str, Any]) -> Record:
    record = Record(
        app_id="poison_values",
        app_version=1,
        organisation=orgs["A00001"],
        data=data,
        status="submitted",
    )
    db_session.add(record)
    db_session.commit()
    return record


def test_xlsx_export_writes_only_xml_characters(
    client: FlaskClient, db_session: Session, orgs, users, login, poison_app
) -> None:
    # Both engines accept a vertical tab in JSON: the reproduction on each.
    _store(db_session, orgs, {"note": "tab\x0bhere", "visits": [{"place": "nul\x1fplace"}]})
    login(users["practice_manager"])
    response = client.get("/apps/poison_values/export?format=xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    values = [cell for row in book["records"].iter_rows(values_only=True) for cell in row]
    assert "tab\ufffdhere" in values
    places = [cell for row in book["visits"].iter_rows(values_only=True) for cell in row]
    assert "nul\ufffdplace" in places


def test_xlsx_cells_replace_what_xml_cannot_hold() -> None:
    from miniapps.core.exports.cells import xlsx_append

    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    xlsx_append(sheet, ["\x00\x0b\ud800ok", math.inf, 1.5])
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(out, read_only=True)["s"].iter_rows(values_only=True))
    assert row == ("\ufffd\ufffd\ufffdok", None, 1.5)


def test_csv_text_replaces_lone_surrogates() -> None:
    assert csv_text(["h"], [["a\ud800b"]]).encode("utf-8") == "h\r\na\ufffdb\r\n".encode()


@pytest.fixture
def old_poison(db_session: Session, orgs, poison_app, database_url: str) -> Record:
    """A record SQLite took before the check: a lone surrogate and Infinity."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL never stored these: it refuses them (now the check does first)")
    return _store(db_session, orgs, {"note": "half\ud800here", "reading": math.inf})


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_exports_survive_values_stored_before_the_check(
    client: FlaskClient, users, login, old_poison: Record, fmt: str
) -> None:
    login(users["practice_manager"])
    response = client.get(f"/apps/poison_values/export?format={fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if fmt == "json":
        exported = json.loads(response.data, parse_constant=_no_constants)
        assert exported[0]["data"] == {"note": "half\ufffdhere", "reading": None}
    if fmt == "csv":  # a ZIP: the app has a repeating section
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            main = next(n for n in archive.namelist() if n.count(".") == 1)
            assert "half\ufffdhere" in archive.read(main).decode("utf-8-sig")


def test_the_record_page_and_api_survive_values_stored_before_the_check(
    client: FlaskClient, users, login, token, old_poison: Record
) -> None:
    api = client.get(f"/api/v1/records/{old_poison.id}", headers=token(users["practice_manager"]))
    assert api.status_code == 200
    answer = json.loads(api.data, parse_constant=_no_constants)
    assert answer["data"] == {"note": "half\ufffdhere", "reading": None}
    login(users["practice_manager"])
    page = client.get(f"/apps/poison_values/records/{old_poison.id}")
    assert page.status_code == 200
    assert "half\ufffdhere" in page.get_data(as_text=True)


def test_stored_json_is_read_scrubbed() -> None:
    assert load_stored_json('{"a": "\\ud800", "b": Infinity, "c": "\\ud83d\\ude00"}') == {
        "a": "\ufffd",
        "b": None,
        "c": "😀",
    }


def _no_constants(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")

"""What the studio writes passes ``miniapps apps validate`` (issue 16, "Done when"), and
bad input through its pages gets a precise message naming the place while the draft's
earlier saves stay intact (issue 16, "Bad input").

Every start route (blank and edited, each gallery template, a spreadsheet, an XLSForm)
makes a draft through the real pages; each draft's current definition is written to a
folder and checked by the real command line in one run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from miniapps.models import DraftSave, StudioDraft
from miniapps.services.studio.gallery import TEMPLATE_IDS
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.studio_workbooks import (
    CPD_XLSFORM,
    FRIDGE_XLSFORM,
    NOT_A_WORKBOOK,
    TRAINING_FIELDS,
    hidden_first_sheet,
    merged_header,
    no_header_row,
    training_workbook,
    with_formulas,
    workbook_bytes,
)
from tests.web.studio.studio_pages import definition, edit, revision, start, text

MINIAPPS = str(Path(sys.executable).parent / "miniapps")


def _saves(session: Session, draft_id: int | None = None) -> list[tuple[int, str]]:
    session.expire_all()
    query = select(DraftSave.revision, DraftSave.summary).order_by(DraftSave.id)
    if draft_id is not None:
        query = query.where(DraftSave.draft_id == draft_id)
    return [(row.revision, row.summary) for row in session.execute(query)]


def _drafts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StudioDraft)) or 0


def _draft_id(response: Any) -> int:
    assert response.status_code == 302, text(response)
    found = re.search(r"/studio/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def _upload(client: FlaskClient, kind: str, content: bytes, name: str, **form: str) -> Any:
    data: dict[str, Any] = {"kind": kind, "file": (BytesIO(content), name), **form}
    return client.post("/studio/upload", data=data, content_type="multipart/form-data")


def _built_by_hand(client: FlaskClient) -> int:
    """A blank app with every kind of question, a condition, a repeat, a section, a
    period, a workflow and a widget, all through the editor's forms."""
    draft_id = start(client, "Staff checks", "staff_checks")
    kinds = ("text", "long_text", "number", "whole_number", "date", "date_time", "file")
    for kind in kinds:
        assert edit(client, draft_id, "add_field", kind=kind, label=f"A {kind}").status_code == 302
    for kind, label in (
        ("yes_no", "DBS checked"),
        ("text", "Why not"),
        ("one_choice", "Role"),
        ("several_choices", "Courses done"),
        ("group", "Address"),
        ("repeat", "Courses"),
    ):
        assert edit(client, draft_id, "add_field", kind=kind, label=label).status_code == 302
    edit(client, draft_id, "add_field", kind="text", label="Course name", parent="/courses")
    edit(client, draft_id, "add_field", kind="text", label="Street", parent="/address")
    condition = edit(
        client,
        draft_id,
        "set_condition",
        pointer="/why_not",
        question="/dbs_checked",
        answer=json.dumps(["/dbs_checked", False]),
    )
    assert condition.status_code == 302, text(condition)
    edit(client, draft_id, "add_option", pointer="/role", label="Nurse")
    edit(client, draft_id, "add_section", title="About the person", description="")
    edit(client, draft_id, "put_in_section", pointer="/dbs_checked", section="0")
    assert edit(client, draft_id, "set_period", frequency="monthly").status_code == 302
    assert edit(client, draft_id, "set_workflow", pattern="submit_and_approve").status_code == 302
    edit(client, draft_id, "add_widget", menu_id="count_by_period")
    return draft_id


def test_every_start_route_writes_what_apps_validate_accepts(
    client: FlaskClient, users: Any, login: Any, db_session: Session, tmp_path: Path
) -> None:
    login(users["pcn_manager"])
    drafts = [_built_by_hand(client)]
    for template_id in TEMPLATE_IDS:
        made = client.post(
            "/studio/templates",
            data={"template": template_id, "app_id": f"copy_{template_id}", "title": "A copy"},
        )
        drafts.append(_draft_id(made))
    drafts.append(
        _draft_id(
            _upload(client, "spreadsheet", training_workbook(), "training.xlsx", app_id="training")
        )
    )
    for name, content in (("cpd.xlsx", CPD_XLSFORM), ("fridge.xlsx", FRIDGE_XLSFORM)):
        drafts.append(_draft_id(_upload(client, "xlsform", content, name)))

    folders: list[str] = []
    expected: list[str] = []
    for draft_id in drafts:
        current = definition(db_session, draft_id)
        folder = tmp_path / f"draft_{draft_id}"
        folder.mkdir()
        (folder / "app.json").write_text(json.dumps(current, indent=2), encoding="utf-8")
        folders.append(str(folder))
        expected.append(f"ok {current['id']} v{current['version']}")
    checked = subprocess.run(
        [MINIAPPS, "apps", "validate", *folders],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == expected
    assert "ok cpd_log v3" in expected and "ok fridge_check v1" in expected
    training = definition(db_session, drafts[len(TEMPLATE_IDS) + 1])
    assert list(training["schema"]["properties"]) == TRAINING_FIELDS
    built = definition(db_session, drafts[0])
    assert built["ui"]["fields"]["/why_not"]["show_if"] == {
        "required": ["dbs_checked"],
        "properties": {"dbs_checked": {"const": False}},
    }


# --- bad input -------------------------------------------------------------------------


def _settings(client: FlaskClient, draft_id: int, pointer: str, **values: str) -> Any:
    form = {"pointer": pointer, "revision": str(revision(client, draft_id)), **values}
    return client.post(f"/studio/{draft_id}/field?pointer={pointer}", data=form)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("[a-", "/schema/properties/code/pattern"),
        ("(a+)+$", "can take a browser minutes"),
    ],
    ids=["invalid", "catastrophic"],
)
def test_a_bad_pattern_is_refused_at_the_field_and_nothing_is_saved(
    client: FlaskClient,
    users: Any,
    login: Any,
    db_session: Session,
    pattern: str,
    message: str,
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    edit(client, draft_id, "add_field", kind="text", label="Code")
    before, saves = definition(db_session, draft_id), _saves(db_session, draft_id)
    refused = _settings(client, draft_id, "/code", label="Code", pattern=pattern)
    assert refused.status_code == 422
    page = text(refused)
    assert message in page
    assert 'id="settings-error"' in refused.get_data(as_text=True)
    assert definition(db_session, draft_id) == before
    assert _saves(db_session, draft_id) == saves


def test_names_made_from_labels_are_always_valid_and_never_twice(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    for label in ("Role", "Role", "2024 hours", "???", "Ünïcödé name"):
        assert edit(client, draft_id, "add_field", kind="text", label=label).status_code == 302
    names = list(definition(db_session, draft_id)["schema"]["properties"])
    assert len(set(names)) == len(names) == 5
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in names), names


def _json_save(client: FlaskClient, draft_id: int, typed: str) -> Any:
    return client.post(
        f"/studio/{draft_id}/json",
        data={"definition": typed, "revision": str(revision(client, draft_id))},
    )


def _check(client: FlaskClient, draft_id: int, typed: str) -> list[str]:
    answer = client.post(f"/studio/{draft_id}/check", data={"definition": typed})
    issues = answer.get_json()["issues"]
    assert isinstance(issues, list)
    return [str(line) for line in issues]


def _with_role_and_dbs(client: FlaskClient, draft_id: int) -> None:
    """Notes, then DBS checked (yes/no), then Role (one choice)."""
    for kind, label in (("text", "Notes"), ("yes_no", "DBS checked"), ("one_choice", "Role")):
        assert edit(client, draft_id, "add_field", kind=kind, label=label).status_code == 302


def test_a_condition_on_a_missing_field_is_named_and_earlier_saves_are_kept(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    """The JSON tab saves what was typed even when the validator objects (the draft may be
    invalid while being edited, publishing is refused): the lines name the place, the
    checker used while typing saves nothing, and the earlier save can be restored."""
    login(users["pcn_manager"])
    draft_id = start(client)
    _with_role_and_dbs(client, draft_id)
    good, saves = definition(db_session, draft_id), _saves(db_session, draft_id)
    bad = json.loads(json.dumps(good))
    bad["ui"] = {
        "fields": {"/notes": {"show_if": {"required": ["zz"], "properties": {"zz": {"const": 1}}}}}
    }
    line = "/ui/fields/~1notes/show_if/properties/zz: there is no field 'zz'"
    assert line in _check(client, draft_id, json.dumps(bad))
    assert _saves(db_session, draft_id) == saves  # checking as you type saves nothing
    saved = _json_save(client, draft_id, json.dumps(bad))
    assert saved.status_code == 302
    assert line in text(client.get(f"/studio/{draft_id}/json"))
    editor = text(client.get(f"/studio/{draft_id}"))
    assert "This draft cannot be published yet" in editor and line in editor
    publish = re.sub(r"<[^>]+>", "", text(client.get(f"/studio/{draft_id}/publish")))
    assert line in publish
    assert "Publishing is refused until the problems above are put right." in publish
    # The earlier save is intact in the history and comes back whole.
    assert _saves(db_session, draft_id)[:-1] == saves
    last_good = saves[-1][0]
    back = client.post(
        f"/studio/{draft_id}/restore",
        data={"to": str(last_good), "revision": str(revision(client, draft_id))},
    )
    assert back.status_code == 302, text(back)
    restored = definition(db_session, draft_id)
    assert restored == good


def test_unreadable_json_is_refused_and_nothing_is_saved(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    _with_role_and_dbs(client, draft_id)
    good, saves = definition(db_session, draft_id), _saves(db_session, draft_id)
    refused = _json_save(client, draft_id, '{"id": "wellbeing", "schema": {')
    assert refused.status_code == 422
    assert ": is not valid JSON: " in text(refused)
    assert "line 1, column" in text(refused)
    assert definition(db_session, draft_id) == good
    assert _saves(db_session, draft_id) == saves


def _json_problem_is_named(
    client: FlaskClient, draft_id: int, typed: str, pointer: str
) -> list[str]:
    """The lines the checker answers for ``typed``: one must name ``pointer`` (or a
    pointer inside it)."""
    lines = _check(client, draft_id, typed)
    assert any(line.startswith((pointer + ":", pointer + "/")) for line in lines), lines
    return lines


def test_a_field_name_typed_twice_in_the_json_tab_is_named(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    typed = (
        '{"id": "wellbeing", "title": "Staff wellbeing", "version": 1, "schema": {"type": '
        '"object", "properties": {"role": {"type": "string", "title": "Role"}, '
        '"role": {"type": "integer", "title": "Hours"}}}}'
    )
    lines = _check(client, draft_id, typed)
    assert any("'role' appears twice" in line for line in lines), lines


def test_an_invalid_field_name_in_the_json_tab_is_named(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    bad = definition(db_session, draft_id)
    bad["schema"]["properties"] = {"Bad Name": {"type": "string", "title": "Bad"}}
    lines = _json_problem_is_named(client, draft_id, json.dumps(bad), "/schema/properties/Bad Name")
    assert any("like “bad_name”" in line for line in lines), lines


def test_an_option_value_used_twice_in_the_json_tab_is_named(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    _with_role_and_dbs(client, draft_id)
    bad = definition(db_session, draft_id)
    bad["schema"]["properties"]["role"]["oneOf"] = [
        {"const": "gp", "title": "GP"},
        {"const": "gp", "title": "Nurse"},
    ]
    lines = _json_problem_is_named(
        client, draft_id, json.dumps(bad), "/schema/properties/role/oneOf/1/const"
    )
    assert any("already stored by choice 1 (“GP”)" in line for line in lines), lines


def test_a_condition_on_a_later_field_in_the_json_tab_is_named(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    _with_role_and_dbs(client, draft_id)  # notes, then dbs_checked
    bad = definition(db_session, draft_id)
    bad.setdefault("ui", {}).setdefault("fields", {})["/notes"] = {
        "show_if": {"required": ["dbs_checked"], "properties": {"dbs_checked": {"const": False}}}
    }
    lines = _json_problem_is_named(client, draft_id, json.dumps(bad), "/ui/fields/~1notes/show_if")
    assert any("comes after" in line for line in lines), lines


def test_the_condition_form_refuses_a_later_question(
    client: FlaskClient, users: Any, login: Any, db_session: Session
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    _with_role_and_dbs(client, draft_id)
    before, saves = definition(db_session, draft_id), _saves(db_session, draft_id)
    refused = edit(
        client,
        draft_id,
        "set_condition",
        pointer="/notes",
        question="/dbs_checked",
        answer=json.dumps(["/dbs_checked", False]),
    )
    assert refused.status_code == 422
    assert "DBS checked" in text(refused) or "earlier" in text(refused)
    assert definition(db_session, draft_id) == before
    assert _saves(db_session, draft_id) == saves


WIDE = (",".join(f"c{i}" for i in range(1001)) + "\n" + ",".join(["1"] * 1001) + "\n").encode()
LONG = b"n\n" + b"1\n" * 50_001
CALCULATE = workbook_bytes(
    {
        "survey": [
            ["type", "name", "label", "calculation"],
            ["integer", "a", "A", ""],
            ["calculate", "b", "", "${a} * 2"],
        ]
    }
)


@pytest.mark.parametrize(
    ("kind", "content", "name", "message"),
    [
        ("spreadsheet", no_header_row(), "empty.xlsx", "empty.xlsx: row 1 is empty"),
        ("spreadsheet", merged_header(), "merged.xlsx", "cells A1:B1 of the header (row 1)"),
        ("spreadsheet", with_formulas(), "sums.xlsx", "cell C2 holds a formula"),
        ("spreadsheet", hidden_first_sheet(), "hidden.xlsx", "the first sheet, 'Old', is hidden"),
        ("spreadsheet", NOT_A_WORKBOOK, "report.xlsx", "not an Excel workbook"),
        ("spreadsheet", WIDE, "wide.csv", "row 1, column ALM: an import reads at most 1,000"),
        ("spreadsheet", LONG, "long.csv", "row 50002: an import reads at most 50,000 rows"),
        ("xlsform", CALCULATE, "calc.xlsx", "survey row 3, column calculation: calculations"),
        ("xlsform", NOT_A_WORKBOOK, "form.xlsx", "not an .xlsx or .xls workbook"),
    ],
    ids=[
        "no-header",
        "merged",
        "formulas",
        "hidden",
        "not-a-workbook",
        "1001-columns",
        "50001-rows",
        "xlsform-calculate",
        "xlsform-not-a-workbook",
    ],
)
def test_a_bad_upload_is_refused_by_name_and_no_draft_is_touched(
    client: FlaskClient,
    users: Any,
    login: Any,
    db_session: Session,
    kind: str,
    content: bytes,
    name: str,
    message: str,
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)  # someone's work in progress: it must not change
    before, saves, drafts = (
        definition(db_session, draft_id),
        _saves(db_session),
        _drafts(db_session),
    )
    refused = _upload(client, kind, content, name, app_id="from_bad_file")
    assert refused.status_code == 422
    page = text(refused)
    assert "No draft was made from the file" in page
    assert message in page
    assert _drafts(db_session) == drafts
    assert _saves(db_session) == saves
    assert definition(db_session, draft_id) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("role", "Another question here is already stored as “role”"),
        ("Bad Name", "“Bad Name” cannot be the stored name of “Notes”: use lower-case letters"),
        ("ods", "“ods” is kept for the platform's own use: choose another"),
    ],
    ids=["duplicate", "invalid", "reserved"],
)
def test_a_stored_name_that_is_taken_invalid_or_reserved_is_refused(
    client: FlaskClient, users: Any, login: Any, db_session: Session, name: str, message: str
) -> None:
    login(users["pcn_manager"])
    draft_id = start(client)
    _with_role_and_dbs(client, draft_id)
    before, saves = definition(db_session, draft_id), _saves(db_session, draft_id)
    form = {
        "form_id": "rename",
        "op": "rename",
        "pointer": "/notes",
        "name": name,
        "revision": str(revision(client, draft_id)),
    }
    refused = client.post(f"/studio/{draft_id}/field?pointer=/notes", data=form)
    assert refused.status_code == 422, refused.status_code
    page = text(refused)
    assert message in page, re.findall(r"[^<>]*(?:already|stored name|kept for)[^<>]*", page)
    assert f'value="{name}"' in page  # what was typed stays in the box
    assert definition(db_session, draft_id) == before
    assert _saves(db_session, draft_id) == saves

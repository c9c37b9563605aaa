"""Starting a studio draft: the templates gallery and uploads of a spreadsheet or an
XLSForm; refusals name the place and keep nothing (issue 16, items 4, 5 and 7)."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.models import DraftSave, StudioDraft
from miniapps.services.studio.drafts import current_definition
from miniapps.services.studio.gallery import (
    TEMPLATE_IDS,
    definition_from_template,
    gallery_entries,
)
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import load_example

Rows = list[list[Any]]


def xlsx(sheets: dict[str, Rows]) -> bytes:
    book = Workbook()
    first = True
    for title, rows in sheets.items():
        sheet = book.active if first else book.create_sheet(title)
        assert sheet is not None
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


TRAINING: Rows = [
    ["Name", "Course", "Completed on", "Hours", "Passed"],
    ["Ann", "Fire safety", "01/04/2025", 2, "yes"],
    ["Bob", "Fire safety", "02/04/2025", 3, "no"],
    ["Cat", "Safeguarding", "03/04/2025", 1, "yes"],
]


def _drafts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StudioDraft)) or 0


def _saves(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DraftSave)) or 0


def _new_draft(session: Session) -> StudioDraft:
    session.expire_all()
    draft = session.scalars(select(StudioDraft).order_by(StudioDraft.id.desc())).first()
    assert draft is not None
    return draft


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_template_is_a_valid_definition(template_id: str) -> None:
    definition = definition_from_template(template_id, "my_copy", "My copy")
    checked = validate_definition(definition, source=template_id)
    assert (checked.id, checked.title, checked.version) == ("my_copy", "My copy", 1)


def test_the_gallery_names_the_five_starting_points() -> None:
    titles = [entry.title for entry in gallery_entries()]
    assert len(titles) == 5
    assert "Staff training record" in titles
    assert "Infection prevention and control audit" in titles
    assert load_example("staff_training")["title"] in titles


def test_the_templates_are_package_data_in_the_wheel() -> None:
    import tomllib

    from tests.conftest import REPO

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "studio_templates/*.json" in config["tool"]["setuptools"]["package-data"]["miniapps"]


def test_copying_a_template_starts_a_draft(client, db_session, users, login):
    login(users["pcn_manager"])
    page = client.get("/studio/templates")
    assert page.status_code == 200
    assert "Vaccine fridge daily log" in page.get_data(as_text=True)
    form = client.get("/studio/templates?template=ipc_audit")
    assert "Copy “Infection prevention and control audit”" in form.get_data(as_text=True)
    made = client.post(
        "/studio/templates",
        data={"template": "ipc_audit", "app_id": "north_ipc", "title": "North IPC audit"},
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    draft = _new_draft(db_session)
    assert made.headers["Location"].endswith(f"/studio/{draft.id}")
    definition = current_definition(draft)
    assert (definition["id"], definition["title"], definition["version"]) == (
        "north_ipc",
        "North IPC audit",
        1,
    )
    validate_definition(definition)


def test_a_bad_copy_is_refused_at_its_field_and_nothing_kept(
    client, db_session, users, login, fridge_app
):
    login(users["pcn_manager"])
    bad = client.post(
        "/studio/templates", data={"template": "fridge_log", "app_id": "Bad Id", "title": " "}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'href="#app_id"' in html and 'href="#title"' in html
    assert "lower-case letters, digits and underscores" in html
    taken = client.post(
        "/studio/templates",
        data={"template": "fridge_log", "app_id": "fridge_log", "title": "Fridge"},
    )
    assert taken.status_code == 422
    assert "An app with the id fridge_log already exists" in taken.get_data(as_text=True)
    assert client.get("/studio/templates?template=nope").status_code == 404
    assert _drafts(db_session) == 0


def test_a_spreadsheet_becomes_a_draft(client, db_session, users, login):
    login(users["pcn_manager"])
    assert client.get("/studio/upload").status_code == 200
    made = client.post(
        "/studio/upload",
        data={
            "kind": "spreadsheet",
            "app_id": "staff_training_north",
            "title": "Staff training (North)",
            "file": (BytesIO(xlsx({"Sheet": TRAINING})), "training.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    definition = current_definition(_new_draft(db_session))
    assert definition["id"] == "staff_training_north"
    properties = definition["schema"]["properties"]
    assert list(properties) == ["name", "course", "completed_on", "hours", "passed"]
    assert properties["hours"]["type"] == "integer"
    assert properties["passed"]["type"] == "boolean"
    validate_definition(definition)
    editor = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "the example rows can be imported as records" in editor


def test_a_refused_spreadsheet_names_the_cell_and_keeps_nothing(client, db_session, users, login):
    login(users["pcn_manager"])
    rows: Rows = [["Name", "Name"], ["a", "b"]]
    refused = client.post(
        "/studio/upload",
        data={
            "kind": "spreadsheet",
            "app_id": "repeat_heads",
            "file": (BytesIO(xlsx({"Sheet": rows})), "heads.xlsx"),
        },
        content_type="multipart/form-data",
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "heads.xlsx: column B: the heading" in html
    not_a_workbook = client.post(
        "/studio/upload",
        data={"kind": "spreadsheet", "app_id": "x", "file": (BytesIO(b"%PDF"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert not_a_workbook.status_code == 422
    assert "not an Excel workbook" in not_a_workbook.get_data(as_text=True)
    no_file = client.post("/studio/upload", data={"kind": "spreadsheet", "app_id": "x"})
    assert "Choose a file to upload" in no_file.get_data(as_text=True)
    no_id = client.post(
        "/studio/upload",
        data={"kind": "spreadsheet", "file": (BytesIO(xlsx({"Sheet": TRAINING})), "t.xlsx")},
        content_type="multipart/form-data",
    )
    assert "Enter an id for the new app" in no_id.get_data(as_text=True)
    assert (_drafts(db_session), _saves(db_session)) == (0, 0)


SURVEY: Rows = [
    ["type", "name", "label", "required", "calculation"],
    ["text", "staff_name", "Staff name", "yes", None],
    ["select_one role", "role", "Role", "yes", None],
    ["integer", "hours", "Hours", None, None],
    ["calculate", "double", None, None, "${hours} * 2"],
]
CHOICES: Rows = [["list_name", "name", "label"], ["role", "gp", "GP"], ["role", "nurse", "Nurse"]]
SETTINGS: Rows = [["form_id", "form_title", "version"], ["hours_form", "Hours form", "3"]]


def _post_xlsform(client: Any, lenient: bool, **extra: str) -> Any:
    data: dict[str, Any] = {
        "kind": "xlsform",
        "file": (
            BytesIO(xlsx({"survey": SURVEY, "choices": CHOICES, "settings": SETTINGS})),
            "hours.xlsx",
        ),
        **extra,
    }
    if lenient:
        data["lenient"] = "1"
    return client.post("/studio/upload", data=data, content_type="multipart/form-data")


def test_an_xlsform_is_refused_with_row_and_column_unless_lenient(client, db_session, users, login):
    login(users["pcn_manager"])
    refused = _post_xlsform(client, lenient=False)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r"hours\.xlsx: survey row 5, column (type|calculation)", html), html
    assert "Leave out what cannot be converted" in html
    assert _drafts(db_session) == 0
    made = _post_xlsform(client, lenient=True)
    assert made.status_code == 302, made.get_data(as_text=True)
    definition = current_definition(_new_draft(db_session))
    assert definition["id"] == "hours_form"
    assert list(definition["schema"]["properties"]) == ["staff_name", "role", "hours"]
    validate_definition(definition)
    shown = client.get(made.headers["Location"])
    assert shown.status_code == 200
    assert re.search(
        r"Left out \(\d+\): survey row 5, column (type|calculation)", shown.get_data(as_text=True)
    )


def test_the_typed_id_and_title_replace_the_xlsform_settings(client, db_session, users, login):
    login(users["pcn_manager"])
    made = _post_xlsform(client, lenient=True, app_id="north_hours", title="North hours")
    assert made.status_code == 302
    definition = current_definition(_new_draft(db_session))
    assert (definition["id"], definition["title"]) == ("north_hours", "North hours")


def test_starting_needs_the_studio(client, db_session, users, login):
    login(users["practice_manager"])
    assert client.get("/studio/templates").status_code == 403
    assert client.get("/studio/upload").status_code == 403
    assert (
        client.post(
            "/studio/templates",
            data={"template": "fridge_log", "app_id": "f2", "title": "F"},
        ).status_code
        == 403
    )
    assert _drafts(db_session) == 0

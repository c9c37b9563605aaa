"""One contract over every bundled app and example definition: it validates, publishes,
renders its form, accepts valid data through the real form, refuses invalid data without
storing anything, and shows up on the automatic dashboard."""

from __future__ import annotations

import json
import random
import re
from datetime import date
from pathlib import Path

import pytest
from miniapps.core.definitions.loading import bundle_files, load_definition
from miniapps.core.forms import compile_form, formdata_for
from miniapps.core.indicators.source import count_issues
from miniapps.demo.values import sample_record
from miniapps.models import App, Record
from miniapps.services import apps as app_service
from miniapps.services.compliance.frameworks import load_framework
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.definitions import app_definition
from miniapps.services.indicators.year_set_loading import load_year_set
from miniapps.services.permissions import Access
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

REPO = Path(__file__).resolve().parents[1]
DEFINITION_DIRS = sorted(
    p.parent for p in [*REPO.glob("apps/*/app.json"), *REPO.glob("docs/examples/*/app.json")]
)
# Every definition file: a bundle (apps/cqc_compliance) holds several.
DEFINITION_FILES = [file for app_dir in DEFINITION_DIRS for file in bundle_files(app_dir)]


def test_there_are_definitions_to_check():
    assert len(DEFINITION_DIRS) >= 2


@pytest.mark.parametrize(
    "app_file", DEFINITION_FILES, ids=lambda p: str(p.relative_to(REPO)).removesuffix(".json")
)
def test_definition_contract(app_file, client, db_session, orgs, users, login):
    definition = load_definition(app_file)
    app_dir = app_file.parent if app_file.name == "app.json" else app_file.parent.parent
    data_files = sorted((app_dir / "data").glob("*.json"))
    for path in data_files:  # the frameworks its evidence names (a framework has key questions)
        if "key_questions" in (raw := json.loads(path.read_text())):
            load_framework(db_session, raw, source=str(path))
    published = app_service.publish(db_session, definition, [orgs["QWE"]], actor=None)
    if definition.indicator_source is not None:  # its indicators are the year sets beside it
        for path in data_files:
            load_year_set(db_session, definition.id, json.loads(path.read_text()))
    db_session.commit()
    # A practice manager fills it in, unless its permissions leave writing to others (a
    # policy library kept by the PCN): then the first role that may write.
    writers = (definition.raw.get("permissions") or {}).get("write") or ["practice_manager"]
    login(users["practice_manager" if "practice_manager" in writers else writers[0]])

    form_page = client.get(f"/apps/{definition.id}/new")
    assert form_page.status_code == 200
    if definition.is_periodic:  # the form is that of the period it offers first
        period = _first_period(form_page.get_data(as_text=True))
        definition = app_definition(db_session, published.app, period)
    ui_fields = definition.ui.get("fields") or {}
    transitions = (definition.workflow or {}).get("transitions") or []
    step_fields = {pointer for t in transitions for pointer in t.get("fields") or []}
    for field in definition.fields:
        # Repeat items beyond the first are added on demand; a step's own fields are filled
        # in by taking it, not in the record's form.
        if "-" not in field.pointer and field.pointer not in step_fields:
            label = (ui_fields.get(field.pointer) or {}).get("label") or field.title
            assert label in form_page.get_data(as_text=True), field.pointer

    data = sample_record(definition, random.Random(7), date(2025, 6, 15))
    assert data is not None
    for pointer in step_fields:  # filled in by taking their step, not in the record's form
        data.pop(pointer.lstrip("/"), None)
    if definition.subject is not None:  # a record about another practice of A00001's PCN
        data[definition.subject["field"].lstrip("/")] = "A00002"
    for field in definition.fields:  # a person field names someone at the practice
        if field.parent == "" and (ui_fields.get(field.pointer) or {}).get("widget") == "person":
            data[field.key] = users["practice_manager"].email
    for issue in count_issues(definition, data):  # a numerator above its denominator: swap
        row = data
        for key in issue.pointer.split("/")[1:-1]:
            row = row[key]
        row["numerator"], row["denominator"] = row["denominator"], row["numerator"]
    compiled = compile_form(definition.schema, definition.ui)
    formdata = formdata_for(compiled, data)
    formdata.update({"org": "A00001", "submit": "1"})
    if definition.is_periodic:
        formdata["period"] = period
    response = client.post(f"/apps/{definition.id}/new", data=MultiDict(formdata.pairs()))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    record = db_session.scalars(select(Record).where(Record.app_id == definition.id)).one()
    assert record.data == data  # the form round-trips the data exactly
    assert record.status != "draft"

    blank = {"org": "A00001", "submit": "1"}
    if definition.is_periodic:  # one record per period: starting another opens this one
        again = client.get(f"/apps/{definition.id}/new?org=A00001&period={period}")
        if definition.period.get("several"):  # unless the app keeps several (a log)
            assert again.status_code == 200
        else:
            assert again.status_code == 302
            assert again.headers["Location"].endswith(f"/records/{record.id}")
        blank["period"] = _periods(form_page.get_data(as_text=True))[1]
    if definition.schema.get("required"):
        empty = client.post(f"/apps/{definition.id}/new", data=blank)
        assert empty.status_code == 400
        assert "There is a problem" in empty.get_data(as_text=True)
        count = db_session.scalar(select(func.count()).where(Record.app_id == definition.id))
        assert count == 1

    app = db_session.get(App, definition.id)
    dashboard = app_dashboard(db_session, Access(users["practice_manager"]), app, orgs["A00001"])
    records_widget = next(w for w in dashboard["widgets"] if w["id"] == "records")
    assert records_widget["data"] == {"total": 1, "by_org": {"A00001": 1}}
    assert client.get(f"/apps/{definition.id}/dashboard").status_code == 200


def _first_period(html: str) -> str:
    return _periods(html)[0]


def _periods(html: str) -> list[str]:
    found = re.findall(r'<option value="(\d{4}[^"]*)"', html)
    assert found, "a periodic app's form offers periods"
    return found

"""``x-not-future``: the one record check refuses dates after now, at the value's pointer,
in drafts and on submission; the definition checker keeps the keyword on dates; the form
caps the input; record schemas and conditions are not upset by it."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.schema_fields import find_field
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.forms import bind_form, compile_form
from miniapps.core.forms.conditions import compile_rules, evaluate
from miniapps.core.forms.render import input_max, render_sections
from miniapps.core.records.check import check_record
from miniapps.core.records.date_bounds import is_future, london_today

from tests.sample_views import event_log

# 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London (BST).
NOW = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
BASE = {"kind": "patient_safety"}


def issues(data: dict[str, Any], submit: bool, now: datetime = NOW) -> dict[str, str]:
    check = check_record(validate_definition(event_log()), data, submit=submit, now=now)
    return {i.pointer: i.message for i in check.issues}


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_a_date_after_today_in_london_is_refused(submit: bool) -> None:
    # In London it is already 1 April: that day is today, 2 April is the future.
    assert issues({**BASE, "noticed_on": "2026-04-01"}, submit) == {}
    assert issues({**BASE, "noticed_on": "2026-04-02"}, submit) == {
        "/noticed_on": "Date noticed must not be in the future"
    }


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_a_date_time_later_than_now_is_refused(submit: bool) -> None:
    assert issues({**BASE, "occurred_at": "2026-04-01T00:30:00+01:00"}, submit) == {}
    assert issues({**BASE, "occurred_at": "2026-03-31T23:29:59Z"}, submit) == {}
    later = issues({**BASE, "occurred_at": "2026-04-01T00:31:00+01:00"}, submit)
    assert later == {"/occurred_at": "When it happened must not be in the future"}


def test_items_of_a_repeating_section_are_checked_at_their_own_pointer() -> None:
    data = {
        **BASE,
        "actions": [{"what": "Call", "done_on": "2026-03-01"}, {"done_on": "2027-01-01"}],
    }
    assert issues(data, submit=True) == {
        "/actions/1/done_on": "Action 2: done on must not be in the future"
    }


def test_nested_objects_are_checked() -> None:
    raw = event_log()
    raw["schema"]["properties"]["where"] = {
        "type": "object",
        "title": "Where",
        "properties": {
            "since": {"type": "string", "format": "date", "title": "Since", "x-not-future": True}
        },
    }
    check = check_record(
        validate_definition(raw), {**BASE, "where": {"since": "2030-01-01"}}, submit=False, now=NOW
    )
    assert [i.pointer for i in check.issues] == ["/where/since"]


def test_a_bad_date_is_reported_once_as_a_bad_date() -> None:
    found = issues({**BASE, "noticed_on": "2099-02-30"}, submit=False)
    assert found == {"/noticed_on": "Enter a real date, like 31 3 2025"}


def test_a_hidden_future_value_is_dropped_on_submit_but_refused_in_a_draft() -> None:
    raw = event_log()
    raw["ui"] = {
        "fields": {"/noticed_on": {"show_if": {"properties": {"kind": {"const": "other"}}}}}
    }
    definition = validate_definition(raw)
    data = {**BASE, "noticed_on": "2030-01-01"}
    assert check_record(definition, data, submit=True, now=NOW).ok
    draft = check_record(definition, data, submit=False, now=NOW)
    assert [i.pointer for i in draft.issues] == ["/noticed_on"]


def test_without_now_the_current_time_is_used() -> None:
    definition = validate_definition(event_log())
    assert check_record(definition, {**BASE, "noticed_on": "2000-01-01"}, submit=True).ok
    refused = check_record(definition, {**BASE, "noticed_on": "9999-12-31"}, submit=True)
    assert [i.pointer for i in refused.issues] == ["/noticed_on"]


def test_is_future_reads_naive_now_as_utc_and_ignores_non_dates() -> None:
    naive = datetime(2026, 3, 31, 23, 30)
    assert london_today(naive).isoformat() == "2026-04-01"
    assert is_future("2026-04-02", "date", naive)
    assert not is_future("not a date", "date", naive)
    assert not is_future(20260402, "date", naive)
    assert is_future("2026-03-31t23:31:00z", "date-time", naive)


# --- the definition checker ------------------------------------------------------------


def refused_at(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw)
    return {i.pointer: i.message for i in caught.value.issues}


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("a number", {"type": "number"}),
        ("plain text", {"type": "string"}),
        ("an email", {"type": "string", "format": "email"}),
        ("a choice", {"type": "string", "enum": ["a", "b"]}),
        ("a time", {"type": "string", "format": "time"}),
    ],
)
def test_the_keyword_is_refused_on_anything_but_a_date(name: str, schema: dict[str, Any]) -> None:
    raw = event_log()
    raw["schema"]["properties"]["other"] = {**schema, "x-not-future": True}
    found = refused_at(raw)
    assert list(found) == ["/schema/properties/other/x-not-future"], name
    assert "date or date-time" in found["/schema/properties/other/x-not-future"]


def test_the_keyword_is_true_or_false() -> None:
    raw = event_log()
    raw["schema"]["properties"]["noticed_on"]["x-not-future"] = "yes"
    assert refused_at(raw) == {
        "/schema/properties/noticed_on/x-not-future": "x-not-future is true or false"
    }


def test_wrong_uses_in_branches_defs_and_items_are_found_where_written() -> None:
    raw = event_log()
    schema = raw["schema"]
    schema["$defs"] = {"count": {"type": "integer", "x-not-future": True}}
    schema["if"] = {"properties": {"kind": {"const": "other"}}, "required": ["kind"]}
    schema["then"] = {"properties": {"score": {"type": "number", "x-not-future": True}}}
    schema["properties"]["actions"]["items"]["properties"]["what"]["x-not-future"] = True
    assert set(refused_at(raw)) == {
        "/schema/$defs/count/x-not-future",
        "/schema/then/properties/score/x-not-future",
        "/schema/properties/actions/items/properties/what/x-not-future",
    }


def test_dates_through_refs_and_branches_are_accepted_and_checked() -> None:
    raw = event_log()
    schema = raw["schema"]
    schema["$defs"] = {"day": {"type": "string", "format": "date", "title": "Day"}}
    schema["if"] = {"properties": {"kind": {"const": "other"}}, "required": ["kind"]}
    schema["then"] = {"properties": {"seen": {"$ref": "#/$defs/day", "x-not-future": True}}}
    definition = validate_definition(raw)
    data = {"kind": "other", "seen": "2026-04-02"}
    found = check_record(definition, data, submit=True, now=NOW).issues
    assert [(i.pointer, i.message) for i in found] == [("/seen", "Day must not be in the future")]


def test_record_schemas_and_conditions_are_not_upset() -> None:
    raw = event_log()
    schema = raw["schema"]
    schema["if"] = {"properties": {"kind": {"const": "other"}}, "required": ["kind"]}
    schema["then"] = {
        "properties": {"seen": {"type": "string", "format": "date", "x-not-future": True}},
        "required": ["seen"],
    }
    definition = validate_definition(raw)  # the 2020-12 meta-schema takes the keyword
    rules = compile_rules(definition.schema, definition.ui)  # the browser's rules too
    assert "x-not-future" not in str(rules)
    assert evaluate(rules, {"kind": "other"}).required == {"/seen"}
    assert evaluate(rules, {"kind": "patient_safety"}).hidden == {"/seen"}


def test_the_keyword_inside_a_condition_is_refused_as_one_the_browser_cannot_read() -> None:
    raw = event_log()
    raw["schema"]["if"] = {"properties": {"noticed_on": {"x-not-future": True}}}
    raw["schema"]["then"] = {"required": ["harm"]}
    found = refused_at(raw)
    assert found["/schema/if/properties/noticed_on/x-not-future"].startswith(
        "Conditions cannot use “x-not-future”"
    )


# --- the form --------------------------------------------------------------------------


def test_input_max_is_today_for_a_date_and_now_in_london_for_a_date_time() -> None:
    schema = event_log()["schema"]
    noticed, occurred = find_field(schema, "/noticed_on"), find_field(schema, "/occurred_at")
    assert noticed is not None and occurred is not None
    assert input_max(noticed, "date", NOW) == "2026-04-01"
    assert input_max(occurred, "datetime", NOW) == "2026-04-01T00:30"
    assert input_max(occurred, "text", NOW) is None
    plain = copy.deepcopy(occurred.schema)
    del plain["x-not-future"]
    assert input_max(dataclasses.replace(occurred, schema=plain), "datetime", NOW) is None


def _flat(fields: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in fields:
        out[f["pointer"]] = f
        out |= _flat(f.get("children") or [])
    return out


def test_the_rendered_inputs_carry_the_cap() -> None:
    definition = validate_definition(event_log())
    before = datetime.now(UTC)
    sections = render_sections(bind_form(compile_form(definition.schema, definition.ui)))
    after = datetime.now(UTC)
    fields = _flat([f for s in sections for f in s["fields"]])
    occurred = find_field(definition.schema, "/occurred_at")
    assert occurred is not None
    caps = {input_max(occurred, "datetime", t) for t in (before, after)}
    assert fields["/occurred_at"]["params"]["attributes"]["max"] in caps
    days = {london_today(t).isoformat() for t in (before, after)}
    assert fields["/noticed_on"]["params"]["attributes"]["data-max"] in days
    assert "attributes" not in fields["/description"]["params"]

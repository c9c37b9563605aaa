"""compile_form → bind → to_json / validate_data / attach_errors / repeat actions / files."""

from __future__ import annotations

import io

import pytest
from miniapps.core.definitions.schema_fields import iter_fields
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.forms import WIDGETS, bind_form, compile_form, formdata_for
from miniapps.core.forms.fields import MISSING, default_widget
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import Form

SCHEMA = {
    "type": "object",
    "required": ["reading", "role", "courses"],
    "properties": {
        "reading": {
            "type": "number",
            "title": "Temperature (°C)",
            "minimum": -30,
            "maximum": 40,
            "multipleOf": 0.5,
            "description": "Read it from the display",
        },
        "count": {"type": "integer", "title": "Doses"},
        "role": {"type": "string", "title": "Role", "enum": ["nurse", "gp"]},
        "smoker": {"type": "boolean", "title": "Smoker"},
        "checked_on": {"type": "string", "format": "date", "title": "Date checked"},
        "checked_at": {"type": "string", "format": "date-time", "title": "Time checked"},
        "email": {"type": "string", "format": "email", "title": "Email"},
        "site": {"type": "string", "format": "uri", "title": "Website"},
        "notes": {"type": "string", "maxLength": 1000, "title": "Notes"},
        "tags": {
            "type": "array",
            "uniqueItems": True,
            "title": "Tags",
            "items": {"enum": ["a", "b", "c"]},
        },
        "address": {
            "type": "object",
            "title": "Address",
            "required": ["line1"],
            "properties": {
                "line1": {"type": "string", "title": "Line 1"},
                "postcode": {"type": "string", "title": "Postcode"},
            },
        },
        "courses": {
            "type": "array",
            "title": "Courses",
            "minItems": 1,
            "maxItems": 3,
            "items": {
                "type": "object",
                "title": "Course",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "title": "Course name"},
                    "completed": {"type": "boolean", "title": "Completed"},
                },
                "if": {"properties": {"completed": {"const": False}}, "required": ["completed"]},
                "then": {
                    "properties": {"reason": {"type": "string", "title": "Reason"}},
                    "required": ["reason"],
                },
            },
        },
    },
    "if": {"properties": {"smoker": {"const": True}}, "required": ["smoker"]},
    "then": {
        "properties": {"per_day": {"type": "integer", "title": "Cigarettes a day", "minimum": 1}},
        "required": ["per_day"],
    },
}

VALID = {
    "reading": 4.5,
    "count": 3,
    "role": "gp",
    "smoker": True,
    "per_day": 5,
    "checked_on": "2025-03-31",
    "checked_at": "2025-03-31T14:30:00+01:00",
    "email": "a@example.com",
    "site": "https://www.example.com",
    "notes": "fine",
    "tags": ["a", "c"],
    "address": {"line1": "1 High St"},
    "courses": [
        {"name": "BLS", "completed": True},
        {"name": "IPC", "completed": False, "reason": "ill"},
    ],
}


def post(compiled, pairs, **kw):
    return bind_form(compiled, formdata=MultiDict(pairs), **kw)


def test_registry_has_exactly_the_documented_widgets() -> None:
    assert set(WIDGETS) == {
        "text",
        "textarea",
        "number",
        "date",
        "datetime",
        "email",
        "url",
        "radios",
        "select",
        "checkboxes",
        "checkbox",
        "file",
        "fieldset",
        "repeat",
        "organisation",
        "person",
        "record",
    }
    for name, cls in WIDGETS.items():
        assert cls.name == name and cls.kinds


def test_default_widgets() -> None:
    widgets = {f.pointer: default_widget(f) for f in iter_fields(SCHEMA)}
    assert widgets["/reading"] == "number"
    assert widgets["/role"] == "radios"
    assert widgets["/smoker"] == "radios"
    assert widgets["/checked_on"] == "date"
    assert widgets["/checked_at"] == "datetime"
    assert widgets["/email"] == "email"
    assert widgets["/site"] == "url"
    assert widgets["/notes"] == "textarea"
    assert widgets["/tags"] == "checkboxes"
    assert widgets["/address"] == "fieldset"
    assert widgets["/courses"] == "repeat"
    many = {"type": "object", "properties": {"p": {"enum": [str(i) for i in range(9)]}}}
    assert default_widget(next(iter_fields(many))) == "select"


def test_form_class_is_a_wtforms_form_with_nested_names() -> None:
    compiled = compile_form(SCHEMA)
    assert issubclass(compiled.form_class, Form)
    bound = bind_form(compiled)
    names = [b.wtf.name for b in bound.walk()]
    assert "address-line1" in names and "courses-0-name" in names
    assert compile_form(SCHEMA) is compiled  # cached by content


def test_round_trip_of_valid_data_is_exact() -> None:
    compiled = compile_form(SCHEMA)
    formdata = formdata_for(compiled, VALID)
    assert formdata["checked_on-day"] == "31" and formdata["checked_on-month"] == "3"
    assert formdata["checked_at"] == "2025-03-31T14:30"
    bound = bind_form(compiled, formdata=formdata)
    assert bound.to_json() == VALID
    assert bound.validate_data(submit=True) == []
    assert isinstance(bound.to_json()["count"], int)


def test_empty_inputs_are_omitted_and_types_are_json() -> None:
    compiled = compile_form(SCHEMA)
    bound = post(
        compiled,
        [
            ("reading", " 4 "),
            ("count", "3.0"),
            ("notes", "  "),
            ("email", ""),
            ("smoker", "false"),
            ("courses-0-name", ""),
            ("address-line1", ""),
        ],
    )
    assert bound.to_json() == {"reading": 4, "count": 3, "smoker": False}


def test_bad_number_is_kept_and_reported_plainly() -> None:
    compiled = compile_form(SCHEMA)
    bound = post(compiled, [("reading", "12a"), ("count", "1e999")])
    assert bound.to_json(drop_hidden=False)["reading"] == "12a"
    messages = {i.pointer: i.message for i in bound.validate_data(submit=False)}
    assert messages == {
        "/reading": "Enter a number for temperature (°C)",
        "/count": "Doses must be a whole number",
    }
    bound.attach_errors(bound.validate_data(submit=False))
    assert bound.form["reading"].data == "12a"


def test_draft_refuses_wrong_values_never_missing_ones() -> None:
    compiled = compile_form(SCHEMA)
    draft = post(compiled, [("reading", "99"), ("email", "nope")])
    issues = draft.validate_data(submit=False)
    assert [(i.pointer, i.code) for i in issues] == [("/reading", "maximum"), ("/email", "format")]
    submit = {i.pointer for i in draft.validate_data(submit=True)}
    assert {"/reading", "/role", "/courses", "/email"} <= submit


def test_hidden_values_dropped_on_submit_kept_in_draft() -> None:
    compiled = compile_form(SCHEMA)
    bound = post(compiled, [("smoker", "false"), ("per_day", "10")])
    assert "per_day" not in bound.to_json(drop_hidden=True)
    assert bound.to_json(drop_hidden=False)["per_day"] == 10
    assert "/per_day" in bound.rule_state().hidden
    shown = post(compiled, [("smoker", "true")])
    assert "/per_day" in {i.pointer for i in shown.validate_data(submit=True)}


def test_conditions_apply_per_repeat_item() -> None:
    compiled = compile_form(SCHEMA)
    bound = post(
        compiled,
        [
            ("courses-0-name", "A"),
            ("courses-0-completed", "false"),
            ("courses-1-name", "B"),
            ("courses-1-completed", "true"),
            ("courses-1-reason", "dropped"),
        ],
    )
    assert bound.rule_state().hidden == {"/courses/1/reason", "/per_day"}
    assert bound.to_json()["courses"] == [
        {"name": "A", "completed": False},
        {"name": "B", "completed": True},
    ]
    issues = bound.validate_data(submit=True)
    assert "/courses/0/reason" in {i.pointer for i in issues}


def test_attach_errors_and_summary_links_point_at_first_inputs() -> None:
    compiled = compile_form(SCHEMA)
    bound = post(
        compiled,
        [
            ("checked_on-day", "31"),
            ("checked_on-month", "2"),
            ("checked_on-year", "2025"),
            ("courses-0-name", ""),
            ("courses-1-name", ""),
            ("courses-1-completed", "true"),
            ("address-postcode", "X"),
        ],
    )
    issues = bound.validate_data(submit=True)
    bound.attach_errors(issues)
    summary = dict(bound.errors_for_summary())
    assert summary["Enter temperature (°C)"] == "#reading"
    assert summary["Select role"] == "#role"
    assert summary["Enter a real date, like 31 3 2025"] == "#checked_on-day"
    assert summary["Address: enter line 1"] == "#address-line1"
    # The empty first item is not in the data: the error maps back to the second item.
    assert summary["Course 1: enter course name"] == "#courses-1-name"
    assert bound.form["reading"].errors == ["Enter temperature (°C)"]
    order = [m for m, _ in bound.errors_for_summary()]
    assert order.index("Enter temperature (°C)") < order.index("Select role")


def test_issues_without_a_field_go_to_form_errors() -> None:
    compiled = compile_form(SCHEMA)
    bound = bind_form(compiled, data={})
    from miniapps.core.errors import Issue

    bound.attach_errors([Issue("", "Something is wrong"), Issue("/unknown", "Not a field")])
    assert bound.form_errors == ["Something is wrong", "Not a field"]
    assert bound.errors_for_summary()[0] == ("Something is wrong", "#reading")


def test_repeat_add_and_remove_without_javascript() -> None:
    compiled = compile_form(SCHEMA)
    base = [("reading", "5x"), ("courses-0-name", "A"), ("courses-1-name", "B")]
    added = post(compiled, [*base, ("_repeat_add", "/courses")])
    assert added.repeat_action() == ("add", "/courses")
    course = next(b for b in added.walk() if b.pointer == "/courses")
    assert len(course.items) == 3
    assert added.form["reading"].data == "5x"  # raw input survives the re-render
    full = post(compiled, [*base, ("courses-2-name", "C"), ("_repeat_add", "/courses")])
    assert len(next(b for b in full.walk() if b.pointer == "/courses").items) == 3  # maxItems
    removed = post(compiled, [*base, ("_repeat_remove", "/courses/0")])
    assert removed.repeat_action() == ("remove", "/courses/0")
    assert removed.to_json(drop_hidden=False)["courses"] == [{"name": "B"}]
    assert post(compiled, base).repeat_action() is None


def test_repeat_add_keeps_an_empty_item_and_shows_min_entries() -> None:
    compiled = compile_form(SCHEMA)
    first = bind_form(compiled)
    assert len(next(b for b in first.walk() if b.pointer == "/courses").items) == 1
    added = post(compiled, [("courses-0-name", ""), ("_repeat_add", "/courses")])
    assert len(next(b for b in added.walk() if b.pointer == "/courses").items) == 2


def test_ui_order_sections_and_widget_overrides() -> None:
    ui = {
        "order": ["/role", "reading"],
        "sections": [{"title": "About you", "fields": ["/email"]}],
        "fields": {
            "/role": {"widget": "select"},
            "/smoker": {"widget": "checkbox"},
            "/notes": {"widget": "text"},
        },
    }
    compiled = compile_form(SCHEMA, ui)
    names = [n.name for n in compiled.nodes]
    assert names[:3] == ["role", "reading", "email"]
    assert compiled.sections[0].title == "About you" and compiled.sections[0].names == ("email",)
    widgets = {n.name: n.widget_name for n in compiled.nodes}
    assert (widgets["role"], widgets["smoker"], widgets["notes"]) == ("select", "checkbox", "text")
    bound = post(compiled, [("smoker", "y")])
    assert bound.to_json(drop_hidden=False)["smoker"] is True
    assert "smoker" not in post(compiled, []).to_json()


@pytest.mark.parametrize(
    ("options", "pointer"),
    [
        ({"/role": {"widget": "number"}}, "/ui/fields/~1role/widget"),
        ({"/reading": {"widget": "slider"}}, "/ui/fields/~1reading/widget"),
    ],
)
def test_bad_widgets_are_definition_errors(options: dict, pointer: str) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        compile_form(SCHEMA, {"fields": options})
    assert caught.value.issues[0].pointer == pointer


def test_awkward_keys_get_safe_names() -> None:
    schema = {
        "type": "object",
        "properties": {
            "data": {"type": "string"},
            "_x": {"type": "string"},
            "a b": {"type": "integer"},
        },
    }
    compiled = compile_form(schema)
    formdata = formdata_for(compiled, {"data": "d", "_x": "x", "a b": 2})
    assert bind_form(compiled, formdata=formdata).to_json() == {"data": "d", "_x": "x", "a b": 2}


def test_defaults_prefill_a_new_form() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "default": 3}}}
    assert bind_form(compile_form(schema)).form["n"].data == "3"


class MemoryStore:
    def __init__(self) -> None:
        self.saved: list[tuple[str, bytes]] = []

    def save(self, file_storage: FileStorage, field_pointer: str) -> str:
        self.saved.append((field_pointer, file_storage.read()))
        return f"file-{len(self.saved)}"


FILE_SCHEMA = {
    "type": "object",
    "required": ["scan"],
    "properties": {"scan": {"type": "string", "title": "Scan"}, "n": {"type": "string"}},
}
FILE_UI = {
    "fields": {
        "/scan": {
            "widget": "file",
            "accept": ["application/pdf", "image/png"],
            "max_bytes": 5 * 1024 * 1024,
        }
    }
}


def upload(name: str, content: bytes, mimetype: str) -> MultiDict:
    return MultiDict(
        [("scan", FileStorage(io.BytesIO(content), filename=name, content_type=mimetype))]
    )


def test_file_upload_is_saved_and_referenced() -> None:
    compiled = compile_form(FILE_SCHEMA, FILE_UI)
    store = MemoryStore()
    bound = bind_form(
        compiled, MultiDict(), files=upload("a.pdf", b"%PDF", "application/pdf"), file_store=store
    )
    assert bound.has_files
    assert bound.validate_data(submit=True) == []
    assert bound.to_json() == {"scan": "file-1"}
    assert store.saved == [("/scan", b"%PDF")]  # saved once however often to_json runs


def test_file_type_and_size_limits() -> None:
    compiled = compile_form(FILE_SCHEMA, FILE_UI)
    store = MemoryStore()
    wrong = bind_form(
        compiled,
        MultiDict(),
        files=upload("a.exe", b"MZ", "application/x-msdownload"),
        data={"scan": "old-ref"},
        file_store=store,
    )
    issues = wrong.validate_data(submit=True)
    assert [(i.pointer, i.message) for i in issues] == [
        ("/scan", "The selected file must be a PDF or PNG")
    ]
    assert wrong.to_json() == {"scan": "old-ref"}
    big = bind_form(
        compiled,
        MultiDict(),
        files=upload("a.png", b"x" * (5 * 1024 * 1024 + 1), "image/png"),
        file_store=store,
    )
    assert (
        big.validate_data(submit=False)[0].message == "The selected file must be smaller than 5 MB"
    )
    assert store.saved == []


def test_stored_file_is_kept_when_no_new_file_is_chosen() -> None:
    compiled = compile_form(FILE_SCHEMA, FILE_UI)
    empty = MultiDict(
        [
            (
                "scan",
                FileStorage(io.BytesIO(b""), filename="", content_type="application/octet-stream"),
            )
        ]
    )
    bound = bind_form(compiled, MultiDict([("n", "x")]), data={"scan": "ref-9"}, files=empty)
    assert bound.to_json() == {"scan": "ref-9", "n": "x"}
    assert bind_form(compiled, data={"scan": "ref-9"}).stored_file("/scan") == "ref-9"


def test_missing_sentinel_is_not_json() -> None:
    assert repr(MISSING) == "MISSING"
    assert WIDGETS["number"]().to_json("", next(iter_fields(SCHEMA))) is MISSING


def test_an_untouched_optional_group_is_left_out_even_with_a_required_group_inside() -> None:
    # The required inner group is always on the page, so the form collects it as {};
    # that alone must not make the optional outer group look answered.
    inner = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "string"},
            "outer": {
                "type": "object",
                "properties": {"note": {"type": "string"}, "inner": inner},
                "required": ["inner"],
            },
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"inner": inner}, "required": ["inner"]},
            },
        },
    }
    compiled = compile_form(schema)
    untouched = post(compiled, [("n", "x"), ("outer-note", ""), ("outer-inner-name", "")])
    assert untouched.to_json() == {"n": "x"}
    assert untouched.validate_data(submit=True) == []
    started = post(compiled, [("n", "x"), ("outer-note", "hi"), ("outer-inner-name", "")])
    assert started.to_json() == {"n": "x", "outer": {"note": "hi", "inner": {}}}
    assert [i.pointer for i in started.validate_data(submit=True)] == ["/outer/inner/name"]
    empty_item = post(compiled, [("n", "x"), ("items-0-inner-name", "")])
    assert empty_item.to_json() == {"n": "x"}

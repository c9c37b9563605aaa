"""forms/macros.html through a real Jinja environment: labels, hints, errors, fieldsets, state."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from miniapps.core.forms import bind_form, compile_form
from werkzeug.datastructures import MultiDict

SCHEMA = {
    "type": "object",
    "required": ["reading", "role"],
    "properties": {
        "reading": {
            "type": "number",
            "title": "Temperature (°C)",
            "maximum": 40,
            "description": "Read it from the display",
        },
        "role": {
            "title": "Role",
            "oneOf": [{"const": "n", "title": "Nurse"}, {"const": "d", "title": "Doctor"}],
        },
        "smoker": {"type": "boolean", "title": "Smoker"},
        "checked_on": {"type": "string", "format": "date", "title": "Date checked"},
        "tags": {
            "type": "array",
            "uniqueItems": True,
            "title": "Tags",
            "items": {"enum": ["a", "b"]},
        },
        "address": {
            "type": "object",
            "title": "Address",
            "description": "Where it is kept",
            "properties": {"line1": {"type": "string", "title": "Line 1"}},
        },
        "courses": {
            "type": "array",
            "title": "Courses",
            "maxItems": 2,
            "items": {
                "type": "object",
                "title": "Course",
                "properties": {"name": {"type": "string", "title": "Course name"}},
            },
        },
    },
    "if": {"properties": {"smoker": {"const": True}}, "required": ["smoker"]},
    "then": {
        "properties": {"per_day": {"type": "integer", "title": "Cigarettes a day"}},
        "required": ["per_day"],
    },
}
UI = {"fields": {"/reading": {"help": "Use the max/min reading"}}}


class Elements(HTMLParser):
    """Collects (tag, attrs) of every start tag."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def by_id(self, element_id: str) -> dict[str, str | None]:
        return next(a for _, a in self.found if a.get("id") == element_id)

    def ids(self) -> set[str]:
        return {str(a["id"]) for _, a in self.found if a.get("id")}


def buttons(html: str) -> list[tuple[str | None, str | None]]:
    found = Elements(html).found
    return [(a.get("name"), a.get("value")) for t, a in found if t == "button"]


def submitted(pairs: list[tuple[str, str]]):
    bound = bind_form(compile_form(SCHEMA, UI), formdata=MultiDict(pairs))
    bound.attach_errors(bound.validate_data(submit=True))
    return bound


def test_every_input_has_a_label_and_hints_are_described(render_form) -> None:
    html = render_form(bind_form(compile_form(SCHEMA, UI)))
    doc = Elements(html)
    labelled = {a.get("for") for t, a in doc.found if t == "label"}
    for tag, attrs in doc.found:
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            assert attrs["id"] in labelled, attrs
    reading = doc.by_id("reading")
    assert reading["aria-describedby"] == "reading-hint"
    assert "Read it from the display" in html and "Use the max/min reading" in html
    assert reading["inputmode"] == "decimal"


def test_radios_checkboxes_objects_and_repeats_are_fieldsets_with_legends(render_form) -> None:
    html = render_form(bind_form(compile_form(SCHEMA, UI)))
    raw = re.findall(r"<legend.*?>(.*?)</legend>", html, re.S)
    legends = [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in raw]
    for text in (
        "Role (required)",
        "Smoker",
        "Date checked",
        "Tags",
        "Address",
        "Courses",
        "Course 1",
    ):
        assert text in legends, (text, legends)
    address = Elements(html).by_id("address")
    assert address["aria-describedby"] == "address-hint"
    assert buttons(html) == [("_repeat_remove", "/courses/0"), ("_repeat_add", "/courses")]
    assert "Add another course" in html


def test_required_marker_always_and_conditional(render_form) -> None:
    html = render_form(bind_form(compile_form(SCHEMA, UI)))
    assert re.search(
        r'Temperature \(°C\) <span class="miniapps-required" data-required-marker="always">', html
    )
    assert 'data-required-marker="conditional" hidden' in html


def test_errors_summary_links_messages_and_kept_input(render_form) -> None:
    bound = submitted(
        [
            ("reading", "41"),
            ("tags", "b"),
            ("checked_on-day", "31"),
            ("checked_on-month", "2"),
            ("checked_on-year", "2025"),
        ]
    )
    html = render_form(bound)
    doc = Elements(html)
    summary = html[: html.index("<form")]
    assert "There is a problem" in summary
    links = re.findall(r'<a href="(#[^"]+)"', summary)
    assert links == ["#reading", "#role", "#checked_on-day"]
    for href in links:
        assert href[1:] in doc.ids()
    reading = doc.by_id("reading")
    assert reading["value"] == "41"
    assert reading["aria-describedby"] == "reading-hint reading-error"
    assert "Temperature (°C) must be 40 or less" in html
    assert "nhsuk-input--error" in (reading["class"] or "")
    assert doc.by_id("checked_on-day")["value"] == "31"
    tags = [a for t, a in doc.found if t == "input" and a.get("name") == "tags"]
    assert [("checked" in a) for a in tags] == [False, True]
    role = doc.by_id("role")  # first radio, the summary's target
    assert role["type"] == "radio"
    fieldset = next(
        a
        for t, a in doc.found
        if t == "fieldset" and "role-error" in str(a.get("aria-describedby"))
    )
    assert fieldset is not None


def test_no_summary_without_errors(render_form) -> None:
    assert "There is a problem" not in render_form(bind_form(compile_form(SCHEMA, UI)))


def test_conditional_wrappers_are_hidden_server_side_and_rules_embedded(render_form) -> None:
    hidden = render_form(bind_form(compile_form(SCHEMA, UI), data={"smoker": False}))
    wrapper = Elements(hidden).found
    per_day = next(a for t, a in wrapper if a.get("data-pointer") == "/per_day")
    assert "hidden" in per_day
    shown = render_form(bind_form(compile_form(SCHEMA, UI), data={"smoker": True}))
    per_day = next(a for t, a in Elements(shown).found if a.get("data-pointer") == "/per_day")
    assert "hidden" not in per_day
    rules = re.search(
        r'<script type="application/json" id="form-rules">(.*?)</script>', shown, re.S
    )
    assert rules and json.loads(rules.group(1)) == compile_form(SCHEMA, UI).rules


def test_definition_text_is_escaped(render_form) -> None:
    schema = {
        "type": "object",
        "properties": {
            "x": {
                "type": "string",
                "title": "<b>x</b></script>",
                "description": "<script>alert(1)</script>",
            }
        },
        "if": {"properties": {"x": {"const": "</script><script>alert(2)</script>"}}},
        "then": {"properties": {"y": {"type": "string"}}},
    }
    html = render_form(bind_form(compile_form(schema)))
    assert "<script>alert" not in html and "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_repeat_items_render_with_remove_buttons_and_max(render_form) -> None:
    compiled = compile_form(SCHEMA, UI)
    bound = bind_form(compiled, data={"courses": [{"name": "A"}, {"name": "B"}]})
    html = render_form(bound)
    assert ("_repeat_remove", "/courses/1") in buttons(html)
    assert Elements(html).by_id("courses-1-name")["value"] == "B"
    add = re.search(r'<div class="miniapps-repeat__add"( hidden)?>', html)
    assert add and add.group(1) == " hidden"  # maxItems reached
    required = json.loads(json.dumps(SCHEMA))
    required["required"] = ["courses"]
    required["properties"]["courses"]["minItems"] = 1
    single = render_form(bind_form(compile_form(required, UI)))
    items = single.split("<template")[0]  # the items shown, not the template of a new one
    remove = re.search(r'<div class="miniapps-repeat__remove"( hidden)?>', items)
    assert remove and remove.group(1) == " hidden"  # required: cannot go below minItems


def test_every_widget_renders_with_a_label(render_form) -> None:
    schema = {
        "type": "object",
        "properties": {
            "notes": {"type": "string", "maxLength": 500, "title": "Notes"},
            "at": {"type": "string", "format": "date-time", "title": "When"},
            "mail": {"type": "string", "format": "email", "title": "Email"},
            "web": {"type": "string", "format": "uri", "title": "Website"},
            "pick": {"enum": [f"o{i}" for i in range(10)], "title": "Option"},
            "agree": {"type": "boolean", "title": "I agree"},
            "scan": {"type": "string", "title": "Scan"},
            "lines": {"type": "array", "items": {"type": "string"}, "title": "Lines"},
        },
    }
    ui = {
        "fields": {
            "/agree": {"widget": "checkbox"},
            "/scan": {"widget": "file", "accept": [".pdf", "image/png"]},
        }
    }
    bound = bind_form(
        compile_form(schema, ui), data={"at": "2025-06-01T13:30:00Z", "scan": "ref-1"}
    )
    html = render_form(bound)
    doc = Elements(html)
    labelled = {a.get("for") for t, a in doc.found if t == "label"}
    inputs = [a for t, a in doc.found if t in ("input", "select", "textarea")]
    assert {a["id"] for a in inputs} <= labelled
    assert doc.by_id("at")["type"] == "datetime-local"
    assert doc.by_id("at")["value"] == "2025-06-01T14:30"  # shown in UK time (BST)
    assert doc.by_id("mail")["type"] == "email"
    assert doc.by_id("web")["type"] == "url"
    assert doc.by_id("scan")["accept"] == ".pdf,image/png"
    assert "Current file: ref-1" in html
    assert [t for t, a in doc.found if a.get("id") == "pick"] == ["select"]
    assert [t for t, a in doc.found if a.get("id") == "notes"] == ["textarea"]
    assert doc.by_id("agree")["type"] == "checkbox"


def _repeat_items(html: str) -> list[str]:
    """data-pointer of each repeat item shown (the <template> of a new one left out)."""
    shown = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    return re.findall(r'data-pointer="([^"]+)" data-widget="item"', shown)


def test_an_optional_repeat_starts_with_no_item_and_offers_to_add_one(render_form) -> None:
    html = render_form(bind_form(compile_form(SCHEMA, UI)))
    assert _repeat_items(html) == []
    assert "Course name" not in re.sub(r"<template.*?</template>", "", html, flags=re.S)
    assert ("_repeat_add", "/courses") in buttons(html)
    assert re.search(r">\s*Add a course\s*<", html)
    assert 'data-add-more="Add another course"' in html
    # The blank item "Add" copies in the browser comes after the last item.
    template = re.search(r"<template data-repeat-template>(.*?)</template>", html, re.S)
    assert template and 'name="courses-0-name"' in template.group(1)
    two = render_form(bind_form(compile_form(SCHEMA, UI), data={"courses": [{"name": "A"}]}))
    assert _repeat_items(two) == ["/courses/0"]
    assert re.search(r">\s*Add another course\s*<", two)
    template = re.search(r"<template data-repeat-template>(.*?)</template>", two, re.S)
    assert template and 'name="courses-1-name"' in template.group(1)


def test_add_without_javascript_adds_the_first_item(render_form) -> None:
    compiled = compile_form(SCHEMA, UI)
    bound = bind_form(compiled, formdata=MultiDict([("_repeat_add", "/courses")]))
    assert _repeat_items(render_form(bound)) == ["/courses/0"]

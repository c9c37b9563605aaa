"""Choices that follow a condition, and sections hidden with their fields, as the server
renders them (the page is right without JavaScript; conditions.mjs keeps it right)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from miniapps.core.forms import bind_form, compile_form
from miniapps.core.forms.form_parts import compile_fields_form, compile_form_without
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parents[3]
ALL = ["physical", "sexual", "emotional", "financial"]
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "title": "Kind", "enum": ["adult", "child"]},
        "categories": {
            "type": "array",
            "uniqueItems": True,
            "title": "Categories",
            "items": {"oneOf": [{"const": v, "title": v.title()} for v in ALL]},
        },
        "route": {"title": "Route", "enum": ["post", "email", "phone"]},
        "via": {"title": "Via", "enum": [f"v{i}" for i in range(9)]},  # a select
        "note": {"type": "string", "title": "Note"},
    },
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "child"}}, "required": ["kind"]},
            "then": {
                "properties": {
                    "categories": {"items": {"enum": ["physical", "sexual", "emotional"]}},
                    "route": {"enum": ["post", "phone"]},
                    "via": {"enum": ["v0", "v1"]},
                }
            },
        },
        {
            "if": {"properties": {"kind": {"const": "adult"}}, "required": ["kind"]},
            "then": {"properties": {"categories": {"items": {"enum": ["physical", "financial"]}}}},
        },
    ],
}
UI = {"fields": {"/route": {"widget": "radios"}}}


class Tags(HTMLParser):
    """(tag, attrs) of every start tag."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def options(html: str, name: str) -> dict[str, dict[str, bool]]:
    """value → {"offered", "ticked"} of the checkboxes/radios (or select options) ``name``."""
    tags = Tags(html).found
    labels = {a.get("for"): "hidden" not in a for t, a in tags if t == "label"}
    found: dict[str, dict[str, bool]] = {}
    inside = False
    for tag, attrs in tags:
        if tag == "select":
            inside = attrs.get("name") == name
        if tag == "input" and attrs.get("name") == name:
            shown = "hidden" not in attrs
            assert labels[attrs["id"]] is shown, attrs  # the label goes with its input
            found[str(attrs["value"])] = {"offered": shown, "ticked": "checked" in attrs}
        elif tag == "option" and inside and attrs.get("value"):
            offered = "hidden" not in attrs
            assert ("disabled" in attrs) is not offered, attrs
            found[str(attrs["value"])] = {"offered": offered, "ticked": "selected" in attrs}
    return found


def offered(html: str, name: str) -> list[str]:
    return [value for value, o in options(html, name).items() if o["offered"]]


def ticked(html: str, name: str) -> list[str]:
    return [value for value, o in options(html, name).items() if o["ticked"]]


def test_the_server_offers_only_the_options_allowed_for_the_data(render_form) -> None:
    compiled = compile_form(SCHEMA, UI)
    child = {
        "kind": "child",
        "categories": ["physical", "financial"],
        "route": "email",
        "via": "v5",
    }
    html = render_form(bind_form(compiled, data=child))
    assert offered(html, "categories") == ["physical", "sexual", "emotional"]
    assert ticked(html, "categories") == ["physical"]  # the refused answer is not ticked
    assert offered(html, "route") == ["post", "phone"] and ticked(html, "route") == []
    assert offered(html, "via") == ["v0", "v1"] and ticked(html, "via") == []
    adult = render_form(bind_form(compiled, data={**child, "kind": "adult"}))
    assert offered(adult, "categories") == ["physical", "financial"]
    assert ticked(adult, "categories") == ["physical", "financial"]
    assert offered(adult, "route") == ["post", "email", "phone"] and ticked(adult, "route") == [
        "email"
    ]
    # Nothing narrows before the kind is answered: every option is offered.
    assert offered(render_form(bind_form(compiled)), "categories") == ALL
    # The browser gets every option (to offer again) and the rules that narrow them.
    wrapper = re.search(r'data-pointer="/categories"[^>]*data-choices="([^"]+)"', html)
    assert wrapper and len(json.loads(wrapper.group(1).replace("&#34;", '"'))) == 4
    rules = compiled.rules
    assert [r["then"].get("choices") for r in rules] == [
        {"categories": ["physical", "sexual", "emotional"], "route": ["post", "phone"]}
        | {"via": ["v0", "v1"]},
        {"categories": ["physical", "financial"]},
    ]


def test_a_refused_submit_offers_the_options_for_the_users_answers(render_form) -> None:
    posted = MultiDict([("kind", "child"), ("categories", "physical"), ("categories", "financial")])
    bound = bind_form(compile_form(SCHEMA, UI), formdata=posted)
    problems = bound.validate_data(submit=True)
    assert [(i.pointer, i.message) for i in problems] == [
        (
            "/categories",
            "Given your answer to kind, select categories only from: Physical, Sexual, Emotional",
        )
    ]
    bound.attach_errors(problems)
    html = render_form(bound)
    assert offered(html, "categories") == ["physical", "sexual", "emotional"]
    assert ticked(html, "categories") == ["physical"]
    assert re.search(r'<a href="#categories"\s*>\s*Given your answer to kind', html)


SECTIONED = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "title": "Kind", "enum": ["a", "b"]},
        "note": {"type": "string", "title": "Note"},
    },
    "if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
    "then": {"properties": {"detail": {"type": "string", "title": "Detail"}}},
    "else": {"properties": {"other": {"type": "string", "title": "Other"}}},
}
SECTIONS = {
    "sections": [
        {"title": "About", "fields": ["kind"]},
        {"title": "Details", "description": "For kind a", "fields": ["detail"]},
        {"title": "Other", "fields": ["other"]},
        {"title": "Mixed", "fields": ["detail", "other", "note"]},  # detail, other placed before
        {"title": "Nothing here yet", "fields": ["missing"]},
    ]
}


def sections(html: str) -> dict[str, bool]:
    """Heading → whether its section is hidden (from the data-section wrappers)."""
    found = re.findall(r"<div class=\"miniapps-section\" data-section( hidden)?>\s*(?:<h2[^>]*>"
                       r"([^<]*)</h2>)?", html)  # fmt: skip
    return {title: bool(hidden) for hidden, title in found}


def test_a_section_whose_fields_are_all_hidden_is_hidden(render_form) -> None:
    compiled = compile_form(SECTIONED, SECTIONS)
    unanswered = render_form(bind_form(compiled))
    # Unanswered: kind is not "a", so detail is hidden and other is shown; a section of no
    # field at all (its field does not exist) is left as it is.
    assert sections(unanswered) == {
        "About": False,
        "Details": True,
        "Other": False,
        "Mixed": False,
        "Nothing here yet": False,
    }
    answered = render_form(bind_form(compiled, data={"kind": "a"}))
    assert sections(answered) == {**sections(unanswered), "Details": False, "Other": True}
    # The heading and description are inside the hidden wrapper, with the field.
    hidden = re.search(r'<div class="miniapps-section" data-section hidden>(.*?)</div>\s*<div '
                       r'class="miniapps-section"', unanswered, re.S)  # fmt: skip
    assert hidden and "Details" in hidden.group(1) and "For kind a" in hidden.group(1)
    assert 'data-pointer="/detail"' in hidden.group(1)


def test_the_incident_form_hides_empty_sections_and_offers_the_kinds_categories(
    render_form,
) -> None:
    app = json.loads((ROOT / "apps/incident_reporting/app.json").read_text(encoding="utf-8"))
    compiled = compile_form(app["schema"], app["ui"])
    before = sections(render_form(bind_form(compiled)))
    assert before["About this report"] is False
    assert before["What happened"] is True and before["Who needs to know"] is True
    child = render_form(bind_form(compiled, data={"kind": "child_safeguarding"}))
    assert sections(child)["What happened"] is False
    assert offered(child, "abuse_categories") == [
        "physical",
        "sexual",
        "neglect",
        "emotional",
        "exploitation",
    ]
    adult = render_form(bind_form(compiled, data={"kind": "adult_safeguarding"}))
    assert len(offered(adult, "abuse_categories")) == 10
    assert "emotional" not in offered(adult, "abuse_categories")


def test_parts_of_a_form_keep_the_choices_of_their_fields() -> None:
    without_note = compile_form_without(SCHEMA, UI, ["note"])
    assert without_note.rules == compile_form(SCHEMA, UI).rules
    without_route = compile_form_without(SCHEMA, UI, ["route"])
    assert without_route.rules[0]["then"]["choices"] == {
        "categories": ["physical", "sexual", "emotional"],
        "via": ["v0", "v1"],
    }
    # A step's form without the kind cannot read it: no rule, every option offered.
    assert compile_fields_form(SCHEMA, UI, ["categories"]).rules == []

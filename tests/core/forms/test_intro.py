"""``ui.fields[ptr].intro``: a paragraph above the question, escaped, hidden with it,
repeated in every repeat item; validated by the meta-schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.forms import bind_form, compile_form
from miniapps.core.forms.intro import intro_paragraphs

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "smoker": {"type": "boolean", "title": "Do you smoke?"},
        "per_day": {"type": "integer", "title": "Cigarettes a day"},
        "courses": {
            "type": "array",
            "title": "Courses",
            "items": {
                "type": "object",
                "title": "Course",
                "properties": {"name": {"type": "string", "title": "Course name"}},
            },
        },
    },
}
UI: dict[str, Any] = {
    "fields": {
        "/smoker": {"intro": "Some questions about <smoking>.\n\nAnswer honestly:\nit is private."},
        "/per_day": {
            "intro": "Count a typical day.",
            "show_if": {"required": ["smoker"], "properties": {"smoker": {"const": True}}},
        },
        "/courses/-/name": {"intro": "As on the certificate."},
    }
}
INTRO = re.compile(r'<p class="nhsuk-body miniapps-intro">(.*?)</p>', re.S)


def wrapper(html: str, pointer: str) -> str:
    """The <div data-pointer=...> start tag and everything up to the field's own label."""
    start = html.index(f'data-pointer="{pointer}"')
    return html[start : html.index("<label", start) if "<label" in html[start:] else None]


def test_paragraphs_are_escaped_and_keep_line_breaks() -> None:
    assert [str(p) for p in intro_paragraphs("a <b>\r\n\r\n  c\nd  \n\n\n")] == [
        "a &lt;b&gt;",
        "c<br>d",
    ]
    assert intro_paragraphs("  \n ") == [] and intro_paragraphs(None) == []


def test_intro_is_shown_above_its_question_in_paragraphs(render_form) -> None:
    html = render_form(bind_form(compile_form(SCHEMA, UI), data={"smoker": True}))
    smoker = wrapper(html, "/smoker")
    assert INTRO.findall(smoker) == [
        "Some questions about &lt;smoking&gt;.",
        "Answer honestly:<br>it is private.",
    ]
    assert smoker.index("miniapps-intro") < smoker.index("<legend") or "<legend" not in smoker
    assert "<smoking>" not in html
    assert INTRO.findall(wrapper(html, "/per_day")) == ["Count a typical day."]


def test_intro_hides_with_its_question_without_javascript(render_form) -> None:
    html = render_form(bind_form(compile_form(SCHEMA, UI), data={"smoker": False}))
    start = html.index('data-pointer="/per_day"')
    tag = html[start : html.index(">", start)]
    assert tag.endswith(" hidden")
    assert html.index("Count a typical day.") > start  # inside the hidden wrapper


def test_intro_repeats_in_every_item_and_in_the_template(render_form) -> None:
    data = {"courses": [{"name": "A"}, {"name": "B"}]}
    html = render_form(bind_form(compile_form(SCHEMA, UI), data=data))
    items, template = html.split("<template", 1)
    assert items.count("As on the certificate.") == 2
    assert template.count("As on the certificate.") == 1  # what "Add another" copies


def test_a_field_without_intro_has_no_paragraph(render_form) -> None:
    html = render_form(bind_form(compile_form(SCHEMA, {})))
    assert "miniapps-intro" not in html


def _definition(intro: Any) -> dict[str, Any]:
    return {
        "id": "intro_test",
        "title": "Intro test",
        "version": 1,
        "schema": {"type": "object", "properties": {"a": {"type": "string", "title": "A"}}},
        "ui": {"fields": {"/a": {"intro": intro}}},
    }


def test_a_valid_intro_passes_the_validator() -> None:
    validate_definition(_definition("Read this first.\n\nThen answer."), source="app.json")


@pytest.mark.parametrize(
    ("intro", "message"),
    [
        ("", "must not be empty"),
        ("  \n ", "must not be blank"),
        ("x" * 2001, "must be at most 2000 characters long"),
        (["a"], "must be"),
    ],
)
def test_a_bad_intro_is_refused_at_its_pointer(intro: Any, message: str) -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(_definition(intro), source="app.json")
    lines = caught.value.lines()
    assert any(
        line.startswith("app.json:/ui/fields/~1a/intro: ") and message in line for line in lines
    ), lines

"""XLSForm ``note`` rows: intros of the next question, section and app descriptions."""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.loading import validate_definition
from miniapps.core.forms import bind_form, compile_form
from miniapps.core.studio.xlsform import Conversion, convert_workbook

from tests.core.studio.test_xlsform import Rows, workbook

HEADER = ["type", "name", "label", "hint", "relevant"]


def convert(rows: list[list[Any]], lenient: bool = False) -> Conversion:
    survey: Rows = [HEADER, *[[*row, *[None] * (len(HEADER) - len(row))] for row in rows]]
    result = convert_workbook(workbook(survey, None, [["form_id"], ["notes"]]), lenient=lenient)
    if result.definition is not None:
        validate_definition(result.definition)
    return result


def definition(rows: list[list[Any]]) -> dict[str, Any]:
    result = convert(rows)
    assert result.problems == [], result.problems
    assert result.definition is not None
    return result.definition


def intros(found: dict[str, Any]) -> dict[str, str]:
    fields = found.get("ui", {}).get("fields", {})
    return {pointer: ui["intro"] for pointer, ui in fields.items() if "intro" in ui}


def test_notes_become_the_intro_of_the_next_question_joined_by_a_blank_line() -> None:
    found = definition(
        [
            ["text", "a", "A"],
            ["note", "n1", "Please read carefully.", "Take your time"],
            ["note", "n2", "Line one\nline two"],
            ["integer", "b", "B"],
            ["note", "empty", None],
            ["text", "c", "C"],
        ]
    )
    assert intros(found) == {
        "/b": "Please read carefully.\n\nTake your time\n\nLine one\nline two",
    }
    assert list(found["schema"]["properties"]) == ["a", "b", "c"]  # a note is no field


def test_a_note_before_the_first_group_or_at_the_end_describes_the_app() -> None:
    found = definition(
        [
            ["note", "welcome", "Welcome to the staff survey."],
            ["begin_group", "about", "About you"],
            ["text", "name", "Name"],
            ["end_group"],
            ["note", "thanks", "Thank you."],
        ]
    )
    assert found["description"] == "Welcome to the staff survey.\n\nThank you."
    assert intros(found) == {}


def test_notes_at_the_end_of_a_group_or_between_groups_describe_sections() -> None:
    found = definition(
        [
            ["begin_group", "one", "One"],
            ["text", "a", "A"],
            ["note", "done", "That is the first part done."],
            ["end_group"],
            ["note", "next", "Now the second part."],
            ["begin_group", "two", "Two"],
            ["note", "first", "Before B."],
            ["text", "b", "B"],
            ["end_group"],
        ]
    )
    assert found["ui"]["sections"] == [
        {"title": "One", "description": "That is the first part done.", "fields": ["a"]},
        {"title": "Two", "description": "Now the second part.", "fields": ["b"]},
    ]
    assert intros(found) == {"/b": "Before B."}
    assert "description" not in found


def test_a_note_at_the_end_of_a_nested_group_goes_to_the_next_question_of_its_group() -> None:
    found = definition(
        [
            ["begin_group", "outer", "Outer"],
            ["begin_group", "inner", "Inner"],
            ["text", "a", "A"],
            ["note", "after", "About B."],
            ["end_group"],
            ["text", "b", "B"],
            ["end_group"],
        ]
    )
    assert intros(found) == {"/b": "About B."}


def test_notes_in_and_before_a_repeat() -> None:
    found = definition(
        [
            ["note", "courses_note", "List every course."],
            ["begin_repeat", "courses", "Courses"],
            ["note", "each", "As on the certificate."],
            ["text", "course", "Course"],
            ["end_repeat"],
        ]
    )
    assert intros(found) == {
        "/courses": "List every course.",
        "/courses/-/course": "As on the certificate.",
    }


def test_a_note_at_the_end_of_a_repeat_is_refused_or_dropped() -> None:
    rows: list[list[Any]] = [
        ["begin_repeat", "courses", "Courses"],
        ["text", "course", "Course"],
        ["note", "after", "Nothing after me."],
        ["end_repeat"],
    ]
    expected = (
        "survey row 4, column type: a note at the end of a repeat, with no question after it, "
        "cannot be shown"
    )
    assert convert(rows).problems == [expected]
    lenient = convert(rows, lenient=True)
    assert lenient.warnings == [f"{expected} (dropped)"] and lenient.definition is not None
    assert intros(lenient.definition) == {}


def test_notes_with_a_condition_or_showing_answers_are_refused_by_row_and_column() -> None:
    rows: list[list[Any]] = [
        ["text", "name", "Name"],
        ["note", "hi", "Hello ${name}!"],
        ["note", "only", "Only for Bob", None, "${name} = 'Bob'"],
        ["text", "next", "Next"],
    ]
    assert convert(rows).problems == [
        "survey row 3, column label: a note that shows an answer (${name}) is not supported",
        "survey row 4, column relevant: a note with a condition is not supported "
        "(a note is shown with the question after it)",
    ]
    lenient = convert(rows, lenient=True)
    assert lenient.definition is not None and len(lenient.warnings) == 2
    assert intros(lenient.definition) == {}


def test_a_note_before_a_conditional_question_is_kept_with_a_warning() -> None:
    rows: list[list[Any]] = [
        ["integer", "age", "Age"],
        ["note", "adults", "For adults only."],
        ["text", "job", "Job", None, "${age} >= 18"],
    ]
    result = convert(rows)
    assert result.problems == [] and result.definition is not None
    assert result.warnings == [
        "survey row 3, column type: this note is shown only when the question in row 4 is "
        "(it becomes that question's intro)"
    ]
    assert intros(result.definition) == {"/job": "For adults only."}


def test_notes_longer_than_an_intro_may_be_are_refused_at_the_label() -> None:
    rows: list[list[Any]] = [
        ["note", "one", "x" * 1500],
        ["note", "two", "y" * 600],
        ["text", "q", "Q"],
    ]
    assert convert(rows).problems == [
        "survey row 3, column label: with the notes before it, longer than 2,000 characters"
    ]
    lenient = convert(rows, lenient=True)
    assert lenient.definition is not None
    assert intros(lenient.definition) == {"/q": "x" * 1500}


def test_a_converted_note_is_shown_above_its_question_in_the_form(render_form) -> None:
    found = definition([["note", "read", "Read <this> first."], ["text", "q", "Q"]])
    html = render_form(bind_form(compile_form(found["schema"], found.get("ui"))))
    assert '<p class="nhsuk-body miniapps-intro">Read &lt;this&gt; first.</p>' in html
    assert html.index("miniapps-intro") < html.index('id="q"')

"""JSON pointers: escaping, reading and writing record data by pointer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from miniapps.core.pointers import pointer_join, pointer_parts, set_at, value_at

TOKENS = st.lists(st.text(max_size=6), max_size=5)


def test_join_escapes_tilde_and_slash() -> None:
    assert pointer_join("", "a/b", "c~d", 0) == "/a~1b/c~0d/0"
    assert pointer_join("/courses", 2, "name") == "/courses/2/name"
    assert pointer_join("/x") == "/x"


def test_parts_unescape_in_the_right_order() -> None:
    assert pointer_parts("") == []
    assert pointer_parts("/") == [""]
    assert pointer_parts("/a~1b/c~0d/0") == ["a/b", "c~d", "0"]
    assert pointer_parts("/~01") == ["~1"]  # ~01 is "~" then "1", not "/"
    assert pointer_parts("//") == ["", ""]  # two empty member names
    assert pointer_parts("a/b") == ["a", "b"]  # leading "/" assumed


@given(TOKENS)
def test_parts_undo_join(tokens: list[str]) -> None:
    assert pointer_parts(pointer_join("", *tokens)) == tokens


DATA = {
    "reading": 4,
    "note": None,
    "a/b": "slash",
    "courses": [{"name": "First aid"}, {"name": "Fire"}],
    "nested": {"inner": {"deep": True}},
}


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", DATA),
        ("/reading", 4),
        ("/a~1b", "slash"),
        ("/courses/1/name", "Fire"),
        ("/nested/inner/deep", True),
        ("/courses/0", {"name": "First aid"}),
    ],
)
def test_value_at_finds_members_and_items(pointer: str, expected: object) -> None:
    assert value_at(DATA, pointer) == expected


@pytest.mark.parametrize(
    "pointer",
    [
        "/missing",
        "/reading/more",  # a scalar has no members
        "/courses/2/name",  # past the end
        "/courses/-/name",  # "-" names no existing item
        "/courses/-1",
        "/courses/name",  # a list has no named members
        "/nested/0",  # a dict has no indices
        "/courses/\N{SUPERSCRIPT TWO}",  # digits only in ASCII
    ],
)
def test_value_at_gives_the_default_when_nothing_is_there(pointer: str) -> None:
    assert value_at(DATA, pointer) is None
    missing = object()
    assert value_at(DATA, pointer, missing) is missing


def test_a_member_holding_none_is_not_missing() -> None:
    assert value_at(DATA, "/note", "default") is None


def test_value_at_returns_the_object_inside_the_data() -> None:
    assert value_at(DATA, "/courses") is DATA["courses"]


def test_set_at_creates_objects_on_the_way() -> None:
    data: dict = {"kept": 1}
    set_at(data, "/indicators/CAN-04/numerator", 30)
    set_at(data, "/indicators/CAN-04/denominator", 41)
    assert data == {"kept": 1, "indicators": {"CAN-04": {"numerator": 30, "denominator": 41}}}


def test_set_at_replaces_members_and_existing_items() -> None:
    data = {"courses": [{"name": "A"}, {"name": "B"}], "n": 1}
    set_at(data, "/n", 2)
    set_at(data, "/courses/1/name", "C")
    set_at(data, "/courses/0", {"name": "Z"})
    assert data == {"courses": [{"name": "Z"}, {"name": "C"}], "n": 2}


def test_set_at_refuses_what_it_cannot_do_in_place() -> None:
    with pytest.raises(ValueError):
        set_at({}, "", 1)
    with pytest.raises(TypeError):
        set_at({"n": 1}, "/n/inner", 2)  # never overwrites a value to make room
    with pytest.raises(IndexError):
        set_at({"items": []}, "/items/0", 1)  # does not grow lists
    with pytest.raises(IndexError):
        set_at({"items": [{}]}, "/items/-/name", 1)


@given(st.lists(st.text(max_size=4), min_size=1, max_size=4), st.integers())
def test_set_then_value_at_round_trips(tokens: list[str], value: int) -> None:
    data: dict = {}
    pointer = pointer_join("", *tokens)
    set_at(data, pointer, value)
    assert value_at(data, pointer) == value

"""validate_record_data: every error, at the right pointer, in plain English."""

from __future__ import annotations

import pytest
from miniapps.core.errors import DataInvalid
from miniapps.core.records.schema_issues import raise_for_issues, validate_record_data

FRIDGE = {
    "type": "object",
    "required": ["reading"],
    "properties": {
        "reading": {"type": "number", "title": "Temperature (°C)", "minimum": -30, "maximum": 40}
    },
}


def issues(schema: dict, data: object) -> dict[str, str]:
    return {i.pointer: i.message for i in validate_record_data(schema, data)}


def test_minimal_app_required_and_bounds() -> None:
    assert issues(FRIDGE, {}) == {"/reading": "Enter temperature (°C)"}
    assert issues(FRIDGE, {"reading": 41}) == {"/reading": "Temperature (°C) must be 40 or less"}
    assert issues(FRIDGE, {"reading": -31}) == {"/reading": "Temperature (°C) must be -30 or more"}
    assert issues(FRIDGE, {"reading": "warm"}) == {
        "/reading": "Enter a number for temperature (°C)"
    }
    assert issues(FRIDGE, {"reading": 4.5}) == {}


def test_raise_for_issues() -> None:
    raise_for_issues(FRIDGE, {"reading": 5})
    with pytest.raises(DataInvalid) as caught:
        raise_for_issues(FRIDGE, {})
    assert caught.value.issues[0].pointer == "/reading"
    assert caught.value.kind == "invalid"


@pytest.mark.parametrize(
    ("fmt", "bad", "good", "message"),
    [
        ("date", "2025-02-30", "2025-03-31", "Enter a real date, like 31 3 2025"),
        (
            "date-time",
            "2025-03-31 14:30",
            "2025-03-31T14:30:00+01:00",
            "Enter a date and time like 2025-03-31T14:30",
        ),
        (
            "date-time",
            "2025-03-31T25:00:00Z",
            "2025-03-31T13:30:00Z",
            "Enter a date and time like 2025-03-31T14:30",
        ),
        (
            "email",
            "not-an-email",
            "a@example.com",
            "Enter an email address in the correct format, like name@example.com",
        ),
        (
            "uri",
            "www.example.com",
            "https://www.example.com",
            "Enter a full web address, like https://www.example.com",
        ),
    ],
)
def test_formats_are_checked(fmt: str, bad: str, good: str, message: str) -> None:
    schema = {"type": "object", "properties": {"x": {"type": "string", "format": fmt}}}
    assert issues(schema, {"x": bad}) == {"/x": message}
    assert issues(schema, {"x": good}) == {}


def test_required_points_at_the_missing_member_in_nested_and_repeats() -> None:
    schema = {
        "type": "object",
        "required": ["role", "courses"],
        "properties": {
            "role": {"title": "A role", "enum": ["nurse", "gp"]},
            "courses": {
                "type": "array",
                "title": "Courses",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "title": "Course",
                    "required": ["name", "completed"],
                    "properties": {
                        "name": {"type": "string", "title": "Course name"},
                        "completed": {"type": "boolean", "title": "Completed"},
                    },
                },
            },
        },
    }
    assert issues(schema, {}) == {"/role": "Select a role", "/courses": "Add courses"}
    assert issues(schema, {"role": "gp", "courses": []}) == {"/courses": "Add at least 1 course"}
    got = issues(schema, {"role": "gp", "courses": [{"name": "BLS", "completed": True}, {}]})
    assert got == {
        "/courses/1/name": "Course 2: enter course name",
        "/courses/1/completed": "Course 2: select completed",
    }


def test_messages_for_other_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {
            "temp": {"type": "number", "title": "Temperature", "multipleOf": 0.5},
            "count": {"type": "integer", "title": "Count", "exclusiveMinimum": 0},
            "code": {"type": "string", "title": "ODS code", "pattern": "^[A-Z]\\d{5}$"},
            "note": {"type": "string", "title": "Note", "maxLength": 3},
            "role": {
                "title": "Role",
                "oneOf": [{"const": "n", "title": "Nurse"}, {"const": "d", "title": "Doctor"}],
            },
            "tags": {
                "type": "array",
                "title": "Tags",
                "uniqueItems": True,
                "minItems": 2,
                "items": {"enum": ["a", "b", "c"]},
            },
        },
    }
    got = issues(
        schema,
        {"temp": 0.3, "count": 0, "code": "x", "note": "long", "role": "x", "tags": ["a"]},
    )
    assert got == {
        "/temp": "Temperature must be a multiple of 0.5",
        "/count": "Count must be more than 0",
        "/code": "Enter ODS code in the correct format",
        "/note": "Note must be 3 characters or fewer",
        "/role": "Role must be one of: Nurse, Doctor",
        "/tags": "Select at least 2 options for tags",
    }
    assert issues(schema, {"count": 1.5}) == {"/count": "Count must be a whole number"}
    # A wrong tick is about the question, not the item.
    assert issues(schema, {"tags": ["a", "z"]})["/tags"] == "Tags must be one of: a, b, c"


def test_unexpected_members_point_at_themselves() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "a": {"type": "string"},
            "o": {
                "type": "object",
                "unevaluatedProperties": False,
                "properties": {"x": {"type": "string"}},
            },
        },
    }
    got = issues(schema, {"a": "1", "b": 2, "o": {"x": "y", "z": 1}})
    assert set(got) == {"/b", "/o/z"}
    assert "not a question" in got["/b"]


def test_if_then_else_all_of_and_dependent_required() -> None:
    schema = {
        "type": "object",
        "properties": {
            "status": {"enum": ["ok", "fault"]},
            "email": {"type": "string"},
            "name": {"type": "string", "title": "Your name"},
        },
        "dependentRequired": {"email": ["name"]},
        "allOf": [
            {
                "if": {"properties": {"status": {"const": "fault"}}, "required": ["status"]},
                "then": {
                    "properties": {"action": {"type": "string", "title": "Action taken"}},
                    "required": ["action"],
                },
            }
        ],
    }
    assert issues(schema, {"status": "fault", "email": "a@b.c"}) == {
        "/action": "Enter action taken",
        "/name": "Enter your name",
    }
    assert issues(schema, {"status": "ok"}) == {}


def test_any_of_reports_the_best_branch_not_the_wrapper() -> None:
    schema = {
        "type": "object",
        "properties": {
            "contact": {
                "title": "Contact",
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["phone"],
                        "properties": {"phone": {"type": "string", "title": "Phone"}},
                    },
                    {"type": "string", "format": "email"},
                ],
            }
        },
    }
    assert issues(schema, {"contact": {}}) == {"/contact/phone": "Enter phone"}
    assert issues(schema, {"contact": "nope"}) == {
        "/contact": "Enter an email address in the correct format, like name@example.com"
    }


def test_one_issue_per_pointer_and_codes() -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 5, "multipleOf": 2}},
    }
    found = validate_record_data(schema, {"n": 3})
    assert len(found) == 1
    assert found[0].code in {"minimum", "multipleOf"}
    assert validate_record_data(FRIDGE, {})[0].code == "required"


def test_no_raw_validator_text_leaks() -> None:
    schema = {"type": "object", "properties": {"x": {"not": {"const": 1}}, "y": False}}
    for issue in validate_record_data(schema, {"x": 1, "y": 2}):
        assert "is not valid under" not in issue.message
        assert "False schema" not in issue.message
        assert issue.message[0].isupper()


INDICATOR_ROW = {
    "type": "object",
    "required": ["numerator", "denominator"],
    "properties": {
        "numerator": {"type": "integer", "title": "Numerator", "minimum": 0},
        "denominator": {"type": "integer", "title": "Denominator", "minimum": 0},
        "plan": {
            "type": "object",
            "title": "Plan for next month",
            "properties": {"owner": {"type": "string", "title": "Owner", "maxLength": 3}},
        },
    },
}
INDICATORS = {
    "type": "object",
    "required": ["indicators"],
    "properties": {
        "indicators": {
            "type": "object",
            "title": "Indicators",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                "CAN-04": {**INDICATOR_ROW, "title": "CAN-04: Lower GI urgent cancer referrals"},
                "HI-03": {**INDICATOR_ROW, "title": "HI-03: Learning disability health checks"},
            },
        }
    },
}


def test_messages_of_nested_fields_name_their_indicator_or_section() -> None:
    got = issues(
        INDICATORS,
        {
            "indicators": {
                "CAN-04": {"numerator": "abc", "denominator": 4},
                "HI-03": {"numerator": 2, "plan": {"owner": "Dr Long"}},
            }
        },
    )
    assert got == {
        "/indicators/CAN-04/numerator": "CAN-04: numerator must be a whole number",
        "/indicators/HI-03/denominator": "HI-03: enter denominator",
        "/indicators/HI-03/plan/owner": (
            "HI-03, plan for next month: owner must be 3 characters or fewer"
        ),
    }
    address = {
        "type": "object",
        "properties": {
            "address": {
                "type": "object",
                "title": "Address",
                "required": ["postcode"],
                "properties": {"postcode": {"type": "string", "title": "Postcode"}},
            }
        },
    }
    assert issues(address, {"address": {}}) == {"/address/postcode": "Address: enter postcode"}


def test_min_properties_says_what_to_do() -> None:
    assert issues(INDICATORS, {"indicators": {}}) == {
        "/indicators": "Enter the figures for at least one indicator"
    }
    plain = {
        "type": "object",
        "properties": {
            "contact": {
                "type": "object",
                "title": "Contact details",
                "minProperties": 2,
                "properties": {"phone": {"type": "string"}, "email": {"type": "string"}},
            }
        },
    }
    assert issues(plain, {"contact": {}}) == {
        "/contact": "Answer at least 2 of the questions about contact details"
    }

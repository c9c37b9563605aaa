"""App definition fragments that several test files share (plain data, never mutated)."""

from __future__ import annotations

from typing import Any

# April 2025 is due on 10 May; with 3 grace days it is overdue from 14 May.
MONTHLY_RETURN: dict[str, Any] = {
    "id": "monthly_return",
    "title": "Monthly return",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["count"],
        "properties": {"count": {"type": "integer", "title": "Count", "minimum": 0}},
    },
    "period": {"frequency": "monthly", "due_day": 10, "grace_days": 3},
}

# A higher-is-better indicator over the fields /num and /den.
TEST_INDICATOR: dict[str, Any] = {
    "code": "IND-1",
    "title": "Test indicator",
    "numerator": "/num",
    "denominator": "/den",
    "lower_threshold": 0.5,
    "upper_threshold": 0.8,
    "direction": "higher",
    "max_points": 10,
    "value_per_point": 100.0,
}


# A studio draft's published app: a choice question to remove choices from, a text to rename.
STAFF_CHECK_ROLES = [
    {"const": "hca", "title": "HCA"},
    {"const": "nurse", "title": "Nurse"},
    {"const": "gp", "title": "GP"},
]
STAFF_CHECK: dict[str, Any] = {
    "id": "staff_check",
    "title": "Staff check",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["role"],
        "properties": {
            "role": {"type": "string", "title": "Role", "oneOf": STAFF_CHECK_ROLES},
            "notes": {"type": "string", "title": "Notes"},
        },
    },
}

# A peer review of another practice of the writer's PCN: its records are about the
# practice named in /practice (``subject``).
PEER_REVIEW: dict[str, Any] = {
    "id": "peer_review",
    "title": "Peer review",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["practice"],
        "properties": {"practice": {"type": "string", "title": "Practice reviewed"}},
    },
    "ui": {"fields": {"/practice": {"widget": "organisation"}}},
    "subject": {"field": "/practice"},
}

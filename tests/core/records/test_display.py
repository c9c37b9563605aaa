"""Record data as readable rows for the record page."""

from __future__ import annotations

from miniapps.core.records.display import display_rows

SCHEMA = {
    "type": "object",
    "properties": {
        "role": {"oneOf": [{"const": "gp", "title": "GP"}, {"const": "nurse", "title": "Nurse"}]},
        "started": {"type": "string", "format": "date", "title": "Start date"},
        "dbs": {"type": "boolean", "title": "DBS checked"},
        "courses": {
            "type": "array",
            "title": "Courses",
            "items": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": True},
        "evidence": {"type": "string", "title": "Evidence"},
    },
}


def test_rows_use_titles_and_readable_values():
    rows = display_rows(
        SCHEMA,
        {
            "role": "gp",
            "started": "2025-03-31",
            "dbs": False,
            "courses": [{"name": "BLS"}],
            "tags": ["a", "b"],
            "evidence": "abc",
        },
        {"fields": {"/evidence": {"widget": "file"}}},
    )
    shown = [(r.pointer, r.label, r.value, r.depth) for r in rows]
    assert shown == [
        ("/role", "Role", "GP", 0),
        ("/started", "Start date", "31 March 2025", 0),
        ("/dbs", "DBS checked", "No", 0),
        ("/courses/0", "Courses 1", "", 0),
        ("/courses/0/name", "Name", "BLS", 1),
        ("/tags", "Tags", "a, b", 0),
        ("/evidence", "Evidence", "abc", 0),
    ]
    assert rows[-1].is_file


def test_unanswered_fields_are_left_out_and_bad_dates_shown_as_typed():
    rows = display_rows(SCHEMA, {"started": "31/03/2025"})
    assert [(r.pointer, r.value) for r in rows] == [("/started", "31/03/2025")]

"""Names inside an inspection pack: one harmless path segment each, unique."""

from __future__ import annotations

import pytest
from miniapps.core.compliance.pack_names import MAX_LENGTH, safe_file_name, unique_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Staff meeting May.pdf", "Staff_meeting_May.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\temp\\Fridge log (May).pdf", "Fridge_log_(May).pdf"),
        ("/absolute/path.txt", "path.txt"),
        (".hidden", "hidden"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("con.txt", "file_con.txt"),
        ("Café résumé.docx", "Café_résumé.docx"),
        ('what?<is>"this"|*.csv', "what_is_this_.csv"),
    ],
)
def test_a_name_becomes_one_safe_segment(given: str | None, expected: str) -> None:
    assert safe_file_name(given) == expected


def test_a_long_name_keeps_its_extension() -> None:
    name = safe_file_name("x" * 300 + ".pdf")
    assert len(name) == MAX_LENGTH and name.endswith("x.pdf")
    assert len(safe_file_name("y" * 300)) == MAX_LENGTH


def test_unique_names_ignore_case_and_number_the_stem() -> None:
    used: set[str] = set()
    assert [unique_name(n, used) for n in ("a.pdf", "A.pdf", "a.pdf", "notes", "notes")] == [
        "a.pdf",
        "A-2.pdf",
        "a-3.pdf",
        "notes",
        "notes-2",
    ]

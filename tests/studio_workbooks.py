"""Workbooks for the studio's tests (issue 16): a realistic staff-training spreadsheet as a
PCN manager keeps it, small XLSForms, and the bad files the studio must refuse by name
(no header row, merged header cells, formulas, a hidden first sheet, not a workbook)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

Rows = list[list[Any]]

TRAINING_HEADER = [
    "Staff name",
    "Role",
    "Start date",
    "DBS checked",
    "Mandatory training completed on",
    "Hours of CPD",
    "Notes",
    "ODS code",
]
_PEOPLE = [
    ("Ann Smith", "GP", "01/04/2021", "Yes", "12/01/2025", 12, "", "A00001"),
    ("Bob Jones", "Practice nurse", "15/09/2019", "Yes", "03/02/2025", 8.5, "Part time", "A00001"),
    ("Cat Brown", "HCA", "02/01/2024", "No", "20/02/2025", 4, "DBS applied for", "A00001"),
    ("Dev Patel", "Receptionist", "11/11/2022", "Yes", "05/03/2025", 2, "", "A00001"),
    ("Eve Clark", "GP", "30/06/2018", "Yes", "14/01/2025", 20, "Trainer", "A00001"),
    ("Fay Wong", "HCA", "07/03/2025", "No", "28/03/2025", 1.5, "New starter", "A00001"),
    ("Gus Reid", "Practice nurse", "19/08/2020", "Yes", "09/01/2025", 10, "", "A00002"),
    ("Hal Moss", "Receptionist", "01/12/2023", "Yes", "17/02/2025", 3, "", "A00002"),
    ("Ivy Shah", "GP", "22/05/2017", "Yes", "21/01/2025", 16, "Partner", "A00002"),
    ("Jon Kerr", "HCA", "10/10/2024", "No", "02/04/2025", 2.5, "", "A00002"),
    ("Kim Lowe", "Receptionist", "04/04/2016", "Yes", "11/03/2025", 1, "", "A00002"),
    ("Lou Hart", "Practice nurse", "13/07/2021", "Yes", "25/02/2025", 7, "Locum", "A00002"),
]
TRAINING_ROWS: Rows = [TRAINING_HEADER, *[list(person) for person in _PEOPLE]]
# The field names the studio makes from the headings (the ODS column is not a field).
TRAINING_FIELDS = [
    "staff_name",
    "role",
    "start_date",
    "dbs_checked",
    "mandatory_training_completed_on",
    "hours_of_cpd",
    "notes",
]


def workbook_bytes(sheets: dict[str, Rows], *, hidden: tuple[str, ...] = ()) -> bytes:
    """An XLSX of ``sheets`` (title → rows), in order; ``hidden`` sheets are hidden."""
    book = Workbook()
    for index, (title, rows) in enumerate(sheets.items()):
        sheet = book.active if index == 0 else book.create_sheet(title)
        assert isinstance(sheet, Worksheet)
        sheet.title = title
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def training_workbook() -> bytes:
    return workbook_bytes({"Training": TRAINING_ROWS})


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def merged_header() -> bytes:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in (["Staff", None, "Hours"], ["Ann", "GP", 3], ["Bob", "HCA", 4]):
        sheet.append(row)
    sheet.merge_cells("A1:B1")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def with_formulas() -> bytes:
    rows: Rows = [["Staff name", "Hours", "Double"], ["Ann", 3, "=B2*2"], ["Bob", 4, "=B3*2"]]
    return workbook_bytes({"Training": rows})


def hidden_first_sheet() -> bytes:
    return workbook_bytes(
        {"Old": [["Staff name"], ["Ann"]], "Training": TRAINING_ROWS[:3]}, hidden=("Old",)
    )


def no_header_row() -> bytes:
    """Row 1 is empty: the examples start on row 2 with no headings above them."""
    return workbook_bytes({"Training": [[None, None], ["Ann", 3], ["Bob", 4]]})


NOT_A_WORKBOOK = b"%PDF-1.4\n% not a spreadsheet at all\n"


def xlsform(survey: Rows, choices: Rows | None = None, settings: Rows | None = None) -> bytes:
    sheets: dict[str, Rows] = {"survey": survey}
    if choices is not None:
        sheets["choices"] = choices
    if settings is not None:
        sheets["settings"] = settings
    return workbook_bytes(sheets)


CPD_XLSFORM = xlsform(
    [
        ["type", "name", "label", "required", "relevant", "constraint", "hint"],
        ["text", "staff_name", "Staff name", "yes", "", "", ""],
        ["select_one role", "role", "Role", "yes", "", "", ""],
        ["select_one yn", "dbs_checked", "DBS checked", "yes", "", "", ""],
        ["date", "dbs_applied", "DBS applied for on", "", "${dbs_checked} = 'no'", "", ""],
        ["decimal", "cpd_hours", "Hours of CPD", "", "", ". >= 0", "This year"],
        ["begin_repeat", "courses", "Courses", "", "", "", ""],
        ["text", "course_name", "Course", "yes", "", "", ""],
        ["integer", "course_hours", "Hours", "", "", ". <= 100", ""],
        ["end_repeat", "", "", "", "", "", ""],
        ["select_multiple topics", "topics", "Topics", "", "", "", ""],
        ["note", "thanks", "Thank you", "", "", "", ""],
        ["text", "comments", "Comments", "", "", "", ""],
    ],
    [
        ["list_name", "name", "label"],
        ["role", "gp", "GP"],
        ["role", "nurse", "Practice nurse"],
        ["role", "hca", "HCA"],
        ["yn", "yes", "Yes"],
        ["yn", "no", "No"],
        ["topics", "fire", "Fire safety"],
        ["topics", "safeguarding", "Safeguarding"],
    ],
    [["form_id", "form_title", "version"], ["cpd_log", "CPD log", "3"]],
)
FRIDGE_XLSFORM = xlsform(
    [
        ["type", "name", "label", "required", "constraint"],
        ["date", "reading_date", "Date", "yes", ""],
        ["decimal", "minimum", "Minimum (°C)", "yes", ". >= -10"],
        ["decimal", "maximum", "Maximum (°C)", "yes", ". <= 30"],
        ["text", "initials", "Initials", "", "regex(., '^[A-Z]{2,3}$')"],
    ],
    settings=[["form_id", "form_title"], ["fridge_check", "Fridge check"]],
)

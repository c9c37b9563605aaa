"""XLSForm workbooks (as KoBoToolbox and ODK users write them) converted to app definitions."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.studio.xlsform import convert_workbook
from openpyxl import Workbook

Rows = list[list[Any]]
HEADER = ["type", "name", "label::English (en)", "hint::English (en)", "required"]
SURVEY_HEADER = [*HEADER, "relevant", "constraint", "constraint_message", "appearance"]


def workbook(survey: Rows, choices: Rows | None = None, settings: Rows | None = None) -> bytes:
    """An .xlsx file with the given sheets (each a header row then data rows)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows is not None:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def kobo_form() -> bytes:
    """A realistic KoBo-style staff training form using every supported feature."""
    survey: Rows = [
        SURVEY_HEADER,
        ["begin_group", "about", "About the person", None, None, None, None, None, "field-list"],
        ["text", "full_name", "Full name", "As on the rota", "yes", None, None, None, None],
        ["select_one role", "role", "Role", None, "yes", None, None, None, None],
        ["date", "start_date", "Start date", None, "true", None, ". <= today()", None, None],
        ["integer", "age", "Age", None, None, None, ". >= 16 and . <= 80", "16 to 80", None],
        ["select_one yes_no", "has_dbs", "Has a DBS check?", None, "yes", None, None, None, None],
        [
            "text",
            "dbs_number",
            "DBS number",
            "12 digits",
            "yes",
            "${has_dbs} = 'yes'",
            "regex(., '^[0-9]{12}$')",
            None,
            None,
        ],
        ["end_group", None, None, None, None, None, None, None, None],
        ["begin_group", "training", "Training", None, None, None, None, None, None],
        ["select_multiple skills", "skills", "Competencies", None, None, None, None, None, None],
        [
            "decimal",
            "cpd_hours",
            "CPD hours",
            None,
            None,
            "selected(${skills}, 'ecg') or ${role} != 'admin'",
            ". > 0 and . < 500",
            None,
            None,
        ],
        ["begin_repeat", "courses", "Courses", None, "yes", None, None, None, None],
        ["text", "course", "Course name", None, "yes", None, "string-length(.) <= 80", None, None],
        ["datetime", "completed", "Completed at", None, None, None, None, None, None],
        ["select_one yes_no", "passed", "Passed?", None, None, None, None, None, None],
        ["text", "why", "Why not?", None, None, "not(${passed} = 'yes')", None, None, "multiline"],
        ["end_repeat", None, None, None, None, None, None, None, None],
        ["begin_group", "extra", "Extra", None, None, "${role} = 'nurse'", None, None, None],
        ["integer", "jabs", "Vaccinations given", None, None, None, ". >= 0", None, None],
        ["end_group", None, None, None, None, None, None, None, None],
        ["end_group", None, None, None, None, None, None, None, None],
        ["text", "notes", "Notes", None, "no", None, None, None, None],
    ]
    choices: Rows = [
        ["list_name", "name", "label::English (en)"],
        ["role", "gp", "GP"],
        ["role", "nurse", "Practice nurse"],
        ["role", "admin", "Administration"],
        [None, None, None],
        ["yes_no", "yes", "Yes"],
        ["yes_no", "no", "No"],
        ["skills", "ecg", "ECG"],
        ["skills", "spirometry", "Spirometry"],
    ]
    settings: Rows = [["form_id", "form_title", "version"], ["staff_training", "Staff training", 3]]
    return workbook(survey, choices, settings)


def problems_of(survey: Rows, choices: Rows | None = None, lenient: bool = False) -> list[str]:
    settings: Rows = [["form_id"], ["probe"]]
    return convert_workbook(workbook(survey, choices, settings), lenient=lenient).problems


def test_a_realistic_kobo_form_converts_to_a_valid_definition() -> None:
    result = convert_workbook(kobo_form())
    assert result.problems == [] and result.warnings == []
    definition = result.definition
    assert definition is not None
    validate_definition(definition)
    assert (definition["id"], definition["title"], definition["version"]) == (
        "staff_training",
        "Staff training",
        3,
    )
    schema = definition["schema"]
    props = schema["properties"]
    assert list(props) == [
        *("full_name", "role", "start_date", "age", "has_dbs", "dbs_number"),
        *("skills", "cpd_hours", "courses", "jabs", "notes"),
    ]
    assert schema["required"] == [
        "full_name",
        "role",
        "start_date",
        "has_dbs",
        "dbs_number",
        "courses",
    ]
    assert props["full_name"] == {
        "type": "string",
        "title": "Full name",
        "description": "As on the rota",
    }
    assert props["role"]["oneOf"][1] == {"const": "nurse", "title": "Practice nurse"}
    assert props["start_date"] == {
        "type": "string",
        "format": "date",
        "title": "Start date",
        "x-not-future": True,
    }
    assert (props["age"]["type"], props["age"]["minimum"], props["age"]["maximum"]) == (
        "integer",
        16,
        80,
    )
    assert props["dbs_number"]["pattern"] == "^[0-9]{12}$"
    assert props["skills"]["items"]["oneOf"][0] == {"const": "ecg", "title": "ECG"}
    assert props["skills"]["uniqueItems"] is True
    assert props["cpd_hours"]["exclusiveMinimum"] == 0
    assert props["cpd_hours"]["exclusiveMaximum"] == 500
    courses = props["courses"]
    assert courses["type"] == "array" and courses["minItems"] == 1
    assert courses["items"]["required"] == ["course"]
    assert courses["items"]["properties"]["course"]["maxLength"] == 80
    assert courses["items"]["properties"]["completed"]["format"] == "date-time"
    ui = definition["ui"]
    assert ui["sections"] == [
        {
            "title": "About the person",
            "fields": ["full_name", "role", "start_date", "age", "has_dbs", "dbs_number"],
        },
        {"title": "Training", "fields": ["skills", "cpd_hours", "courses", "jabs"]},
        {"title": "More questions", "fields": ["notes"]},
    ]
    fields = ui["fields"]
    assert fields["/dbs_number"]["show_if"] == {
        "properties": {"has_dbs": {"const": "yes"}},
        "required": ["has_dbs"],
    }
    assert fields["/cpd_hours"]["show_if"] == {
        "anyOf": [
            {"properties": {"skills": {"contains": {"const": "ecg"}}}, "required": ["skills"]},
            {"not": {"properties": {"role": {"const": "admin"}}, "required": ["role"]}},
        ]
    }
    assert fields["/courses"] == {"widget": "repeat"}
    assert fields["/courses/-/why"] == {
        "widget": "textarea",
        "show_if": {"not": {"properties": {"passed": {"const": "yes"}}, "required": ["passed"]}},
    }
    assert fields["/jabs"]["show_if"] == {
        "properties": {"role": {"const": "nurse"}},
        "required": ["role"],
    }


def test_without_settings_the_fallback_id_and_version_1_are_used() -> None:
    data = workbook([["type", "name", "label"], ["text", "q", "Q"]])
    result = convert_workbook(data, fallback_id="from_file")
    assert result.definition is not None
    assert (result.definition["id"], result.definition["version"]) == ("from_file", 1)
    assert "ui" not in result.definition


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        (["calculate", "total", "Total"], "type", "the type 'calculate' is not supported"),
        (["geopoint", "where", "Where"], "type", "the type 'geopoint' is not supported"),
        (["image", "photo", "Photo"], "type", "the type 'image' is not supported"),
        (["audio", "voice", "Voice"], "type", "the type 'audio' is not supported"),
        (["select_one_from_file staff.csv", "who", "Who"], "type", "external data"),
        (["select_one yes_no or_other", "who", "Who"], "type", "'or_other' is not supported"),
        (["begin loop over yes_no", "l", "L"], "type", "loops ('begin loop over yes_no') are"),
    ],
)
def test_unsupported_types_are_named_by_row_and_column(
    row: list[Any], column: str, expected: str
) -> None:
    survey: Rows = [["type", "name", "label"], ["text", "q", "Q"], row]
    problems = problems_of(survey, [["list_name", "name", "label"], ["yes_no", "yes", "Yes"]])
    assert len(problems) == 1
    assert problems[0].startswith(f"survey row 3, column {column}: {expected}")


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("calculation", "${q} * 2", "calculations are not supported"),
        ("choice_filter", "role = ${q}", "choice filters are not supported"),
        ("repeat_count", "3", "repeat counts are not supported"),
        ("default", "x", "default values are not supported"),
        ("save_to", "town", "entities (save_to) are not supported"),
        ("media::image", "a.png", "this column is not supported"),
        ("relevant", "${q} + 1 > 2", "cannot read '+ 1 > 2'"),
        ("relevant", "if(${q}, 1, 0)", "the function or name 'if' is not supported"),
        ("relevant", "${later} = 'x'", "${later} is not an earlier question"),
        ("relevant", "${missing} = 'x'", "${missing} is not an earlier question"),
        ("constraint", ". != 3", "only these forms are understood"),
        ("constraint", "regex(., '(a+)+$')", "this pattern repeats a part"),
        ("constraint", "regex(., '(?i)b')", "this pattern cannot be read by browsers"),
        ("relevant", "regex(${q}, '(a+)+$')", "this pattern repeats a part"),
        ("constraint", ". >= 0 or . < 9", "only these forms are understood"),
        ("required", "${q} = 'x'", "'${q} = 'x'' is not yes or no"),
    ],
)
def test_unsupported_cells_are_named_by_row_and_column(
    column: str, value: str, expected: str
) -> None:
    survey: Rows = [
        ["type", "name", "label", column],
        ["text", "q", "Q", None],
        ["text" if value.startswith(("regex", "$")) else "integer", "n", "N", value],
        ["text", "later", "Later", None],
    ]
    problems = problems_of(survey)
    assert problems == [f"survey row 3, column {column}: {expected}"] or (
        len(problems) == 1 and problems[0].startswith(f"survey row 3, column {column}: {expected}")
    )


def test_other_languages_are_refused_or_dropped_with_lenient() -> None:
    survey: Rows = [
        ["type", "name", "label::English (en)", "label::Français (fr)", "hint::Français (fr)"],
        ["text", "q", "Question", "La question", "Un indice"],
    ]
    choices: Rows = [["list_name", "name", "label::English (en)", "label::Français (fr)"]]
    assert problems_of(survey, choices) == [
        "choices row 1, column label::Français (fr): only the first language "
        "(English (en)) is supported",
        "survey row 1, column label::Français (fr): only the first language "
        "(English (en)) is supported",
        "survey row 1, column hint::Français (fr): only the first language "
        "(English (en)) is supported",
    ]
    result = convert_workbook(workbook(survey, choices, [["form_id"], ["probe"]]), lenient=True)
    assert result.problems == [] and len(result.warnings) == 3
    assert result.definition is not None
    assert result.definition["schema"]["properties"]["q"] == {"type": "string", "title": "Question"}


def test_lenient_drops_every_unsupported_feature_and_keeps_the_rest() -> None:
    survey: Rows = [
        ["type", "name", "label", "relevant", "calculation"],
        ["start", "start", None, None, None],
        ["text", "q", "Q", None, None],
        ["calculate", "c", None, None, "1 + 1"],
        ["integer", "n", "N", "${c} > 1", None],
        ["note", "hello", "Hello", "${q} = 'x'", None],
    ]
    strict = problems_of(survey)
    assert [line.split(":")[0] for line in strict] == [
        "survey row 4, column calculation",
        "survey row 4, column type",
        "survey row 5, column relevant",
        "survey row 6, column relevant",
    ]
    result = convert_workbook(workbook(survey, None, [["form_id"], ["probe"]]), lenient=True)
    assert result.problems == []
    assert [w.rpartition(" (")[2] for w in result.warnings] == ["ignored)"] + ["dropped)"] * 4
    assert result.definition is not None
    assert list(result.definition["schema"]["properties"]) == ["q", "n"]
    validate_definition(result.definition)


@pytest.mark.parametrize(
    ("survey", "choices", "expected"),
    [
        (
            [["type", "name", "label"], ["select_one colours", "c", "C"]],
            None,
            ["survey row 2, column type: no list named 'colours' in the choices sheet"],
        ),
        (
            [["type", "name", "label"], ["begin_group", "g", "G"], ["text", "q", "Q"]],
            None,
            ["survey row 2, column type: begin_group 'g' has no end_group"],
        ),
        (
            [["type", "name", "label"], ["text", "q", "Q"], ["end_repeat", None, None]],
            None,
            ["survey row 3, column type: end_repeat has no begin_repeat before it"],
        ),
        (
            [
                ["type", "name", "label"],
                ["begin_repeat", "r", "R"],
                ["text", "q", "Q"],
                ["end_group", None, None],
                ["end_repeat", None, None],
            ],
            None,
            [
                "survey row 4, column type: end_group found, but begin_repeat 'r' (row 2) "
                "is still open"
            ],
        ),
        (
            [["type", "name", "label"], ["text", "q", "Q"], ["integer", "q", "Again"]],
            None,
            ["survey row 3, column name: 'q' is used twice (rows 2 and 3) in the same record"],
        ),
        (
            [["type", "name", "label"], ["text", "q", "Q"], ["text", "Q", "Again"]],
            None,
            ["survey row 3, column name: 'q' is used twice (rows 2 and 3) in the same record"],
        ),
        (
            [["type", "name", "label"], ["text", None, "No name"]],
            None,
            ["survey row 2, column name: is empty"],
        ),
        (
            [["type", "name", "label"], [None, "q", "Q"]],
            None,
            ["survey row 2, column type: is empty"],
        ),
    ],
)
def test_structural_faults_are_refused_even_when_lenient(
    survey: Rows, choices: Rows | None, expected: list[str]
) -> None:
    assert problems_of(survey, choices, lenient=True) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not a workbook at all", "workbook: not an .xlsx or .xls workbook"),
        (b"", "workbook: not an .xlsx or .xls workbook"),
        (b"PK\x03\x04broken zip", "workbook: not an .xlsx or .xls workbook"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 600, "workbook: not a"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_one_message(data: bytes, expected: str) -> None:
    result = convert_workbook(data)
    assert result.definition is None
    assert len(result.problems) == 1 and result.problems[0].startswith(expected)


def test_a_workbook_without_a_survey_sheet_is_refused() -> None:
    book = Workbook()
    assert book.active is not None
    book.active.title = "questions"
    book.create_sheet("choices")
    out = BytesIO()
    book.save(out)
    result = convert_workbook(out.getvalue())
    assert result.problems == [
        "workbook: the workbook has no sheet named survey (sheets: questions, choices)"
    ]


def test_settings_are_checked() -> None:
    survey: Rows = [["type", "name", "label"], ["text", "q", "Q"]]
    settings: Rows = [
        ["form_id", "version", "public_key", "instance_name"],
        ["Bad Id", "2024-01-05", "MIIB", "concat(${q})"],
    ]
    result = convert_workbook(workbook(survey, None, settings))
    assert result.problems == [
        "settings row 2, column form_id: 'Bad Id' is not a valid app id "
        "(lower-case letters, digits and _, starting with a letter)",
        "settings row 2, column instance_name: this setting is not supported",
    ]
    assert result.warnings == [  # KoBo writes dates and hashes as versions
        "settings row 2, column version: '2024-01-05' is not a whole number of at least 1 (used 1)",
        "settings row 2, column public_key: only for sending or editing the form in ODK or "
        "KoBo (ignored)",
    ]


def test_conditions_inside_a_repeat_use_only_the_same_item() -> None:
    survey: Rows = [
        ["type", "name", "label", "relevant"],
        ["text", "q", "Q", None],
        ["begin_repeat", "r", "R", "${q} != ''"],
        ["text", "inner", "Inner", "${q} = 'x'"],
        ["end_repeat", None, None, None],
    ]
    assert problems_of(survey) == [
        "survey row 4, column relevant: ${q} is not an earlier question of the same page or repeat"
    ]


def test_a_workbook_that_crashes_nothing_with_odd_cells() -> None:
    survey: Rows = [
        ["type", "name", "label", "relevant", "constraint"],
        ["integer", "n", 12345, "(((", ". >= 'abc'"],
        ["text", "t", "T", "${n} > 'x'", "regex(.)"],
    ]
    problems = problems_of(survey)
    assert [line.split(":")[0] for line in problems] == [
        "survey row 2, column relevant",
        "survey row 2, column constraint",
        "survey row 3, column relevant",
        "survey row 3, column constraint",
    ]


def test_settings_and_names_are_repaired_with_lenient() -> None:
    survey: Rows = [
        ["type", "name", "label", "relevant"],
        ["select one from yn", "Has-DBS", "Has DBS?", None],
        ["text", "1st_number", "Number", "${Has-DBS} = 'yes'"],
    ]
    choices: Rows = [["list name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
    settings: Rows = [["form_id", "version"], ["Spec test", "vK3x"]]
    data = workbook(survey, choices, settings)
    strict = convert_workbook(data)
    assert strict.problems == [
        "settings row 2, column form_id: 'Spec test' is not a valid app id "
        "(lower-case letters, digits and _, starting with a letter)",
        "survey row 2, column name: 'Has-DBS' is not a valid field name "
        "(lower-case letters, digits and _, starting with a letter)",
        "survey row 3, column name: '1st_number' is not a valid field name "
        "(lower-case letters, digits and _, starting with a letter)",
    ]
    result = convert_workbook(data, lenient=True)
    assert [w.rpartition(" (")[2] for w in result.warnings] == [
        "used 'spec_test')",
        "used 1)",
        "renamed to 'has_dbs')",
        "renamed to 'q_1st_number')",
    ]
    definition = result.definition
    assert definition is not None
    assert (definition["id"], definition["version"]) == ("spec_test", 1)
    assert definition["ui"]["fields"]["/q_1st_number"]["show_if"] == {
        "properties": {"has_dbs": {"const": "yes"}},
        "required": ["has_dbs"],
    }


def test_old_spellings_of_columns_and_types_are_understood() -> None:
    survey: Rows = [
        ["type", "name", "label:English", "bind:relevant", "hint:English", "comments"],
        ["select one from yn", "ok", "OK?", None, None, "just a note for the author"],
        ["select all that apply from yn", "which", "Which?", "${ok} = 'yes'", "Tick", None],
        ["begin repeat", "items", "Items", None, None, None],
        ["integer", "count", "Count", None, None, None],
        ["end repeat", None, None, None, None, None],
    ]
    choices: Rows = [
        ["list name", "name", "label:English"],
        ["yn", "yes", "Yes"],
        ["yn", "no", "No"],
    ]
    result = convert_workbook(workbook(survey, choices, [["form_id"], ["old"]]))
    assert result.problems == []
    assert result.warnings == ["survey row 1, column comments: not an XLSForm column (ignored)"]
    definition = result.definition
    assert definition is not None
    props = definition["schema"]["properties"]
    assert props["which"]["type"] == "array" and props["which"]["description"] == "Tick"
    assert props["items"]["items"]["properties"]["count"] == {"type": "integer", "title": "Count"}


def test_old_spellings_of_types_and_settings_and_metadata_that_is_not_needed() -> None:
    survey: Rows = [
        ["type", "name", "label"],
        ["start", "start", None],
        ["imei", "device", None],
        ["string", "who", "Who"],
        ["add integer prompt", "count", "Count"],
        ["gps", "where", "Where"],
    ]
    settings: Rows = [["id_string", "title", "version"], ["visits", "Home visits", "vK3x"]]
    strict = convert_workbook(workbook(survey, None, settings))
    assert strict.problems == ["survey row 6, column type: the type 'geopoint' is not supported"]
    result = convert_workbook(workbook(survey, None, settings), lenient=True)
    assert result.definition is not None
    assert (result.definition["id"], result.definition["title"]) == ("visits", "Home visits")
    assert result.definition["schema"]["properties"] == {
        "who": {"type": "string", "title": "Who"},
        "count": {"type": "integer", "title": "Count"},
    }
    assert [w.split(":")[0] for w in result.warnings] == [
        "settings row 2, column version",
        "survey row 2, column type",
        "survey row 3, column type",
        "survey row 6, column type",
    ]
    assert "metadata 'deviceid' is not needed" in result.warnings[2]


def test_openpyxl_warnings_about_a_workbook_do_not_stop_it_being_read(monkeypatch) -> None:
    """openpyxl warns about many real workbooks (styles, headers it skips): reading them
    must not depend on how warnings are filtered (tests make every warning an error)."""
    import warnings

    from pyxform.xls2json_backends import xlsx_to_dict  # type: ignore[import-untyped]

    def noisy(data: Any) -> Any:
        warnings.warn("Workbook contains no default style", UserWarning, stacklevel=1)
        return xlsx_to_dict(data)

    monkeypatch.setattr("miniapps.core.studio.xlsform_read.xlsx_to_dict", noisy)
    survey: Rows = [["type", "name", "label"], ["text", "q", "Q"]]
    result = convert_workbook(workbook(survey), fallback_id="probe")
    assert result.problems == [] and result.definition is not None


def test_a_choice_value_used_twice_is_refused_or_the_first_kept_with_lenient() -> None:
    survey: Rows = [["type", "name", "label"], ["select_one yn", "q", "Q"]]
    choices: Rows = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "yes", "Oui"]]
    assert problems_of(survey, choices) == [
        "choices row 3, column name: 'yes' is used twice in list 'yn'"
    ]
    data = workbook(survey, choices, [["form_id"], ["probe"]])
    result = convert_workbook(data, lenient=True)
    assert result.warnings == [
        "choices row 3, column name: 'yes' is used twice in list 'yn' (kept the first)"
    ]
    assert result.definition is not None
    assert result.definition["schema"]["properties"]["q"]["oneOf"] == [
        {"const": "yes", "title": "Yes"}
    ]


def test_a_survey_with_nothing_to_convert_says_why() -> None:
    empty = convert_workbook(workbook([["type", "name", "label"]]), fallback_id="v2")
    assert empty.problems == ["survey: the sheet has no rows"]
    only_gps: Rows = [["type", "name", "label"], ["geopoint", "where", "Where"]]
    assert problems_of(only_gps, lenient=True) == [
        "survey: no question is left once what cannot be converted is dropped"
    ]
    external: Rows = [["type", "name", "label"], ["select_one_external towns", "t", "Town"]]
    assert problems_of(external) == [
        "survey row 2, column type: external data (from a file or external choices) is not "
        "supported"
    ]


def test_a_top_level_name_imports_read_as_the_period_is_refused_or_renamed() -> None:
    survey: Rows = [["type", "name", "label"], ["text", "period", "Period"]]
    assert problems_of(survey) == [
        "survey row 2, column name: 'period' is a name imports read as each row's "
        "organisation or period"
    ]
    result = convert_workbook(workbook(survey, None, [["form_id"], ["probe"]]), lenient=True)
    assert result.definition is not None
    assert list(result.definition["schema"]["properties"]) == ["period_answer"]

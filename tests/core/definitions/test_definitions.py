"""Loading and validating app definitions: every problem at its pointer, in plain words."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import load_definition, read_definition, validate_definition
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import DefinitionInvalid, Issue

FRIDGE: dict[str, Any] = {
    "id": "fridge_log",
    "title": "Vaccine fridge log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["reading"],
        "properties": {
            "reading": {"type": "number", "title": "Temperature (°C)", "minimum": -30},
            "checked_on": {"type": "string", "format": "date"},
            "fridge": {"enum": ["main", "spare"]},
            "ok": {"type": "boolean"},
            "courses": {
                "type": "array",
                "items": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
        },
    },
}
RAW_VALIDATOR_TEXT = re.compile(
    r"is a required property|does not match|is not valid under|Additional properties|"
    r"is not of type|is not one of"
)


def fridge(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(FRIDGE)
    raw.update(changes)
    return raw


def issues_of(raw: dict[str, Any], **kwargs: Any) -> list[Issue]:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(raw, **kwargs)
    for issue in caught.value.issues:
        assert not RAW_VALIDATOR_TEXT.search(issue.message), issue
    return caught.value.issues


def messages_at(raw: dict[str, Any], pointer: str) -> list[str]:
    return [i.message for i in issues_of(raw) if i.pointer == pointer]


WORKFLOW: dict[str, Any] = {
    "initial": "draft",
    "states": {"draft": {"title": "Draft"}, "done": {"title": "Done", "final": True}},
    "transitions": [
        {"action": "submit", "from": ["draft"], "to": "done", "roles": ["practice_staff"]}
    ],
}


def with_(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting the member at a /-separated path (created as needed)."""

    def apply(raw: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda raw: raw.pop(key)


def indicator(**changes: Any) -> dict[str, Any]:
    base = {
        "code": "FR-01",
        "title": "Readings in range",
        "numerator": "/reading",
        "denominator": "/reading",
        "lower_threshold": 0.5,
        "upper_threshold": 0.8,
        "direction": "higher",
        "max_points": 10,
    }
    return {**base, **changes}


def edit_workflow(**changes: Any) -> Callable[[dict[str, Any]], None]:
    return with_("/workflow", {**copy.deepcopy(WORKFLOW), **changes})


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown member", with_("/foo", 1), "/foo", "is not allowed here"),
    ("missing title", drop("title"), "/title", "is required"),
    ("missing schema", drop("schema"), "/schema", "is required"),
    ("blank title", with_("/title", "  "), "/title", "must not be blank"),
    ("empty title", with_("/title", ""), "/title", "must not be empty"),
    ("bad id", with_("/id", "Fridge-Log"), "/id", "must start with a lower-case letter"),
    ("version 0", with_("/version", 0), "/version", "must be at least 1"),
    ("version text", with_("/version", "1"), "/version", "must be an integer"),
    ("version float", with_("/version", 1.5), "/version", "must be an integer"),
    ("schema not object", with_("/schema", []), "/schema", "must be an object"),
    (
        "bad widget name",
        with_("/ui/fields", {"/reading": {"widget": "slider"}}),
        "/ui/fields/~1reading/widget",
        "must be one of: text, textarea, number",
    ),
    (
        "field pointer without slash",
        with_("/ui/fields", {"reading": {}}),
        "/ui/fields/reading",
        "must be a field pointer",
    ),
    (
        "unknown ui option",
        with_("/ui/fields", {"/reading": {"colour": "red"}}),
        "/ui/fields/~1reading/colour",
        "is not allowed here",
    ),
    ("bad frequency", with_("/period", {"frequency": "daily"}), "/period/frequency", "one of:"),
    (
        "bad role",
        edit_workflow(
            transitions=[{"action": "go", "from": ["draft"], "to": "done", "roles": ["gp"]}]
        ),
        "/workflow/transitions/0/roles/0",
        "must be one of: platform_admin",
    ),
    (
        "chart widget without chart",
        with_("/dashboard", {"widgets": [{"id": "t", "type": "chart", "title": "T"}]}),
        "/dashboard/widgets/0/chart",
        "is required",
    ),
    (
        "bad chart type",
        with_(
            "/dashboard", {"widgets": [{"id": "t", "type": "chart", "title": "T", "chart": "x"}]}
        ),
        "/dashboard/widgets/0/chart",
        "must be one of: bar, line, stacked_bar, pie, ranked_bar",
    ),
    (
        "reminder needs a day count",
        with_("/reminders", [{"to": ["practice_manager"]}]),
        "/reminders/0",
        "needs exactly one of: before_due_days, after_due_days",
    ),
    (
        "channel needs stakeholders",
        with_("/channels", [{"id": "la", "title": "LA", "send_on": "submitted"}]),
        "/channels/0",
        "needs at least one of: stakeholder_types, stakeholder_orgs",
    ),
    ("hooks outside app", with_("/hooks", "../evil.py"), "/hooks", "no .."),
    ("hooks not python", with_("/hooks", "hooks.txt"), "/hooks", "must be the path of a .py"),
    (
        "threshold above 1",
        with_("/indicators", [indicator(upper_threshold=80)]),
        "/indicators/0/upper_threshold",
        "must be at most 1",
    ),
    (
        "zero points",
        with_("/indicators", [indicator(max_points=0)]),
        "/indicators/0/max_points",
        "must be greater than 0",
    ),
    (
        "bad event",
        with_("/notifications", [{"on": "sent", "to": ["submitter"]}]),
        "/notifications/0/on",
        "must be created, submitted",
    ),
    # Semantic pass.
    (
        "schema keyword wrong",
        with_("/schema/properties/reading/type", "nmber"),
        "/schema/properties/reading/type",
        "must be one of: array, boolean",
    ),
    (
        "schema bad regex",
        with_("/schema/properties/checked_on/pattern", "("),
        "/schema/properties/checked_on/pattern",
        "This pattern cannot be read by browsers: a “(” is not closed",
    ),
    ("schema not an object", with_("/schema/type", "array"), "/schema/type", '"type": "object"'),
    (
        "unknown format",
        with_("/schema/properties/checked_on/format", "data"),
        "/schema/properties/checked_on/format",
        "'data' is not a format",
    ),
    (
        "required names missing field",
        with_("/schema/required", ["reading", "temp"]),
        "/schema/required/1",
        "there is no field 'temp'",
    ),
    (
        "if names missing field",
        with_("/schema/if", {"properties": {"temp": {"const": 1}}}),
        "/schema/if/properties/temp",
        "there is no field 'temp'",
    ),
    (
        "then requires missing field",
        with_("/schema/then", {"required": ["temp"]}),
        "/schema/then/required/0",
        "there is no field 'temp'",
    ),
    (
        "dependentRequired names missing field",
        with_("/schema/dependentRequired", {"ok": ["why"]}),
        "/schema/dependentRequired/ok/0",
        "there is no field 'why'",
    ),
    (
        "nested required",
        with_("/schema/properties/courses/items/required", ["title"]),
        "/schema/properties/courses/items/required/0",
        "there is no field 'title' in /courses/-",
    ),
    (
        "order names missing field",
        with_("/ui/order", ["reading", "temp"]),
        "/ui/order/1",
        "there is no field 'temp'",
    ),
    (
        "order repeats a field",
        with_("/ui/order", ["reading", "/reading"]),
        "/ui/order/1",
        "listed twice",
    ),
    (
        "section names missing field",
        with_("/ui/sections", [{"title": "A", "fields": ["temp"]}]),
        "/ui/sections/0/fields/0",
        "there is no top-level field 'temp'",
    ),
    (
        "field in two sections",
        with_("/ui/sections", [{"title": "A", "fields": ["ok"]}, {"title": "B", "fields": ["ok"]}]),
        "/ui/sections/1/fields/0",
        "already in section 1",
    ),
    (
        "ui for missing field",
        with_("/ui/fields", {"/temp": {"widget": "text"}}),
        "/ui/fields/~1temp",
        "there is no field at /temp",
    ),
    (
        "checkboxes on number",
        with_("/ui/fields", {"/reading": {"widget": "checkboxes"}}),
        "/ui/fields/~1reading/widget",
        "the 'checkboxes' widget needs an array of enum",
    ),
    (
        "select on boolean",
        with_("/ui/fields", {"/ok": {"widget": "select"}}),
        "/ui/fields/~1ok/widget",
        "but /ok is a yes/no field",
    ),
    (
        "date on a plain string",
        with_("/ui/fields", {"/courses/-/name": {"widget": "date"}}),
        "/ui/fields/~1courses~1-~1name/widget",
        '"format": "date"',
    ),
    (
        "number on date",
        with_("/ui/fields", {"/checked_on": {"widget": "number"}}),
        "/ui/fields/~1checked_on/widget",
        "needs an integer or number field",
    ),
    (
        "repeat on enum",
        with_("/ui/fields", {"/fridge": {"widget": "repeat"}}),
        "/ui/fields/~1fridge/widget",
        "needs an array of objects",
    ),
    (
        "rows without textarea",
        with_("/ui/fields", {"/courses/0/name": {"rows": 3}}),
        "/ui/fields/~1courses~10~1name/rows",
        'only applies with "widget": "textarea"',
    ),
    (
        "accept without file",
        with_("/ui/fields", {"/checked_on": {"accept": [".pdf"]}}),
        "/ui/fields/~1checked_on/accept",
        '"widget": "file"',
    ),
    (
        "show_if names missing field",
        with_("/ui/fields", {"/ok": {"show_if": {"required": ["temp"]}}}),
        "/ui/fields/~1ok/show_if/required/0",
        "there is no field 'temp'",
    ),
    (
        "show_if is bad schema",
        with_("/ui/fields", {"/ok": {"show_if": {"minimum": "x"}}}),
        "/ui/fields/~1ok/show_if/minimum",
        "must be a number",
    ),
    (
        "section holds a nested field",
        with_("/ui/sections", [{"title": "A", "fields": ["/courses/-/name"]}]),
        "/ui/sections/0/fields/0",
        "there is no top-level field '/courses/-/name'",
    ),
    (
        "show_if uses a keyword browsers cannot evaluate",
        with_("/ui/fields", {"/ok": {"show_if": {"properties": {"reading": {"multipleOf": 2}}}}}),
        "/ui/fields/~1ok/show_if/properties/reading/multipleOf",
        "Conditions cannot use",
    ),
    (
        "if uses a keyword browsers cannot evaluate",
        with_("/schema/if", {"properties": {"checked_on": {"format": "date"}}}),
        "/schema/if/properties/checked_on/format",
        "Conditions cannot use",
    ),
    (
        "initial not declared",
        edit_workflow(initial="new"),
        "/workflow/initial",
        "'new' is not a declared state",
    ),
    (
        "transition to unknown state",
        edit_workflow(transitions=[{"action": "go", "from": ["draft"], "to": "gone"}]),
        "/workflow/transitions/0/to",
        "'gone' is not a declared state",
    ),
    (
        "transition from unknown state",
        edit_workflow(transitions=[{"action": "go", "from": ["limbo"], "to": "done"}]),
        "/workflow/transitions/0/from/0",
        "'limbo' is not a declared state",
    ),
    (
        "unreachable state",
        edit_workflow(states={**WORKFLOW["states"], "lost": {"title": "Lost"}}),
        "/workflow/states/lost",
        "state 'lost' cannot be reached from the initial state 'draft'",
    ),
    (
        "duplicate action",
        edit_workflow(
            transitions=[
                *WORKFLOW["transitions"],
                {"action": "submit", "from": ["draft"], "to": "draft"},
            ]
        ),
        "/workflow/transitions/1/action",
        "action 'submit' is already offered from state 'draft'",
    ),
    (
        "requires missing field",
        edit_workflow(
            transitions=[
                {"action": "go", "from": ["draft"], "to": "done", "requires_fields": ["/temp"]}
            ]
        ),
        "/workflow/transitions/0/requires_fields/0",
        "there is no field at /temp",
    ),
    (
        "indicator on text",
        with_("/indicators", [indicator(numerator="/checked_on")]),
        "/indicators/0/numerator",
        "must point at a whole-number field or a number field",
    ),
    (
        "indicator on missing field",
        with_("/indicators", [indicator(exclusions="/pca")]),
        "/indicators/0/exclusions",
        "there is no field at /pca",
    ),
    (
        "higher thresholds reversed",
        with_("/indicators", [indicator(lower_threshold=0.9)]),
        "/indicators/0/upper_threshold",
        "must be greater than lower_threshold",
    ),
    (
        "lower thresholds reversed",
        with_("/indicators", [indicator(direction="lower")]),
        "/indicators/0/upper_threshold",
        "must be less than lower_threshold",
    ),
    (
        "duplicate indicator",
        with_("/indicators", [indicator(), indicator()]),
        "/indicators/1/code",
        "already used by indicator 0",
    ),
    (
        "widget on missing field",
        with_(
            "/dashboard",
            {"widgets": [{"id": "t", "type": "metric", "title": "T", "field": "/temp"}]},
        ),
        "/dashboard/widgets/0/field",
        "there is no field at /temp",
    ),
    (
        "widget on missing indicator",
        with_(
            "/dashboard",
            {"widgets": [{"id": "t", "type": "indicator", "title": "T", "indicator": "X"}]},
        ),
        "/dashboard/widgets/0/indicator",
        "no indicator with code 'X'",
    ),
    (
        "event names missing action",
        with_("/notifications", [{"on": "action:bogus", "to": ["submitter"]}]),
        "/notifications/0/on",
        "no workflow action 'bogus'",
    ),
    (
        "channel on missing state",
        with_(
            "/channels",
            [{"id": "la", "title": "LA", "stakeholder_orgs": ["X1"], "send_on": "state:sent"}],
        ),
        "/channels/0/send_on",
        "no workflow state 'sent'",
    ),
    (
        "reminders without period",
        with_("/reminders", [{"before_due_days": 3, "to": ["practice_manager"]}]),
        "/reminders",
        "reminders need a periodic app",
    ),
    (
        "weekly due day",
        with_("/period", {"frequency": "weekly", "due_day": 9}),
        "/period/due_day",
        "day of the week",
    ),
    (
        "migration from the future",
        with_("/migration", {"from_version": 1}),
        "/migration/from_version",
        "must be lower than this definition's version (1)",
    ),
    (
        "rename to missing field",
        lambda raw: raw.update(
            version=2, migration={"from_version": 1, "rename": {"temp": "temperature"}}
        ),
        "/migration/rename/temp",
        "no field 'temperature'",
    ),
    (
        "default of wrong type",
        lambda raw: raw.update(
            version=2, migration={"from_version": 1, "defaults": {"reading": "warm"}}
        ),
        "/migration/defaults/reading",
        "is not a valid value for field 'reading'",
    ),
    (
        "map to missing choice",
        lambda raw: raw.update(
            version=2, migration={"from_version": 1, "map_values": {"fridge": {"old": "attic"}}}
        ),
        "/migration/map_values/fridge/old",
        "is not a valid value",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "pointer", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_definition_is_reported_at_its_pointer(
    mutate: Callable[[dict[str, Any]], None], pointer: str, message: str
) -> None:
    raw = fridge()
    mutate(raw)
    found = messages_at(raw, pointer)
    assert any(message in text for text in found), (pointer, found, issues_of(raw))


def test_valid_definition_with_every_member(tmp_path: Path) -> None:
    (tmp_path / "hooks.py").write_text("def on_submit(record, ctx):\n    pass\n")
    raw = fridge(
        description="Daily fridge check",
        ui={
            "order": ["checked_on", "/reading", "/courses/-/name"],
            "sections": [{"title": "Check", "fields": ["checked_on", "reading", "ok"]}],
            "fields": {
                "/reading": {"widget": "number", "help": "Current reading"},
                "/checked_on": {"widget": "date"},
                "/fridge": {"widget": "radios", "show_if": {"required": ["reading"]}},
                "/ok": {"widget": "radios", "label": "All OK?"},
                "/courses/-/name": {
                    "widget": "file",
                    "accept": [".pdf", "image/*"],
                    "max_bytes": 5_000_000,
                },
                "/courses": {"widget": "repeat"},
            },
        },
        period={
            "frequency": "monthly",
            "due_day": 5,
            "financial_year": True,
            "grace_days": 3,
            "owed_by": {"types": ["practice"]},
        },
        workflow=WORKFLOW,
        dashboard={
            "replace_automatic": False,
            "widgets": [
                {
                    "id": "temps",
                    "type": "chart",
                    "chart": "line",
                    "title": "T",
                    "field": "/reading",
                    "indicator": "FR-01",
                }
            ],
        },
        indicators=[indicator(value_per_point=198.0, adjustment="list_size", list_size="/reading")],
        indicator_settings={"value_per_point": 198.0, "national_average_list_size": 51000},
        notifications=[{"on": "action:submit", "to": ["practice_manager", "submitter"]}],
        reminders=[
            {"before_due_days": 3, "to": ["practice_staff"]},
            {"after_due_days": 1, "to": ["pcn_manager"]},
        ],
        channels=[
            {
                "id": "ic",
                "title": "Quality",
                "stakeholder_types": ["icb_quality"],
                "send_on": "state:done",
                "sla": {"acknowledge_working_days": 1, "decide_working_days": 5},
            }
        ],
        permissions={
            "read": ["icb_viewer"],
            "write": ["practice_staff"],
            "approve": ["practice_manager"],
        },
        hooks="hooks.py",
    )
    definition = validate_definition(raw, source="app.json", source_dir=tmp_path)
    assert definition.hooks_path == tmp_path / "hooks.py"
    assert definition.workflow["initial"] == "draft"
    assert definition.indicators[0]["code"] == "FR-01"
    assert definition.permissions["approve"] == ["practice_manager"]


def test_missing_hooks_file_is_reported_only_with_a_source_dir(tmp_path: Path) -> None:
    raw = fridge(hooks="logic/hooks.py")
    assert validate_definition(raw).hooks == "logic/hooks.py"
    issues = issues_of(raw, source_dir=tmp_path)
    assert [(i.pointer, i.message) for i in issues] == [
        ("/hooks", "'logic/hooks.py' was not found in the app directory")
    ]


def test_all_meta_schema_problems_are_reported_together() -> None:
    raw = fridge(id="9lives", version=0, foo=1, bar=2)
    del raw["title"]
    pointers = {i.pointer for i in issues_of(raw)}
    assert pointers == {"/id", "/version", "/foo", "/bar", "/title"}


def test_semantic_pass_waits_for_the_meta_schema() -> None:
    raw = fridge(foo=1, ui={"order": ["temp"]})
    assert [i.pointer for i in issues_of(raw)] == ["/foo"]


def test_semantic_problems_are_reported_together() -> None:
    raw = fridge(
        ui={"order": ["temp"], "fields": {"/ok": {"widget": "select"}}},
        workflow={**WORKFLOW, "initial": "new"},
    )
    pointers = [i.pointer for i in issues_of(raw)]
    assert pointers == ["/ui/order/0", "/ui/fields/~1ok/widget", "/workflow/initial"]


def test_lines_are_file_pointer_message() -> None:
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(fridge(title=None), source="apps/fridge_log/app.json")
    assert caught.value.lines() == ["apps/fridge_log/app.json:/title: must be a string"]
    assert caught.value.kind == "invalid"


def test_required_conditional_field_is_known() -> None:
    raw = fridge()
    raw["schema"]["if"] = {"properties": {"ok": {"const": False}}, "required": ["ok"]}
    raw["schema"]["then"] = {"properties": {"why": {"type": "string"}}, "required": ["why"]}
    raw["ui"] = {"order": ["ok", "why"], "fields": {"/why": {"widget": "textarea", "rows": 4}}}
    assert validate_definition(raw).fields[-1].pointer == "/why"


def test_refs_are_followed() -> None:
    raw = fridge()
    raw["schema"]["$defs"] = {
        "course": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
        }
    }
    raw["schema"]["properties"]["courses"] = {"type": "array", "items": {"$ref": "#/$defs/course"}}
    raw["ui"] = {"fields": {"/courses/-/name": {"widget": "text"}}}
    assert validate_definition(raw).id == "fridge_log"
    raw["schema"]["$defs"]["course"]["required"] = ["title"]
    assert messages_at(raw, "/schema/$defs/course/required/0") == [
        "there is no field 'title' in /courses/-"
    ]


def test_content_hash_ignores_key_order_and_whitespace() -> None:
    one = validate_definition(fridge())
    two = validate_definition(
        json.loads(json.dumps(dict(reversed(list(fridge().items()))), indent=4))
    )
    assert one.content_hash == two.content_hash
    assert len(one.content_hash) == 64
    assert one.content_hash != validate_definition(fridge(version=2)).content_hash
    assert hash(one) == hash(two)


def test_definition_keeps_its_own_copy() -> None:
    raw = fridge()
    definition = validate_definition(raw)
    raw["schema"]["properties"].clear()
    assert "reading" in definition.schema["properties"]


def test_empty_members_have_sensible_defaults() -> None:
    definition = validate_definition(fridge())
    assert isinstance(definition, AppDefinition)
    assert (definition.description, definition.ui, definition.workflow) == ("", {}, {})
    assert (definition.indicators, definition.channels, definition.reminders) == ([], [], [])
    assert definition.period == {"frequency": "none"} and not definition.is_periodic
    assert (
        definition.migration is None and definition.hooks is None and definition.hooks_path is None
    )
    assert definition.label == "fridge_log v1"


# Reading files.


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def read_issue(path: Path) -> tuple[str, str]:
    with pytest.raises(DefinitionInvalid) as caught:
        read_definition(path)
    assert len(caught.value.issues) == 1
    return caught.value.source or "", caught.value.issues[0].message


def test_read_directory_and_file(tmp_path: Path) -> None:
    file = write(tmp_path / "fridge_log" / "app.json", json.dumps(FRIDGE))
    assert read_definition(tmp_path / "fridge_log") == (FRIDGE, str(file))
    assert read_definition(str(file)) == (FRIDGE, str(file))


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    file = write(tmp_path / "app.json", '{\n  "id": "x",\n  "title": "y"\n  "version": 1\n}\n')
    source, message = read_issue(file)
    assert source == str(file)
    assert message == "is not valid JSON: expecting ',' delimiter at line 4, column 3"
    with pytest.raises(DefinitionInvalid) as caught:
        load_definition(tmp_path)
    assert caught.value.lines() == [f"{file}:: {message}"]


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    assert read_issue(tmp_path / "nope.json") == (str(tmp_path / "nope.json"), "file not found")
    (tmp_path / "empty_app").mkdir()
    source, message = read_issue(tmp_path / "empty_app")
    assert source == str(tmp_path / "empty_app" / "app.json")
    assert message == "there is no app.json in this app directory"
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"title": "caf\xe9"}'.encode("latin-1"))
    assert read_issue(latin)[1] == "is not UTF-8 text"


@pytest.mark.parametrize("text", ["[1, 2]", '"app"', "null", "3"])
def test_top_level_must_be_an_object(tmp_path: Path, text: str) -> None:
    message = read_issue(write(tmp_path / "app.json", text))[1]
    assert message == "must hold one JSON object ({ ... }) at the top level"


def test_nan_is_refused(tmp_path: Path) -> None:
    message = read_issue(write(tmp_path / "app.json", '{"version": NaN}'))[1]
    assert message == "is not valid JSON: NaN is not allowed in JSON"


def test_load_definition_reports_file_and_pointer(tmp_path: Path) -> None:
    file = write(tmp_path / "app.json", json.dumps(fridge(version=0)))
    with pytest.raises(DefinitionInvalid) as caught:
        load_definition(tmp_path)
    assert caught.value.lines() == [f"{file}:/version: must be at least 1"]


def test_load_definition_sets_source_dir(tmp_path: Path) -> None:
    write(tmp_path / "fridge_log" / "app.json", json.dumps(FRIDGE))
    write(tmp_path / "fridge_log" / "hooks.py", "")
    definition = load_definition(tmp_path / "fridge_log")
    assert definition.source_dir == tmp_path / "fridge_log"
    assert definition.hooks_path == tmp_path / "fridge_log" / "hooks.py"

"""Property: any sequence of studio edits from a blank app gives, at every step, either a
refusal with a message or a definition the validator accepts; inputs never change."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from miniapps.core.definitions.schema_fields import iter_fields
from miniapps.core.forms.compiler import compile_form
from miniapps.core.studio import editing as ed
from miniapps.core.studio.field_kinds import FIELD_KINDS, kind_of

from tests.core.studio.studio_samples import assert_valid, real_definitions

LABELS = st.sampled_from(
    ["Name", "Name", "Date", "Role", "DBS", "Période", "2nd dose", "Notes", "  ", "Period"]
)


def pointers(d: dict[str, Any]) -> list[str]:
    return [f.pointer for f in iter_fields(d["schema"])]


def containers(d: dict[str, Any]) -> list[str]:
    return [""] + [p for p in pointers(d) if kind_of(d, p) in ("group", "repeat")]


def choice_fields(d: dict[str, Any]) -> list[str]:
    return [p for p in pointers(d) if kind_of(d, p) in ("one_choice", "several_choices")]


def option_values(d: dict[str, Any], pointer: str) -> list[Any]:
    for field in iter_fields(d["schema"]):
        if field.pointer == pointer:
            return [v for v, _ in field.choices]
    return []


def one_edit(data: st.DataObject, d: dict[str, Any]) -> Callable[[], Any]:
    """A random edit of ``d`` (drawn with ``data``), as a call."""
    fields = pointers(d) or ["/none"]
    field = data.draw(st.sampled_from(fields))
    index = data.draw(st.integers(-1, 8))
    sections = len((d.get("ui") or {}).get("sections") or [])
    choices = choice_fields(d)
    choice = data.draw(st.sampled_from(choices)) if choices else "/none"
    values = option_values(d, choice) or ["x"]
    value = data.draw(st.sampled_from(values))
    label = data.draw(LABELS)
    op = data.draw(
        st.sampled_from(
            ["add"] * 6
            + ["update", "move", "delete", "option", "rename", "move_option", "delete_option"]
            + ["section", "put", "move_section", "delete_section", "condition", "period"]
            + ["workflow", "widget"]
        )
    )
    calls: dict[str, Callable[[], Any]] = {
        "add": lambda: ed.add_field(
            d,
            kind=data.draw(st.sampled_from(list(FIELD_KINDS))),
            label=label,
            parent=data.draw(st.sampled_from(containers(d))),
        ),
        "update": lambda: ed.update_field(
            d,
            field,
            ed.FieldSettings(
                label=label,
                required=data.draw(st.booleans()),
                maximum=data.draw(st.none() | st.integers(-3, 3)),
                minimum=data.draw(st.none() | st.integers(-3, 3)),
                max_length=data.draw(st.none() | st.integers(0, 5)),
                pattern=data.draw(st.none() | st.sampled_from(["^a", "(a+)+$", "[", ""])),
            ),
        ),
        "move": lambda: ed.move_field(d, field, index),
        "delete": lambda: ed.delete_field(d, field),
        "option": lambda: ed.add_option(d, choice, label),
        "rename": lambda: ed.rename_option(d, choice, value, label),
        "move_option": lambda: ed.move_option(d, choice, value, index),
        "delete_option": lambda: ed.delete_option(d, choice, value),
        "section": lambda: ed.add_section(d, label),
        "put": lambda: ed.put_in_section(d, field, index if 0 <= index < sections else None),
        "move_section": lambda: ed.move_section(d, max(0, index), index),
        "delete_section": lambda: ed.delete_section(d, index),
        "condition": lambda: _condition(data, d, field),
        "period": lambda: ed.set_period(
            d, frequency=data.draw(st.sampled_from(list(ed.PERIOD_FREQUENCIES))), due_day=index
        ),
        "workflow": lambda: ed.set_workflow(
            d,
            data.draw(st.sampled_from(list(ed.WORKFLOW_PATTERNS))),
            stakeholder_types=["icb_quality"],
        ),
        "widget": lambda: _widget(data, d),
    }
    return calls[op]


def _condition(data: st.DataObject, d: dict[str, Any], field: str) -> Any:
    offered = ed.condition_questions(d, field)
    if not offered or data.draw(st.booleans()):
        return ed.set_condition(d, field, None)
    question, _, answers = data.draw(st.sampled_from(offered))
    answer = data.draw(st.sampled_from([a for a, _ in answers]))
    return ed.set_condition(d, field, ed.Condition(question, answer, data.draw(st.booleans())))


def _widget(data: st.DataObject, d: dict[str, Any]) -> Any:
    widgets = (d.get("dashboard") or {}).get("widgets") or []
    if widgets and data.draw(st.booleans()):
        return ed.delete_widget(d, data.draw(st.sampled_from([w["id"] for w in widgets])))
    menu_id = data.draw(st.sampled_from(list(ed.WIDGET_MENU)))
    fields = ed.widget_fields(d, menu_id)
    field = data.draw(st.sampled_from(fields))[0] if fields else None
    return ed.add_widget(d, menu_id, field=field)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_sequence_of_edits_keeps_the_definition_valid(data: st.DataObject) -> None:
    d = ed.blank_definition("random_app", "Random app")
    for _ in range(data.draw(st.integers(5, 25))):
        before = copy.deepcopy(d)
        try:
            result = one_edit(data, d)()
        except ed.EditRefused as exc:
            assert exc.message
            assert d == before
            continue
        assert d == before
        d = result[0] if isinstance(result, tuple) else result
        assert_valid(d)
        if isinstance(result, tuple):  # a new field reads back as the kind asked for
            assert kind_of(d, result[1]) in FIELD_KINDS
        form = compile_form(d["schema"], d.get("ui"))  # the form practices will see
        assert len(form.sections) >= 1 or not d["schema"]["properties"]


REAL = real_definitions()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_edits_of_real_apps_keep_them_valid(data: st.DataObject) -> None:
    _, d = data.draw(st.sampled_from(REAL))
    for _ in range(data.draw(st.integers(3, 10))):
        before = copy.deepcopy(d)
        try:
            result = one_edit(data, d)()
        except ed.EditRefused as exc:
            assert exc.message
            continue
        assert d == before
        d = result[0] if isinstance(result, tuple) else result
        assert_valid(d)

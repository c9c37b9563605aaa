"""Message templates from definitions: the allowlist, the sandbox, escaping, validation."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.definitions.message_templates import (
    MessageTemplateError,
    render_message,
    render_messages,
    sandbox,
    template_problem,
)
from miniapps.core.errors import DefinitionInvalid

from tests.sample_definitions import MONTHLY_RETURN

CONTEXT = {"app_title": "Fridge & freezer log", "org_name": "North <Surgery>", "period": ""}


def test_a_template_renders_the_context_names_escaped_only_for_html():
    text = "{{ app_title|upper }} from {{ org_name }}{% if period %} for {{ period }}{% endif %}"
    assert render_message(text, CONTEXT, html=False) == "FRIDGE & FREEZER LOG from North <Surgery>"
    assert render_message(text, CONTEXT, html=True) == (
        "FRIDGE &amp; FREEZER LOG from North &lt;Surgery&gt;"
    )


def test_the_sandbox_refuses_unsafe_attribute_access():
    # Even without the allowlist in front of it, the environment refuses to reach Python.
    escape = sandbox(False).from_string("{{ app_title.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        escape.render(app_title="x")
    with pytest.raises(SecurityError):
        sandbox(True).from_string("{{ app_title.__class__ }}").render(app_title="x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ app_title.__class__ }}", "attribute access"),
        ("{{ app_title[0] }}", "item access"),
        ("{{ lipsum() }}", "a call"),
        ("{% for i in range(99999) %}x{% endfor %}", "a loop"),
        ("{{ app_title * 1000000 }}", "arithmetic"),
        ("{% set x = 1 %}", "assignment"),
        ("{{ range }}", "uses 'range'"),
        ("{{ record.data }}", "unknown name 'record'"),
        ("{{ app_title|center(1000000) }}", "filter 'center'"),
        ("{% include 'x' %}", "an include"),
        ("{{ app_title ", "not a valid template"),
        ("x" * 2001, "too long"),
    ],
)
def test_unsafe_or_unknown_templates_are_refused(text, expected):
    assert expected in (template_problem(text) or "")
    with pytest.raises(MessageTemplateError):
        render_message(text, CONTEXT, html=False)


def test_a_failing_template_is_left_out_never_raised(caplog):
    templates = [("{{ app_title.__class__ }}", "state:approved"), ("Thanks", "action:approve")]
    text, html = render_messages(templates, CONTEXT, "Pat")
    assert text == "Thanks" and html == "Thanks"
    assert "not used" in caplog.text
    assert render_messages([("{{ nope }}", "created")], CONTEXT, "Pat") == (None, None)


def test_the_validator_refuses_bad_templates_with_their_pointers():
    definition = {
        **MONTHLY_RETURN,
        "notifications": [
            {"on": "submitted", "to": ["pcn_manager"], "template": "Fine {{ org_name }}"},
            {"on": "state:approved", "to": ["submitter"], "template": "{% if period %}oops"},
        ],
        "reminders": [
            {"before_due_days": 3, "to": ["practice_manager"], "template": "{{ record.count }}"}
        ],
    }
    with pytest.raises(DefinitionInvalid) as caught:
        validate_definition(definition)
    issues = {issue.pointer: issue.message for issue in caught.value.issues}
    assert set(issues) == {"/notifications/1/template", "/reminders/0/template"}
    assert "not a valid template" in issues["/notifications/1/template"]
    assert "unknown name 'record'" in issues["/reminders/0/template"]


def test_good_templates_validate():
    definition = {
        **MONTHLY_RETURN,
        "notifications": [{"on": "overdue", "to": ["pcn_manager"], "template": "{{ link }}"}],
        "reminders": [{"after_due_days": 1, "to": ["practice_manager"], "template": "{{ due }}"}],
    }
    assert validate_definition(definition).id == "monthly_return"

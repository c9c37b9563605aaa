"""Studio edits of the period, the workflow and dashboard widgets."""

from __future__ import annotations

from typing import Any

import pytest
from miniapps.core.definitions.loading import meta_schema_enum
from miniapps.core.studio.editing import (
    PERIOD_FREQUENCIES,
    WIDGET_MENU,
    WORKFLOW_PATTERNS,
    EditRefused,
    add_field,
    add_widget,
    delete_widget,
    move_widget,
    period_of,
    set_period,
    set_workflow,
    widget_fields,
    workflow_pattern_of,
)

from tests.core.studio.studio_samples import assert_valid, real_definitions, sample_app


def refused(call: Any, *args: Any, **kwargs: Any) -> EditRefused:
    with pytest.raises(EditRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_period_menu_matches_the_meta_schema() -> None:
    assert list(PERIOD_FREQUENCIES) == meta_schema_enum("/$defs/period/properties/frequency/enum")


def test_set_period_writes_and_removes_it() -> None:
    d = set_period(sample_app(), frequency="monthly", due_day=10)
    assert d["period"] == {
        "frequency": "monthly",
        "due_day": 10,
        "owed_by": {"types": ["practice"]},
    }
    assert period_of(d) == {
        "frequency": "monthly",
        "due_day": 10,
        "owed_by": ["practice"],
        "several": False,
    }
    d["period"] |= {"financial_year": True, "grace_days": 3}
    d["period"]["owed_by"]["orgs"] = ["A00001"]
    d = set_period(d, frequency="weekly", due_day=1, owed_by=("practice", "pcn"), several=True)
    assert d["period"] == {
        "frequency": "weekly",
        "due_day": 1,
        "financial_year": True,
        "grace_days": 3,
        "owed_by": {"types": ["practice", "pcn"], "orgs": ["A00001"]},
        "several": True,
    }
    assert_valid(d)
    d = set_period(d, frequency="none")
    assert "period" not in d and period_of(d)["frequency"] == "none"
    assert_valid(d)


@pytest.mark.parametrize(
    ("kwargs", "pointer", "words"),
    [
        ({"frequency": "daily"}, "/period/frequency", "no period called 'daily'"),
        ({"frequency": "weekly", "due_day": 8}, "/period/due_day", "1 (Monday) to 7 (Sunday)"),
        ({"frequency": "monthly", "due_day": 0}, "/period/due_day", "1 to 31"),
        ({"frequency": "monthly", "owed_by": ["surgery"]}, "/period/owed_by", "'surgery'"),
    ],
)
def test_set_period_refusals(kwargs: dict[str, Any], pointer: str, words: str) -> None:
    error = refused(set_period, sample_app(), **kwargs)
    assert error.pointer == pointer and words in error.message


def test_removing_the_period_of_an_app_with_reminders_is_refused() -> None:
    d = set_period(sample_app(), frequency="monthly", due_day=5)
    d["reminders"] = [{"before_due_days": 3, "to": ["practice_manager"]}]
    assert_valid(d)
    error = refused(set_period, d, frequency="none")
    assert error.pointer == "/period" and "/reminders" in error.message


def test_workflow_patterns() -> None:
    assert list(WORKFLOW_PATTERNS) == ["submit_only", "submit_and_approve", "channel"]
    assert all(p.label and p.hint.endswith(".") for p in WORKFLOW_PATTERNS.values())
    d = sample_app()
    assert workflow_pattern_of(d) == "submit_and_approve"
    only = set_workflow(d, "submit_only")
    assert workflow_pattern_of(only) == "submit_only" and only["workflow"]["initial"] == "draft"
    assert_valid(only)
    channel = set_workflow(only, "channel", stakeholder_types=["la_adult_safeguarding", " "])
    assert workflow_pattern_of(channel) == "channel"
    assert channel["channels"] == [
        {
            "id": "report",
            "title": "Staff check",
            "stakeholder_types": ["la_adult_safeguarding"],
            "send_on": "state:sent",
        }
    ]
    assert_valid(channel)
    back = set_workflow(channel, "submit_and_approve")
    assert "workflow" not in back and "channels" not in back
    assert_valid(back)
    custom = dict(only, workflow={**only["workflow"], "initial": "submitted"})
    assert workflow_pattern_of(custom) == "custom"


def test_workflow_refusals() -> None:
    d = sample_app()
    assert refused(set_workflow, d, "everything").pointer == "/workflow"
    assert "choose who receives" in refused(set_workflow, d, "channel").message
    assert (
        "not a stakeholder category"
        in refused(set_workflow, d, "channel", stakeholder_types=["LA team"]).message
    )
    d = add_widget(d, "count_by_period")
    d["dashboard"]["widgets"][0]["states"] = ["approved"]
    assert_valid(d)
    error = refused(set_workflow, d, "submit_only")
    assert "approved" in error.message


@pytest.mark.parametrize(("name", "definition"), real_definitions())
def test_every_real_workflow_has_a_pattern_word(name: str, definition: dict[str, Any]) -> None:
    assert workflow_pattern_of(definition) in (*WORKFLOW_PATTERNS, "custom")


def test_widget_menu() -> None:
    assert list(WIDGET_MENU) == [
        "count_by_period",
        "answers_chart",
        "number_trend",
        "latest_table",
        "metric",
    ]
    d, _ = add_field(sample_app(), kind="number", label="Hours")
    assert widget_fields(d, "answers_chart") == [
        ("/has_a_dbs_check", "Has a DBS check"),
        ("/role", "Role"),
    ]
    assert widget_fields(d, "number_trend") == [("/hours", "Hours")]
    for menu_id in WIDGET_MENU:
        fields = widget_fields(d, menu_id)
        d = add_widget(d, menu_id, field=fields[0][0] if fields else None)
    d = add_widget(d, "metric", title="Records")
    assert [(w["id"], w["type"]) for w in d["dashboard"]["widgets"]] == [
        ("records_each_month", "chart"),
        ("answers_to_has_a_dbs_check", "chart"),
        ("hours_average_by_month", "chart"),
        ("latest_records", "table"),
        ("total_hours", "metric"),
        ("records_2", "metric"),
    ]
    assert_valid(d)
    d = move_widget(d, "latest_records", 0)
    d = delete_widget(d, "records_2")
    assert [w["id"] for w in d["dashboard"]["widgets"]][:2] == [
        "latest_records",
        "records_each_month",
    ]
    for widget in list(d["dashboard"]["widgets"]):
        d = delete_widget(d, widget["id"])
    assert "dashboard" not in d
    periodic = add_widget(set_period(sample_app(), frequency="quarterly"), "count_by_period")
    assert periodic["dashboard"]["widgets"][0]["group_by"] == "period"


def test_widget_refusals() -> None:
    d = sample_app()
    assert "no dashboard widget called" in refused(add_widget, d, "map").message
    assert "choose the question" in refused(add_widget, d, "answers_chart").message
    error = refused(add_widget, d, "number_trend", field="/name")
    assert error.pointer == "/dashboard/widgets/0" and "cannot show /name" in error.message
    assert "no dashboard widget 'x'" in refused(delete_widget, d, "x").message

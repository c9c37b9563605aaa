"""The studio's edits of an app definition, in one place to import from.

Every function takes a definition ``dict`` and returns a new one (never changing its
input), or raises :class:`EditRefused` naming the place (a field's pointer such as
``/courses/-/name``, or a member such as ``/ui/sections/1``) and the reason in plain
words. A valid definition stays valid: each edit ends with the validator
(:func:`miniapps.core.definitions.loading.validate_definition`); a draft that is already
invalid (edited in the JSON tab) can still be edited, as long as the edit adds no
problem of its own.

The functions live in small modules by subject (``editing_fields``,
``editing_settings``, ``editing_options``, ``editing_sections``, ``editing_conditions``,
``editing_period``, ``editing_workflow``, ``editing_widgets``); this module re-exports
them all.
"""

from __future__ import annotations

from miniapps.core.studio.editing_base import EditRefused
from miniapps.core.studio.editing_conditions import (
    Condition,
    condition_of,
    condition_questions,
    condition_sentence,
    set_condition,
)
from miniapps.core.studio.editing_fields import (
    add_field,
    blank_definition,
    delete_field,
    move_field,
    set_details,
)
from miniapps.core.studio.editing_kinds import change_kind
from miniapps.core.studio.editing_options import (
    add_option,
    delete_option,
    move_option,
    rename_option,
)
from miniapps.core.studio.editing_period import (
    OWED_BY_WORDS,
    PERIOD_FREQUENCIES,
    period_of,
    set_period,
)
from miniapps.core.studio.editing_rename import rename_field
from miniapps.core.studio.editing_sections import (
    add_section,
    delete_section,
    move_section,
    put_in_section,
    update_section,
)
from miniapps.core.studio.editing_settings import KEEP, FieldSettings, update_field
from miniapps.core.studio.editing_widgets import (
    WIDGET_MENU,
    WidgetChoice,
    add_widget,
    delete_widget,
    move_widget,
    widget_fields,
)
from miniapps.core.studio.editing_workflow import (
    WORKFLOW_PATTERNS,
    WorkflowPattern,
    channel_types_of,
    set_workflow,
    workflow_pattern_of,
)

__all__ = [
    "KEEP",
    "OWED_BY_WORDS",
    "PERIOD_FREQUENCIES",
    "WIDGET_MENU",
    "WORKFLOW_PATTERNS",
    "Condition",
    "EditRefused",
    "FieldSettings",
    "WidgetChoice",
    "WorkflowPattern",
    "add_field",
    "add_option",
    "add_section",
    "add_widget",
    "blank_definition",
    "change_kind",
    "channel_types_of",
    "condition_of",
    "condition_questions",
    "condition_sentence",
    "delete_field",
    "delete_option",
    "delete_section",
    "delete_widget",
    "move_field",
    "move_option",
    "move_section",
    "move_widget",
    "period_of",
    "put_in_section",
    "rename_field",
    "rename_option",
    "set_condition",
    "set_details",
    "set_period",
    "set_workflow",
    "update_field",
    "update_section",
    "widget_fields",
    "workflow_pattern_of",
]

"""The options of a radios, select or checkboxes field as NHS.UK macro items, offering
only those a condition allows now (:attr:`~miniapps.core.forms.conditions.RuleState.choices`).

Every option is rendered, so the browser can offer it again when the answers change;
one not allowed now carries ``hidden`` (its input and label; the stylesheet hides the row,
and a select's option is disabled too) and is never ticked or selected, exactly as
``static/js/conditions.mjs`` leaves the page. Without JavaScript the page therefore
offers only the options allowed for the data it was rendered with.
"""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.condition_language import json_equal
from miniapps.core.forms.fields import RadiosType, choice_map

_HIDDEN = {"hidden": {"value": True, "optional": True}}


def choice_items(field: Field, widget: str, allowed: list[Any] | None) -> list[dict[str, Any]]:
    """``[{"value", "text", ...}]`` for the macro; options outside ``allowed`` hidden."""
    items: list[dict[str, Any]] = []
    for key, text in RadiosType.choices(field):
        item: dict[str, Any] = {"value": key, "text": text}
        if not offered(field, key, allowed):
            item["attributes"] = _HIDDEN
            if widget == "select":
                item["disabled"] = True
            else:
                item["label"] = {"text": text, "attributes": _HIDDEN}
        items.append(item)
    return items


def offered(field: Field, key: str, allowed: list[Any] | None) -> bool:
    """Whether the option whose form value is ``key`` is offered now."""
    if allowed is None:
        return True
    value = choice_map(field).get(key, key)
    return any(json_equal(value, a) for a in allowed)

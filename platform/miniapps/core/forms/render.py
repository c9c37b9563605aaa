"""Turn a bound form into plain dicts of NHS.UK macro parameters for ``forms/macros.html``.

The template calls :func:`render_sections` as the Jinja global ``form_sections``
(registered by the app factory) and stays thin: it only picks the macro for each
widget and wraps it in
``<div data-pointer=... data-widget=...>`` (read by ``static/js/conditions.mjs``).
Text from the definition is escaped here (:class:`markupsafe.Markup`), so labels
can carry the required marker safely.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.forms.bound import BoundForm
from miniapps.core.forms.choice_items import choice_items, offered
from miniapps.core.forms.conditions import RuleState
from miniapps.core.forms.fields import choice_map
from miniapps.core.forms.intro import intro_paragraphs
from miniapps.core.forms.lookup_fields import LookupChoices, LookupType
from miniapps.core.forms.tree import BoundNode, blank_item
from miniapps.core.forms.uploads import accept_list
from miniapps.core.periods.keys import period_label
from miniapps.core.pointers import item_pattern, pointer_join, pointer_parts
from miniapps.core.records.date_bounds import LONDON, is_not_future_field, london_today
from miniapps.core.records.display import format_value
from miniapps.core.records.schema_issues import lower_first

_MARKER = Markup(' <span class="miniapps-required" data-required-marker="{}"{}>(required)</span>')
_INPUTS: dict[str, dict[str, Any]] = {
    "text": {"type": "text"},
    "email": {"type": "email", "autocomplete": "email", "spellcheck": False},
    "url": {"type": "url", "spellcheck": False},
    "datetime": {"type": "datetime-local", "classes": "nhsuk-input--width-20"},
}


def render_sections(bound: BoundForm) -> list[dict[str, Any]]:
    """``[{"title", "description", "fields": [field dict, ...], "hidden"}]`` in form order;
    a section is hidden when every one of its fields is."""
    state = bound.rule_state()
    conditional = {
        pointer_join(rule["scope"], key)
        for rule in bound.rules_json
        for branch in (rule["then"], rule["else"])
        for key in branch["require"]
    }
    by_name = {b.node.name: b for b in bound.nodes}
    sections = []
    for section in bound.compiled.sections:
        fields = [_field(by_name[name], bound, state, conditional) for name in section.names]
        hidden = bool(fields) and all(f["hidden"] for f in fields)
        title, description = section.title, section.description
        sections.append(
            {"title": title, "description": description, "fields": fields, "hidden": hidden}
        )
    return sections


def _label(b: BoundNode, state: RuleState, conditional: set[str]) -> Markup:
    title = str(b.node.options.get("label") or b.node.field.title)
    if item_pattern(b.pointer) in conditional:
        hidden = "" if b.pointer in state.required else Markup(" hidden")
        return Markup("{}").format(title) + _MARKER.format("conditional", hidden)
    if b.node.field.required:
        return Markup("{}").format(title) + _MARKER.format("always", "")
    return Markup("{}").format(title)


def _hint(b: BoundNode, current_file: str | None, bound: BoundForm) -> Markup | None:
    parts = [b.node.field.schema.get("description"), b.node.options.get("help")]
    if current_file:
        parts.append(f"Current file: {current_file}. Choose a new file only to replace it.")
    texts = [Markup("{}").format(str(p)) for p in parts if p]
    previous = _previous(b, bound)
    if previous:
        texts.append(previous)
    return Markup("<br>").join(texts) if texts else None


def _previous(b: BoundNode, bound: BoundForm) -> Markup | None:
    """ "April 2025: 36" under a field, from the previous period's return (show_previous)."""
    if bound.previous is None or b.node.field.kind in ("object", "repeat"):
        return None
    period, data = bound.previous
    value: Any = data
    for key in pointer_parts(b.pointer):
        value = value.get(key) if isinstance(value, dict) else None
    if value in (None, "", []):
        return None
    schema = b.node.field.schema
    shown = format_value(schema, bound.compiled.schema, value)
    return Markup('<span class="miniapps-previous"><strong>{}:</strong> {}</span>').format(
        period_label(period), shown
    )


def _field(
    b: BoundNode, bound: BoundForm, state: RuleState, conditional: set[str]
) -> dict[str, Any]:
    field, widget, wtf = b.node.field, b.widget, b.wtf
    label = _label(b, state, conditional)
    current = bound.stored_file(b.pointer) if widget == "file" else None
    hint = _hint(b, current, bound)
    error = bound.error_for(b.pointer)
    out: dict[str, Any] = {
        "widget": widget,
        "pointer": b.pointer,
        "kind": field.kind,
        "hidden": b.pointer in state.hidden,
        "id": wtf.id,
        "choices_json": None,
        "current_file": current,
        "intro": intro_paragraphs(b.node.options.get("intro")),
    }
    common: dict[str, Any] = {"name": wtf.name, "id": wtf.id}
    if hint:
        common["hint"] = {"html": hint}
    if error:
        common["errorMessage"] = {"text": error}
    legend = {"html": label, "classes": "nhsuk-fieldset__legend--s"}
    if widget in ("radios", "select", "checkboxes", "checkbox"):
        out["choices_json"] = json.dumps(choice_map(field) if widget != "checkbox" else {"y": True})
    if widget in _INPUTS or widget == "number":
        extra = dict(_INPUTS.get(widget, {}))
        if widget == "number":
            extra = {
                "type": "text",
                "inputmode": "numeric" if field.kind == "integer" else "decimal",
                "classes": "nhsuk-input--width-10",
                "spellcheck": False,
            }
        out["params"] = {**common, **extra, "label": {"html": label}, "value": wtf.data or ""}
        if (latest := input_max(field, widget, datetime.now(UTC))) is not None:
            out["params"]["attributes"] = {"max": latest}
    elif widget == "textarea":
        rows = b.node.options.get("rows") or 5
        value = wtf.data or ""
        out["params"] = {**common, "label": {"html": label}, "value": value, "rows": rows}
    elif widget == "date":
        parts = wtf.form
        items = [
            {"id": parts[k].id, "name": parts[k].name, "label": k.capitalize(),
             "value": parts[k].data or "", "width": 4 if k == "year" else 2}
            for k in ("day", "month", "year")
        ]  # fmt: skip
        out["params"] = {**common, "name": None, "fieldset": {"legend": legend}, "items": items}
        if (latest := input_max(field, widget, datetime.now(UTC))) is not None:
            out["params"]["attributes"] = {"data-max": latest}  # three boxes: no native max
    elif isinstance(b.node.widget, LookupType):
        out["lookup"] = True
        out["params"] = {**common, "label": {"html": label}, **_lookup(b, bound, wtf.data, hint)}
    elif widget in ("radios", "select"):
        allowed = state.choices.get(b.pointer)
        items = choice_items(field, widget, allowed)
        value = wtf.data if wtf.data and offered(field, wtf.data, allowed) else ""
        params = {**common, "value": value, "items": items}
        if widget == "radios":
            del params["id"]  # the macro would repeat it on the wrapper; items use idPrefix
            params |= {"idPrefix": wtf.id, "fieldset": {"legend": legend}}
            params["inline"] = field.kind == "boolean"
        else:
            params["label"] = {"html": label}
            params["items"] = [{"value": "", "text": "Select an option"}, *items]
        out["params"] = params
    elif widget == "checkboxes":
        allowed = state.choices.get(b.pointer)
        ticked = [key for key in wtf.data or [] if offered(field, key, allowed)]
        out["params"] = {
            **common, "id": None, "idPrefix": wtf.id, "fieldset": {"legend": legend},
            "items": choice_items(field, widget, allowed), "values": ticked,
        }  # fmt: skip
    elif widget == "checkbox":
        item = {"value": "y", "html": label}
        out["params"] = {
            **common, "id": None, "idPrefix": wtf.id, "items": [item],
            "values": ["y"] if wtf.data else [],
        }  # fmt: skip
    elif widget == "file":
        accept = ",".join(accept_list(b.node.options))
        out["params"] = {**common, "label": {"html": label}}
        if accept:
            out["params"]["attributes"] = {"accept": accept}
    elif widget == "fieldset":
        out |= {"legend": label, "hint": hint, "error": error}
        out["described_by"] = _described_by(wtf.id, hint, error)
        out["children"] = [_field(c, bound, state, conditional) for c in b.children]
    elif widget == "repeat":
        out |= _repeat(b, bound, state, conditional, label, hint, error)
    return out


def _lookup(b: BoundNode, bound: BoundForm, current: Any, hint: Markup | None) -> dict[str, Any]:
    """A select of the options the form was given for this field (none given: only the
    value it holds). A held value that is no longer offered stays, so saving the form
    does not drop it silently; the service that stores it checks it again."""
    found = bound.lookups.get(item_pattern(b.pointer), LookupChoices())
    value = "" if current in (None, "") else str(current)
    items = [{"value": "", "text": found.prompt}]
    items += [{"value": key, "text": text} for key, text in found.items]
    if value and all(key != value for key, _ in found.items):
        items.append({"value": value, "text": value})
    params: dict[str, Any] = {"items": items, "value": value}
    if not found.items:
        empty = Markup("{}").format(found.empty)
        params["hint"] = {"html": Markup("{}<br>{}").format(hint, empty) if hint else empty}
    return params


def input_max(field: Field, widget: str, now: datetime) -> str | None:
    """The latest value an ``x-not-future`` field takes in its input at ``now``: today in
    London for a date, the London minute for a date-time box; None for other fields."""
    if widget not in ("date", "datetime") or not is_not_future_field(field):
        return None
    if widget == "date":
        return london_today(now).isoformat()
    return now.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def _repeat(
    b: BoundNode,
    bound: BoundForm,
    state: RuleState,
    conditional: set[str],
    label: Markup,
    hint: Markup | None,
    error: str | None,
) -> dict[str, Any]:
    schema = b.node.field.schema
    items_schema = schema.get("items")
    if not isinstance(items_schema, dict):
        items_schema = {}
    noun = str(items_schema.get("title") or b.node.field.title)
    min_items = int(schema.get("minItems", 0) or 0)
    # minItems applies only while the section must be answered (a section left out is
    # valid whatever its minItems): until then every item may be removed.
    required_now = b.node.field.required or b.pointer in state.required
    minimum = min_items if required_now else 0
    maximum = schema.get("maxItems")
    count = len(b.items)

    def item(index: int, children: list[BoundNode], removable: bool) -> dict[str, Any]:
        pointer = pointer_join(b.pointer, index)
        return {
            "pointer": pointer,
            "index": index,
            "legend": noun,
            "number": index + 1,
            "fields": [_field(c, bound, state, conditional) for c in children],
            "remove": {"name": "_repeat_remove", "value": pointer, "available": removable},
        }

    items = [item(index, children, count > minimum) for index, children in enumerate(b.items)]
    can_add = maximum is None or count < int(maximum)
    return {
        "described_by": _described_by(b.wtf.id, hint, error),
        "legend": label,
        "hint": hint,
        "error": error,
        "items": items,
        "repeat_name": b.wtf.name,
        "template": item(count, blank_item(b), True),  # what "Add" clones in the browser
        "min_items": min_items,
        "max_items": maximum,
        "noun": lower_first(noun),
        "add": {
            "name": "_repeat_add",
            "value": b.pointer,
            "id": f"{b.wtf.id}-add",
            "available": can_add,
            "first": f"Add {_article(noun)} {lower_first(noun)}",
            "more": f"Add another {lower_first(noun)}",
        },
    }


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeio" else "a"


def _described_by(field_id: str, hint: Any, error: str | None) -> str | None:
    ids = [f"{field_id}-hint" if hint else "", f"{field_id}-error" if error else ""]
    return " ".join(i for i in ids if i) or None

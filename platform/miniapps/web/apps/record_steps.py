"""The forms of workflow steps that fill in fields (``transitions[].fields``) on the record
page: inputs for exactly the step's fields, from the same form compiler and templates as
the record's own form, and the NHS.UK error pattern when the step is refused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import Issue
from miniapps.core.forms import BoundForm, FileStore, bind_form
from miniapps.core.forms.form_parts import compile_fields_form
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.records.step_values import step_keys
from miniapps.core.workflow import Transition


def step_forms(
    definition: AppDefinition,
    actions: Sequence[Transition],
    data: dict[str, Any],
    shown: dict[str, BoundForm] | None = None,
) -> dict[str, BoundForm]:
    """A bound form for each of ``actions`` that fills in fields, showing the record's
    values; ``shown`` replaces some of them (a refused step's form, with its input and
    errors)."""
    forms = {t.action: bind_form(_compiled(definition, t), data=data) for t in actions if t.fields}
    return forms | (shown or {})


def posted_step_form(
    definition: AppDefinition,
    transition: Transition,
    formdata: Any,
    files: Any,
    data: dict[str, Any],
    store: FileStore,
) -> BoundForm:
    """The step's form bound to a post (files already stored count as given)."""
    return bind_form(
        _compiled(definition, transition), formdata=formdata, data=data, files=files,
        file_store=store,
    )  # fmt: skip


def step_values(bound: BoundForm, transition: Transition) -> dict[str, Any]:
    """Every field of the step with its posted value; None for one left empty (clearing
    a value stored before)."""
    posted = bound.to_json(drop_hidden=False)
    return {key: posted.get(key) for key in step_keys(transition)}


def show_step_errors(
    bound: BoundForm, transition: Transition, issues: list[Issue]
) -> dict[str, str]:
    """Put the issues about the step's own fields beside their inputs; answer
    ``{pointer: "#<input id>"}`` for the error summary's links."""
    keys = set(step_keys(transition))
    mine = [i for i in issues if (pointer_parts(i.pointer) or [""])[0] in keys]
    bound.attach_errors(mine)
    index = {b.pointer: b for b in bound.walk()}
    links: dict[str, str] = {}
    for issue in mine:
        tokens = pointer_parts(bound.form_pointer(issue.pointer))
        while tokens and pointer_join("", *tokens) not in index:
            tokens.pop()
        if tokens:
            links[issue.pointer] = "#" + index[pointer_join("", *tokens)].input_id()
    return links


def _compiled(definition: AppDefinition, transition: Transition) -> Any:
    return compile_fields_form(definition.schema, definition.ui, step_keys(transition))

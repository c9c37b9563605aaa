"""The ``subject`` member, steps taken by the subject, and fields naming other rows make
sense (:mod:`miniapps.core.records.references`).

* ``subject.field`` is a top-level string field of the record schema (it holds one ODS
  code per record);
* a workflow step with ``"side": "subject"`` needs a ``subject`` to take it;
* ``x-record-of`` names an app (``^[a-z][a-z0-9_]*$``) on an integer field, and that
  field stays optional: the app it links to may not be published where a record is
  written, and then the field takes no value;
* the ``record`` widget shows only a field with ``x-record-of``; the ``organisation``
  widget only a string field (the fit rules of ``semantics.WIDGET_FITS`` say so).
"""

from __future__ import annotations

import re
from typing import Any

from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.date_bound_checks import subschemas
from miniapps.core.definitions.schema_fields import resolve, schema_type
from miniapps.core.pointers import pointer_join
from miniapps.core.records.references import RECORD_OF

SUBJECT_SIDE = "subject"
APP_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def check_subject(ctx: SemanticContext) -> None:
    """Append an issue to ``ctx`` for each problem found."""
    subject = ctx.raw.get("subject")
    if isinstance(subject, dict):
        _check_subject_field(ctx, str(subject.get("field", "")))
    workflow = ctx.raw.get("workflow") or {}
    for i, transition in enumerate(workflow.get("transitions") or []):
        if transition.get("side") == SUBJECT_SIDE and not isinstance(subject, dict):
            message = (
                'a step on the subject side needs a "subject" member naming the field '
                "that holds the organisation the record is about"
            )
            ctx.add(pointer_join("/workflow/transitions", i, "side"), message, "needs_subject")
    check_record_links(ctx)


def _check_subject_field(ctx: SemanticContext, pointer: str) -> None:
    at = "/subject/field"
    field = ctx.find(pointer)
    if field is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
    elif field.parent != "":
        message = "the subject is one organisation per record: name a top-level field"
        ctx.add(at, message, "not_allowed")
    elif field.kind != "string":
        message = f"the subject field holds an ODS code: {pointer} must be a string field"
        ctx.add(at, message, "wrong_kind")


def check_record_links(ctx: SemanticContext) -> None:
    """Every ``x-record-of`` names an app, on an integer field that is not required."""
    root = ctx.raw.get("schema")
    if not isinstance(root, dict):
        return
    for node, at in subschemas(root, "/schema", 0):
        if RECORD_OF in node:
            _check_link(ctx, node, root, pointer_join(at, RECORD_OF))
    for field in ctx.fields.values():
        if RECORD_OF in field.schema and field.required:
            message = (
                f"{field.title} links to a record of another app, which may not be published "
                "where a record is written: it cannot be required"
            )
            ctx.add(_required_at(field.parent), message, "not_allowed")


def _check_link(ctx: SemanticContext, node: dict[str, Any], root: dict[str, Any], at: str) -> None:
    value = node[RECORD_OF]
    if not isinstance(value, str) or not APP_ID.match(value):
        ctx.add(at, f"{RECORD_OF} is the id of an app (incident_reporting)", "type")
    elif schema_type(resolve(node, root)) != "integer":
        message = f'{RECORD_OF} only applies to an integer field ("type": "integer"): the record id'
        ctx.add(at, message, "not_allowed")


def _required_at(parent: str) -> str:
    """``/schema/required`` (or that of the object or item around the field)."""
    parts = ["items" if p == "-" else f"properties/{p}" for p in parent.split("/")[1:]]
    return "/".join(["/schema", *parts, "required"])

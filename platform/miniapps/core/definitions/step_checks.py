"""Workflow steps make sense beyond their shape: a step's ``when`` is a condition in the
``show_if`` language naming real fields; the ``fields`` a step fills in are top-level
fields of the record, and none of them is required at submission (the schema's
top-level ``required``): nobody could submit the record before the step is taken."""

from __future__ import annotations

from miniapps.core.definitions.condition_checks import check_condition
from miniapps.core.definitions.context import SemanticContext
from miniapps.core.forms.conditions import check_condition as unsupported_keywords
from miniapps.core.pointers import pointer_join, pointer_parts
from miniapps.core.workflow import DEFAULT_WORKFLOW


def check_steps(ctx: SemanticContext) -> None:
    workflow = ctx.raw.get("workflow") or DEFAULT_WORKFLOW
    schema = ctx.raw.get("schema")
    listed = schema.get("required") if isinstance(schema, dict) else None
    required = set(listed) if isinstance(listed, list) else set()
    for i, transition in enumerate(workflow["transitions"]):
        at = pointer_join("/workflow/transitions", i)
        if "when" in transition:
            ctx.issues.extend(unsupported_keywords(transition["when"], pointer_join(at, "when")))
            if ctx.schema_ok:
                check_condition(ctx, transition["when"], pointer_join(at, "when"), "")
        for k, pointer in enumerate(transition.get("fields") or []):
            here = pointer_join(at, "fields", k)
            if len(pointer_parts(pointer)) != 1:
                ctx.add(here, f"{pointer}: a step fills in top-level fields only", "not_top_level")
            elif ctx.schema_ok and ctx.find(pointer) is None:
                ctx.add(here, f"there is no field at {pointer}", "unknown_field")
            elif pointer_parts(pointer)[0] in required:
                ctx.add(
                    here,
                    f'{pointer} is required at submission (the schema\'s "required"), but it is '
                    f"filled in only with the step {transition['action']!r}: take it out of "
                    '"required" (use requires_fields to need it for a later step)',
                    "step_field_required",
                )

"""The ``documents`` member makes sense: each pointer names a field of the record schema
(outside any repeating section) of the kind it needs: the title a text field, the
category a single-choice field, the owner a text or choice field, ``sign_roles_field`` a
multiple-choice field whose choices are roles, ``review_months_field`` a whole number.
A library keeps one record per document, so the app has no period."""

from __future__ import annotations

from typing import Any

from miniapps.core.definitions.context import SemanticContext
from miniapps.core.definitions.member_checks import KIND_WORDS
from miniapps.core.documents.settings import ROLE_NAMES
from miniapps.core.pointers import pointer_join

# member -> the field kinds it may point at
POINTER_KINDS: dict[str, tuple[str, ...]] = {
    "title": ("string",),
    "category": ("enum",),
    "owner": ("string", "enum"),
    "sign_roles_field": ("multi_enum",),
    "review_months_field": ("integer",),
}


def check_documents(ctx: SemanticContext) -> None:
    """Append an issue to ``ctx`` for each problem found."""
    member: dict[str, Any] | None = ctx.raw.get("documents")
    if not isinstance(member, dict):
        return
    for name, kinds in POINTER_KINDS.items():
        pointer = member.get(name)
        if isinstance(pointer, str):
            _check_pointer(ctx, pointer, pointer_join("/documents", name), kinds)
    roles_pointer = member.get("sign_roles_field")
    target = ctx.find(roles_pointer) if isinstance(roles_pointer, str) else None
    if target is not None and target.kind == "multi_enum":
        unknown = [str(value) for value, _ in target.choices if value not in ROLE_NAMES]
        if unknown:
            ctx.add(
                "/documents/sign_roles_field",
                f"the choices of {roles_pointer} must be roles ({', '.join(ROLE_NAMES)}), "
                f"not {', '.join(unknown)}",
                "not_roles",
            )
    frequency = (ctx.raw.get("period") or {}).get("frequency", "none")
    if frequency != "none":
        ctx.add(
            "/period/frequency",
            "a document library keeps one record per document, so it cannot be periodic "
            "(use frequency none)",
            "periodic_documents",
        )


def _check_pointer(ctx: SemanticContext, pointer: str, at: str, kinds: tuple[str, ...]) -> None:
    target = ctx.find(pointer)
    if target is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
    elif "/-/" in target.pointer + "/":
        message = (
            f"{pointer} is inside a repeating section; point at a field of the document itself"
        )
        ctx.add(at, message, "in_repeat")
    elif target.kind not in kinds:
        wanted = " or ".join(KIND_WORDS.get(k, k) for k in kinds)
        kind = KIND_WORDS.get(target.kind, target.kind)
        ctx.add(at, f"must point at {wanted}, but {pointer} is {kind}", "wrong_kind")

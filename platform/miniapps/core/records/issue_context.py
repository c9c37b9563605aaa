"""Which part of a record a message is about: "CAN-04", "Failed area 2", "Address".

A message about a nested field names the objects and repeat items around it, so the
error summary of a form with seven indicators (or three failed areas) says which one:
``CAN-04: numerator must be a whole number``. Every entry point (form, API, import)
gets the same text, because :mod:`miniapps.core.records.schema_issues` asks here.
"""

from __future__ import annotations

import re

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.pointers import item_pattern, pointer_join, pointer_parts

# "CAN-04: Lower GI urgent cancer referrals" → "CAN-04": a code before the colon is the
# short name people use.
_CODE_TITLE = re.compile(r"^(\S{1,16}):\s")


def lower_first(text: str) -> str:
    """``Temperature (°C)`` → ``temperature (°C)``, leaving acronyms (``BMI``) alone."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


pattern_of = item_pattern  # ``/failures/2/area`` → ``/failures/-/area``


def short_title(title: str) -> str:
    """A code-like prefix of a title (``CAN-04: ...`` → ``CAN-04``), else the title."""
    found = _CODE_TITLE.match(title)
    return found.group(1) if found else title


def context_of(pointer: str, fields: dict[str, Field]) -> str:
    """The names of the objects and repeat items that hold the value at ``pointer``
    (outermost first, comma separated); ``""`` for a top-level field."""
    tokens = pointer_parts(pointer)
    labels: list[str] = []
    # Every item number counts; of the objects, those with a code and the nearest one
    # ("CAN-04, plan for next month", not "Indicators, CAN-04, plan for next month").
    nearest_object = max(
        (d for d in range(1, len(tokens)) if not tokens[d - 1].isdigit()), default=0
    )
    for depth in range(1, len(tokens)):
        here = pointer_join("", *tokens[:depth])
        token = tokens[depth - 1]
        field = fields.get(pattern_of(here))
        if token.isdigit():  # an item of a repeating section
            holder = fields.get(pattern_of(pointer_join("", *tokens[: depth - 1])))
            items = holder.schema.get("items") if holder else None
            noun = items.get("title") if isinstance(items, dict) else None
            labels.append(f"{noun or (holder.title if holder else 'Item')} {int(token) + 1}")
        elif field is None:
            labels.append(token)  # a member the schema does not describe: its key
        elif field.kind == "object":
            label = short_title(field.title)
            if label != field.title or depth == nearest_object:
                labels.append(label)
    return ", ".join(labels[:1] + [lower_first(label) for label in labels[1:]])


def in_context(message: str, pointer: str, fields: dict[str, Field]) -> str:
    """``message`` prefixed by where it applies: ``CAN-04: numerator must be ...``."""
    context = context_of(pointer, fields)
    return f"{context}: {lower_first(message)}" if context else message

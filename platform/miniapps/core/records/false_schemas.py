"""A ``false`` subschema's error keeps the place it was found at.

jsonschema (4.26) answers a ``false`` subschema in ``descend`` before it adds the path and
schema path of that descent, so its error has neither: ``{"properties": {"v": false}}``
is reported at the record rather than at ``/v``, and the context errors of an ``anyOf``
or ``oneOf`` whose branches are all ``false`` carry no branch index (which
:mod:`miniapps.core.records.schema_issues` groups them by). The error is otherwise the
stock one (``validator`` None, the same message), so the wording is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

Descend = Callable[..., Iterator[ValidationError]]


def keep_false_schema_places(validator_class: Any) -> None:
    """Give ``validator_class`` (one made by ``jsonschema.validators.extend``, never a stock
    class) a ``descend`` that sets the path and schema path of a ``false`` subschema's error."""
    stock: Descend = validator_class.descend

    def descend(
        self: Any,
        instance: Any,
        schema: Any,
        path: Any = None,
        schema_path: Any = None,
        resolver: Any = None,
    ) -> Iterator[ValidationError]:
        if schema is not False:  # no extra generator layer on the common path
            return stock(self, instance, schema, path, schema_path, resolver)
        error = ValidationError(
            f"False schema does not allow {instance!r}",
            validator=None,  # type: ignore[arg-type]  # as jsonschema's own (typed str)
            validator_value=None,
            instance=instance,
            schema=schema,
        )
        if path is not None:
            error.path.appendleft(path)
        if schema_path is not None:
            error.schema_path.appendleft(schema_path)
        return iter((error,))

    validator_class.descend = descend

"""The publish page's migration choices (``core/studio/migration_choices``) as form rows,
and the posted answers read back into chosen :class:`MigrationChoice` values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from miniapps.core.studio.editing import EditRefused
from miniapps.core.studio.migration_choices import MigrationChoice, default_value, value_key

LEAVE = {
    "rename": "Do not move them: the answers are lost",
    "map_value": "Leave them as they are",
    "default": "No value",
}


@dataclass(frozen=True)
class ChoiceRow:
    """One choice as a form control: a select of ``options`` or, with none, a text box."""

    index: int
    question: str
    hint: str
    options: list[tuple[str, str]] | None
    value: str
    leave_text: str

    @property
    def free(self) -> bool:
        return self.options is None


def _text(choice: MigrationChoice, value: Any) -> str:
    if value is None:
        return ""
    if choice.kind == "default" and not choice.options and isinstance(value, bool):
        return "Yes" if value else "No"
    return value_key(value)


def _hint(choice: MigrationChoice) -> str:
    if choice.kind == "map_value":
        return "Left as they are, the stored answers no longer fit and publishing is refused."
    if choice.kind == "default" and not choice.options:
        if choice.field_kind == "yes_no":
            return "Yes or No."
        if choice.field_kind in ("date", "date_time"):
            return "For example 2026-04-01."
    return ""


def choice_rows(
    suggested: list[MigrationChoice], form: Mapping[str, str] | None = None
) -> list[ChoiceRow]:
    """The rows of ``suggested``, showing what ``form`` posted (else what is chosen)."""
    rows = []
    for index, choice in enumerate(suggested):
        options = [(value_key(v), label) for v, label in choice.options] or None
        if choice.kind == "rename":
            options = [(str(v), label) for v, label in choice.options]
        value = form.get(f"choice-{index}", "") if form is not None else _text(choice, choice.new)
        rows.append(
            ChoiceRow(index, choice.sentence, _hint(choice), options, value, LEAVE[choice.kind])
        )
    return rows


def chosen_from_form(
    suggested: list[MigrationChoice], form: Mapping[str, str], definition: dict[str, Any]
) -> tuple[list[MigrationChoice], dict[int, str]]:
    """The choices as answered in ``form`` (one ``choice-<n>`` per suggestion), and the
    answers that do not fit, by row."""
    chosen: list[MigrationChoice] = []
    errors: dict[int, str] = {}
    for index, choice in enumerate(suggested):
        raw = form.get(f"choice-{index}", "").strip()
        if not raw:
            chosen.append(choice.chosen(None))
            continue
        if choice.options:
            values = {
                value_key(v) if choice.kind != "rename" else str(v): v for v, _ in choice.options
            }
            if raw not in values:
                errors[index] = f"Choose one of the answers listed for: {choice.sentence}"
                continue
            chosen.append(choice.chosen(values[raw]))
            continue
        try:
            chosen.append(choice.chosen(default_value(definition, choice.field, raw)))
        except EditRefused as exc:
            errors[index] = exc.message[:1].upper() + exc.message[1:]
    return chosen, errors

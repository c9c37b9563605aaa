"""Load and validate app definitions (``app.json``).

Validation has two passes. The meta-schema (``schemas/app-definition.schema.json``)
checks the shape of every member; only when that passes does the semantic pass
(:mod:`miniapps.core.definitions.semantics`) check what a schema cannot: the
record schema is itself valid JSON Schema, references resolve, widgets fit their
fields, rules name existing fields, the workflow hangs together. Every problem
becomes an :class:`Issue` with a JSON pointer into the definition and a plain
message; all of them are raised together in one :class:`DefinitionInvalid`.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.definitions.plain_errors import plain_issues
from miniapps.core.definitions.semantics import semantic_issues
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.json_text import loads_bounded, refuse_duplicate_members
from miniapps.core.pointers import pointer_parts

META_SCHEMA_PATH = Path(__file__).resolve().parents[4] / "schemas" / "app-definition.schema.json"


@cache
def load_meta_schema() -> dict[str, Any]:
    """The app-definition meta-schema (read once)."""
    schema: dict[str, Any] = json.loads(META_SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def meta_schema_enum(pointer: str) -> list[Any]:
    """The ``enum`` list at ``pointer`` in the meta-schema, for registry tests.

    For example ``/$defs/fieldUi/properties/widget/enum`` (form widgets),
    ``/$defs/widget/properties/type/enum`` (dashboard widget types),
    ``/$defs/widget/properties/chart/enum`` (chart types), ``/$defs/role/enum``.
    """
    node: Any = load_meta_schema()
    for token in pointer_parts(pointer):
        node = node[int(token)] if isinstance(node, list) else node[token]
    if not isinstance(node, list):
        raise KeyError(f"{pointer} is not a list in the meta-schema")
    return list(node)


def read_definition(path: str | Path) -> tuple[dict[str, Any], str]:
    """Read an app directory's ``app.json`` or a ``.json`` file: ``(raw, source file)``."""
    given = Path(path)
    file = given / "app.json" if given.is_dir() else given
    source = str(file)

    def fail(message: str) -> DefinitionInvalid:
        return DefinitionInvalid([Issue("", message, "unreadable")], source=source)

    if not file.exists():
        if given.is_dir():
            raise fail("there is no app.json in this app directory")
        raise fail("file not found")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail("is not UTF-8 text") from exc
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})") from exc
    try:
        return definition_from_text(text), source
    except ValueError as exc:
        raise fail(str(exc)) from exc


def definition_from_text(text: str) -> dict[str, Any]:
    """The JSON object in ``text``, before any check of what it says. ``ValueError`` says
    why it cannot be one ("is not valid JSON: ..."): malformed JSON (with its line and
    column), a member named twice in one object (JSON would keep only the last), NaN or
    1e400, nesting deeper than 64, anything but an object at the top level. Every reader
    of a definition (files, *Publish an app*, the studio's JSON tab) goes through here."""
    try:
        raw = loads_bounded(text, object_pairs_hook=refuse_duplicate_members)
    except json.JSONDecodeError as exc:
        message = exc.msg[:1].lower() + exc.msg[1:]
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ValueError(f"is not valid JSON: {message} at {where}") from exc
    except ValueError as exc:
        raise ValueError(f"is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError("must hold one JSON object ({ ... }) at the top level")
    return raw


def validate_definition(
    raw: dict[str, Any], source: str | None = None, source_dir: Path | None = None
) -> AppDefinition:
    """Check ``raw`` against the meta-schema, then semantically; raise every problem at once."""
    if not isinstance(raw, dict):
        raise DefinitionInvalid([Issue("", "must be a JSON object", "type")], source=source)
    validator = Draft202012Validator(load_meta_schema())
    errors = sorted(validator.iter_errors(raw), key=_error_order)
    issues = plain_issues(errors)
    if not issues:
        issues = semantic_issues(raw, source_dir)
    if issues:
        raise DefinitionInvalid(issues, source=source)
    return AppDefinition(copy.deepcopy(raw), source, source_dir)


def load_definition(path: str | Path) -> AppDefinition:
    """Read and validate the definition at ``path`` (an app directory or a ``.json`` file)."""
    raw, source = read_definition(path)
    return validate_definition(raw, source=source, source_dir=Path(source).parent)


def bundle_files(path: str | Path) -> list[Path]:
    """The definition files of ``path``: a bundle directory's ``app.json`` first, then its
    ``definitions/*.json`` in name order; an app directory or a ``.json`` file is one."""
    given = Path(path)
    members = given / "definitions"
    if not given.is_dir() or not members.is_dir():
        return [given / "app.json" if given.is_dir() else given]
    return [given / "app.json", *sorted(members.glob("*.json"))]


def load_bundle(path: str | Path) -> list[AppDefinition]:
    """Read and validate every definition of a bundle (see :func:`bundle_files`).

    Raises :class:`BundleInvalid` listing the problems of every member file (each line
    names its file). A directory without ``definitions/`` answers
    ``[load_definition(path)]``.
    """
    files = bundle_files(path)
    if len(files) == 1:
        return [load_definition(files[0])]
    results = check_bundle(path)
    errors = [result for result in results if isinstance(result, DefinitionInvalid)]
    if errors:
        raise BundleInvalid(errors)
    return [result for result in results if isinstance(result, AppDefinition)]


def check_bundle(path: str | Path) -> list[AppDefinition | DefinitionInvalid]:
    """Each member of the bundle at ``path``, in :func:`bundle_files` order: its checked
    definition or what is wrong with it. An id used twice, or a member whose id is not
    its file's name, is wrong too."""
    files = bundle_files(path)
    results: list[AppDefinition | DefinitionInvalid] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            definition = load_definition(file)
        except DefinitionInvalid as exc:
            results.append(exc)
            continue
        issues = _member_id_issues(definition, file, seen, is_home=file == files[0])
        if issues:
            results.append(DefinitionInvalid(issues, source=str(file)))
            continue
        seen[definition.id] = str(file)
        results.append(definition)
    return results


class BundleInvalid(DefinitionInvalid):
    """One or more member files of a bundle are invalid; :meth:`lines` names each file."""

    def __init__(self, errors: list[DefinitionInvalid]) -> None:
        self.errors = errors
        super().__init__([issue for error in errors for issue in error.issues])

    def lines(self) -> list[str]:
        return [line for error in self.errors for line in error.lines()]


def _member_id_issues(
    definition: AppDefinition, file: Path, seen: dict[str, str], *, is_home: bool
) -> list[Issue]:
    if definition.id in seen:
        return [Issue("/id", f"'{definition.id}' is already the id of {seen[definition.id]}")]
    if not is_home and definition.id != file.stem:
        message = (
            f"must be '{file.stem}', the file's name (or rename the file {definition.id}.json)"
        )
        return [Issue("/id", message)]
    return []


def _error_order(error: ValidationError) -> list[tuple[bool, Any]]:
    return [(isinstance(part, str), part) for part in error.absolute_path]

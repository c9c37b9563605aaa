"""Values that no store, page or export can hold: refused at input, replaced on the way out.

Some text and numbers pass a JSON Schema yet break what comes after them:

* a **lone surrogate** (``"\\ud800"``, half of a UTF-16 pair) cannot be encoded as UTF-8,
  so a page or a CSV holding one fails, and PostgreSQL refuses it;
* **NUL and the other control characters** (U+0000-U+001F but tab, new line and carriage
  return; DEL and U+0080-U+009F): PostgreSQL refuses NUL, and an XLSX file (XML) cannot
  hold most of them; U+FFFE and U+FFFF, which are not characters at all, likewise;
* a **non-finite number** (``1e400`` read as Infinity, NaN) is not JSON: it would be
  served as ``Infinity``, which no JSON parser reads, and PostgreSQL refuses it.

:func:`value_issues` finds them in record data (member names included) for the one record
check, one :class:`~miniapps.core.errors.Issue` per value with its JSON pointer and the
code in :data:`VALUE_CODES`. For data stored before the check refused them,
:func:`scrub_value` and :func:`scrub_text` replace them (U+FFFD for a character, ``None``
for a number) so that old data is shown and exported, never a 500; :func:`xml_text` does
the same for every character XML (and so XLSX) cannot hold.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from miniapps.core.definitions.schema_fields import Field
from miniapps.core.errors import Issue
from miniapps.core.pointers import pointer_join
from miniapps.core.records.issue_context import pattern_of
from miniapps.core.records.schema_facts import field_index

REPLACEMENT = "\ufffd"
CONTROL_CHARACTER = "control_character"
LONE_SURROGATE = "lone_surrogate"
NON_FINITE = "non_finite"
VALUE_CODES = frozenset({CONTROL_CHARACTER, LONE_SURROGATE, NON_FINITE})

# In a Python str a paired surrogate is one astral code point, so any D800-DFFF is lone.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Refused in answers: control characters (Unicode category Cc) but tab, LF and CR, the two
# noncharacters XML excludes, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# Not allowed anywhere in an XML 1.0 document (and so in an XLSX cell or sheet name).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def value_issues(schema: dict[str, Any], data: Any) -> list[Issue]:
    """Every text or number in ``data`` that cannot be stored and served, one issue per
    pointer (a member name that cannot is reported at that member)."""
    issues: list[Issue] = []
    _walk(data, "", _Titles(schema), issues)
    return issues


class _Titles:
    """The titles of a schema's fields, looked up only when a value is refused (the
    fields are found once per schema: :mod:`miniapps.core.records.schema_facts`)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema
        self._fields: dict[str, Field] | None = None

    def of(self, pointer: str) -> str:
        if self._fields is None:
            self._fields = field_index(self._schema)
        return _title(pointer, self._fields)


def _walk(value: Any, pointer: str, titles: _Titles, issues: list[Issue]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _text_problem(str(key))
            if problem is not None:
                child = pointer_join(pointer, scrub_text(str(key)))
                code, what = problem
                issues.append(Issue(child, f"The name of the answer “{child}” {what}", code))
            elif not _sound(item):  # the pointer is worked out only for what is refused
                _walk(item, pointer_join(pointer, str(key)), titles, issues)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not _sound(item):
                _walk(item, pointer_join(pointer, index), titles, issues)
    elif isinstance(value, str):
        problem = _text_problem(value)
        if problem is not None:
            code, what = problem
            issues.append(Issue(pointer, f"{titles.of(pointer)} {what}", code))
    elif isinstance(value, float | int) and not isinstance(value, bool):
        if is_finite_number(value):
            return
        title = titles.of(pointer)
        message = (
            f"{title} must be a number"
            if isinstance(value, float) and math.isnan(value)
            else f"{title} is too large a number: enter a number between -1e308 and 1e308"
        )
        issues.append(Issue(pointer, message, NON_FINITE))


def _sound(value: Any) -> bool:
    """Whether ``value`` is text or a number :func:`_walk` has nothing to say about (a
    list or an object is walked)."""
    if isinstance(value, str):
        return _UNSAFE.search(value) is None
    if isinstance(value, bool):
        return True
    if isinstance(value, float | int):
        return is_finite_number(value)
    return not isinstance(value, dict | list)


def _text_problem(text: str) -> tuple[str, str] | None:
    found = _UNSAFE.search(text)
    if found is None:
        return None
    char = found.group()
    if _SURROGATE.fullmatch(char):
        return (
            LONE_SURROGATE,
            f"contains a broken character (an unpaired surrogate, U+{ord(char):04X}): "
            "enter the text again",
        )
    return (
        CONTROL_CHARACTER,
        f"contains a control character (U+{ord(char):04X}) that cannot be stored: "
        "remove it (tab, new line and carriage return are allowed)",
    )


def _title(pointer: str, fields: dict[str, Field]) -> str:
    """The field's title, else its member name, else "This record" for the root."""
    field = fields.get(pattern_of(pointer))
    while field is None and pointer:
        pointer, _, last = pointer.rpartition("/")
        if not last.isdigit():
            return last.replace("~1", "/").replace("~0", "~").replace("_", " ").capitalize()
        field = fields.get(pattern_of(pointer))
    return field.title if field is not None else "This record"


def is_finite_number(value: float | int) -> bool:
    """Whether a JSON number can be stored and served: finite as a double (an integer
    too large for one, like ``10**400``, is not: databases and charts read numbers as
    doubles)."""
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored ("contains a control character ..."), else None: for
    free text outside record data (a comment), refused like a record's values."""
    problem = _text_problem(text)
    return None if problem is None else problem[1]


def has_unsafe_text(text: str) -> bool:
    """Whether ``text`` holds a character :func:`value_issues` refuses."""
    return _UNSAFE.search(text) is not None


def scrub_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so it encodes as UTF-8."""
    return _SURROGATE.sub(REPLACEMENT, text) if _SURROGATE.search(text) else text


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub(REPLACEMENT, text) if _NOT_XML.search(text) else text


def scrub_value(value: Any) -> Any:
    """``value`` (any JSON) with lone surrogates replaced in text and member names and
    non-finite numbers replaced by ``None``: what old data is shown and exported as."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {scrub_text(str(k)): scrub_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_SUSPECT_JSON = re.compile(r"\\u[dD][89a-fA-F]|NaN|Infinity")


def load_stored_json(text: str) -> Any:
    """``json.loads`` for JSON a database holds, scrubbed (:func:`scrub_value`) when it may
    hold what SQLite accepted before the record check refused it (``\\ud800``, ``Infinity``);
    the scrubbing walk runs only for text that shows one of those."""
    value = json.loads(text)
    return scrub_value(value) if _SUSPECT_JSON.search(text) else value

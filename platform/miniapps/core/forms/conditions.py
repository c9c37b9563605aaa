"""Conditional fields: one rule set, evaluated the same way on the server and in the browser.

:func:`compile_rules` turns a record schema (and the ``ui`` member) into plain
JSON rules; :func:`evaluate` (and its twin ``evaluate`` in
``static/js/conditions.mjs``) decides which fields are hidden and which are
required right now. Shared cases in ``tests/core/forms/condition_cases.json`` run
through both so they provably agree.

A rule::

    {"scope": "/courses/-",          # the object it applies to; "-" = each repeat item
     "origin": "schema:/properties/courses/items",   # where it came from (for messages)
     "when": {...condition...},      # evaluated against the object at ``scope``
     "then": {"show": ["reason"], "require": ["reason"]},   # when it matches
     "else": {"show": [], "require": []}}                   # when it does not

A branch that narrows a choice field's options adds ``"choices": {"kind": ["a", "b"]}``
(see :mod:`miniapps.core.forms.choice_rules`); :attr:`RuleState.choices` then says which
options each field allows now.

Sources: every ``if``/``then``/``else`` (at any object level, also inside
``allOf`` and nested in a ``then``/``else``); ``dependentRequired`` (``when``
is ``{"required": [X]}``, nothing is hidden); ``ui.fields[ptr].show_if``
(evaluated against the object that holds the field, i.e. the record for
top-level fields, the item for fields of a repeating section). A field is
*shown* by a rule only when its property is declared in that branch and not
unconditionally; a field that several rules show is visible when any does.

The condition language is this subset of JSON Schema, with its real semantics:
``type const enum minimum maximum exclusiveMinimum exclusiveMaximum pattern
minLength maxLength contains not allOf anyOf required properties`` (plus the
annotations ``title description $comment``). Keywords ignore values of other
types, and ``properties`` only looks at members that are present: **an ``if``
without ``required`` also matches when the field is absent** (so
``{"properties": {"smoker": {"const": true}}}`` matches an empty form). Write
``"required": ["smoker"]`` beside it to mean "answered yes".

Hiding cascades: values hidden by one rule (and answers a narrowed choice no longer
allows) are dropped before rules are evaluated again, until nothing changes (at most
``len(rules) + 1`` rounds).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from miniapps.core.definitions.schema_fields import field_kind, resolve
from miniapps.core.errors import DefinitionInvalid
from miniapps.core.forms.choice_rules import allow, choice_fields, narrowed_choices, without_refused
from miniapps.core.forms.condition_language import check_condition, json_equal, matches
from miniapps.core.pointers import pointer_join, pointer_parts, value_at


@dataclass
class RuleState:
    """Pointers (with item indices) of the fields hidden, and conditionally required, now;
    ``choices``: the options allowed now of each shown field whose options a rule narrows."""

    hidden: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)
    choices: dict[str, list[Any]] = field(default_factory=dict)


def compile_rules(schema: dict[str, Any], ui: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Plain-JSON rules from the schema's conditionals and ``ui.fields[*].show_if``.

    Raises :class:`DefinitionInvalid` when a condition uses a keyword outside the
    supported subset (the browser could not evaluate it the same way).
    """
    rules: list[dict[str, Any]] = []
    _collect(resolve(schema, schema), schema, "", "", rules)
    for ptr, options in ((ui or {}).get("fields") or {}).items():
        if isinstance(options, dict) and "show_if" in options:
            tokens = ["-" if t.isdigit() else t for t in pointer_parts(ptr)]
            if not tokens:
                continue
            scope = pointer_join("", *tokens[:-1])
            rules.append(
                _rule(
                    scope,
                    pointer_join("ui:/fields", ptr) + "/show_if",
                    _inline(options["show_if"], schema),
                    {"show": [tokens[-1]], "require": []},
                    {"show": [], "require": []},
                )
            )
    issues = [i for rule in rules for i in check_condition(rule["when"], rule["origin"])]
    if issues:
        raise DefinitionInvalid(issues)
    return rules


def _rule(
    scope: str, origin: str, when: Any, then: dict[str, Any], otherwise: dict[str, Any]
) -> dict[str, Any]:
    return {"scope": scope, "origin": origin, "when": when, "then": then, "else": otherwise}


def _parts(
    schema: dict[str, Any], root: dict[str, Any], origin: str
) -> Iterator[tuple[dict[str, Any], str]]:
    """The object schema and its ``allOf`` members (recursively): same object, same scope."""
    yield schema, origin
    for i, member in enumerate(schema.get("allOf") or []):
        member = resolve(member, root)
        if isinstance(member, dict):
            yield from _parts(member, root, f"{origin}/allOf/{i}")


def _declared(schema: Any, root: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    if isinstance(schema, dict):
        for part, _ in _parts(schema, root, ""):
            keys += [k for k in (part.get("properties") or {}) if k not in keys]
    return keys


def _collect(
    schema: dict[str, Any],
    root: dict[str, Any],
    scope: str,
    origin: str,
    rules: list[dict[str, Any]],
) -> None:
    always = set(_declared(schema, root))
    for part, _ in _parts(schema, root, origin):
        for sub in (part.get("dependentSchemas") or {}).values():
            always |= set(_declared(resolve(sub, root), root))
    fields = choice_fields(schema, root)
    for part, where in _parts(schema, root, origin):
        _conditionals(part, root, scope, where, None, (always, fields), rules)
        for trigger, needed in (part.get("dependentRequired") or {}).items():
            rules.append(
                _rule(
                    scope,
                    f"schema:{where}/dependentRequired",
                    {"required": [trigger]},
                    {"show": [], "require": list(needed)},
                    {"show": [], "require": []},
                )
            )
    for key, sub, sub_origin in _all_properties(schema, root, origin):
        kind = field_kind(sub, root)
        if kind == "object":
            _collect(sub, root, pointer_join(scope, key), sub_origin, rules)
        elif kind == "repeat":
            items = resolve(sub["items"], root)
            _collect(items, root, pointer_join(scope, key, "-"), f"{sub_origin}/items", rules)


def _conditionals(
    part: dict[str, Any],
    root: dict[str, Any],
    scope: str,
    where: str,
    outer: Any,
    known: tuple[set[str], dict[str, tuple[str, set[str]]]],
    rules: list[dict[str, Any]],
) -> None:
    """Rules of ``part``'s ``if``; ``known``: the members declared unconditionally, and
    the choice fields of the object (whose options a branch may narrow)."""
    if "if" not in part:
        return
    always, fields = known
    cond = _inline(part["if"], root)
    when = cond if outer is None else {"allOf": [outer, cond]}
    branches = {}
    for name in ("then", "else"):
        branch = resolve(part.get(name, {}), root)
        branches[name] = branch if isinstance(branch, dict) else {}
    then_keys, else_keys = (_declared(branches[n], root) for n in ("then", "else"))
    then: dict[str, Any] = {
        "show": [k for k in then_keys if k not in always and k not in else_keys],
        "require": list(branches["then"].get("required") or []),
    }
    otherwise: dict[str, Any] = {
        "show": [k for k in else_keys if k not in always and k not in then_keys],
        "require": list(branches["else"].get("required") or []),
    }
    for name, out in (("then", then), ("else", otherwise)):
        if narrowed := narrowed_choices(branches[name], root, fields):
            out["choices"] = narrowed
    if any(then.values()) or any(otherwise.values()):
        rules.append(_rule(scope, f"schema:{where}/if", when, then, otherwise))
    # An if/then/else nested in a branch applies only when that branch does.
    _conditionals(branches["then"], root, scope, f"{where}/then", when, known, rules)
    negated = {"not": cond} if outer is None else {"allOf": [outer, {"not": cond}]}
    _conditionals(branches["else"], root, scope, f"{where}/else", negated, known, rules)


def _all_properties(
    schema: dict[str, Any], root: dict[str, Any], origin: str
) -> Iterator[tuple[str, dict[str, Any], str]]:
    seen: set[str] = set()
    stack: list[tuple[Any, str]] = [(schema, origin)]
    while stack:
        current, where = stack.pop(0)
        current = resolve(current, root)
        if not isinstance(current, dict):
            continue
        for key, sub in (current.get("properties") or {}).items():
            sub = resolve(sub, root)
            if key not in seen and isinstance(sub, dict):
                seen.add(key)
                yield key, sub, pointer_join(f"{where}/properties", key)
        for name in ("then", "else"):
            if name in current:
                stack.append((current[name], f"{where}/{name}"))
        stack += [(m, f"{where}/allOf/{i}") for i, m in enumerate(current.get("allOf") or [])]
        for key, sub in (current.get("dependentSchemas") or {}).items():
            stack.append((sub, pointer_join(f"{where}/dependentSchemas", key)))


def _inline(cond: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """The condition with local ``$ref`` resolved, so the browser needs no resolver."""
    if depth > 32:
        return cond
    cond = resolve(cond, root)
    if isinstance(cond, dict):
        return {k: _inline(v, root, depth + 1) for k, v in cond.items()}
    if isinstance(cond, list):
        return [_inline(v, root, depth + 1) for v in cond]
    return cond


def _expand(tokens: list[str], value: Any, base: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, object) for every object a scope names; absent objects count as ``{}``."""
    if not tokens:
        yield base, value if isinstance(value, dict) else {}
        return
    head, rest = tokens[0], tokens[1:]
    if head == "-":
        for i, item in enumerate(value if isinstance(value, list) else []):
            yield from _expand(rest, item, pointer_join(base, i))
    else:
        child = value.get(head) if isinstance(value, dict) else None
        yield from _expand(rest, child, pointer_join(base, head))


def _evaluate_once(rules: list[dict[str, Any]], data: Any) -> RuleState:
    shown: dict[str, bool] = {}
    required: set[str] = set()
    allowed: dict[str, list[Any]] = {}
    for rule in rules:
        for scope, obj in _expand(pointer_parts(rule["scope"]), data, ""):
            hit = matches(rule["when"], obj)
            active, inactive = (rule["then"], rule["else"]) if hit else (rule["else"], rule["then"])
            for key in active["show"]:
                shown[pointer_join(scope, key)] = True
            for key in inactive["show"]:
                shown.setdefault(pointer_join(scope, key), False)
            required.update(pointer_join(scope, key) for key in active["require"])
            for key, values in (active.get("choices") or {}).items():
                allow(allowed, pointer_join(scope, key), values)
    hidden = {p for p, visible in shown.items() if not visible}
    required = {p for p in required if not any(_within(p, h) for h in hidden)}
    choices = {p: v for p, v in allowed.items() if not any(_within(p, h) for h in hidden)}
    return RuleState(hidden, required, choices)


def _within(pointer: str, ancestor: str) -> bool:
    return pointer == ancestor or pointer.startswith(ancestor + "/")


def evaluate(rules: list[dict[str, Any]], data: Any) -> RuleState:
    """Which fields are hidden and conditionally required for ``data``, and the options
    allowed now where a rule narrows them."""
    state = _evaluate_once(rules, data)
    for _ in range(len(rules)):
        settled = without_refused(drop_hidden(data, state), state.choices)
        if settled is data:  # nothing hidden or refused has a value: the same answer
            return state
        again = _evaluate_once(rules, settled)
        if again.hidden == state.hidden and again.choices == state.choices:
            return again
        state = again
    return state


def drop_hidden(data: Any, state: RuleState) -> Any:
    """``data`` without the values of hidden fields (used on submit): a copy when any
    hidden field has a value, else ``data`` itself (never changed)."""
    if not any(_has_value(data, pointer) for pointer in state.hidden):
        return data
    result = copy.deepcopy(data)
    for pointer in sorted(state.hidden, key=lambda p: -p.count("/")):
        *parents, last = pointer_parts(pointer)
        target = value_at(result, pointer_join("", *parents))
        if isinstance(target, dict):
            target.pop(last, None)
    return result


def _has_value(data: Any, pointer: str) -> bool:
    *parents, last = pointer_parts(pointer)
    holder = value_at(data, pointer_join("", *parents))
    return isinstance(holder, dict) and last in holder


__all__ = [
    "RuleState",
    "check_condition",
    "compile_rules",
    "drop_hidden",
    "evaluate",
    "json_equal",
    "matches",
]

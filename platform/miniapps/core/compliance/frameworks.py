"""Compliance frameworks: key questions, their statements and evidence categories, as data.

A framework file (``apps/cqc_compliance/data/saf-2024.json``, shaped by
``schemas/framework.schema.json``) is one version of a framework such as CQC's single
assessment framework; the services store each version once and list them. Nothing here
touches the database.

:func:`parse_framework` checks a file with the schema, then what a schema cannot say: ids
unique (key questions; statements across the whole framework; evidence categories), counts
equal to ``expected_counts``, and a ``replaces.mapping`` naming only statements of this
file. Whether the mapping's old statements exist in the replaced version is for the
service, which has it (:func:`mapping_issues`). Every problem is an :class:`Issue` with a
JSON pointer into the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from miniapps.core.definitions.plain_errors import plain_issues
from miniapps.core.errors import DefinitionInvalid, Issue
from miniapps.core.pointers import pointer_join

FRAMEWORK_SCHEMA_PATH = Path(__file__).resolve().parents[4] / "schemas" / "framework.schema.json"


@dataclass(frozen=True)
class Statement:
    id: str
    title: str
    key_question: str
    unverified: bool


@dataclass(frozen=True)
class KeyQuestion:
    id: str
    title: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Framework:
    """A parsed framework version; ``replaces`` maps old statement ids to new ones."""

    id: str
    version: str
    title: str
    key_questions: tuple[KeyQuestion, ...]
    evidence_categories: tuple[tuple[str, str], ...]  # (id, title)
    replaced_version: str | None
    mapping: Mapping[str, tuple[str, ...]]
    raw: Mapping[str, Any]

    @property
    def statements(self) -> list[Statement]:
        return [s for question in self.key_questions for s in question.statements]

    @property
    def statement_ids(self) -> list[str]:
        return [s.id for s in self.statements]


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(FRAMEWORK_SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def parse_framework(raw: Any, source: str | None = None) -> Framework:
    """Check and parse a framework file; raises :class:`DefinitionInvalid` (``source`` names
    the file in its lines) listing every problem with its JSON pointer."""
    if not isinstance(raw, dict):
        raise DefinitionInvalid([Issue("", "must be a JSON object", "type")], source)
    issues = plain_issues(_validator().iter_errors(raw))
    if issues:
        raise DefinitionInvalid(issues, source)
    questions = raw["key_questions"]
    issues += _duplicates("/key_questions", ((i, q["id"]) for i, q in enumerate(questions)))
    issues += _statement_duplicates(questions)
    categories = raw["evidence_categories"]
    issues += _duplicates("/evidence_categories", ((i, c["id"]) for i, c in enumerate(categories)))
    issues += _count_issues(raw.get("expected_counts", {}), questions)
    own = {s["id"] for q in questions for s in q["statements"]}
    for old, new_ids in raw.get("replaces", {}).get("mapping", {}).items():
        at = pointer_join("/replaces/mapping", old)
        issues += [
            Issue(pointer_join(at, k), f"'{new}' is not a statement of this framework")
            for k, new in enumerate(new_ids)
            if new not in own
        ]
    if issues:
        unique = {(i.pointer, i.message): i for i in issues}
        raise DefinitionInvalid(sorted(unique.values(), key=lambda i: i.pointer), source)
    replaces = raw.get("replaces")
    return Framework(
        id=raw["id"],
        version=raw["version"],
        title=raw["title"],
        key_questions=tuple(
            KeyQuestion(
                q["id"],
                q["title"],
                tuple(
                    Statement(s["id"], s["title"], q["id"], bool(s.get("unverified")))
                    for s in q["statements"]
                ),
            )
            for q in questions
        ),
        evidence_categories=tuple((c["id"], c["title"]) for c in categories),
        replaced_version=replaces["version"] if replaces else None,
        mapping={old: tuple(new) for old, new in (replaces or {}).get("mapping", {}).items()},
        raw=raw,
    )


def mapping_issues(framework: Framework, replaced: Framework) -> list[Issue]:
    """Problems with ``framework``'s mapping against the version it replaces: every key
    must be a statement of ``replaced``."""
    old = set(replaced.statement_ids)
    return [
        Issue(
            pointer_join("/replaces/mapping", key),
            f"'{key}' is not a statement of {replaced.id} version {replaced.version}",
        )
        for key in framework.mapping
        if key not in old
    ]


def _duplicates(base: str, entries: Iterable[tuple[int | str, str]]) -> list[Issue]:
    """An issue at each repeated id's ``<base>/<where>/id``, naming the first use."""
    seen: dict[str, str] = {}
    issues: list[Issue] = []
    for where, ident in entries:
        at = f"{base}/{where}"
        if ident in seen:
            issues.append(Issue(f"{at}/id", f"id '{ident}' is already used at {seen[ident]}"))
        seen.setdefault(ident, at)
    return issues


def _statement_duplicates(questions: list[dict[str, Any]]) -> list[Issue]:
    """Statement ids are unique across the whole framework, not only in a key question."""
    return _duplicates(
        "/key_questions",
        (
            (f"{i}/statements/{k}", statement["id"])
            for i, question in enumerate(questions)
            for k, statement in enumerate(question["statements"])
        ),
    )


def _count_issues(expected: Mapping[str, Any], questions: list[dict[str, Any]]) -> list[Issue]:
    """Counts differing from ``expected_counts``, at the expected figure's pointer."""
    issues: list[Issue] = []
    wanted = expected.get("key_questions")
    if wanted is not None and wanted != len(questions):
        message = f"expects {wanted} key questions; the file has {len(questions)}"
        issues.append(Issue("/expected_counts/key_questions", message))
    by_id: dict[str, int] = {}
    for question in questions:  # a repeated id is refused elsewhere; count its first use
        by_id.setdefault(question["id"], len(question["statements"]))
    for question_id, count in expected.get("statements", {}).items():
        at = pointer_join("/expected_counts/statements", question_id)
        if question_id not in by_id:
            issues.append(Issue(at, f"there is no key question '{question_id}'"))
        elif by_id[question_id] != count:
            message = (
                f"expects {count} statements for {question_id}; the file has {by_id[question_id]}"
            )
            issues.append(Issue(at, message))
    return issues

"""Before publishing: the frameworks a definition names are loaded and know its ids.

A definition's ``compliance`` and ``evidence`` name a framework by id, and statements
and evidence categories by their ids (directly, or as the choices of a field). They must
be ids of a loaded version of that framework: any loaded version counts, so evidence
mapped to an older version keeps counting (the assessment carries it to the newer one
through ``replaces.mapping``). Reads only.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from miniapps.core.compliance.frameworks import parse_framework
from miniapps.core.definitions.compliance_checks import framework_ids
from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import Issue
from miniapps.services.compliance.frameworks import stored_frameworks


def framework_issues(session: Session, definition: AppDefinition) -> list[Issue]:
    """An issue for each framework, statement or category id the loaded frameworks do
    not know, at its pointer in the definition."""
    named = framework_ids(definition.raw)
    if not named:
        return []
    known: dict[str, tuple[set[str], set[str]]] = {}  # framework -> (statements, categories)
    for row in stored_frameworks(session):
        framework = parse_framework(row.content)
        statements, categories = known.setdefault(row.framework_id, (set(), set()))
        statements.update(framework.statement_ids)
        categories.update(cid for cid, _title in framework.evidence_categories)
    issues: list[Issue] = []
    for item in named:
        if item.framework not in known:
            if item.kind == "framework":
                message = (
                    f"framework '{item.framework}' is not loaded: "
                    "load it with miniapps frameworks load FILE"
                )
                issues.append(Issue(item.pointer, message, "unknown_framework"))
            continue
        statements, categories = known[item.framework]
        if item.kind == "statement" and item.id not in statements:
            message = f"'{item.id}' is not a statement of {item.framework}"
            issues.append(Issue(item.pointer, message, "unknown_statement"))
        elif item.kind == "category" and item.id not in categories:
            listed = ", ".join(sorted(categories))
            message = f"'{item.id}' is not an evidence category of {item.framework} ({listed})"
            issues.append(Issue(item.pointer, message, "unknown_category"))
    return issues

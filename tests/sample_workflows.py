"""A case-log app whose workflow needs fields filled in before some actions (plain data,
never mutated; tests copy it before changing it).

draft --submit--> open (editable) --close--> closed (final)
Entering ``closed`` needs ``/outcome`` (the state's ``requires_fields``); the ``close``
action itself also needs ``/severity`` and every action's ``/actions/-/owner``.
"""

from __future__ import annotations

from typing import Any

CASE_LOG: dict[str, Any] = {
    "id": "case_log",
    "title": "Case log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["summary"],
        "properties": {
            "summary": {"type": "string", "title": "Summary"},
            "outcome": {"type": "string", "title": "Outcome"},
            "severity": {"type": "string", "title": "Severity", "enum": ["low", "high"]},
            "actions": {
                "type": "array",
                "title": "Actions",
                "items": {
                    "type": "object",
                    "properties": {"owner": {"type": "string", "title": "Owner"}},
                },
            },
        },
    },
    "workflow": {
        "initial": "draft",
        "states": {
            "draft": {"title": "Draft"},
            "open": {"title": "Open", "editable": True},
            "closed": {"title": "Closed", "final": True, "requires_fields": ["/outcome"]},
        },
        "transitions": [
            {"action": "submit", "from": ["draft"], "to": "open"},
            {
                "action": "close",
                "title": "Close",
                "from": ["open"],
                "to": "closed",
                "permission": "approve",
                "requires_fields": ["/severity", "/actions/-/owner"],
            },
        ],
    },
}

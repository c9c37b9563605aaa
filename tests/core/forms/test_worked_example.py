"""The worked example of docs/app-definitions.md (``ipc_audit``): branch-only fields hide
with their branch, and the failed areas start empty until "No" makes them required."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from miniapps.core.forms import bind_form, compile_form
from miniapps.core.records.check import SchemaRules, check_record

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "app-definitions.md"


def worked_example() -> dict[str, Any]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("## Worked example") :]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block
    return dict(json.loads(block.group(1)))


def _shown(html: str) -> str:
    """The page as shown: without hidden wrappers' contents and <template>s."""
    html = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    return html


def test_choosing_yes_hides_the_failed_areas_and_no_shows_one(render_form) -> None:
    definition = worked_example()
    compiled = compile_form(definition["schema"], definition["ui"])
    yes = bind_form(compiled, data={"all_passed": True})
    assert yes.rule_state().hidden == {"/failures"}
    html = _shown(render_form(yes))
    assert re.search(r'data-pointer="/failures"[^>]*\shidden', html)
    assert not re.search(r'data-pointer="/sign_off_name"[^>]*\shidden', html)
    assert 'data-widget="item"' not in html  # no empty "Failed area 1" anywhere

    no = bind_form(compiled, data={"all_passed": False})
    assert no.rule_state().hidden == {"/sign_off_name"}
    html = _shown(render_form(no))
    assert not re.search(r'data-pointer="/failures"[^>]*\shidden', html)
    items = re.findall(r'data-pointer="(/failures/\d+)" data-widget="item"', html)
    assert items == ["/failures/0"]  # minItems 1 applies now
    assert re.search(r'data-pointer="/sign_off_name"[^>]*\shidden', html)


def test_the_server_enforces_the_branches(render_form) -> None:
    definition = worked_example()
    rules = SchemaRules(definition["schema"], definition["ui"])
    base = {"audit_date": "2025-06-02", "auditor_role": "ipc_lead"}
    yes = check_record(rules, {**base, "all_passed": True}, submit=True)
    assert [i.pointer for i in yes.issues] == ["/sign_off_name"]
    no = check_record(rules, {**base, "all_passed": False, "sign_off_name": "A"}, submit=True)
    assert [i.pointer for i in no.issues] == ["/failures"]
    assert "sign_off_name" not in no.data  # hidden by the branch: dropped on submit

"""Bundles: a directory with ``app.json`` and ``definitions/*.json``, read in that order;
every member is checked and each problem names its own file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from miniapps.core.definitions.loading import (
    BundleInvalid,
    bundle_files,
    check_bundle,
    load_bundle,
)
from miniapps.core.errors import DefinitionInvalid

REPO = Path(__file__).resolve().parents[3]


def definition(app_id: str, version: int = 1) -> dict[str, Any]:
    return {
        "id": app_id,
        "title": app_id.replace("_", " ").capitalize(),
        "version": version,
        "schema": {"type": "object", "properties": {"note": {"type": "string"}}},
    }


def bundle(root: Path, home: dict[str, Any], members: dict[str, Any]) -> Path:
    (root / "definitions").mkdir(parents=True)
    (root / "app.json").write_text(json.dumps(home))
    for name, raw in members.items():
        text = raw if isinstance(raw, str) else json.dumps(raw)
        (root / "definitions" / name).write_text(text)
    return root


def test_the_home_app_first_then_members_in_name_order(tmp_path: Path) -> None:
    root = bundle(
        tmp_path / "cqc",
        definition("cqc_home"),
        {"cqc_zeta.json": definition("cqc_zeta"), "cqc_alpha.json": definition("cqc_alpha", 2)},
    )
    assert [d.label for d in load_bundle(root)] == ["cqc_home v1", "cqc_alpha v2", "cqc_zeta v1"]
    assert [p.name for p in bundle_files(root)] == ["app.json", "cqc_alpha.json", "cqc_zeta.json"]


def test_a_plain_app_directory_or_file_is_a_bundle_of_one(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.json").write_text(json.dumps(definition("plain")))
    assert [d.id for d in load_bundle(tmp_path / "app")] == ["plain"]
    assert [d.id for d in load_bundle(tmp_path / "app" / "app.json")] == ["plain"]
    with pytest.raises(DefinitionInvalid) as caught:
        load_bundle(tmp_path / "missing.json")
    assert not isinstance(caught.value, BundleInvalid)


def test_every_member_is_checked_and_named_in_its_lines(tmp_path: Path) -> None:
    bad = {**definition("cqc_bad"), "colour": "red"}
    root = bundle(
        tmp_path / "cqc",
        definition("cqc_home"),
        {
            "cqc_bad.json": bad,
            "cqc_broken.json": '{"id": ',
            "cqc_good.json": definition("cqc_good"),
            "cqc_named.json": definition("cqc_other"),
            "cqc_twice.json": definition("cqc_home"),
        },
    )
    with pytest.raises(BundleInvalid) as caught:
        load_bundle(root)
    members = root / "definitions"
    lines = caught.value.lines()
    assert any(line.startswith(f"{members / 'cqc_bad.json'}:/colour: ") for line in lines)
    assert any(
        line.startswith(f"{members / 'cqc_broken.json'}:: is not valid JSON") for line in lines
    )
    assert (
        f"{members / 'cqc_named.json'}:/id: must be 'cqc_named', the file's name "
        "(or rename the file cqc_other.json)"
    ) in lines
    assert (
        f"{members / 'cqc_twice.json'}:/id: 'cqc_home' is already the id of {root / 'app.json'}"
        in lines
    )
    assert not any("cqc_good" in line for line in lines)
    results = check_bundle(root)
    assert [type(r).__name__ for r in results] == [
        "AppDefinition",
        "DefinitionInvalid",
        "DefinitionInvalid",
        "AppDefinition",
        "DefinitionInvalid",
        "DefinitionInvalid",
    ]


def test_the_cqc_bundle_loads() -> None:
    definitions = load_bundle(REPO / "apps" / "cqc_compliance")
    assert definitions[0].id == "cqc_compliance"
    compliance = definitions[0].compliance
    assert compliance is not None
    assert compliance == {"framework": "cqc-saf", "description": compliance["description"]}
    assert all(d.id.startswith("cqc_") for d in definitions)

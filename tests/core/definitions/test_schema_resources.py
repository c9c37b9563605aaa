"""An ``$id`` inside a record schema is refused at publish: below it ``#/...`` would name a
place in that subschema, not in the record schema the references are checked against. So
is a ``$schema`` naming another dialect: records are checked in 2020-12 whatever it says."""

from __future__ import annotations

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.core.errors import DefinitionInvalid


def definition(schema: dict) -> dict:
    return {"id": "ids", "title": "Ids", "version": 1, "schema": schema}


def test_an_id_inside_the_schema_is_refused_at_its_pointer() -> None:
    # Checked from the root this reference exists; the validator, reading it from the $id,
    # found nothing there (a 500 at submit before publish refused it).
    field = {
        "$id": "urn:example:dose",
        "$defs": {"mg": {"type": "number"}},
        "properties": {"amount": {"$ref": "#/properties/dose/$defs/mg"}},
    }
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(definition({"type": "object", "properties": {"dose": field}}))
    (issue,) = refused.value.issues
    assert issue.pointer == "/schema/properties/dose/$id"
    assert issue.message.startswith("“$id” is not supported inside a record schema")


def test_an_id_on_the_record_schema_itself_is_fine() -> None:
    schema = {
        "$id": "https://example.nhs.uk/schemas/dose",
        "type": "object",
        "$defs": {"mg": {"type": "number"}},
        "properties": {"dose": {"$ref": "#/$defs/mg"}},
    }
    assert validate_definition(definition(schema)).id == "ids"


def test_an_id_in_data_is_not_an_identifier() -> None:
    field = {"enum": [{"$id": "urn:example:x"}], "const": {"$id": "urn:example:x"}}
    assert validate_definition(definition({"type": "object", "properties": {"x": field}}))


@pytest.mark.parametrize("at", ["", "/properties/v"])
def test_a_schema_naming_another_dialect_is_refused_at_its_pointer(at: str) -> None:
    field: dict = {"type": "string", "pattern": "^\\d$"}
    schema: dict = {"type": "object", "properties": {"v": field}}
    (schema if at == "" else field)["$schema"] = "http://json-schema.org/draft-07/schema#"
    with pytest.raises(DefinitionInvalid) as refused:
        validate_definition(definition(schema))
    (issue,) = refused.value.issues
    assert issue.pointer == f"/schema{at}/$schema"
    assert "can only name JSON Schema 2020-12" in issue.message


def test_a_schema_naming_2020_12_is_fine_anywhere() -> None:
    dialect = "https://json-schema.org/draft/2020-12/schema"
    field = {"$schema": dialect, "type": "string"}
    schema = {"$schema": dialect, "type": "object", "properties": {"v": field}}
    assert validate_definition(definition(schema)).id == "ids"

"""The About page's version history: each version's changes against the one before,
in words, with who published it and when (issue 16, item 6)."""

from __future__ import annotations

import copy

from miniapps.core.definitions.loading import validate_definition
from miniapps.services import apps as app_service

from tests.conftest import load_example


def test_each_version_says_what_changed(client, db_session, users, orgs, login):
    first = load_example("staff_training")
    app_service.publish(
        db_session, validate_definition(first), [orgs["U00001"]], users["pcn_manager"]
    )
    second = copy.deepcopy(first)
    second["version"] = 2
    second["title"] = "Staff training log"
    second["schema"]["properties"]["site"] = {"type": "string", "title": "Site"}
    app_service.publish(
        db_session, validate_definition(second), [orgs["U00001"]], users["pcn_manager"]
    )
    third = copy.deepcopy(second)
    third["version"] = 3
    app_service.publish(
        db_session, validate_definition(third), [orgs["U00001"]], users["pcn_manager"]
    )
    db_session.commit()
    login(users["pcn_manager"])
    html = client.get("/apps/staff_training/about").get_data(as_text=True)
    history = html.split("Version history")[1].split("</table>")[0]
    assert "What changed" in history
    rows = history.split('<tr class="nhsuk-table__row">')[1:]
    assert len(rows) == 3
    assert "No change to the questions or settings." in rows[0]  # version 3
    assert (
        "Added the question &ldquo;Site&rdquo;" in rows[1] or "Added the question “Site”" in rows[1]
    )
    assert "Staff training log" in rows[1] and "Pcn Manager" in rows[1]
    assert "The first version." in rows[2]
    assert all(row.count("Pcn Manager") == 1 for row in rows)

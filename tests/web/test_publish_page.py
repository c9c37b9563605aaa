"""Publishing in the browser: conflicts said at the check with the way out, the pasted
definition never lost, the preview first, targets chosen from the hierarchy (issue 11,
item 10)."""

from __future__ import annotations

import json
import re

from miniapps.models import AppVersion
from sqlalchemy import func, select

from tests.conftest import REPO, load_example

STAFF_TRAINING = (REPO / "docs" / "examples" / "staff_training" / "app.json").read_text()


def _summary(html: str) -> str:
    box = re.search(r'class="nhsuk-error-summary".*?</ul>', html, re.S)
    return box.group(0) if box else ""


def _textarea(html: str) -> str:
    found = re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, "the page has the definition textarea"
    return found.group(1)


def test_an_app_published_more_widely_is_refused_at_the_check_with_the_way_out(
    client, db_session, users, orgs, login
):
    from miniapps.core.definitions.loading import validate_definition
    from miniapps.services import apps as app_service

    app_service.publish(
        db_session, validate_definition(load_example("staff_training")), [orgs["QWE"]], None
    )
    db_session.commit()
    login(users["pcn_manager"])
    checked = client.post("/apps/publish", data={"definition": STAFF_TRAINING, "action": "preview"})
    html = checked.get_data(as_text=True)
    assert checked.status_code == 422
    summary = _summary(html)
    assert "also published to Test ICB" in summary and "new app id" in summary
    assert "staff_training_2" in summary  # the way out, spelt out
    assert "Preview:" not in html  # no preview of something that cannot be published
    assert json.loads(_textarea(html).replace("&#34;", '"').replace("&quot;", '"'))["id"] == (
        "staff_training"
    )
    # Publishing anyway says the same and keeps the JSON too (never a bare 403 page).
    published = client.post(
        "/apps/publish",
        data={"definition": STAFF_TRAINING, "action": "publish", "to": "U00001"},
    )
    assert published.status_code == 422
    assert "new app id" in _summary(published.get_data(as_text=True))
    assert "staff_training" in _textarea(published.get_data(as_text=True))
    assert db_session.scalar(select(func.count()).select_from(AppVersion)) == 1


def test_ones_own_app_needs_the_next_version(client, db_session, users, orgs, login):
    login(users["pcn_manager"])
    raw = load_example("fridge_log")
    first = client.post(
        "/apps/publish",
        data={"definition": json.dumps(raw), "action": "publish", "to": "U00001"},
    )
    assert first.status_code == 302
    raw["title"] = "Vaccine fridge temperatures"
    again = client.post("/apps/publish", data={"definition": json.dumps(raw), "action": "preview"})
    summary = _summary(again.get_data(as_text=True))
    assert again.status_code == 422
    assert "set “version” to 2" in summary.replace("&#8220;", "“").replace("&#8221;", "”")


def test_the_preview_comes_before_the_publish_button(client, users, login):
    login(users["pcn_manager"])
    raw = json.dumps(load_example("fridge_log"))
    html = client.post("/apps/publish", data={"definition": raw, "action": "preview"}).get_data(
        as_text=True
    )
    assert html.index("Preview: Vaccine fridge log") < html.index('value="publish"')
    assert "Temperature (°C)" in html


def test_targets_are_chosen_from_the_hierarchy(client, users, login):
    login(users["platform_admin"])
    html = client.get("/apps/publish").get_data(as_text=True)
    # Place → PCN → practices: each group's box takes all of it and names its practices.
    place = html.index("All of Test Place (PLC01)")
    pcn = html.index("All of North PCN (U00001)")
    practice = html.index("North Surgery (A00001)")
    assert place < pcn < practice
    assert re.search(r"Reaches 2 practices: Hill Surgery, North Surgery", html)
    assert "Or choose single practices in North PCN (2)" in html
    assert re.search(r"<details[^>]*>\s*<summary", html)  # practices folded away
    assert 'id="to"' in html  # the error summary's link target
    pcn_manager_ids = re.findall(r'name="to"[^>]*value="([^"]+)"', html)
    assert len(pcn_manager_ids) == len(set(pcn_manager_ids))  # each organisation once


def test_nothing_chosen_keeps_the_json_and_links_to_the_targets(client, users, login):
    login(users["pcn_manager"])
    raw = json.dumps(load_example("fridge_log"))
    response = client.post("/apps/publish", data={"definition": raw, "action": "publish"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#to"' in _summary(html) and 'id="to"' in html
    assert "fridge_log" in _textarea(html)

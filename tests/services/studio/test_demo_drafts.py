"""The demo's studio drafts: the PCN manager's wellbeing check with its saves, and the
stakeholder's next version of their own collection; loading again adds nothing."""

from __future__ import annotations

import json

from miniapps.core.definitions.loading import validate_definition
from miniapps.demo.ad_hoc import READINESS_FILE
from miniapps.demo.studio import load_studio_drafts, wellbeing_saves
from miniapps.demo.users import DemoFocus
from miniapps.models import DraftSave, StudioDraft
from miniapps.services import apps as app_service
from miniapps.services.permissions import Access
from miniapps.services.studio import drafts
from sqlalchemy import func, select


def test_the_demo_drafts_are_made_once(db_session, users, orgs, stakeholder_users):
    officer = stakeholder_users["LAADULT"]
    readiness = validate_definition(json.loads(READINESS_FILE.read_text(encoding="utf-8")))
    app_service.publish(db_session, readiness, None, officer, access=Access(officer))
    focus = DemoFocus(
        admin=users["platform_admin"],
        pcn="U00001",
        practice="A00001",
        user_practices=frozenset({"A00001"}),
        approvers={"U00001": users["pcn_manager"]},
    )
    lines = load_studio_drafts(db_session, focus, officer_ods="LAADULT")
    assert lines == [
        "studio draft staff_wellbeing_check for pcn@example.nhs.uk",
        "studio draft care_home_readiness v2 for laadult@example.gov.uk",
    ]
    mine = drafts.visible_drafts(db_session, Access(users["pcn_manager"]))
    assert [d.title for d in mine] == ["Staff wellbeing check"]
    history = drafts.draft_history(db_session, mine[0])
    assert [s.revision for s in history] == [3, 2, 1]
    current = drafts.current_definition(mine[0])
    validate_definition(current)
    assert current["ui"]["fields"]["/lead_name"]["show_if"]
    assert current["schema"]["properties"]["courses"]["type"] == "array"
    theirs = drafts.visible_drafts(db_session, Access(officer))
    assert [(d.app_id, d.based_on_version, d.revision) for d in theirs] == [
        ("care_home_readiness", 1, 2)
    ]
    validate_definition(drafts.current_definition(theirs[0]))
    before = [
        db_session.scalar(select(func.count()).select_from(m)) for m in (StudioDraft, DraftSave)
    ]
    assert load_studio_drafts(db_session, focus, officer_ods="LAADULT") == []
    after = [
        db_session.scalar(select(func.count()).select_from(m)) for m in (StudioDraft, DraftSave)
    ]
    assert after == before == [2, 5]


def test_every_wellbeing_save_is_a_valid_definition():
    for _summary, raw in wellbeing_saves():
        assert validate_definition(raw).id == "staff_wellbeing_check"

"""Ad hoc collection: a stakeholder organisation publishes a short app to its area, owns it,
and reads its submitted records, returns and dashboard; nobody else gains anything."""

from __future__ import annotations

from datetime import date

import pytest
from miniapps.core.definitions.loading import validate_definition
from miniapps.models import App, AppTarget, Organisation
from miniapps.services import app_visibility
from miniapps.services import apps as app_service
from miniapps.services.dashboards.building import app_dashboard
from miniapps.services.exports.records import export_items
from miniapps.services.permissions import PUBLISH, READ, WRITE, Access, Forbidden
from miniapps.services.records.listing import records_page, visible_app, visible_record
from miniapps.services.returns.tracking import completeness
from sqlalchemy import func, select

from tests.ad_hoc import PERIOD, fill_in, publish_as, readiness_definition

TODAY = date(2025, 4, 20)


def app_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(App)) or 0


def targets_of(db_session, app: App) -> set[str]:
    rows = db_session.scalars(
        select(Organisation.ods)
        .join(AppTarget, AppTarget.organisation_id == Organisation.id)
        .where(AppTarget.app_id == app.id)
    )
    return set(rows)


@pytest.fixture
def la_app(db_session, stakeholders, stakeholder_users) -> App:
    """The readiness return, published by the adult safeguarding team to its whole area."""
    return publish_as(db_session, stakeholder_users["LAADULT"])


@pytest.fixture
def returns(db_session, users, orgs, la_app):
    """A00001 (North PCN) and A00003 (South PCN) submitted March; A00001 has a draft for
    February."""
    return {
        "north": fill_in(db_session, users["practice_staff"], la_app, orgs["A00001"]),
        "south": fill_in(db_session, users["practice_manager_2"], la_app, orgs["A00003"]),
        "draft": fill_in(
            db_session, users["practice_staff"], la_app, orgs["A00001"], "2025-02", submit=False
        ),
    }


def test_a_stakeholder_publishes_to_its_whole_area_and_owns_the_app(
    db_session, la_app, stakeholders, users, orgs
) -> None:
    assert la_app.owner_id == stakeholders["LAADULT"].id
    assert targets_of(db_session, la_app) == {"PLC01"}  # the area: everything beneath its parent
    # The practices of the area fill it in as usual.
    staff = Access(users["practice_staff"])
    assert staff.can(WRITE, orgs["A00001"], la_app)


def test_a_stakeholder_may_choose_organisations_in_its_area(
    db_session, stakeholders, stakeholder_users, orgs
) -> None:
    app = publish_as(db_session, stakeholder_users["LAADULT"], [orgs["U00002"], orgs["A00001"]])
    assert app.owner_id == stakeholders["LAADULT"].id
    assert targets_of(db_session, app) == {"U00002", "A00001"}


@pytest.mark.parametrize(
    ("ods", "name"),
    [
        ("QWE", "Test ICB (QWE)"),  # above the area
        ("PLC99", "Other Place (PLC99)"),  # another area
        ("LAKIDS", "Test Council Children's Services (LAKIDS)"),  # a stakeholder, not a provider
    ],
)
def test_targets_outside_the_area_are_refused_naming_them(
    db_session, stakeholders, stakeholder_users, orgs, ods, name
) -> None:
    before = app_count(db_session)
    with pytest.raises(Forbidden) as refused:
        publish_as(db_session, stakeholder_users["LAADULT"], [orgs["A00001"], stakeholders[ods]])
    db_session.rollback()
    assert name in str(refused.value)
    assert "outside the area" in str(refused.value)
    assert app_count(db_session) == before


def test_a_stakeholder_without_a_parent_cannot_publish(db_session, users, orgs) -> None:
    access = Access(users["stakeholder"])  # LA001 has no parent: no area
    assert not access.may_anywhere(PUBLISH)
    with pytest.raises(Forbidden) as refused:
        publish_as(db_session, users["stakeholder"])
    db_session.rollback()
    assert "Test Council Safeguarding (LA001) covers no area" in str(refused.value)
    assert "no parent" in str(refused.value)
    assert app_count(db_session) == 0


def test_the_owner_reads_submitted_records_of_its_area_and_not_drafts(
    db_session, stakeholder_users, la_app, returns
) -> None:
    owner = Access(stakeholder_users["LAADULT"])
    page = records_page(db_session, owner, la_app, page=1, page_size=50)
    assert {r.id for r in page.items} == {returns["north"].id, returns["south"].id}
    assert visible_record(db_session, owner, returns["north"].id) is not None
    assert visible_record(db_session, owner, returns["draft"].id) is None  # drafts stay home
    assert visible_app(db_session, owner, la_app.id) is la_app
    assert la_app in app_visibility.visible_apps(db_session, owner)
    assert not owner.can(WRITE, returns["north"].organisation, la_app)
    exported = export_items(db_session, owner, la_app)
    assert [(r.id, ods) for r, ods, *_ in exported] == [
        (returns["north"].id, "A00001"),
        (returns["south"].id, "A00003"),
    ]


@pytest.mark.parametrize("ods", ["LAKIDS", "ICBQ", "LAOTHER"])
def test_other_stakeholders_gain_nothing(
    db_session, stakeholder_users, stakeholders, la_app, returns, ods
) -> None:
    other = Access(stakeholder_users[ods])
    assert visible_app(db_session, other, la_app.id) is None
    assert la_app not in app_visibility.visible_apps(db_session, other)
    assert records_page(db_session, other, la_app, page=1, page_size=50).total == 0
    assert export_items(db_session, other, la_app) == []
    assert all(visible_record(db_session, other, r.id) is None for r in returns.values())
    with pytest.raises(Forbidden):
        app_dashboard(db_session, other, la_app, stakeholders["LAADULT"].parent)
    assert app_dashboard(db_session, other, la_app, None)["widgets"][0]["data"]["total"] == 0


def test_other_practices_see_only_their_own_as_usual(db_session, users, la_app, returns) -> None:
    south = Access(users["practice_manager_2"])
    assert visible_record(db_session, south, returns["north"].id) is None
    found = records_page(db_session, south, la_app, page=1, page_size=50)
    assert [r.id for r in found.items] == [returns["south"].id]


def test_the_owner_gets_the_completeness_grid_and_dashboard(
    db_session, stakeholder_users, stakeholders, orgs, la_app, returns
) -> None:
    owner = Access(stakeholder_users["LAADULT"])
    # Acting for its own organisation, it looks at its area.
    assert owner.scope_org(stakeholders["LAADULT"], la_app) == orgs["PLC01"]
    grid = completeness(db_session, owner, la_app, orgs["PLC01"], [PERIOD], today=TODAY)
    cells = {row.org.ods: row.cells[0].status for row in grid.rows}
    assert cells == {
        "A00001": "submitted",
        "A00002": "overdue",
        "A00003": "submitted",
        "A00004": "overdue",
    }
    assert grid.percent[PERIOD] == 50
    dashboard = app_dashboard(db_session, owner, la_app, None)
    records = dashboard["widgets"][0]
    assert records["id"] == "records"
    assert records["data"] == {"total": 2, "by_org": {"A00001": 1, "A00003": 1}}
    # Its own organisation and its sister stakeholders are not part of its area.
    for ods in ("LAADULT", "LAKIDS"):
        assert not owner.can(READ, stakeholders[ods], la_app)


def test_a_pcn_managers_apps_are_unaffected(
    db_session, users, orgs, stakeholder_users, la_app
) -> None:
    pcn = users["pcn_manager"]
    theirs = publish_as(db_session, pcn, raw=readiness_definition(id="pcn_return"))
    assert theirs.owner_id is None
    assert targets_of(db_session, theirs) == {"U00001"}
    owner = Access(stakeholder_users["LAADULT"])
    assert visible_app(db_session, owner, theirs.id) is None
    assert not owner.can(PUBLISH, orgs["A00001"], theirs)
    with pytest.raises(Forbidden) as refused:  # the stakeholder cannot take the PCN's app
        publish_as(
            db_session,
            stakeholder_users["LAADULT"],
            raw=readiness_definition(id="pcn_return", version=2),
        )
    db_session.rollback()
    # An app the stakeholder cannot see: the id is taken, and nothing more is said.
    assert "already taken" in str(refused.value)
    assert "North PCN" not in str(refused.value) and "U00001" not in str(refused.value)
    with pytest.raises(Forbidden) as refused:  # nor the PCN manager the stakeholder's
        publish_as(db_session, pcn, [orgs["U00001"]], readiness_definition(version=2))
    db_session.rollback()
    assert "belongs to Test Council Adult Safeguarding (LAADULT)" in str(refused.value)
    problems = app_service.publish_problems(
        db_session, Access(pcn), validate_definition(readiness_definition(version=2))
    )
    assert [p.pointer for p in problems] == ["/id"]


def test_the_owner_publishes_a_new_version_and_an_admin_may_too(
    db_session, users, stakeholders, stakeholder_users, la_app
) -> None:
    again = publish_as(
        db_session, stakeholder_users["LAADULT"], raw=readiness_definition(version=2)
    )
    assert again.latest_version == 2 and again.owner_id == stakeholders["LAADULT"].id
    admin = publish_as(db_session, users["platform_admin"], raw=readiness_definition(version=3))
    assert admin.latest_version == 3 and admin.owner_id == stakeholders["LAADULT"].id

"""The practices heatmap, PCN benchmarking and the Well-led view, from known evidence.

The CQC framework (saf-2024: Safe 8, Effective 6, Caring 5, Responsive 7, Well-led 8) is
loaded; ``qa_home`` is the framework's home app and ``qa_meetings`` counts each submitted
record as evidence for two Well-led statements. A test source adds known gaps.

=======  ==============================================  ===============================
ODS      evidence                                        gaps (test source)
=======  ==============================================  ===============================
A00001   two meetings: shared direction, governance      governance: fire policy review
                                                         overdue; staffing: BLS training
                                                         out of date; governance:
                                                         read-and-sign 80 %
A00002   one meeting                                     -
A00003   -                                               -
A00004   one meeting                                     -
=======  ==============================================  ===============================

So A00001's Well-led is 1 of 8 (shared direction; governance has a gap), "Gaps"; its Safe
is 0 of 8, "Gaps" (the staffing gap); Effective 0 of 6, "No evidence". A00002 and A00004
have 2 of 8 Well-led, "Gaps" (some evidenced, some not). North PCN's Well-led sums to
3 of 16.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from miniapps.models import Organisation, User
from miniapps.services.compliance import well_led as well_led_service
from miniapps.services.compliance.frameworks import load_framework
from miniapps.services.compliance.sources import SOURCES, EvidenceItem, Gap, PackTable
from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service
from sqlalchemy.orm import Session

from tests.conftest import REPO
from tests.publishing import publish_app

FRAMEWORK = REPO / "apps" / "cqc_compliance" / "data" / "saf-2024.json"
HOME = {
    "id": "qa_home",
    "title": "Quality home",
    "version": 1,
    "compliance": {"framework": "cqc-saf"},
    "schema": {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}},
}
MEETINGS = {
    "id": "qa_meetings",
    "title": "Partners' meetings",
    "version": 1,
    "evidence": [
        {
            "framework": "cqc-saf",
            "statements": [
                "shared_direction_and_culture",
                "governance_management_and_sustainability",
            ],
            "category": "feedback_from_staff_and_leaders",
            "title_field": "/title",
        }
    ],
    "schema": {
        "type": "object",
        "required": ["title"],
        "properties": {"title": {"type": "string", "title": "Title"}},
    },
}  # fmt: skip


RISKS = {
    "id": "qa_risks",
    "title": "Risk log",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["likelihood", "impact"],
        "properties": {
            "likelihood": {"type": "integer", "minimum": 1, "maximum": 5, "title": "Likelihood"},
            "impact": {"type": "integer", "minimum": 1, "maximum": 5, "title": "Impact"},
        },
    },
    "dashboard": {
        "widgets": [
            {"id": "grid", "type": "heatmap", "title": "Risks by score", "x": "/likelihood",
             "y": "/impact"}
        ]
    },
}  # fmt: skip


class KnownGaps:
    """A compliance source with fixed gaps, for the organisations asked about."""

    def __init__(self, gaps: Sequence[Gap]) -> None:
        self.known = list(gaps)

    def evidence(self, *_args: Any) -> Iterable[EvidenceItem]:
        return []

    def gaps(
        self, session: Session, orgs: Sequence[Organisation], framework: str, now: datetime
    ) -> Iterable[Gap]:
        wanted = {org.id for org in orgs}
        return [gap for gap in self.known if gap.org_id in wanted]

    def pack_tables(self, *_args: Any) -> Iterable[PackTable]:
        return []


@pytest.fixture
def compliance(db_session: Session, orgs: dict[str, Organisation], users, monkeypatch):
    raw = json.loads(FRAMEWORK.read_text(encoding="utf-8"))
    load_framework(db_session, raw, source=str(FRAMEWORK))
    publish_app(db_session, HOME, [orgs["QWE"]], commit=False)
    meetings = publish_app(db_session, MEETINGS, [orgs["QWE"]], commit=False)
    admin = users["platform_admin"]
    for ods, title in [
        ("A00001", "Partners' away day"),
        ("A00001", "Governance meeting, March"),
        ("A00002", "Hill partners' meeting"),
        ("A00004", "Vale partners' meeting"),
    ]:
        record_service.create_record(
            db_session, Access(admin), meetings, orgs[ods], {"title": title},
            submit=True, actor=admin,
        )  # fmt: skip
    db_session.commit()
    a1 = orgs["A00001"].id
    gaps = [
        Gap(a1, "cqc-saf", ("governance_management_and_sustainability",), "review_overdue",
            "Fire safety policy: review overdue since 3 May 2026", "documents", "/policies/1"),
        Gap(a1, "cqc-saf", ("safe_and_effective_staffing",), "training_out_of_date",
            "Basic life support: 2 people out of date", "training"),
        Gap(a1, "cqc-saf", ("governance_management_and_sustainability",),
            "signatures_below_target", "Fire safety policy: read and signed by 80 %",
            "documents"),
    ]  # fmt: skip
    monkeypatch.setitem(SOURCES, "known_gaps", KnownGaps(gaps))
    return meetings


class Tables(HTMLParser):
    """Every table's rows as lists of cell texts (th and td, without what is hidden from
    screen readers: a responsive table's repeated headings), by table class."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._hidden = 0  # depth inside an aria-hidden span

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and (self._hidden or dict(attrs).get("aria-hidden") == "true"):
            self._hidden += 1
        elif tag == "table":
            self.tables.append((dict(attrs).get("class") or "", []))
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._hidden:
            self._hidden -= 1
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def table_rows(html: str, css_class: str) -> list[list[str]]:
    parser = Tables()
    parser.feed(html)
    return next(rows for classes, rows in parser.tables if css_class in classes)


def _page(client, login, user: User, url: str) -> tuple[int, str]:
    login(user)
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_pcn_manager_sees_their_practices_by_key_question(client, login, users, compliance):
    status, html = _page(client, login, users["pcn_manager"], "/apps/qa_home/compliance/practices")
    assert status == 200
    rows = table_rows(html, "miniapps-heatmap")
    head, *body = rows
    assert head == ["Practice", "Safe", "Effective", "Caring", "Responsive", "Well-led",
                    "Well-led view"]  # fmt: skip
    names = [row[0] for row in body]
    assert names == ["North PCN (PCN: 2 practices)", "Hill Surgery", "North Surgery"]
    north = body[2]
    assert north[1] == "0 of 8 Safe statements evidenced: Gaps"
    assert north[2] == "0 of 6 Effective statements evidenced: No evidence"
    assert north[5] == "1 of 8 Well-led statements evidenced: Gaps"
    assert body[1][5] == "2 of 8 Well-led statements evidenced: Gaps"
    assert body[0][5] == "3 of 16 Well-led statements evidenced: Gaps"  # the PCN's sum
    assert body[0][1] == "0 of 16 Safe statements evidenced: Gaps"
    assert "South Surgery" not in html and "Vale Surgery" not in html
    # Each cell links to the practice's compliance view; the colour class repeats the status.
    assert 'href="/apps/qa_home/compliance?org=A00001"' in html
    assert "miniapps-heat--no_evidence" in html and "miniapps-heat--gaps" in html
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html


def test_pcn_manager_asking_for_the_icb_still_sees_only_their_pcn(client, login, users, compliance):
    status, html = _page(
        client, login, users["pcn_manager"], "/apps/qa_home/compliance/practices?org=QWE"
    )
    assert status == 200
    names = [row[0] for row in table_rows(html, "miniapps-heatmap")[1:]]
    assert names == ["North PCN (PCN: 2 practices)", "Hill Surgery", "North Surgery"]


def test_icb_viewer_sees_practices_grouped_by_pcn(client, login, users, compliance):
    status, html = _page(client, login, users["icb_viewer"], "/apps/qa_home/compliance/practices")
    assert status == 200
    body = table_rows(html, "miniapps-heatmap")[1:]
    assert [row[0] for row in body] == [
        "North PCN (PCN: 2 practices)", "Hill Surgery", "North Surgery",
        "South PCN (PCN: 2 practices)", "South Surgery", "Vale Surgery",
    ]  # fmt: skip
    assert body[3][5] == "2 of 16 Well-led statements evidenced: Gaps"
    assert body[4][5] == "0 of 8 Well-led statements evidenced: No evidence"
    assert body[4][1] == "0 of 8 Safe statements evidenced: No evidence"
    # A PCN's row leads to its practices alone.
    assert 'href="/apps/qa_home/compliance/practices?org=U00002"' in html


def test_benchmarking_ranks_practices_with_gaps_by_kind_and_the_average(
    client, login, users, compliance
):
    status, html = _page(client, login, users["pcn_manager"], "/apps/qa_home/compliance/practices")
    assert status == 200
    parser = Tables()
    parser.feed(html)
    bench = next(rows for classes, rows in parser.tables if "miniapps-heatmap" not in classes)
    assert bench[0] == [
        "Practice", "ODS code", "Rank", "Evidenced (%)", "Statements evidenced",
        "Gaps: Policies", "Gaps: Read-and-sign", "Gaps: Audits and actions", "Gaps: Training",
        "Gaps: Deadlines",
    ]  # fmt: skip
    # Hill 2/34 = 5.9 %, North 1/34 = 2.9 %; the average 4.4 %.
    assert [row[:5] for row in bench[1:]] == [
        ["Hill Surgery", "A00002", "1", "5.9", "2"],
        ["North Surgery", "A00001", "2", "2.9", "1"],
        ["North PCN average", "", "\N{EN DASH}", "4.4", "1.5"],
    ]
    assert bench[2][5:] == ["1", "1", "0", "1", "0"]
    data = json.loads(html.split('id="dashboard-data">')[1].split("</script>")[0])
    chart = data["panels"][0]["chart"]
    assert chart["labels"] == ["Hill Surgery", "North Surgery"]
    assert chart["datasets"][1] == {
        "label": "North PCN average (%)", "values": [4.4, 4.4], "style": "line"
    }  # fmt: skip
    assert "vendor/chartjs/chart.umd.min.js" in html  # served locally: works offline


def test_heatmap_csv(client, login, users, compliance):
    login(users["icb_viewer"])
    response = client.get("/apps/qa_home/compliance/practices.csv?org=U00001")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "qa_home-heatmap-U00001.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:7] == ["Organisation", "ODS code", "Level", "PCN", "Safe: evidenced",
                           "Safe: statements", "Safe: status"]  # fmt: skip
    assert rows[0][-4:] == ["Well-led: evidenced", "Well-led: statements", "Well-led: status",
                            "Evidenced (%)"]  # fmt: skip
    assert rows[1][:3] == ["North PCN", "U00001", "PCN (all its practices)"]
    assert rows[1][-4:] == ["3", "16", "Gaps", "4.4"]
    assert rows[3][:4] == ["North Surgery", "A00001", "Practice", "North PCN"]
    assert rows[3][4:7] == ["0", "8", "Gaps"]
    bench = client.get("/apps/qa_home/compliance/practices.csv?org=U00001&table=benchmark-u00001")
    assert bench.status_code == 200
    assert bench.get_data(as_text=True).splitlines()[1].startswith("Hill Surgery,A00002,1,5.9,2")
    assert client.get("/apps/qa_home/compliance/practices.csv?table=nope").status_code == 404


def test_practice_user_is_sent_to_their_compliance_view(client, login, users, compliance):
    login(users["practice_manager"])
    response = client.get("/apps/qa_home/compliance/practices")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/apps/qa_home/compliance?org=A00001")


def test_stakeholder_gets_404(client, login, users, compliance):
    login(users["stakeholder"])
    assert client.get("/apps/qa_home/compliance/practices").status_code == 404
    assert client.get("/apps/qa_home/compliance/practices?org=QWE").status_code == 404
    assert client.get("/apps/qa_home/compliance/well-led?org=A00001").status_code == 404


def test_practice_of_another_pcn_cannot_see_the_pcn(client, login, users, compliance):
    login(users["practice_manager_2"])  # at A00003, South PCN
    assert client.get("/apps/qa_home/compliance/practices?org=U00001").status_code == 404
    assert client.get("/apps/qa_home/compliance/well-led?org=A00001").status_code == 404


def test_app_without_compliance_has_no_practices_page(client, login, users, compliance):
    login(users["platform_admin"])
    assert client.get("/apps/qa_meetings/compliance/practices").status_code == 404
    assert client.get("/apps/qa_meetings/compliance/well-led").status_code == 404


def test_well_led_view(client, login, users, compliance):
    status, html = _page(
        client, login, users["practice_manager"], "/apps/qa_home/compliance/well-led"
    )
    assert status == 200
    assert "Well-led: North Surgery" in html
    text = " ".join(html.split())
    # The question, each statement with its evidence and gaps.
    assert "1 of 8" in text
    assert "Shared direction and culture" in text and "Freedom to speak up" in text
    assert "2 items of evidence in the last 12 months" in text
    # The governance picture from every source's gaps, grouped by what they are about.
    assert "Fire safety policy: review overdue since 3 May 2026" in text
    assert 'href="/policies/1"' in html
    assert "Fire safety policy: read and signed by 80 %" in text
    assert "Basic life support: 2 people out of date" in text  # a Safe gap, shown too
    rows = table_rows(html, "nhsuk-table")
    assert rows[0] == ["Date", "Evidence", "Statements", "Category", "Owner"]
    titles = sorted(row[1] for row in rows[1:])
    assert titles == ["Governance meeting, March", "Partners' away day"]
    assert rows[1][2] == "Shared direction and culture; Governance, management and sustainability"
    assert rows[1][3] == "Feedback from staff and leaders"
    assert "Hill partners' meeting" not in text  # another practice's evidence


def test_well_led_view_for_the_pcn_manager_and_above(client, login, users, compliance):
    status, html = _page(
        client, login, users["pcn_manager"], "/apps/qa_home/compliance/well-led?org=A00002"
    )
    assert status == 200 and "Well-led: Hill Surgery" in html
    assert "Hill partners&#39; meeting" in html or "Hill partners' meeting" in html
    response = client.get("/apps/qa_home/compliance/well-led")  # acting for the PCN
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/apps/qa_home/compliance/practices?org=U00001")


def test_well_led_view_counts_open_risks_by_band_from_heatmap_apps(
    client, login, db_session, orgs, users, compliance
):
    risks = publish_app(db_session, RISKS, [orgs["QWE"]], commit=False)
    admin = users["platform_admin"]
    for ods, likelihood, impact in [("A00001", 5, 4), ("A00001", 2, 2), ("A00001", 1, 1),
                                    ("A00002", 5, 5)]:  # fmt: skip
        record_service.create_record(
            db_session, Access(admin), risks, orgs[ods],
            {"likelihood": likelihood, "impact": impact}, submit=True, actor=admin,
        )  # fmt: skip
    db_session.commit()
    status, html = _page(
        client, login, users["practice_manager"], "/apps/qa_home/compliance/well-led"
    )
    assert status == 200
    rows = table_rows(html, "nhsuk-table")
    assert rows[0] == ["Band", "Open risks"]
    assert rows[1:6] == [["Low", "1"], ["Moderate", "1"], ["High", "0"], ["Extreme", "1"],
                         ["All open risks", "3"]]  # fmt: skip
    assert "Risks by score (Risk log)" in html
    assert 'href="/apps/qa_risks/dashboard?org=A00001"' in html


def test_well_led_view_lists_the_newest_evidence_only(
    client, login, users, compliance, monkeypatch
):
    monkeypatch.setattr(well_led_service, "RECENT_SHOWN", 1)
    status, html = _page(
        client, login, users["practice_manager"], "/apps/qa_home/compliance/well-led"
    )
    assert status == 200
    assert "The newest 1 of 2 items" in " ".join(html.split())
    rows = table_rows(html, "nhsuk-table")
    assert [row[1] for row in rows[1:]] == ["Governance meeting, March"]  # the later one


def test_gaps_of_a_new_kind_count_by_their_source_else_as_other(
    client, login, orgs, users, compliance, monkeypatch
):
    a2 = orgs["A00002"].id
    extra = [
        Gap(a2, "cqc-saf", ("safeguarding",), "policy_superseded", "Safeguarding policy: "
            "superseded version in use", "documents"),
        Gap(a2, "cqc-saf", ("safeguarding",), "lift_not_serviced", "Lift not serviced",
            "estates"),
    ]  # fmt: skip
    monkeypatch.setitem(SOURCES, "more_gaps", KnownGaps(extra))
    status, html = _page(client, login, users["pcn_manager"], "/apps/qa_home/compliance/practices")
    assert status == 200
    parser = Tables()
    parser.feed(html)
    bench = next(rows for classes, rows in parser.tables if "miniapps-heatmap" not in classes)
    assert bench[0][-1] == "Gaps: Other"
    hill = next(row for row in bench if row[0] == "Hill Surgery")
    assert hill[5:] == ["1", "0", "0", "0", "0", "1"]  # policies (by source), other

"""The IIF tracker through ``GET /api/v1/apps/iif_tracker/indicators`` (product.md §8)."""

from __future__ import annotations

from miniapps.services.permissions import Access
from miniapps.services.records import lifecycle as record_service

from tests.conftest import iif_data

URL = "/api/v1/apps/iif_tracker/indicators"


def store(db_session, users, orgs, iif_app) -> None:
    admin = users["platform_admin"]
    for ods, data in (
        ("A00001", iif_data(10000, CAN_04=(36, 50), HI_03=(20, 40, 3))),
        ("A00002", iif_data(8000, CAN_04=(20, 40))),
        ("A00003", iif_data(12000, CAN_04=(45, 50))),
    ):
        record_service.create_record(
            db_session, Access(admin), iif_app, orgs[ods], data, period="2025-06", submit=True,
            actor=admin,
        )  # fmt: skip
    db_session.commit()


def test_practice_pcn_place_and_icb_answers(client, db_session, users, orgs, iif_app, token):
    store(db_session, users, orgs, iif_app)
    headers = token(users["icb_viewer"])
    answers = {
        ods: client.get(f"{URL}?org={ods}&period=2025-06", headers=headers).get_json()
        for ods in ("A00001", "U00001", "PLC01", "QWE")
    }
    practice = {row["code"]: row for row in answers["A00001"]["indicators"]}
    assert answers["A00001"]["year"] == "2025/26" and answers["A00001"]["illustrative"]
    assert practice["CAN-04"]["points"] == 10.27 and practice["CAN-04"]["earned"] == 398.59
    assert practice["HI-03"]["illustrative"]  # its thresholds are unverified
    pcn = {row["code"]: row for row in answers["U00001"]["indicators"]}["CAN-04"]
    assert (pcn["numerator"], pcn["denominator"], pcn["potential"]) == (56, 90, 1537.41)
    icb = {row["code"]: row for row in answers["QWE"]["indicators"]}["CAN-04"]
    assert (icb["numerator"], icb["denominator"]) == (101, 140)
    # Money above PCN is the sum of each PCN's own: U00001 earns 0 (red), U00002 is green:
    # 22 x 198 x 12000/51000 = 1024.94.
    assert icb["earned"] == 1024.94 and icb["potential"] == 2562.35  # 1537.41 + 1024.94
    assert answers["PLC01"]["indicators"] == answers["QWE"]["indicators"]


def test_a_year_without_a_set_is_a_clear_422(client, users, iif_app, token):
    response = client.get(f"{URL}?org=A00001&period=2024-06", headers=token(users["icb_viewer"]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"][0]["pointer"] == "/period"
    assert "no indicator set is loaded for 2024/25" in body["errors"][0]["message"]


def test_a_practice_sees_only_itself(client, db_session, users, orgs, iif_app, token):
    store(db_session, users, orgs, iif_app)
    headers = token(users["practice_manager"])
    assert client.get(f"{URL}?org=A00001&period=2025-06", headers=headers).status_code == 200
    assert client.get(f"{URL}?org=A00002&period=2025-06", headers=headers).status_code == 403

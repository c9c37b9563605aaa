"""Stakeholder categories through an organisations import: a file without the column
keeps them; an empty cell clears one."""

from __future__ import annotations

from miniapps.services.organisations import parse_org_csv, upsert_organisations


def test_a_file_without_the_category_column_keeps_categories(db_session, stakeholders):
    upsert_organisations(
        db_session, parse_org_csv("ods,name,type,parent_ods\nLAADULT,Renamed,stakeholder,PLC01\n")
    )
    assert stakeholders["LAADULT"].category == "la_adult_safeguarding"
    assert stakeholders["LAADULT"].name == "Renamed"
    upsert_organisations(
        db_session,
        parse_org_csv("ods,name,type,parent_ods,category\nLAADULT,Renamed,stakeholder,PLC01,\n"),
    )
    assert stakeholders["LAADULT"].category is None

"""``miniapps users create`` and ``miniapps tokens create``."""

from __future__ import annotations

from miniapps.models import User
from miniapps.services import users as user_service
from sqlalchemy import func, select

PASSWORD = "a long enough password"


def _create(runner, *args: str, **kwargs):
    return runner.invoke(args=["users", "create", *args], **kwargs)


def test_create_with_password_from_environment(runner, db_session, orgs) -> None:
    result = _create(
        runner,
        "New.Person@Example.nhs.uk",
        "--name",
        "New Person",
        "--role",
        "practice_manager",
        "--org",
        "a00001",
        env={"MINIAPPS_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert "created user new.person@example.nhs.uk: practice_manager at North Surgery" in (
        result.output
    )
    user = user_service.by_email(db_session, "new.person@example.nhs.uk")
    assert user is not None and user.name == "New Person"
    assert user_service.check_password(user, PASSWORD)
    assert [(m.role, m.organisation.ods) for m in user.memberships] == [
        ("practice_manager", "A00001")
    ]


def test_create_with_password_from_prompt_adds_a_role_to_an_existing_user(
    runner, db_session, orgs
) -> None:
    args = ["x@example.nhs.uk", "--name", "X", "--role", "practice_staff", "--org", "A00001"]
    first = _create(runner, *args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert first.exit_code == 0, first.output
    assert PASSWORD not in first.output  # hidden input
    args[-3:] = ["pcn_manager", "--org", "U00001"]
    second = _create(runner, *args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert second.exit_code == 0, second.output
    assert "updated user x@example.nhs.uk" in second.output
    user = user_service.by_email(db_session, "x@example.nhs.uk")
    assert user is not None
    db_session.refresh(user)
    assert {m.role for m in user.memberships} == {"practice_staff", "pcn_manager"}


def test_unknown_org_role_or_short_password_fails_with_exit_1(runner, db_session, orgs) -> None:
    env = {"MINIAPPS_PASSWORD": PASSWORD}
    unknown_org = _create(
        runner, "a@example.nhs.uk", "--name", "A", "--role", "practice_staff", "--org", "Z99999",
        env=env,
    )  # fmt: skip
    assert unknown_org.exit_code == 1
    assert "Z99999" in unknown_org.stderr
    unknown_role = _create(
        runner, "a@example.nhs.uk", "--name", "A", "--role", "boss", "--org", "A00001", env=env
    )
    assert unknown_role.exit_code == 1
    assert "unknown role 'boss'" in unknown_role.stderr
    assert "practice_staff" in unknown_role.stderr
    short = _create(
        runner, "a@example.nhs.uk", "--name", "A", "--role", "practice_staff", "--org", "A00001",
        env={"MINIAPPS_PASSWORD": "short"},
    )  # fmt: skip
    assert short.exit_code == 1
    assert "at least 10 characters" in short.stderr
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


def test_token_is_printed_once_and_works(runner, db_session, users) -> None:
    result = runner.invoke(args=["tokens", "create", "PM@example.nhs.uk"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith(user_service.TOKEN_PREFIX) and "\n" not in token
    assert "cannot be shown again" in result.stderr
    owner = user_service.user_for_token(db_session, token)
    assert owner is not None and owner.email == "pm@example.nhs.uk"
    again = runner.invoke(args=["tokens", "create", "pm@example.nhs.uk"]).stdout.strip()
    assert again != token


def test_token_for_unknown_user_fails(runner, users) -> None:
    result = runner.invoke(args=["tokens", "create", "nobody@example.nhs.uk"])
    assert result.exit_code == 1
    assert "nobody@example.nhs.uk" in result.stderr
    assert result.stdout == ""

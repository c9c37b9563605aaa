"""People: the list, inviting someone, one person's roles, deactivation and password reset."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from miniapps.db import db
from miniapps.services.admin import people
from miniapps.services.admin.organisations import visible_org
from miniapps.services.users import UserError
from miniapps.web.admin.blueprint import bp
from miniapps.web.admin.common import base_url, page_number, page_size, pages, scope

ROLE_TITLES = {
    "platform_admin": "Platform administrator",
    "icb_viewer": "ICB viewer",
    "pcn_manager": "PCN manager",
    "practice_manager": "Practice manager",
    "practice_staff": "Practice staff",
    "stakeholder": "Stakeholder",
}


@bp.app_template_filter("role_title")
def role_title(role: str) -> str:
    return ROLE_TITLES.get(role, role)


@bp.route("/users")
def users() -> ResponseReturnValue:
    search = request.args.get("q", "").strip()
    found = people.users_page(
        db.session, scope(), search=search or None, page=page_number(), page_size=page_size()
    )
    return render_template("admin/users.html", found=found, search=search, pages=pages(found.total))


@bp.route("/users/invite", methods=["GET", "POST"])
def invite() -> ResponseReturnValue:
    here = scope()
    orgs = people.manageable_orgs(db.session, here)
    form = {k: request.form.get(k, "").strip() for k in ("email", "name", "org", "role")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if "@" not in form["email"]:
            errors["email"] = "Enter an email address, like name@example.nhs.uk"
        if not form["name"]:
            errors["name"] = "Enter the person's full name"
        if not form["org"]:
            errors["org"] = "Choose the organisation the role is at"
        if form["role"] not in here.grantable_roles:
            errors["role"] = "Choose a role"
        if not errors:
            try:
                invited = people.invite(
                    db.session,
                    here,
                    email=form["email"],
                    name=form["name"],
                    role=form["role"],
                    org=visible_org(db.session, here, form["org"]),
                    base_url=base_url(),
                )
            except UserError as exc:
                db.session.rollback()
                errors["email"] = str(exc).capitalize()
            else:
                db.session.commit()
                if invited.emailed:
                    flash(
                        f"We have emailed {invited.user.email} a link to set a password.", "success"
                    )
                else:
                    flash(
                        f"{invited.user.email} already had an account: the role was added.",
                        "success",
                    )
                return redirect(url_for("admin.user", user_id=invited.user.id))
    return render_template(
        "admin/invite.html", orgs=orgs, roles=here.grantable_roles, form=form, errors=errors
    ), 400 if errors else 200


@bp.route("/users/<int:user_id>")
def user(user_id: int) -> ResponseReturnValue:
    here = scope()
    person = people.visible_user(db.session, here, user_id)
    return render_template(
        "admin/user.html",
        person=person,
        here=here,
        orgs=people.manageable_orgs(db.session, here),
        may_manage=here.may_manage_user(person),
        errors={},
    )


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
def add_role(user_id: int) -> ResponseReturnValue:
    here = scope()
    person = people.visible_user(db.session, here, user_id)
    role, ods = request.form.get("role", ""), request.form.get("org", "")
    errors = {}
    if role not in here.grantable_roles:
        errors["role"] = "Choose a role"
    if not ods:
        errors["org"] = "Choose the organisation the role is at"
    if errors:
        return render_template(
            "admin/user.html",
            person=person,
            here=here,
            orgs=people.manageable_orgs(db.session, here),
            may_manage=here.may_manage_user(person),
            errors=errors,
        ), 400
    people.add_role(db.session, here, person, role, visible_org(db.session, here, ods))
    db.session.commit()
    flash(f"{person.name} is now {role_title(role)} at {ods.upper()}.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/roles/<int:membership_id>/remove", methods=["POST"])
def remove_role(user_id: int, membership_id: int) -> ResponseReturnValue:
    here = scope()
    person = people.visible_user(db.session, here, user_id)
    people.remove_role(db.session, here, person, membership_id)
    db.session.commit()
    flash(f"The role was removed from {person.name}.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int) -> ResponseReturnValue:
    here = scope()
    person = people.visible_user(db.session, here, user_id)
    active = request.form.get("active") == "1"
    people.set_active(db.session, here, person, active)
    db.session.commit()
    verb = "reactivated: they can sign in again" if active else "deactivated: they cannot sign in"
    flash(f"{person.email} is {verb}.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
def reset(user_id: int) -> ResponseReturnValue:
    here = scope()
    person = people.visible_user(db.session, here, user_id)
    people.send_reset(db.session, here, person, base_url())
    db.session.commit()
    flash(f"We have emailed {person.email} a link to choose a new password.", "success")
    return redirect(url_for("admin.user", user_id=person.id))

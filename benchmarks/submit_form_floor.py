"""The form's own floor, for reference beside the JSON one: a minimal signed-in Flask form
post that stores the same answers as one row.

What any Flask form submit costs before an application does anything of its own: the
signed session cookie (opened and, with the flashed message, saved again), Flask-Login's
user from it (one primary-key read), Flask-WTF's CSRF check, a WTForms form of the
benchmark's 16 fields posted exactly as the record form posts them (dates as day, month
and year boxes, yes/no radios, one entry per ticked checkbox) with their types and
bounds, then one insert, a commit, a flashed message and a redirect. ``submit_bench.py``
prints the record form against it as well as against the bare JSON insert.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, flash, redirect, url_for
from flask.testing import FlaskClient
from flask_login import LoginManager, login_required, login_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf
from miniapps.db import make_engine
from sqlalchemy import Engine, String
from sqlalchemy.orm import Mapped, Session, mapped_column
from submit_data import (
    APP_ID,
    AREAS,
    CHECKS,
    PRACTICE,
    FloorBase,
    FloorRow,
    form_fields,
    record_data,
)
from werkzeug.wrappers import Response
from wtforms import (
    DecimalField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class FormFloorUser(FloorBase):
    __tablename__ = "submit_bench_form_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))

    # What Flask-Login asks of a user.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class DateBoxes(Form):
    day = IntegerField(validators=[InputRequired(), NumberRange(1, 31)])
    month = IntegerField(validators=[InputRequired(), NumberRange(1, 12)])
    year = IntegerField(validators=[InputRequired(), NumberRange(1900, 2100)])


YES_NO = [("true", "Yes"), ("false", "No")]


class AuditForm(FlaskForm):
    audit_date = FormField(DateBoxes, separator="-")
    area = RadioField(choices=AREAS, validators=[InputRequired()])
    auditor = StringField(validators=[InputRequired(), Length(max=80)])
    score = IntegerField(validators=[InputRequired(), NumberRange(0, 100)])
    rooms_checked = IntegerField(validators=[Optional(), NumberRange(min=0)])
    fridge_temperature = DecimalField(validators=[Optional(), NumberRange(-30, 40)])
    hand_gel = RadioField(choices=YES_NO, validators=[Optional()])
    sharps_bins = RadioField(
        choices=["correct", "over_full", "not_labelled", "missing"], validators=[Optional()]
    )
    checked = SelectMultipleField(choices=CHECKS, validators=[Optional()])
    contractor = StringField(validators=[Optional(), Length(max=120)])
    last_deep_clean = FormField(DateBoxes, separator="-")
    waste = RadioField(choices=["good", "some_errors", "poor"], validators=[Optional()])
    notes = TextAreaField(validators=[Optional(), Length(max=1000)])
    issues_found = RadioField(choices=YES_NO, validators=[InputRequired()])
    issue_details = TextAreaField(validators=[Optional(), Length(max=2000)])
    risk = RadioField(choices=["low", "high"], validators=[Optional()])


def _answers(form: AuditForm) -> dict[str, Any]:
    """The posted answers as JSON: dates in ISO form, yes/no as booleans, no empty ones."""
    data: dict[str, Any] = {}
    for name, value in form.data.items():
        if name == "csrf_token" or value in (None, "", []):
            continue
        if isinstance(value, dict):  # day, month and year boxes
            value = date(value["year"], value["month"], value["day"]).isoformat()
        elif name in ("hand_gel", "issues_found"):
            value = value == "true"
        elif name == "fridge_temperature":
            value = float(value)
        data[name] = value
    return data


def form_floor_app(url: str) -> tuple[Flask, Engine]:
    engine = make_engine(url)
    FloorBase.metadata.create_all(engine)
    floor = Flask("submit_bench_form_floor")
    floor.config.update(SECRET_KEY="submit-bench-form-floor", WTF_CSRF_TIME_LIMIT=None)
    CSRFProtect(floor)
    logins = LoginManager(floor)

    @logins.user_loader
    def load_user(user_id: str) -> FormFloorUser | None:
        with Session(engine, expire_on_commit=False) as session:
            return session.get(FormFloorUser, int(user_id))

    @floor.get("/sign-in")
    def sign_in() -> str:
        with Session(engine, expire_on_commit=False) as session:
            user = session.get(FormFloorUser, 1)
            if user is None:
                user = FormFloorUser(id=1, email="floor@submit-bench.invalid")
                session.add(user)
                session.commit()
        login_user(user)
        return generate_csrf()  # the token a page would carry

    @floor.post("/records/new")
    @login_required
    def create() -> Response | tuple[Any, int]:
        form = AuditForm()
        if not form.validate_on_submit():
            return form.errors, 422
        with Session(engine, expire_on_commit=False) as session:
            row = FloorRow(
                app_id=APP_ID, org=PRACTICE, data=_answers(form), created_at=datetime.now(UTC)
            )
            session.add(row)
            session.commit()
        flash(f"Record {row.id} submitted.", "success")
        return redirect(url_for("show", row_id=row.id))

    @floor.get("/records/<int:row_id>")
    def show(row_id: int) -> str:
        return str(row_id)

    return floor, engine


def form_floor_sender(url: str) -> tuple[Any, Engine]:
    """The ``n``-th submit to the form floor (asserting its redirect), signed in once; the
    session cookie as each submit finds it in a browser (see ``submit_bench.senders``)."""
    floor, engine = form_floor_app(url)
    client: FlaskClient = floor.test_client()
    csrf = client.get("/sign-in").get_data(as_text=True)
    cookie_name = floor.config["SESSION_COOKIE_NAME"]
    steady = client.get_cookie(cookie_name)
    assert steady is not None, "no session cookie after signing in"

    def send(n: int) -> None:
        client.set_cookie(cookie_name, steady.value)
        fields = form_fields(record_data(n)) | {"csrf_token": csrf, "submit": ""}
        answer = client.post("/records/new", data=fields)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]

    return send, engine

"""Every route of the app, read from its URL map, and how to fill each URL variable with
another organisation's objects.

A new route is in the matrix as soon as it is registered. A route whose variable has no
entry in :data:`FILLERS` fails the matrix: add one (a victim's object of that kind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from miniapps import create_app

from tests.security.matrix_world import MISSING_ID, Foreign, World

METHODS = ("GET", "POST", "PATCH", "DELETE")

# Routes anyone may open signed out. Everything else: the sign-in redirect (pages) or 401
# (API).
PUBLIC = frozenset(
    {
        "static",
        "auth.login",
        "api.openapi_document",
        "invitations.accept",  # the token in the URL is the credential
    }
)
# Where the URL carries a credential (knowing the invitation's token is the right to use
# it, and to see whose it is), so neither its answer nor what it shows is a leak.
CREDENTIAL_ENDPOINTS = frozenset({"invitations.accept"})
# Endpoints whose ``token`` is an import's (the uploader's own), not an invitation's.
IMPORT_ENDPOINTS = frozenset({"apps.import_progress", "apps.import_progress_json"})
# Variables naming part of an app's definition (seen by all it is published to), not an
# organisation's object: a shared app's are no secret.
APP_LEVEL = frozenset({"app_id", "view_id"})


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    methods: tuple[str, ...]
    variables: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def id(self) -> str:
        return f"{self.endpoint}[{','.join(self.methods)}]"


def app_routes() -> list[Route]:
    """Every rule of a freshly built app (no database is opened to build it)."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "matrix"})
    routes = [
        Route(
            rule.rule,
            rule.endpoint,
            tuple(m for m in METHODS if m in (rule.methods or ())),
            tuple(sorted(rule.arguments)),
        )
        for rule in app.url_map.iter_rules()
    ]
    return sorted(routes, key=lambda r: (r.rule, r.endpoint))


Filler = Callable[[World, Foreign, str], object]

# URL variable -> the victims' object of that name, given the world, the app in play
# ("context": the shared probe app, an app one may not know, the document library) and
# the endpoint.
FILLERS: dict[str, Filler] = {
    "app_id": lambda w, f, e: f.app_id,
    "record_id": lambda w, f, e: f.record_id,
    "attachment_id": lambda w, f, e: f.attachment_id or "00000000-0000-4000-8000-000000000000",
    "action_id": lambda w, f, e: f.action_id or MISSING_ID,
    "view_id": lambda w, f, e: f.view_id,
    "number": lambda w, f, e: f.number,
    "token": lambda w, f, e: w.import_token if e in IMPORT_ENDPOINTS else w.invitation_token,
    "user_id": lambda w, f, e: min(w.victim_ids),
    "ods": lambda w, f, e: "A00099",
    "message_id": lambda w, f, e: w.message_id,
    "token_id": lambda w, f, e: w.api_token_id,
    "membership_id": lambda w, f, e: w.membership_id,
    "webhook_id": lambda w, f, e: w.webhook_id,
    "draft_id": lambda w, f, e: w.studio_draft_id,
    # A path out of the static folder towards the victims' stored files.
    "filename": lambda w, f, e: "../../instance/uploads/" + (f.attachment_id or "x"),
}
# The same variables, filled with values nothing has: a foreign object must be answered
# exactly like one of these.
MISSING: dict[str, object] = {
    "app_id": "no_such_app",
    "record_id": MISSING_ID,
    "attachment_id": "00000000-0000-4000-8000-00000000dead",
    "action_id": MISSING_ID,
    "view_id": "no_such_view",
    "number": 999,
    "token": "A" * 32,
    "user_id": MISSING_ID,
    "ods": "Z99999",
    "message_id": MISSING_ID,
    "token_id": MISSING_ID,
    "membership_id": MISSING_ID,
    "webhook_id": MISSING_ID,
    "draft_id": MISSING_ID,
    "filename": "no-such-file.css",
}


def unfilled(route: Route) -> list[str]:
    return [v for v in route.variables if v not in FILLERS or v not in MISSING]


def contexts(world: World, route: Route) -> list[Foreign]:
    """The apps a route is tried in: library routes in the document library; every other
    route naming an app in the shared probe app and in the app one may not know; routes
    naming a record or a file also with a draft (and its file) of the attackers' own ICB."""
    if "app_id" not in route.variables:
        return [world.probe]
    if route.endpoint.startswith("apps.library"):
        return [world.library, world.hidden]
    if {"record_id", "attachment_id"} & set(route.variables):
        return [world.probe, world.hidden, world.draft]
    return [world.probe, world.hidden]


def fill(route: Route, values: dict[str, object]) -> str:
    url = route.rule
    for variable in route.variables:
        for converter in ("", "int:", "path:"):
            url = url.replace(f"<{converter}{variable}>", str(values[variable]))
    return url


def foreign_url(route: Route, world: World, context: Foreign) -> str:
    return fill(route, {v: FILLERS[v](world, context, route.endpoint) for v in route.variables})


def missing_url(route: Route, world: World, context: Foreign) -> str:
    """The foreign URL with its object variables (not the app's) replaced by unknown ones;
    for an app one may not know, the app itself replaced."""
    values = {v: FILLERS[v](world, context, route.endpoint) for v in route.variables}
    hidden = context is world.hidden
    for variable in route.variables:
        if variable not in APP_LEVEL or hidden:
            values[variable] = MISSING[variable]
    return fill(route, values)


def names_an_object(route: Route, context: Foreign, world: World) -> bool:
    """True when the URL names something of the victims beyond a shared app."""
    others = [v for v in route.variables if v not in APP_LEVEL]
    return bool(others) or context is world.hidden

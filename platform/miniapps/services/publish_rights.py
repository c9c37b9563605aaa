"""Who may publish an app where: the checks :func:`~miniapps.services.apps.publish` makes
before writing anything (targets, and whose app it is to change).

An app of the provider tree is published again only by someone who may publish to every
organisation it reaches; an ad hoc app (``App.owner_id``) only by its stakeholder
organisation's people (or a platform admin). The rules themselves live in
:class:`~miniapps.services.permissions.Access`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from miniapps.models import App, Organisation
from miniapps.services.permissions import PUBLISH, Access, Forbidden


def check_targets(
    session: Session, access: Access, targets: list[Organisation] | None, app: App | None
) -> list[Organisation]:
    """``targets`` when ``access`` may publish ``app`` (None: a new one) to each of them;
    None means the highest organisations it may publish to."""
    allowed = access.orgs(session, PUBLISH, app)
    if not allowed:
        raise Forbidden(access.publish_refusal())
    if targets is None:
        allowed_paths = [o.path for o in allowed]
        # The highest organisations the user may publish to (e.g. a PCN manager's PCN).
        return [
            o
            for o in allowed
            if not any(o.path != p and o.path.startswith(p) for p in allowed_paths)
        ]
    for org in targets:
        if not access.can(PUBLISH, org, app):
            raise Forbidden(access.publish_refusal(org))
    return targets


def check_owns_existing(access: Access, app: App) -> None:
    """A new version reaches every organisation the app is already published to: the
    publisher must be allowed to publish to all of them (a PCN manager cannot change an
    app that an administrator published to the whole ICB)."""
    problem = not_owned(access, app)
    if problem:
        raise Forbidden(problem)


def not_owned(access: Access, app: App) -> str | None:
    if app.owner is not None and not (access.is_admin or access.owns(app)):
        return (
            f"{app.title} (id “{app.id}”) belongs to {app.owner.name} ({app.owner.ods}); "
            "only its people can publish a new version. Publish under a new app id "
            f"instead: change “id” to one of your own, like “{app.id}_2”."
        )
    for target in app.targets:
        if not access.can(PUBLISH, target.organisation, app):
            return (
                f"{app.title} (id “{app.id}”) is also published to "
                f"{target.organisation.name} ({target.organisation.ods}); only someone who "
                "may publish there can publish a new version. Publish under a new app id "
                f"instead: change “id” to one of your own, like “{app.id}_2”."
            )
    return None

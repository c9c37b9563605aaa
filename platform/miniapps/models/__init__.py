"""Database models, one module per aggregate. Models import no services."""

from miniapps.models.app import APP_STATUSES, App, AppTarget, AppVersion
from miniapps.models.base import Base
from miniapps.models.organisation import ORG_TYPES, Organisation
from miniapps.models.record import Attachment, AuditEntry, Record
from miniapps.models.user import ROLES, ApiToken, LoginAttempt, Membership, User

__all__ = [
    "APP_STATUSES",
    "ORG_TYPES",
    "ROLES",
    "ApiToken",
    "App",
    "AppTarget",
    "AppVersion",
    "Attachment",
    "AuditEntry",
    "Base",
    "LoginAttempt",
    "Membership",
    "Organisation",
    "Record",
    "User",
]

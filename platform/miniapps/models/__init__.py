"""Database models, one module per aggregate. Models import no services."""

from miniapps.models.app import APP_STATUSES, App, AppTarget, AppVersion
from miniapps.models.base import Base
from miniapps.models.channel import (
    BankHoliday,
    ChannelBreach,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from miniapps.models.comment import Comment, CommentMention
from miniapps.models.document import DocumentAdoption, DocumentSignature, DocumentVersion
from miniapps.models.follow_up import FOLLOW_UP_STATUSES, FollowUp
from miniapps.models.framework import Framework
from miniapps.models.indicator_set import IndicatorSet
from miniapps.models.invitation import INVITATION_PURPOSES, Invitation
from miniapps.models.notification import (
    OUTBOX_STATUSES,
    DeliveryAttempt,
    OutboxMessage,
    SchedulerLease,
    scheduler_jobs,
)
from miniapps.models.notification_preference import (
    DELIVERIES,
    HeldNotification,
    NotificationPreference,
)
from miniapps.models.organisation import ORG_TYPES, Organisation
from miniapps.models.period_lock import PeriodLock
from miniapps.models.record import Attachment, AuditEntry, ChannelItem, Record
from miniapps.models.record_key import RecordKey
from miniapps.models.studio_draft import DRAFT_STATUSES, DraftSave, StudioDraft
from miniapps.models.target_history import EndedTarget
from miniapps.models.user import ROLES, ApiToken, Membership, User
from miniapps.models.user_session import SignInThrottle, UserSession

__all__ = [
    "APP_STATUSES",
    "DELIVERIES",
    "DRAFT_STATUSES",
    "FOLLOW_UP_STATUSES",
    "INVITATION_PURPOSES",
    "ORG_TYPES",
    "OUTBOX_STATUSES",
    "ROLES",
    "ApiToken",
    "App",
    "AppTarget",
    "AppVersion",
    "Attachment",
    "AuditEntry",
    "BankHoliday",
    "Base",
    "ChannelBreach",
    "ChannelItem",
    "Comment",
    "CommentMention",
    "DeliveryAttempt",
    "DocumentAdoption",
    "DocumentSignature",
    "DocumentVersion",
    "DraftSave",
    "EndedTarget",
    "FollowUp",
    "Framework",
    "HeldNotification",
    "IndicatorSet",
    "Invitation",
    "Membership",
    "NotificationPreference",
    "Organisation",
    "OutboxMessage",
    "PeriodLock",
    "Record",
    "RecordKey",
    "SchedulerLease",
    "SignInThrottle",
    "StudioDraft",
    "User",
    "UserSession",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "scheduler_jobs",
]

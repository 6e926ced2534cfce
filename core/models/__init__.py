"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from cspr.models.access import CrossPartnershipAccess
from cspr.models.archive import ArchiveDeposit
from cspr.models.audit import AuditEvent, RefusalWindow
from cspr.models.base import Base, TenantOwned
from cspr.models.clock import DailyRun, JobRun
from cspr.models.deadline import Deadline, DeadlineState, Reminder
from cspr.models.hold import LegalHold
from cspr.models.incident import (
    AgeBand,
    Harm,
    Incident,
    Notification,
    PanelResponse,
    RapidReview,
    RapidReviewDecision,
)
from cspr.models.outbox import OutboxMessage, OutboxStatus
from cspr.models.partnership import Partnership
from cspr.models.review import (
    Action,
    ArchiveOutcome,
    Briefing,
    DelayReason,
    Document,
    Draft,
    PublicationForm,
    Rag,
    Recommendation,
    Review,
    ReviewKind,
)
from cspr.models.sign_in import PasswordResetToken, RecoveryCode, UserSession
from cspr.models.token import ApiToken
from cspr.models.user import Membership, Role, User

__all__ = [
    "Action", "AgeBand", "ApiToken", "ArchiveDeposit", "ArchiveOutcome", "AuditEvent", "Base",
    "DelayReason",
    "Briefing", "CrossPartnershipAccess", "DailyRun", "Deadline", "DeadlineState", "Document", "Draft",
    "Harm", "Incident", "JobRun", "LegalHold", "Membership", "Notification", "OutboxMessage", "OutboxStatus",
    "PanelResponse",
    "Partnership", "PublicationForm", "Rag", "RapidReview", "RapidReviewDecision",
    "Recommendation", "RefusalWindow", "Reminder", "Review", "ReviewKind", "Role", "TenantOwned", "User",
    "PasswordResetToken", "RecoveryCode", "UserSession",
]

"""Every domain's models imported once, so the metadata is whole (Alembic, the RLS check, exports)."""

from cspr.accounts.models import (
    ApiToken,
    Membership,
    PasswordResetToken,
    RecoveryCode,
    Role,
    User,
    UserSession,
)
from cspr.actions.models import Action, Rag, Recommendation
from cspr.archive.models import ArchiveDeposit, DepositStatus
from cspr.audit.models import AuditEvent, CrossPartnershipAccess, RefusalWindow
from cspr.cases.models import (
    AgeBand,
    Harm,
    Incident,
    Notification,
    PanelResponse,
    RapidReview,
    RapidReviewDecision,
)
from cspr.chronology.models import ChronologyEntry, DatePrecision
from cspr.db.base import Base, TenantOwned
from cspr.deadlines.models import Deadline, DeadlineState, Reminder
from cspr.documents.models import (
    CaseDocument,
    DocumentComment,
    DocumentKind,
    DocumentSignOff,
    DocumentVersion,
)
from cspr.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from cspr.operations.models import DailyRun, JobRun
from cspr.partnerships.models import Partnership, PartnershipSetting
from cspr.proceedings.models import DateState, ExpectedDate, Proceeding, ProceedingKind, ProceedingStatus
from cspr.publication.models import Briefing
from cspr.records.models import LegalHold
from cspr.returns.models import InformationRequest
from cspr.reviews.models import (
    ArchiveOutcome,
    DelayReason,
    Document,
    Draft,
    PublicationForm,
    Review,
    ReviewKind,
)

__all__ = [
    "Action", "AgeBand", "ApiToken", "ArchiveDeposit", "ArchiveOutcome", "AuditEvent", "Base",
    "DepositStatus", "OutboxAttachment",
    "DelayReason",
    "Briefing", "ChronologyEntry", "CrossPartnershipAccess", "DatePrecision",
    "DailyRun", "Deadline", "DeadlineState", "Document", "Draft",
    "Harm", "Incident", "JobRun", "LegalHold", "Membership", "Notification", "OutboxMessage", "OutboxStatus",
    "PanelResponse",
    "Partnership", "PartnershipSetting", "PublicationForm", "Rag", "RapidReview", "RapidReviewDecision",
    "Recommendation", "RefusalWindow", "Reminder", "Review", "ReviewKind", "Role", "TenantOwned", "User",
    "PasswordResetToken", "RecoveryCode", "UserSession",
    "DateState", "ExpectedDate", "Proceeding", "ProceedingKind", "ProceedingStatus",
    "InformationRequest",
    "CaseDocument", "DocumentComment", "DocumentKind", "DocumentSignOff", "DocumentVersion",
]

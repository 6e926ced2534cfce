"""Retention: delete what each partnership's rules say has been kept long enough, never what a hold keeps.

Each partnership's rules come from ``cspr_retention_rules`` (its plugin over the long
defaults in :mod:`cspr.defaults`). A kind without a rule, or whose rule says "keep",
is never deleted; audit events are always kept (the database refuses to delete them).
A case (an incident with everything under it, or a review without an incident) is
counted from its closure; a case that never closed is never deleted. Rows go in one
commit per partnership; their files are removed only after that commit. The report
says, per kind, how many records went and how many a legal hold kept (with the holds'
ids); it is recorded as a JobRun and, where something happened, as a
``retention.applied`` audit event carrying counts only, never what was deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from cspr.accounts.models import ApiToken
from cspr.actions.models import Action, Recommendation
from cspr.archive.models import ArchiveDeposit
from cspr.audit import events as audit
from cspr.calendar import add_months
from cspr.cases.models import Child, Incident, Notification, PanelResponse, RapidReview, RapidReviewDecision
from cspr.chronology.models import ChronologyEntry
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.deadlines.models import Deadline, Reminder
from cspr.defaults import RETENTION_FLOORS
from cspr.documents.models import (
    CaseDocument,
    DocumentComment,
    DocumentKind,
    DocumentSignOff,
    DocumentVersion,
)
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.operations.job_runs import touch
from cspr.partnerships.models import Partnership
from cspr.plugins import PluginRegistry
from cspr.proceedings.models import ExpectedDate, Proceeding
from cspr.publication.models import Briefing
from cspr.records.holds import Holds, in_force
from cspr.records.models import LegalHold
from cspr.returns.models import InformationRequest
from cspr.reviews.models import Document, Draft, FamilyInvolvement, LearningEvent, Review

log = logging.getLogger(__name__)

#: A published review's working documents, which the "review drafts" rule removes (the final report,
#: terms of reference and agency returns stay with the case file).
WORKING_DOCUMENTS = (DocumentKind.DRAFT, DocumentKind.PARTNER_COMMENTS)
#: The order kinds are applied in (a case's drafts go with the case, not twice).
KINDS = ("case_records", "review_drafts", "archive_deposits", "outbox_messages", "api_tokens",
         "audit_events")


@dataclass
class KindReport:
    """What retention did (or, in a dry run, would do) with one kind of record."""

    rule: str
    removed: int = 0
    kept_by_hold: int = 0
    hold_ids: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows deleted

    def held(self, hold_ids: list[int]) -> None:
        self.kept_by_hold += 1
        self.hold_ids = sorted(set(self.hold_ids) | set(hold_ids))

    def count(self, table: str, n: int) -> None:
        if n:
            self.rows[table] = self.rows.get(table, 0) + n


@dataclass
class PartnershipReport:
    """One partnership's part of a run."""

    slug: str
    kinds: dict[str, KindReport] = field(default_factory=dict)
    files_removed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def eventful(self) -> bool:
        """Something was removed or kept by a hold."""
        return any(k.removed or k.kept_by_hold for k in self.kinds.values())


@dataclass
class Report:
    """A retention run over every partnership."""

    today: dt.date
    dry_run: bool
    partnerships: list[PartnershipReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Counts only: safe for a JobRun's detail and for logs."""
        return {"today": self.today.isoformat(), "dry_run": self.dry_run,
                "partnerships": {p.slug: {"kinds": {k: asdict(v) for k, v in p.kinds.items()},
                                          "files_removed": p.files_removed, "problems": p.problems}
                                 for p in self.partnerships}}

    def lines(self) -> list[str]:
        """The report as text, one line per partnership and kind."""
        verb = "would remove" if self.dry_run else "removed"
        dry = " (dry run: nothing deleted)" if self.dry_run else ""
        out = [f"Retention as of {self.today.isoformat()}{dry}"]
        for p in self.partnerships:
            out.append(f"{p.slug}:")
            for kind, k in p.kinds.items():
                held = f", kept by hold: {k.kept_by_hold} (holds {', '.join(map(str, k.hold_ids))})" \
                    if k.kept_by_hold else ""
                out.append(f"  {kind}: {verb} {k.removed}{held}  [{k.rule}]")
            out += [f"  problem: {problem}" for problem in p.problems]
        return out


def _rule_text(rule: dict[str, Any] | None) -> str:
    if rule is None:
        return "no rule: kept"
    if rule["action"] == "keep":
        return "keep"
    return f"delete {rule['keep_for_years']} years after {rule['counted_from']}"


def _expired(since: dt.date | dt.datetime | None, rule: dict[str, Any] | None, today: dt.date) -> bool:
    if since is None or rule is None or rule["action"] != "delete":
        return False
    if isinstance(since, dt.datetime):
        since = (since if since.tzinfo else since.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).date()
    # never sooner than the core's floor for the kind, whatever rules the job is handed (a
    # plugin's shorter rule is refused at load: cspr.plugins.check_retention_rules)
    floor, _source = RETENTION_FLOORS.get(rule.get("kind"), (0, ""))
    return add_months(since, 12 * max(rule["keep_for_years"], floor)) <= today


def case_closed_on(reviews: list[Review], rapid_review: RapidReview | None) -> dt.date | None:
    """When a case closed: all its reviews archived; or no review and the Panel agreed none was needed."""
    if reviews:
        if any(r.archived_on is None for r in reviews):
            return None
        return max(r.archived_on for r in reviews)
    if rapid_review is None or rapid_review.panel_response_on is None:
        return None
    closing = {(RapidReviewDecision.NO_REVIEW, PanelResponse.AGREES),
               (RapidReviewDecision.RECOMMEND_NATIONAL, PanelResponse.NATIONAL_REVIEW)}
    if (rapid_review.decision, rapid_review.panel_response) in closing:
        return rapid_review.panel_response_on
    return None


class _Run:
    """One partnership's pass: finds what is due and deletes it, children first."""

    def __init__(self, session: Session, rules: dict[str, dict[str, Any]], today: dt.date,
                 documents_dir: Path, archive_dir: Path, report: PartnershipReport) -> None:
        self.session, self.rules, self.today = session, rules, today
        self.documents_dir, self.archive_dir, self.report = documents_dir, archive_dir, report
        self.holds: Holds = in_force(session)
        self.files: list[Path] = []
        for kind in KINDS:
            report.kinds[kind] = KindReport(rule=_rule_text(rules.get(kind)))

    def _delete(self, kind: str, model: type, *where: Any) -> None:
        statement = delete(model).where(*where).execution_options(synchronize_session=False)
        result = self.session.execute(statement)
        self.report.kinds[kind].count(model.__tablename__, result.rowcount or 0)

    # -- case records --------------------------------------------------------
    def case_records(self) -> None:
        rule = self.rules.get("case_records")
        if rule is None or rule["action"] != "delete":
            return
        k = self.report.kinds["case_records"]
        reviews = list(self.session.scalars(select(Review)))
        by_incident: dict[int | None, list[Review]] = {}
        for review in reviews:
            by_incident.setdefault(review.incident_id, []).append(review)
        rapid = {r.incident_id: r for r in self.session.scalars(select(RapidReview))}
        cases: list[tuple[list[int], list[Review]]] = [
            ([incident_id], by_incident.get(incident_id, []))
            for incident_id in self.session.scalars(select(Incident.id).order_by(Incident.id))
        ]
        cases += [([], [review]) for review in by_incident.get(None, [])]
        for incident_ids, case_reviews in cases:
            closed = case_closed_on(case_reviews, rapid.get(incident_ids[0]) if incident_ids else None)
            if not _expired(closed, rule, self.today):
                continue
            holds = self.holds.covering(incident_ids, [r.id for r in case_reviews])
            if holds:
                k.held(holds)
                continue
            self._delete_case(incident_ids, [r.id for r in case_reviews])
            k.removed += 1

    def _delete_case(self, incident_ids: list[int], review_ids: list[int]) -> None:
        kind, s = "case_records", self.session
        action_ids = list(s.scalars(select(Action.id).join(Recommendation, Action.recommendation_id ==
                                                           Recommendation.id)
                                    .where(Recommendation.review_id.in_(review_ids))))
        deadline_ids = list(s.scalars(select(Deadline.id).where(or_(
            Deadline.incident_id.in_(incident_ids), Deadline.review_id.in_(review_ids),
            Deadline.action_id.in_(action_ids)))))
        reminder_ids = list(s.scalars(select(Reminder.id).where(Reminder.deadline_id.in_(deadline_ids))))
        # Sent e-mails are their own kind (kept by their own rule); they lose the link only.
        s.execute(update(OutboxMessage).where(OutboxMessage.reminder_id.in_(reminder_ids))
                  .values(reminder_id=None).execution_options(synchronize_session=False))
        # Released holds stay as history, naming their subject in words.
        s.execute(update(LegalHold).where(LegalHold.incident_id.in_(incident_ids)).values(incident_id=None)
                  .execution_options(synchronize_session=False))
        s.execute(update(LegalHold).where(LegalHold.review_id.in_(review_ids)).values(review_id=None)
                  .execution_options(synchronize_session=False))
        self._files_of(review_ids)
        self._case_documents(kind, incident_ids, review_ids)
        self._case_work(kind, incident_ids, review_ids)
        self._delete(kind, Reminder, Reminder.id.in_(reminder_ids))
        self._delete(kind, Deadline, Deadline.id.in_(deadline_ids))
        self._delete(kind, Action, Action.id.in_(action_ids))
        self._delete(kind, Recommendation, Recommendation.review_id.in_(review_ids))
        self._delete(kind, Briefing, Briefing.review_id.in_(review_ids))
        self._delete(kind, Draft, Draft.review_id.in_(review_ids))
        self._delete(kind, LearningEvent, LearningEvent.review_id.in_(review_ids))
        self._delete(kind, FamilyInvolvement, FamilyInvolvement.review_id.in_(review_ids))
        self._delete(kind, Document, Document.review_id.in_(review_ids))
        self._delete(kind, ArchiveDeposit, ArchiveDeposit.review_id.in_(review_ids))
        self._delete(kind, Review, Review.id.in_(review_ids))
        self._delete(kind, Notification, Notification.incident_id.in_(incident_ids))
        self._delete(kind, RapidReview, RapidReview.incident_id.in_(incident_ids))
        self._delete(kind, Child, Child.incident_id.in_(incident_ids))
        self._delete(kind, Incident, Incident.id.in_(incident_ids))

    def _case_documents(self, kind: str, incident_ids: list[int], review_ids: list[int]) -> None:
        """The case's documents go with it: every version's file, then the rows (comments, sign-offs)."""
        self._documents(kind, select(CaseDocument.id).where(or_(CaseDocument.incident_id.in_(incident_ids),
                                                                CaseDocument.review_id.in_(review_ids))))

    def _documents(self, kind: str, of_case: Any) -> None:
        """These case documents: every version's file, then the rows (comments, sign-offs, versions)."""
        s = self.session
        versions = select(DocumentVersion.id).where(DocumentVersion.document_id.in_(of_case))
        for key in s.scalars(select(DocumentVersion.storage_key).where(DocumentVersion.id.in_(versions))):
            self.files.append(self.documents_dir / key)
        self._delete(kind, DocumentComment, DocumentComment.version_id.in_(versions))
        self._delete(kind, DocumentSignOff, DocumentSignOff.version_id.in_(versions))
        self._delete(kind, DocumentVersion, DocumentVersion.id.in_(versions))
        self._delete(kind, CaseDocument, CaseDocument.id.in_(of_case))

    def _case_work(self, kind: str, incident_ids: list[int], review_ids: list[int]) -> None:
        """The work of the case goes with it: agency requests and returns, the chronology, proceedings."""
        s = self.session
        requests = or_(InformationRequest.incident_id.in_(incident_ids),
                       InformationRequest.review_id.in_(review_ids))
        for key in s.scalars(select(InformationRequest.return_key).where(
                requests, InformationRequest.return_key.is_not(None))):
            self.files.append(self.documents_dir / key)
        self._delete(kind, InformationRequest, requests)
        self._delete(kind, ChronologyEntry, ChronologyEntry.incident_id.in_(incident_ids))
        proceedings = select(Proceeding.id).where(or_(Proceeding.incident_id.in_(incident_ids),
                                                      Proceeding.review_id.in_(review_ids)))
        self._delete(kind, ExpectedDate, ExpectedDate.proceeding_id.in_(proceedings))
        self._delete(kind, Proceeding, Proceeding.id.in_(proceedings))

    def _files_of(self, review_ids: list[int]) -> None:
        s = self.session
        for key in s.scalars(select(Document.storage_key).where(Document.review_id.in_(review_ids))):
            self.files.append(self.documents_dir / key)
        for path in s.scalars(select(ArchiveDeposit.path).where(ArchiveDeposit.review_id.in_(review_ids))):
            self.files.append(self.archive_dir / path)

    # -- the smaller kinds -----------------------------------------------------
    def review_drafts(self) -> None:
        rule = self.rules.get("review_drafts")
        if rule is None or rule["action"] != "delete":
            return
        k = self.report.kinds["review_drafts"]
        for review in self.session.scalars(select(Review).where(Review.published_on.is_not(None))
                                           .order_by(Review.id)):
            if not _expired(review.published_on, rule, self.today):
                continue
            private = list(self.session.scalars(select(Document).where(
                Document.review_id == review.id, Document.public.is_(False))))
            drafts = self.session.scalar(select(Draft.id).where(Draft.review_id == review.id).limit(1))
            working = list(self.session.scalars(select(CaseDocument.id).where(
                CaseDocument.review_id == review.id, CaseDocument.kind.in_(WORKING_DOCUMENTS))))
            if not private and drafts is None and not working:
                continue
            holds = self.holds.covering([review.incident_id], [review.id])
            if holds:
                k.held(holds)
                continue
            self.files += [self.documents_dir / d.storage_key for d in private]
            self._delete("review_drafts", Document, Document.id.in_([d.id for d in private]))
            self._delete("review_drafts", Draft, Draft.review_id == review.id)
            self._documents("review_drafts", working)
            k.removed += 1

    def archive_deposits(self) -> None:
        rule = self.rules.get("archive_deposits")
        if rule is None or rule["action"] != "delete":
            return
        k = self.report.kinds["archive_deposits"]
        rows = self.session.execute(select(ArchiveDeposit, Review.incident_id)
                                    .join(Review, ArchiveDeposit.review_id == Review.id)
                                    .order_by(ArchiveDeposit.id)).all()
        for deposit, incident_id in rows:
            if not _expired(deposit.created_at, rule, self.today):
                continue
            holds = self.holds.covering([incident_id], [deposit.review_id])
            if holds:
                k.held(holds)
                continue
            self.files.append(self.archive_dir / deposit.path)
            self._delete("archive_deposits", ArchiveDeposit, ArchiveDeposit.id == deposit.id)
            k.removed += 1

    def outbox_messages(self) -> None:
        rule = self.rules.get("outbox_messages")
        if rule is None or rule["action"] != "delete":
            return
        k = self.report.kinds["outbox_messages"]
        rows = self.session.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.created_at,
                   Deadline.incident_id, Deadline.review_id, Recommendation.review_id)
            .where(OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]))
            .outerjoin(Reminder, OutboxMessage.reminder_id == Reminder.id)
            .outerjoin(Deadline, Reminder.deadline_id == Deadline.id)
            .outerjoin(Action, Deadline.action_id == Action.id)
            .outerjoin(Recommendation, Action.recommendation_id == Recommendation.id)
            .order_by(OutboxMessage.id)).all()
        review_incident = dict(self.session.execute(select(Review.id, Review.incident_id)).all())
        gone = []
        for msg_id, status, sent_at, created_at, incident_id, review_id, action_review_id in rows:
            since = sent_at if status == OutboxStatus.SENT else created_at
            if not _expired(since, rule, self.today):
                continue
            reviews = [review_id, action_review_id]
            holds = self.holds.covering([incident_id, *(review_incident.get(r) for r in reviews)], reviews)
            if holds:
                k.held(holds)
                continue
            gone.append(msg_id)
        self._delete("outbox_messages", OutboxMessage, OutboxMessage.id.in_(gone))
        k.removed += len(gone)

    def api_tokens(self) -> None:
        rule = self.rules.get("api_tokens")
        if rule is None or rule["action"] != "delete":
            return
        k = self.report.kinds["api_tokens"]
        gone = []
        for token_id, revoked_at in self.session.execute(
                select(ApiToken.id, ApiToken.revoked_at).where(ApiToken.revoked_at.is_not(None))):
            if not _expired(revoked_at, rule, self.today):
                continue
            if self.holds.partnership:
                k.held(self.holds.partnership)
                continue
            gone.append(token_id)
        self._delete("api_tokens", ApiToken, ApiToken.id.in_(gone))
        k.removed += len(gone)

    def all(self) -> None:
        self.case_records()
        self.review_drafts()
        self.archive_deposits()
        self.outbox_messages()
        self.api_tokens()
        # audit_events: never (the rule must be "keep"; the database refuses DELETE anyway)


def apply_one(session: Session, partnership: Partnership, rules: dict[str, dict[str, Any]], today: dt.date,
              *, documents_dir: Path, archive_dir: Path, dry_run: bool = False,
              actor: str = "system:retention") -> PartnershipReport:
    """Apply the rules in one partnership: one commit, then its files; a dry run rolls back."""
    report = PartnershipReport(partnership.slug)
    with acting_for(session, partnership.id):
        savepoint = session.begin_nested() if dry_run else None
        run = _Run(session, rules, today, documents_dir, archive_dir, report)
        run.all()
        session.expire_all()  # the bulk deletes bypassed the identity map
        if savepoint is not None:
            savepoint.rollback()
            return report
        if report.eventful:
            audit.record(session, "retention.applied", actor=actor, detail={
                "as_of": today.isoformat(),
                "kinds": {kind: {"removed": k.removed, "kept_by_hold": k.kept_by_hold,
                                 "holds": k.hold_ids, "rule": k.rule}
                          for kind, k in report.kinds.items() if k.removed or k.kept_by_hold},
            })
        session.commit()
    for path in run.files:  # after the commit: a rollback never leaves rows without their files
        try:
            path.unlink()
            report.files_removed += 1
        except FileNotFoundError:
            report.problems.append(f"{path.name} was already gone from disk")
        except OSError as exc:
            report.problems.append(f"could not remove {path}: {exc.strerror}")
    return report


def apply(session: Session, registry: PluginRegistry, today: dt.date, *, documents_dir: Path,
          archive_dir: Path, dry_run: bool = False) -> Report:
    """Apply every loaded partnership's rules (disabled ones too: their data still ages)."""
    report = Report(today=today, dry_run=dry_run)
    with across_partnerships(session, "retention: list partnerships"):
        rows = list(session.scalars(select(Partnership).order_by(Partnership.slug)))
    for row in rows:
        policy = registry.policies.get(row.slug)
        if policy is None:  # no plugin loaded: no rules, so nothing is deleted
            continue
        try:
            part = apply_one(session, row, policy.retention_rules, today, documents_dir=documents_dir,
                             archive_dir=archive_dir, dry_run=dry_run)
        except Exception as exc:  # one partnership's problem must not stop the others
            session.rollback()
            log.exception("retention failed for %s", row.slug)
            part = PartnershipReport(row.slug, problems=[f"not applied: {type(exc).__name__}: {exc}"])
        report.partnerships.append(part)
    if not dry_run:
        touch(session, "retention", **report.as_dict())
        session.commit()
    return report

"""The outbox relay: delivers pending messages, once each as far as the database can tell.

A relay lists a batch of due messages, then takes them one at a time: each is claimed
with an atomic conditional UPDATE (still pending, due, and no other relay's lease
running; a lease of OUTBOX_LEASE seconds, committed) just before it is sent, and
marked sent right after, in the commit that claims the next one (the last in a
commit of its own). The batch's messages of one channel share one connection. A
second relay passes a claimed message by, however long the batch takes, and a slow
batch never outlives the lease of the message it is sending. A crash loses at most
the one message between the server's "250 OK" and our commit; the message carries
its idempotency key in its Message-ID so a receiver can drop that duplicate.
Failures are retried with exponential backoff; a message that keeps failing is
marked failed for a person to act on. A message may carry attachments (kept in the
outbox with it); what waited on its delivery (:mod:`cspr.messaging.delivery`) is
recorded in the commit that marks it sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from cspr.db.tenancy import across_partnerships, acting_for
from cspr.messaging import delivery
from cspr.messaging.addresses import DEMO_REFUSAL, is_example_address
from cspr.messaging.mail import compose
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.operations import metrics
from cspr.partnerships.models import Partnership

log = logging.getLogger(__name__)


@dataclass
class RelayResult:
    """What one relay run did."""

    listed: int = 0  # due when the run began (a full batch: more may be waiting)
    claimed: int = 0  # taken by this run (others may have taken the rest of the list)
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class DeliveryError(Exception):
    """The channel refused or could not be reached; ``permanent`` if retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def message_id(key: str) -> str:
    """A stable Message-ID from the idempotency key."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@cspr.outbox>"


class SmtpChannel:
    """Delivers e-mail through one SMTP connection per relay run."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpChannel:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            c = self.config
            if not c["MAIL_SERVER"]:
                raise DeliveryError("no mail server is configured (CSPR_MAIL_SERVER)")
            smtp = smtplib.SMTP(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=30)
            if c["MAIL_USE_TLS"]:
                smtp.starttls()
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
            self._smtp = smtp
        return self._smtp

    def send(self, message: OutboxMessage) -> None:
        """Send one message or raise DeliveryError (logged instead, in development with no server)."""
        if not self.config["MAIL_SERVER"] and self.config.get("ENV") != "production":
            log.info("mail not sent (no CSPR_MAIL_SERVER): to %s: %s", message.recipient, message.subject,
                     extra={"idempotency_key": message.idempotency_key})
            return
        mail = compose(self.config["MAIL_FROM"], message.recipient, message.subject, message.body,
                       {"Message-ID": message_id(message.idempotency_key),
                        "X-CSPR-Idempotency-Key": message.idempotency_key},
                       message.attachments if message.attachment_count else ())
        try:
            self._connection().send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(f"{exc.smtp_code} {exc.smtp_error!r}",
                                permanent=500 <= exc.smtp_code < 600) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass


class NotifyChannel:
    """Delivers e-mail through GOV.UK Notify with the partnership's template and key."""

    def __init__(self, api_key: str, template_id: str, base_url: str | None = None) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        if not api_key:
            raise DeliveryError("no GOV.UK Notify API key is configured for this partnership")
        kwargs = {"base_url": base_url} if base_url else {}
        self.client = NotificationsAPIClient(api_key, **kwargs)
        self.template_id = template_id

    def __enter__(self) -> NotifyChannel:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def send(self, message: OutboxMessage) -> None:
        """Send one message or raise DeliveryError (4xx but 429: for good; else: retry)."""
        from notifications_python_client.errors import HTTPError
        from requests import RequestException

        if message.attachment_count:
            raise DeliveryError("GOV.UK Notify cannot carry this message's attachments: send it by e-mail",
                                permanent=True)
        try:
            self.client.send_email_notification(
                email_address=message.recipient, template_id=self.template_id,
                personalisation={"subject": message.subject, "body": message.body},
                reference=message.idempotency_key)
        except HTTPError as exc:
            status = exc.status_code
            raise DeliveryError(f"GOV.UK Notify {status}: {exc.message}",
                                permanent=400 <= status < 500 and status != 429) from exc
        except RequestException as exc:
            raise DeliveryError(f"GOV.UK Notify unreachable: {exc}") from exc


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def relay(session: Session, channel_for: Callable[[str, int], Any], config: dict[str, Any],
          now: dt.datetime | None = None) -> RelayResult:
    """List a batch of due messages, then claim, send and record each one in turn.

    ``now`` moves the relay's clock (tests); it keeps running from there.
    """
    offset = (now - _now()) if now is not None else dt.timedelta(0)

    def clock() -> dt.datetime:
        return _now() + offset

    result = RelayResult()
    if not _pending(session):
        return result  # nothing to claim: no need to look across partnerships
    start = clock()
    with across_partnerships(session, "outbox relay: list due messages", actor="system:outbox"):
        due = (
            select(OutboxMessage.id, OutboxMessage.partnership_id)
            .where(OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.next_attempt_at <= start,
                   or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < start))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(int(config["OUTBOX_BATCH"]))
        )
        ids = [(row.id, row.partnership_id) for row in session.execute(due)]
        session.commit()  # the access record; nothing is claimed yet
    result.listed = len(ids)
    lease = dt.timedelta(seconds=int(config["OUTBOX_LEASE"]))
    channels: dict[tuple[str, int], Any] = {}
    try:
        for message_id_, partnership_id in ids:
            with acting_for(session, partnership_id):
                # the claim commits with the outcome of the message before it: one commit each
                message = take(session, message_id_, clock(), lease)
                session.commit()  # the claim: other relays now pass this message by
                if message is None:
                    continue  # sent, failed, or another relay holds it now
                result.claimed += 1
                key = (message.channel, message.partnership_id)
                try:
                    if config.get("MAIL_EXAMPLE_DOMAINS_ONLY") and not is_example_address(message.recipient):
                        raise DeliveryError(DEMO_REFUSAL, permanent=True)  # a demo e-mails no real person
                    channel = channels.get(key)
                    if channel is None:
                        channel = channels[key] = channel_for(*key).__enter__()
                    channel.send(message)
                except DeliveryError as exc:
                    _failed(message, exc, config, result)
                else:
                    message.status = OutboxStatus.SENT
                    message.sent_at = _now()
                    message.attempts += 1
                    message.claimed_until = None
                    result.sent += 1
                    metrics.message_sent(message)
                    delivery.delivered(session, message)  # e.g. a deposit is sent: in the same commit
                session.flush()  # recorded now, committed with the next claim or after the batch
        session.commit()
    finally:
        for channel in channels.values():
            channel.__exit__(None, None, None)
    if result.sent or result.failed or result.retrying:
        log.info("outbox relay", extra={"sent": result.sent, "retrying": result.retrying,
                                        "failed": result.failed})
    return result


def take(session: Session, message_id_: int, at: dt.datetime, lease: dt.timedelta) -> OutboxMessage | None:
    """:func:`claim` the message and return it as claimed (None if another relay has it, or it is done)."""
    return session.scalars(
        _claim_statement(message_id_, at, lease).returning(OutboxMessage)
        .execution_options(populate_existing=True)
    ).first()


def _claim_statement(message_id_: int, at: dt.datetime, lease: dt.timedelta):  # noqa: ANN202
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id_,
               OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at <= at,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at))
        .values(claimed_until=at + lease)
    )


def claim(session: Session, message_id_: int, at: dt.datetime, lease: dt.timedelta) -> bool:
    """Take one message for ``lease`` if it is still pending, due and nobody's; True if taken.

    One conditional UPDATE: of two relays racing for a message, the database lets one
    change the row; the other's condition no longer holds once the first commits.
    """
    taken = session.execute(
        _claim_statement(message_id_, at, lease).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def _failed(message: OutboxMessage, exc: DeliveryError, config: dict[str, Any],
            result: RelayResult) -> None:
    message.attempts += 1
    message.last_error = str(exc)[:2000]
    message.claimed_until = None
    if exc.permanent or message.attempts >= int(config["OUTBOX_MAX_ATTEMPTS"]):
        message.status = OutboxStatus.FAILED
        result.failed += 1
        log.error("outbox message failed for good", extra={"outbox_id": message.id, "error": str(exc)})
    else:
        delay = min(int(config["OUTBOX_BACKOFF"]) * 2 ** (message.attempts - 1),
                    int(config["OUTBOX_BACKOFF_MAX"]))
        message.next_attempt_at = _now() + dt.timedelta(seconds=delay)
        result.retrying += 1
    result.errors.append(str(exc))
    metrics.message_failed(message, final=message.status == OutboxStatus.FAILED)


def _counts(session: Session) -> tuple[int, dt.datetime | None, int]:
    """Pending count, oldest pending and failed count over every partnership: counts, never rows.

    PostgreSQL asks a function that returns only these numbers (row-level security stays on
    for the app); SQLite adds up each partnership's own counts.
    """
    if session.get_bind().dialect.name == "postgresql":
        return tuple(session.execute(text("SELECT pending, oldest, failed FROM cspr_outbox_backlog()")).one())
    pending, oldest, failed = 0, None, 0
    for pid in session.scalars(select(Partnership.id)).all():
        with acting_for(session, pid):
            count, first, bad = session.execute(select(
                func.count().filter(OutboxMessage.status == OutboxStatus.PENDING),
                func.min(OutboxMessage.created_at).filter(OutboxMessage.status == OutboxStatus.PENDING),
                func.count().filter(OutboxMessage.status == OutboxStatus.FAILED))
                .select_from(OutboxMessage)).one()
        pending, failed = pending + count, failed + bad
        oldest = first if oldest is None or (first is not None and first < oldest) else oldest
    return pending, oldest, failed


def _pending(session: Session) -> int:
    return _counts(session)[0]


def backlog(session: Session) -> dict[str, Any]:
    """Pending and failed counts, and the age of the oldest pending message (for /healthz)."""
    pending, oldest, failed = _counts(session)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    age = (_now() - oldest).total_seconds() if oldest else 0
    return {"pending": pending, "failed": failed, "oldest_pending_seconds": round(age)}


def retry(session: Session, message_ids: list[int]) -> int:
    """Put failed messages back in the queue (a person decided to try again)."""
    count = 0
    for message in session.scalars(select(OutboxMessage).where(and_(
            OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.FAILED))):
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = _now()
        message.claimed_until = None
        count += 1
    return count

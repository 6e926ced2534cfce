"""The outbox relay: delivers pending messages, once each as far as the database can tell.

A relay claims a batch of due messages in one conditional UPDATE ... RETURNING (still
pending, due, no other relay's lease running; on PostgreSQL picked FOR UPDATE SKIP LOCKED,
so relays running at once take different messages), committed with its cross-partnership
access record. It then sends them in turn, the batch's messages of one channel on one
connection, and commits each message's outcome on its own right after the send, before
the next is sent (without waiting for the disk: a killed worker loses no commit). A relay
sends a message only while at least half its lease (OUTBOX_LEASE seconds) is left, and
hands the rest of the batch back when it is not, so a slow batch never outlives the lease
of the message it is sending. A crash loses at most the one message between the server's
"250 OK" and our commit; the message carries its idempotency key in its Message-ID so a
receiver can drop that duplicate. The other messages a crashed relay had claimed wait for
their lease to run out. Failures are retried with exponential backoff; a message that
keeps failing is marked failed for a person to act on. A message may carry attachments (kept
in the outbox with it); what waited on its delivery (:mod:`cspr.messaging.delivery`) is
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

from cspr.db.tenancy import across_partnerships, acting_for, without_waiting_for_disk
from cspr.messaging import delivery
from cspr.messaging.addresses import DEMO_REFUSAL, is_example_address
from cspr.messaging.mail import compose, compose_plain
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.operations import metrics
from cspr.partnerships.models import Partnership

log = logging.getLogger(__name__)


@dataclass
class RelayResult:
    """What one relay run did."""

    listed: int = 0  # claimed when the run began (a full batch: more may be waiting)
    claimed: int = 0  # sent or attempted by this run
    released: int = 0  # claimed, then handed back unsent (the lease was half gone)
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
        headers = {"Message-ID": message_id(message.idempotency_key),
                   "X-CSPR-Idempotency-Key": message.idempotency_key}
        mail = None if message.attachment_count else compose_plain(
            self.config["MAIL_FROM"], message.recipient, message.subject, message.body, headers)
        if mail is None:
            mail = compose(self.config["MAIL_FROM"], message.recipient, message.subject, message.body,
                           headers, message.attachments if message.attachment_count else ())
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
          now: dt.datetime | None = None, more: Callable[[], None] | None = None) -> RelayResult:
    """Claim a batch of due messages in one statement, then send and record each one in turn.

    ``now`` moves the relay's clock (tests); it keeps running from there. ``more`` is called
    once when more may be waiting (a full batch, or claims handed back): a worker queues the
    next run with it, right after the claim, so another process can relay the next batch
    while this one sends.
    """
    offset = (now - _now()) if now is not None else dt.timedelta(0)

    def clock() -> dt.datetime:
        return _now() + offset

    result = RelayResult()
    if not _pending(session):
        return result  # nothing to claim: no need to look across partnerships
    lease = dt.timedelta(seconds=int(config["OUTBOX_LEASE"]))
    batch = int(config["OUTBOX_BATCH"])
    with across_partnerships(session, "outbox relay: claim due messages", actor="system:outbox"):
        start = clock()
        rows = claim_batch(session, start, lease, batch)
        session.commit()  # the claims (and the access record): other relays now pass these by
    result.listed = len(rows)
    asked = False
    if more is not None and len(rows) >= batch:
        more()
        asked = True
    # A message is sent only while at least half its lease is left: a send takes far less, so
    # no other relay can take a message this one is sending; the rest are handed back.
    stop_at = start + lease / 2
    channels: dict[tuple[str, int], Any] = {}
    try:
        for n, message in enumerate(rows):
            if clock() >= stop_at:
                result.released = _release(session, rows[n:], start + lease)
                if more is not None and not asked:
                    more()
                break
            result.claimed += 1
            key = (message.channel, message.partnership_id)
            try:
                if config.get("MAIL_EXAMPLE_DOMAINS_ONLY") and not is_example_address(message.recipient):
                    raise DeliveryError(DEMO_REFUSAL, permanent=True)  # a demo e-mails no real person
                channel = channels.get(key)
                if channel is None:
                    channel = channels[key] = channel_for(*key).__enter__()
                if message.attachment_count:  # the files travel with it: load them (and it) now
                    with acting_for(session, message.partnership_id):
                        message = session.get(OutboxMessage, message.id)
                        message.attachments  # noqa: B018 - loaded, then kept by the detached message
                        session.expunge(message)
                    session.rollback()
                channel.send(message)
            except DeliveryError as exc:
                values = _failed(message, exc, config, result)
            else:
                values = {"status": OutboxStatus.SENT, "sent_at": _now(),
                          "attempts": message.attempts + 1, "claimed_until": None}
                result.sent += 1
                metrics.message_sent(message)
            _record(session, message, values)
    finally:
        session.rollback()  # a send that raised leaves its claim to run out
        for channel in channels.values():
            channel.__exit__(None, None, None)
    if result.sent or result.failed or result.retrying:
        log.info("outbox relay", extra={"sent": result.sent, "retrying": result.retrying,
                                        "failed": result.failed, "released": result.released})
    return result


#: What the relay reads of a message it claims (columns, not ORM objects: it writes them back
#: with one UPDATE each, and holds them across partnerships' transactions).
_CLAIMED = (OutboxMessage.id, OutboxMessage.partnership_id, OutboxMessage.idempotency_key,
            OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body,
            OutboxMessage.reminder_id, OutboxMessage.attempts, OutboxMessage.claimed_until,
            OutboxMessage.attachment_count)


def _free(at: dt.datetime):  # noqa: ANN202
    """Pending, due, and no relay's lease running at ``at``."""
    return and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= at,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at))


def claim_batch(session: Session, at: dt.datetime, lease: dt.timedelta, limit: int) -> list[Any]:
    """Take up to ``limit`` due messages for ``lease`` in one UPDATE ... RETURNING, oldest first.

    On PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``: two relays claiming at once
    take different messages, neither waits for the other; the UPDATE's own condition is
    checked again on each row, so a message another relay has just claimed is never taken.
    """
    # a CTE is evaluated once: a LIMIT inside "id IN (subquery)" can be scanned again by the plan
    picked = (select(OutboxMessage.id).where(_free(at))
              .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
              .with_for_update(skip_locked=True).cte("picked"))
    statement = (update(OutboxMessage)
                 .where(OutboxMessage.id == picked.c.id, _free(at))
                 .values(claimed_until=at + lease).returning(*_CLAIMED)
                 .execution_options(synchronize_session=False))
    rows = session.execute(statement).all()
    return sorted(rows, key=lambda row: row.id)


def _release(session: Session, rows: list[Any], until: dt.datetime) -> int:
    """Hand back the claims this relay still holds on ``rows`` (by its lease's end); how many."""
    ids = [row.id for row in rows]
    with across_partnerships(session, "outbox relay: hand back claimed messages", actor="system:outbox"):
        released = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.claimed_until == until)
            .values(claimed_until=None).execution_options(synchronize_session=False)).rowcount
        session.commit()
    return released


def _record(session: Session, message: Any, values: dict[str, Any]) -> None:
    """Write one message's outcome and commit it before the next message is sent.

    Committed on its own, so a worker killed later repeats nothing before it; on PostgreSQL
    without waiting for the disk (``synchronous_commit off``): a killed worker loses nothing
    committed, and only a crash of the database server itself could lose the last fraction of
    a second of outcomes, whose messages would then be sent again with the same Message-ID.
    """
    with acting_for(session, message.partnership_id), without_waiting_for_disk(session):
        # a Core statement on the session's connection (its transaction carries the tenancy
        # settings row-level security reads); the partnership is in the statement itself
        session.connection().execute(
            update(OutboxMessage.__table__)
            .where(OutboxMessage.id == message.id, OutboxMessage.partnership_id == message.partnership_id)
            .values(**values))
        if values.get("status") == OutboxStatus.SENT and delivery.waits_on(message.idempotency_key):
            # what waited on it (a deposit is sent) is recorded in the same commit
            delivery.delivered(session, session.get(OutboxMessage, message.id))
        session.commit()


def _failed(message: Any, exc: DeliveryError, config: dict[str, Any],
            result: RelayResult) -> dict[str, Any]:
    """Count the failure; the message's new values: retried after a backoff, or failed for good."""
    attempts = message.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_error": str(exc)[:2000], "claimed_until": None}
    final = exc.permanent or attempts >= int(config["OUTBOX_MAX_ATTEMPTS"])
    if final:
        values["status"] = OutboxStatus.FAILED
        result.failed += 1
        log.error("outbox message failed for good", extra={"outbox_id": message.id, "error": str(exc)})
    else:
        delay = min(int(config["OUTBOX_BACKOFF"]) * 2 ** (attempts - 1), int(config["OUTBOX_BACKOFF_MAX"]))
        values["next_attempt_at"] = _now() + dt.timedelta(seconds=delay)
        result.retrying += 1
    result.errors.append(str(exc))
    metrics.message_failed(message, final=final)
    return values


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

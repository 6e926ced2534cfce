"""An NSPCC deposit e-mailed through the outbox, followed to delivery, and acknowledged with a copy number.

The package is attached when it fits NSPCC_DEPOSIT_ATTACH_MAX_BYTES; otherwise the e-mail carries a
download link on BASE_URL that expires after NSPCC_DEPOSIT_LINK_DAYS. The deposit is "sent" only when
the outbox has delivered the e-mail (a listener in the relay's commit), then "acknowledged" when staff
record the copy number the NSPCC gives it. Each step is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cspr.archive import links
from cspr.archive.models import ArchiveDeposit, DepositDelivery, DepositStatus
from cspr.audit import events as audit
from cspr.defaults import FRAMEWORKS
from cspr.messaging import delivery
from cspr.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from cspr.reviews.models import ArchiveOutcome, Review
from cspr.services.context import Context
from cspr.services.errors import InputError, StepError
from cspr.web.links import external_url

KEY_PREFIX = "nspcc-deposit"
ZIP = "application/zip"


def configured(config: dict[str, Any]) -> bool:
    """Whether the operator has set the NSPCC's address for deposits."""
    return bool(str(config.get("NSPCC_DEPOSIT_ADDRESS") or "").strip())


def filename(deposit: ArchiveDeposit, review: Review) -> str:
    """The package's name in the e-mail and the download: no area or case in an anonymous one's."""
    if deposit.catalogue.get("publish_anonymously"):
        return f"nspcc-deposit-{deposit.id}.zip"
    return Path(deposit.path).name


def waiting(session: Session, deposit: ArchiveDeposit) -> OutboxMessage | None:
    """The deposit's e-mail still in the outbox, waiting to be delivered (None if there is none)."""
    if deposit.outbox_id is None:
        return None
    message = session.get(OutboxMessage, deposit.outbox_id)
    return message if message is not None and message.status == OutboxStatus.PENDING else None


def message_states(session: Session, deposits: list[ArchiveDeposit]) -> dict[int, OutboxStatus]:
    """Each deposit's latest e-mail's state (pending, sent, failed), by deposit id, in one query."""
    by_message = {d.outbox_id: d.id for d in deposits if d.outbox_id is not None}
    if not by_message:
        return {}
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(by_message))
    )
    return {by_message[message_id]: status for message_id, status in rows}


def queue(ctx: Context, deposit: ArchiveDeposit, config: dict[str, Any], archive_dir: Path) -> OutboxMessage:
    """Put the deposit's e-mail to the NSPCC in the outbox (the relay sends it after the commit).

    The deposit's row is locked first (PostgreSQL), so of two people sending it at once the second
    finds the first one's message waiting and is refused: one e-mail, never two.
    """
    ctx.session.execute(select(ArchiveDeposit.id).where(ArchiveDeposit.id == deposit.id).with_for_update())
    ctx.session.refresh(deposit)
    if deposit.outcome != ArchiveOutcome.NSPCC.value:
        raise StepError("This report was filed to answer requests: it is not deposited with the NSPCC")
    if deposit.status != DepositStatus.PREPARED:
        raise StepError("This deposit has already been sent to the NSPCC")
    if waiting(ctx.session, deposit) is not None:
        raise StepError("This deposit is already waiting in the outbox to be sent")
    if not configured(config):
        raise StepError(
            "No address is set for deposits with the NSPCC: the service's operator sets "
            "CSPR_NSPCC_DEPOSIT_ADDRESS"
        )
    data = (archive_dir / deposit.path).read_bytes() if (archive_dir / deposit.path).is_file() else b""
    if hashlib.sha256(data).hexdigest() != deposit.sha256:
        raise StepError("The package does not match its checksum: verify it before sending it")
    review = ctx.session.get(Review, deposit.review_id)
    if not deposit.catalogue:  # a package built before deposits kept their record (migration 0024)
        from cspr.archive import services as archive

        deposit.catalogue = archive.metadata(ctx, review)
    record = deposit.catalogue
    now = dt.datetime.now(dt.UTC)
    earlier = ctx.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.idempotency_key.like(f"{KEY_PREFIX}:{deposit.id}:%"))
    )
    name = filename(deposit, review)
    fits = len(data) <= int(config["NSPCC_DEPOSIT_ATTACH_MAX_BYTES"])
    if fits:
        expires, how = None, f"The deposit package is attached ({name}, {_size(len(data))})."
    else:
        expires = now + dt.timedelta(days=int(config["NSPCC_DEPOSIT_LINK_DAYS"]))
        token = links.make(config["SECRET_KEY"], deposit.id, deposit.sha256, expires)
        how = (
            f"The deposit package ({_size(len(data))}) is too large to attach. Download it from\n"
            f"{external_url('deposits.download', token=token)}\n"
            f"The link works until {expires:%-d %B %Y %H:%M} UTC."
        )
    message = OutboxMessage(
        idempotency_key=f"{KEY_PREFIX}:{deposit.id}:{earlier + 1}",
        channel="email",
        recipient=str(config["NSPCC_DEPOSIT_ADDRESS"]).strip(),
        subject=_subject(ctx, deposit, record),
        body=_body(ctx, deposit, record, how),
        attachment_count=1 if fits else 0,
    )
    if fits:
        message.attachments.append(
            OutboxAttachment(
                filename=name, media_type=ZIP, content=data, sha256=deposit.sha256, size_bytes=len(data)
            )
        )
    ctx.session.add(message)
    ctx.session.flush()
    deposit.outbox_id, deposit.queued_at, deposit.link_expires_at = message.id, now, expires
    deposit.delivery = DepositDelivery.ATTACHED if fits else DepositDelivery.LINK
    ctx.audit(
        "archive.queued",
        deposit,
        review_id=deposit.review_id,
        recipient=message.recipient,
        delivery=deposit.delivery.value,
        link_expires_at=expires.isoformat() if expires else None,
    )
    return message


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, round(n / 1024))} KB"


def _subject(ctx: Context, deposit: ArchiveDeposit, record: dict[str, Any]) -> str:
    if record.get("publish_anonymously"):
        return f"Deposit {deposit.id} for the National Case Review Repository, to publish anonymously"
    return f"Deposit for the National Case Review Repository: {record.get('title')} ({ctx.policy.name})"[:255]


def _body(ctx: Context, deposit: ArchiveDeposit, record: dict[str, Any], how: str) -> str:
    """The catalogue record in words, and where the package is."""
    case = record.get("case") or {}
    frameworks = record.get("frameworks") or []  # a joint review's: one record, held under each
    held = " and ".join(FRAMEWORKS.get(f, f) for f in frameworks)
    lines = [f"{ctx.policy.name} deposits this report with the NSPCC National Case Review Repository.", ""]
    if record.get("publish_anonymously"):
        lines += [
            "It is published anonymously through the NSPCC: it was too sensitive to publish locally.",
            "Please publish it without naming the area or anything that identifies its case.",
            "",
        ]
    lines += [
        f"Title: {record.get('title')}",
        f"Partnership: {(record.get('partnership') or {}).get('name')}",
        f"Authors: {', '.join(record.get('authors') or []) or 'not recorded'}",
        f"Publisher: {record.get('publisher') or 'not recorded'}",
        *([f"Co-publisher: {record['co_publisher']}"] if record.get("co_publisher") else []),
        f"Date of publication: {record.get('published_as_known') or record.get('published_on')}",
        f"Kind of review: {record.get('kind_words')}",
        *([f"Held under: {held}"] if len(frameworks) > 1 else []),
        f"Child's age: {case.get('age') or 'not recorded'}",
        f"Child's sex: {case.get('sex') or 'not recorded'}",
        f"What happened: {case.get('incident') or 'not recorded'}",
        f"Learning themes: {'; '.join(record.get('themes') or []) or 'none recorded'}",
        f"Recommendations: {len(record.get('recommendations') or [])}",
        "",
        how,
        "",
        "The package holds the report, metadata.json (the full catalogue record) and a SHA-256 manifest.",
        f"Package checksum (SHA-256): {deposit.sha256}",
        "",
        "Please reply with the copy number you give this deposit.",
    ]
    return "\n".join(lines) + "\n"


@delivery.listen(KEY_PREFIX)
def deposit_delivered(session: Session, message: OutboxMessage) -> None:
    """The outbox delivered a deposit's e-mail: the deposit is sent (once), in the relay's commit."""
    sent = session.execute(
        update(ArchiveDeposit)
        .where(ArchiveDeposit.outbox_id == message.id, ArchiveDeposit.status == DepositStatus.PREPARED)
        .values(status=DepositStatus.SENT, sent_at=message.sent_at)
        .returning(ArchiveDeposit.id, ArchiveDeposit.review_id)
        .execution_options(synchronize_session=False)
    ).first()
    if sent is not None:
        audit.record(
            session,
            "archive.sent",
            actor="system:outbox",
            object_type="archive_deposits",
            object_id=sent.id,
            detail={"review_id": sent.review_id, "recipient": message.recipient, "outbox_id": message.id},
        )


def acknowledge(ctx: Context, deposit: ArchiveDeposit, copy_number: str, acknowledged_on: dt.date) -> None:
    """Record the copy number the NSPCC gave the deposit (only once it has been sent)."""
    if deposit.status == DepositStatus.ACKNOWLEDGED:
        raise StepError(f"This deposit was already acknowledged, with copy number {deposit.copy_number}")
    if deposit.status != DepositStatus.SENT:
        raise StepError(
            "This deposit has not been sent to the NSPCC yet: it can be acknowledged once "
            "the e-mail has been delivered"
        )
    if deposit.sent_at is not None and acknowledged_on < deposit.sent_at.date():
        raise InputError(
            {
                "acknowledged_on": "Date the NSPCC acknowledged the deposit must be on or after "
                f"the day it was sent, {deposit.sent_at:%-d %B %Y}"
            }
        )
    if acknowledged_on > ctx.today:
        raise InputError(
            {"acknowledged_on": "Date the NSPCC acknowledged the deposit must be today or in the past"}
        )
    # one conditional UPDATE: of two people recording a copy number at once, one is kept
    changed = ctx.session.execute(
        update(ArchiveDeposit)
        .where(ArchiveDeposit.id == deposit.id, ArchiveDeposit.status == DepositStatus.SENT)
        .values(
            status=DepositStatus.ACKNOWLEDGED,
            copy_number=copy_number,
            acknowledged_on=acknowledged_on,
            acknowledged_by=ctx.actor[:200],
        )
        .returning(ArchiveDeposit.id)
        .execution_options(synchronize_session=False)
    ).first()
    ctx.session.refresh(deposit)
    if changed is None:
        raise StepError(f"This deposit was already acknowledged, with copy number {deposit.copy_number}")
    ctx.audit(
        "archive.acknowledged",
        deposit,
        review_id=deposit.review_id,
        copy_number=copy_number,
        acknowledged_on=acknowledged_on,
    )

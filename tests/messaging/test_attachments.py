"""Outbox attachments: kept with the message, sent by the relay as MIME parts, once, through a retry."""

from __future__ import annotations

import hashlib

from sqlalchemy import event, select

from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.messaging import relay as outbox
from cspr.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from cspr.messaging.tasks import channel_for
from cspr.partnerships import services as partnerships
from tests.deadlines.test_reminders import notify_app  # noqa: F401 (the fixture: a plugin on the Notify stub)

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40  # binary: every byte value survives the trip


def queue(app, key: str, files: list[tuple[str, str, bytes]]) -> None:
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        with acting_for(session, partnerships.get(session, "doncaster").id):
            message = OutboxMessage(
                idempotency_key=key,
                recipient="library@nspcc.example.org",
                subject="A report",
                body="The report is attached.",
                attachment_count=len(files),
            )
            for name, media_type, data in files:
                message.attachments.append(
                    OutboxAttachment(
                        filename=name,
                        media_type=media_type,
                        content=data,
                        sha256=hashlib.sha256(data).hexdigest(),
                        size_bytes=len(data),
                    )
                )
            session.add(message)


def relay(app) -> outbox.RelayResult:
    with app.app_context(), get_db().sessionmaker() as session:
        return outbox.relay(session, channel_for, app.config)


def test_a_message_with_attachments_is_retried_and_delivered_once_with_its_files_whole(app, mailbox):
    queue(
        app,
        "attach-1",
        [("report.pdf", "application/pdf", PDF), ("deposit.zip", "application/zip", b"PK\x03\x04zip")],
    )
    mailbox.refuse = 1  # 451 the first time
    assert relay(app).retrying == 1 and mailbox.messages == []
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, "doncaster").id):
            message = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "attach-1"))
            message.next_attempt_at = message.created_at  # due again now
            session.commit()
    assert relay(app).sent == 1
    assert relay(app).sent == 0  # sent is sent
    (received,) = mailbox.wait_for(1)
    parts = {p.get_filename(): p for p in received.walk() if p.get_filename()}
    assert parts["report.pdf"].get_payload(decode=True) == PDF
    assert parts["report.pdf"].get_content_type() == "application/pdf"
    assert parts["deposit.zip"].get_payload(decode=True) == b"PK\x03\x04zip"
    assert received["Message-ID"] == outbox.message_id("attach-1")
    body = next(p for p in received.walk() if p.get_content_type() == "text/plain" and not p.get_filename())
    assert body.get_payload(decode=True).decode().strip() == "The report is attached."


def test_messages_without_attachments_never_read_the_attachments_table(app, mailbox):
    for i in range(3):
        queue(app, f"plain-{i}", [])
    statements: list[str] = []
    engine = app.extensions["cspr.db"].engine

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert relay(app).sent == 3
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "outbox_attachments" in s]
    assert len(mailbox.wait_for(3)) == 3 and all(not m.is_multipart() for m in mailbox.messages)


def test_a_deleted_message_takes_its_attachments_with_it(app):
    queue(app, "gone-1", [("a.txt", "text/plain", b"a")])
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, "doncaster").id):
            message = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == "gone-1"))
            assert message.status == OutboxStatus.PENDING and len(message.attachments) == 1
            session.delete(message)
            session.commit()
            assert session.scalars(select(OutboxAttachment)).all() == []


def test_gov_uk_notify_refuses_an_attachment_for_good_and_says_why(notify_app):  # noqa: F811
    app, stub = notify_app
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        with acting_for(session, partnerships.get(session, "riverside").id):
            message = OutboxMessage(
                idempotency_key="notify-attach",
                channel="notify",
                recipient="a@example.org",
                subject="A report",
                body="Attached.",
                attachment_count=1,
            )
            message.attachments.append(
                OutboxAttachment(
                    filename="r.pdf",
                    media_type="application/pdf",
                    content=PDF,
                    sha256="0" * 64,
                    size_bytes=len(PDF),
                )
            )
            session.add(message)
    assert relay(app).failed == 1 and stub.received == []
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, "riverside").id):
            failed = session.scalar(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == "notify-attach")
            )
            assert failed.status == OutboxStatus.FAILED
            assert "GOV.UK Notify cannot carry this message's attachments" in failed.last_error

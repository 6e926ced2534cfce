"""The relay's batch claim on PostgreSQL: relays at once take different messages, outcomes commit at once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from cspr.db import get_db
from cspr.db.tenancy import across_partnerships, acting_for, without_waiting_for_disk
from cspr.messaging import relay as outbox
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.partnerships import services as partnerships

pytestmark = pytest.mark.commits  # two sessions, each with its own connection, see each other's commits

LEASE = dt.timedelta(minutes=5)


def queue(app, count: int) -> None:
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            for i in range(count):
                session.add(
                    OutboxMessage(
                        idempotency_key=f"batch-{i}",
                        recipient=f"p{i}@example.org",
                        subject=f"Reminder {i}",
                        body="A deadline is due.",
                    )
                )


def test_two_relays_claiming_at_once_take_different_messages_and_neither_waits(app):
    queue(app, 20)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        db = get_db()
        with db.sessionmaker() as first, db.sessionmaker() as second:
            with across_partnerships(first, "test"), across_partnerships(second, "test"):
                # the first relay's claim is not committed yet: its rows stay locked
                mine = outbox.claim_batch(first, now, LEASE, 12)
                second.execute(text("SET LOCAL lock_timeout = '5s'"))  # a wait would fail, not hang
                theirs = outbox.claim_batch(second, now, LEASE, 12)
                second.commit()
                first.commit()
                again = outbox.claim_batch(first, now, LEASE, 12)  # both leases are running now
                first.commit()
    assert len(mine) == 12 and len(theirs) == 8
    assert not {m.id for m in mine} & {m.id for m in theirs}
    assert again == []


def test_a_claim_takes_at_most_the_batch_oldest_first_and_never_a_message_not_due(app):
    queue(app, 30)
    now = dt.datetime.now(dt.UTC)
    with app.app_context(), get_db().session_scope() as session, across_partnerships(session, "test"):
        later = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == "batch-0")).one()
        later.next_attempt_at = now + dt.timedelta(hours=1)  # retrying after a backoff
    with app.app_context(), get_db().session_scope() as session, across_partnerships(session, "test"):
        rows = outbox.claim_batch(session, now, LEASE, 10)
    assert len(rows) == 10
    assert "batch-0" not in {r.idempotency_key for r in rows}
    assert [r.idempotency_key for r in rows] == [f"batch-{i}" for i in range(1, 11)]


def test_a_relays_record_of_a_sent_message_commits_without_waiting_for_the_disk_and_nothing_else_does(app):
    queue(app, 1)
    with app.app_context(), get_db().sessionmaker() as session:
        pid = partnerships.get(session, "doncaster").id
        with acting_for(session, pid):
            plain = session.execute(text("SHOW synchronous_commit")).scalar()
            session.commit()
            with without_waiting_for_disk(session):
                relayed = session.execute(text("SHOW synchronous_commit")).scalar()
                session.commit()
            after = session.execute(text("SHOW synchronous_commit")).scalar()
            session.commit()
    assert (plain, relayed, after) == ("on", "off", "on")


def test_a_relay_sends_its_batch_and_records_each_outcome(app, mailbox):
    from cspr.messaging.tasks import channel_for

    queue(app, 5)
    mailbox.refuse = 1  # the first message is refused once (451): retried later, not lost
    with app.app_context(), get_db().sessionmaker() as session:
        asked = []
        result = outbox.relay(session, channel_for, app.config, more=lambda: asked.append(1))
        with across_partnerships(session, "test"):
            states = {
                m.idempotency_key: (m.status, m.attempts, m.claimed_until, m.last_error)
                for m in session.scalars(select(OutboxMessage))
            }
    assert (result.listed, result.claimed, result.sent, result.retrying) == (5, 5, 4, 1)
    assert asked == []  # a batch that was not full: nothing more is waiting
    assert sorted(mailbox.keys()) == [f"batch-{i}" for i in range(1, 5)]
    status, attempts, claimed_until, error = states["batch-0"]
    assert (status, attempts, claimed_until) == (OutboxStatus.PENDING, 1, None) and "451" in error
    assert all(states[f"batch-{i}"][:3] == (OutboxStatus.SENT, 1, None) for i in range(1, 5))


def test_plain_and_non_ascii_messages_arrive_with_their_subject_body_and_message_id(app, mailbox):
    from email.header import decode_header, make_header

    from cspr.messaging.tasks import channel_for

    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        with acting_for(session, partnerships.get(session, "doncaster").id):
            session.add(
                OutboxMessage(
                    idempotency_key="plain-1",
                    recipient="a@example.org",
                    subject="Reminder: notify the Panel",
                    body="Due on 3 December.\n" * 3,
                )
            )
            session.add(
                OutboxMessage(
                    idempotency_key="plain-2",
                    recipient="b@example.org",
                    subject="Reminder for Child Zoë",
                    body="Zoë's review is due.\n",
                )
            )
    with app.app_context(), get_db().sessionmaker() as session:
        assert outbox.relay(session, channel_for, app.config).sent == 2
    got = {m["X-CSPR-Idempotency-Key"]: m for m in mailbox.messages}
    assert str(make_header(decode_header(got["plain-1"]["Subject"]))) == "Reminder: notify the Panel"
    assert str(make_header(decode_header(got["plain-2"]["Subject"]))) == "Reminder for Child Zoë"
    def body(key: str) -> str:
        return got[key].get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")  # CRLF on the wire

    assert body("plain-1") == "Due on 3 December.\n" * 3
    assert body("plain-2") == "Zoë's review is due.\n"
    assert got["plain-1"]["Message-ID"] == outbox.message_id("plain-1")
    assert got["plain-2"]["Message-ID"] == outbox.message_id("plain-2")
    assert all(
        m["From"] == app.config["MAIL_FROM"] and m.get_content_type() == "text/plain" for m in got.values()
    )

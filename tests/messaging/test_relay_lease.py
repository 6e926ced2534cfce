"""Two relays at once on PostgreSQL, a batch slower than the lease: each message is delivered once."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from cspr import create_app
from cspr.db import get_db
from cspr.db.tenancy import across_partnerships, acting_for
from cspr.messaging import relay as outbox_service
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.partnerships import services as partnerships

pytestmark = pytest.mark.commits  # two relays, each an app with its own engine, in two threads

MESSAGES = 120  # fewer than the 200 to keep the test quick; 60 per partnership
DELAY = 0.08  # seconds the SMTP server takes per recipient: one relay alone needs 9.6 s
# Seconds: well below the batch's duration (two relays share it: about 5 s each) and far above one
# message's send (0.08 s), as in production (300 s against a 30 s SMTP timeout). A lease shorter than
# one send on a loaded machine would let a second relay send that one message again.
LEASE = 3


def relay_app(app, tmp_path, name: str):
    """Another app (its own engine and pool) on the same database and SMTP server."""
    return create_app({
        "DATABASE_URL": app.config["DATABASE_URL"], "BROKER_URL": app.config["BROKER_URL"],
        "INSTANCE_PATH": str(tmp_path / name), "TESTING": True,
        "MAIL_SERVER": app.config["MAIL_SERVER"], "MAIL_PORT": app.config["MAIL_PORT"],
        "OUTBOX_LEASE": LEASE, "OUTBOX_BATCH": MESSAGES,
    })


def queue_messages(app) -> None:
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        for slug in ("doncaster", "york"):
            row = partnerships.get(session, slug)
            with acting_for(session, row.id):
                for i in range(MESSAGES // 2):
                    session.add(OutboxMessage(idempotency_key=f"lease-{slug}-{i}",
                                              recipient=f"person{i}@{slug}.example.org",
                                              subject=f"Reminder {i}", body="A deadline is due."))


def run_until_done(relay, results: list, start: threading.Barrier) -> None:
    """What a worker does while messages are pending: one relay run after another."""
    from cspr.messaging.tasks import channel_for

    start.wait()
    deadline = time.monotonic() + 60
    with relay.app_context(), get_db().sessionmaker() as session:
        while time.monotonic() < deadline:
            result = outbox_service.relay(session, channel_for, relay.config)
            results.append(result)
            if not outbox_service.backlog(session)["pending"]:
                return
            time.sleep(0.05)


def test_two_relays_with_a_batch_longer_than_the_lease_send_each_message_once(app, mailbox, tmp_path):
    queue_messages(app)
    mailbox.delay = DELAY
    relays = [relay_app(app, tmp_path, "relay-a"), relay_app(app, tmp_path, "relay-b")]
    results: list[list] = [[], []]
    start = threading.Barrier(2)
    threads = [threading.Thread(target=run_until_done, args=(r, out, start))
               for r, out in zip(relays, results, strict=True)]
    began = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
    finally:
        for relay in relays:
            get_db(relay).engine.dispose()
    took = time.monotonic() - began
    assert took > LEASE, took  # the batch really outlived the lease
    recipients = Counter(m["To"] for m in mailbox.messages)
    twice = sorted(r for r, n in recipients.items() if n > 1)
    assert not twice, f"{len(twice)} of {MESSAGES} delivered more than once: {twice[:5]}"
    assert len(recipients) == MESSAGES
    assert sorted(Counter(mailbox.keys()).values()) == [1] * MESSAGES
    with app.app_context(), get_db().sessionmaker() as session, across_partnerships(session, "test"):
        statuses = Counter(m.status for m in session.scalars(select(OutboxMessage)))
    assert statuses == {OutboxStatus.SENT: MESSAGES}
    claimed = [sum(r.claimed for r in out) for out in results]
    assert sum(claimed) == MESSAGES and min(claimed) > 0, claimed  # both relays did a share

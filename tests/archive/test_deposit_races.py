"""Two people acting on one deposit at once, on PostgreSQL: one e-mail queued, one copy number kept."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cspr.archive import sending
from cspr.archive.models import ArchiveDeposit, DepositStatus
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.messaging import relay as outbox
from cspr.messaging.models import OutboxMessage
from cspr.messaging.tasks import channel_for
from cspr.partnerships import services as partnerships
from cspr.services.context import Context, london_today
from cspr.services.errors import StepError
from tests.archive.deposit_kit import NSPCC, deposit_of, load_demo, review_id, run_archive
from tests.concurrency_kit import in_parallel

pytestmark = pytest.mark.commits
THREADS = 6


def at_once(app, act) -> tuple[list[Exception], int]:
    """``act(ctx, deposit)`` for Child Cameron's deposit in THREADS sessions together; refusals, and its id."""
    deposit_id = deposit_of(app, review_id(app, "Child Cameron")).id
    barrier = threading.Barrier(THREADS)
    refused: list[Exception] = []

    def work() -> None:
        with app.app_context(), get_db().sessionmaker() as session:
            row = partnerships.get(session, "doncaster")
            with acting_for(session, row.id):
                ctx = Context(
                    session,
                    row,
                    app.extensions["cspr.plugins"].policy("doncaster"),
                    actor=f"user:{threading.get_ident()}",
                )
                deposit = session.get(ArchiveDeposit, deposit_id)
                barrier.wait()
                try:
                    act(ctx, deposit)
                except StepError as exc:
                    session.rollback()
                    refused.append(exc)
                    return
                session.commit()

    assert in_parallel(work, THREADS) == []
    return refused, deposit_id


def counts(app, query) -> int:
    with app.app_context(), get_db().sessionmaker() as session:
        with acting_for(session, partnerships.get(session, "doncaster").id):
            return session.scalar(query)


def test_sending_one_deposit_twice_at_once_queues_one_email(app):
    load_demo(app)
    run_archive(app)  # no address yet: prepared, not queued
    app.config["NSPCC_DEPOSIT_ADDRESS"] = NSPCC
    refused, deposit_id = at_once(
        app, lambda ctx, d: sending.queue(ctx, d, app.config, Path(app.config["ARCHIVE_DIR"]))
    )
    assert len(refused) == THREADS - 1
    assert all("already waiting in the outbox" in str(e) for e in refused)
    assert (
        counts(
            app,
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.idempotency_key.like(f"nspcc-deposit:{deposit_id}:%")),
        )
        == 1
    )


def test_recording_copy_numbers_at_once_keeps_exactly_one(app, mailbox):
    load_demo(app)
    app.config["NSPCC_DEPOSIT_ADDRESS"] = NSPCC
    run_archive(app, app.config)
    with app.app_context(), get_db().sessionmaker() as session:
        assert outbox.relay(session, channel_for, app.config).sent == 2
    today = london_today()
    numbers = iter(f"NSPCC-2026-{n:04d}" for n in range(THREADS))
    lock = threading.Lock()

    def acknowledge(ctx, deposit):
        with lock:
            number = next(numbers)
        sending.acknowledge(ctx, deposit, number, today)

    refused, deposit_id = at_once(app, acknowledge)
    assert len(refused) == THREADS - 1
    kept = deposit_of(app, review_id(app, "Child Cameron"))
    assert kept.status == DepositStatus.ACKNOWLEDGED and kept.copy_number.startswith("NSPCC-2026-")
    events = counts(
        app, select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "archive.acknowledged")
    )
    assert events == 1

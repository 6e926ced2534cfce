"""The deadline sweep as a task: reminders recorded with their messages, relayed once committed."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from celery import Celery
from sqlalchemy.orm import Session

from cspr.db import get_session
from cspr.db.tenancy import across_partnerships
from cspr.deadlines import reminders
from cspr.operations import metrics
from cspr.plugins import get_registry
from cspr.services.context import london_today
from cspr.tasks.after_commit import send_after_commit
from cspr.tasks.celery import RETRY
from cspr.web import links


@metrics.timed_sweep
def run_sweep(session: Session, today: dt.date | None = None) -> reminders.SweepResult:
    """One sweep, committed with its reminders, outbox messages and heartbeat; relay after commit.

    The cross-partnership access record is written once the sweep reads case data; a sweep whose
    counts-only query finds no work reads none, and commits its heartbeat alone without waiting
    for the disk. Whatever holds the access record or a reminder waits for it.
    """
    with across_partnerships(session, "deadline sweep", actor="system:clock", on_first_read=True):
        # the heartbeat in the sweep's own context, so the database's copy of it need not be set again
        result = reminders.sweep_across(session, get_registry(), today or london_today(),
                                        links.base_url(), heartbeat="sweep")
    if result.messages:
        send_after_commit(session, "cspr.tasks.outbox.relay")
    session.commit()
    return result


def register(celery: Celery) -> None:
    """Register the sweep on a Celery app (its name is the one the schedule has always used)."""

    @celery.task(name="cspr.tasks.clock.sweep", shared=False, reject_on_worker_lost=True, **RETRY)
    def sweep() -> dict:
        return asdict(run_sweep(get_session()))

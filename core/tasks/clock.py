"""The clock's own jobs: the heartbeat, a ping, and the daily jobs run once per day in England.

Each domain's scheduled work lives in its ``tasks.py`` (the sweep in deadlines, archival in
archive, retention in records, the audit heads in audit); this module runs the daily ones in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from celery import Celery
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cspr.archive.tasks import archival
from cspr.audit.tasks import audit_heads
from cspr.db import get_session
from cspr.operations.job_runs import touch
from cspr.operations.models import DailyRun
from cspr.records.tasks import retention
from cspr.services.context import LONDON
from cspr.tasks.celery import RETRY


def claim_day(session: Session, name: str, now: dt.datetime | None = None) -> DailyRun | None:
    """Claim today's run (England's date) of a daily job; None if it has run already."""
    day = (now or dt.datetime.now(dt.UTC)).astimezone(LONDON).date()
    run = DailyRun(name=name, day=day, detail={})
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        return None
    return run


#: The daily jobs, in order: name -> function(session, day in England) -> detail dict.
DAILY_JOBS: dict[str, Callable[[Session, dt.date], dict]] = {
    "archive": archival, "retention": retention, "audit_heads": audit_heads,
}


def run_daily(session: Session, now: dt.datetime | None = None) -> list[str]:
    """Run each daily job not yet run today in England; return the names run."""
    done = []
    for name, job in DAILY_JOBS.items():
        run = claim_day(session, name, now)
        if run is None:
            continue
        run.detail = job(session, run.day) or {}
        run.finished_at = dt.datetime.now(dt.UTC)
        session.commit()
        done.append(name)
    session.commit()
    return done


def register(celery: Celery) -> None:
    """Register the clock's own tasks on a Celery app."""

    @celery.task(name="cspr.tasks.clock.heartbeat", shared=False, **RETRY)
    def heartbeat() -> str:
        session = get_session()
        touch(session, "heartbeat")
        session.commit()
        return "ok"

    @celery.task(name="cspr.tasks.clock.ping", shared=False)
    def ping() -> str:
        """Does nothing: for ops to check a worker answers, and the benchmarks' baseline."""
        return "pong"

    @celery.task(name="cspr.tasks.clock.daily", shared=False, reject_on_worker_lost=True, **RETRY)
    def daily() -> list[str]:
        return run_daily(get_session())

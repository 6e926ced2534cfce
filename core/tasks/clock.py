"""The clock's jobs. For now: the heartbeat that tells ops the worker and beat are alive."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import Celery
from sqlalchemy.orm import Session

from cspr.db import get_session
from cspr.models import JobRun


def touch(session: Session, name: str, **detail: object) -> JobRun:
    """Record that the job ``name`` ran now."""
    run = session.get(JobRun, name)
    if run is None:
        run = JobRun(name=name, runs=0, detail={})
        session.add(run)
    run.last_run_at = datetime.now(UTC)
    run.runs = (run.runs or 0) + 1
    run.detail = dict(detail)
    return run


def register(celery: Celery) -> None:
    """Register the clock's tasks on a Celery app."""

    @celery.task(name="cspr.tasks.clock.heartbeat", acks_late=True)
    def heartbeat() -> str:
        session = get_session()
        touch(session, "heartbeat")
        session.commit()
        return "ok"

"""When each scheduled job last ran: the JobRun rows the clock, the outbox and retention record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from cspr.operations.models import JobRun


def touch(session: Session, name: str, **detail: object) -> JobRun:
    """Record that the job ``name`` ran now."""
    run = session.get(JobRun, name)
    if run is None:
        run = JobRun(name=name, runs=0, detail={})
        session.add(run)
    run.last_run_at = dt.datetime.now(dt.UTC)
    run.runs = (run.runs or 0) + 1
    run.detail = dict(detail)
    return run

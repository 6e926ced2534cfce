"""When each scheduled job last ran: the JobRun rows the clock, the outbox and retention record."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from cspr.db.tenancy import NO_CASE_DATA
from cspr.operations.models import JobRun


def upsert_sql(detail: str, source: str) -> str:
    """The heartbeat's upsert (PostgreSQL), its ``detail`` a SQL expression over ``source``.

    Its parameters are ``:name`` and ``:now``; for a statement with more to do than the heartbeat.
    """
    return f"""INSERT INTO job_runs (name, last_run_at, runs, detail)
SELECT :name, :now, 1, {detail} FROM {source}
ON CONFLICT (name) DO UPDATE
SET last_run_at = excluded.last_run_at, runs = job_runs.runs + 1, detail = excluded.detail"""


_BEAT_PG = text(upsert_sql("CAST(:detail AS json)", """(SELECT set_config('synchronous_commit',
        CASE WHEN :wait THEN current_setting('synchronous_commit') ELSE 'off' END, true)) AS setting"""))


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


def beat(session: Session, name: str, *, wait_for_disk: bool = True, **detail: object) -> None:
    """Record that the job ``name`` ran now, in one statement (PostgreSQL: an upsert).

    With ``wait_for_disk=False`` the transaction then commits without waiting for the disk
    (``synchronous_commit off``, set in the same statement): only for a transaction that holds
    nothing but this heartbeat, e.g. a sweep that found no work. Elsewhere :func:`touch`.
    """
    if session.get_bind().dialect.name != "postgresql":
        touch(session, name, **detail)
        return
    session.execute(_BEAT_PG, {"name": name, "now": dt.datetime.now(dt.UTC), "detail": json.dumps(detail),
                               "wait": wait_for_disk}, execution_options=NO_CASE_DATA)

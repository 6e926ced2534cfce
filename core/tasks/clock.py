"""The clock's jobs: the heartbeat, the deadline sweep and the daily jobs (once per day in England)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict
from pathlib import Path

from celery import Celery
from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from cspr.db import get_session
from cspr.deadlines import reminders
from cspr.operations.job_runs import touch
from cspr.operations.models import DailyRun
from cspr.plugins import get_registry
from cspr.services.context import LONDON, london_today
from cspr.tasks.after_commit import send_after_commit
from cspr.web import links

log = logging.getLogger(__name__)

RETRY = {"autoretry_for": (OperationalError, ConnectionError), "retry_backoff": True,
         "retry_backoff_max": 300, "max_retries": 10, "acks_late": True}


def run_sweep(session: Session, today: dt.date | None = None) -> reminders.SweepResult:
    """One sweep, committed with its reminders, outbox messages and heartbeat; relay after commit."""
    result = reminders.sweep(session, get_registry(), today or london_today(),
                             links.base_url())
    touch(session, "sweep", **asdict(result))
    if result.messages:
        send_after_commit(session, "cspr.tasks.outbox.relay")
    session.commit()
    return result


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


def _archival(session: Session, day: dt.date) -> dict:
    from cspr.archive import services as archive

    config = current_app.config
    result = archive.run(session, get_registry(), day, Path(config["ARCHIVE_DIR"]),
                         Path(config["DOCUMENTS_DIR"]))
    return asdict(result)


def _retention(session: Session, day: dt.date) -> dict:

    from cspr.records import retention

    config = current_app.config
    report = retention.apply(session, get_registry(), day, documents_dir=Path(config["DOCUMENTS_DIR"]),
                             archive_dir=Path(config["ARCHIVE_DIR"]))
    return report.as_dict()


def audit_heads_path() -> Path:
    """Where the daily job appends the audit chains' heads (AUDIT_HEADS_FILE, or in ARCHIVE_DIR)."""
    config = current_app.config
    return Path(config.get("AUDIT_HEADS_FILE") or Path(config["ARCHIVE_DIR"]) / "audit-heads.jsonl")


def _audit_heads(session: Session, day: dt.date) -> dict:
    """Copy every audit chain's head out of the database: a file line and a log line."""
    from cspr.audit import events as audit

    path = audit_heads_path()
    document = audit.append_heads(session, path)
    for head in document["heads"]:
        log.info("audit chain head", extra={"partnership": head["slug"], "seq": head["seq"],
                                            "hash": head["hash"], "day": day.isoformat()})
    return {"file": str(path), "heads": {h["slug"]: h["seq"] for h in document["heads"]}}


#: The daily jobs: name -> function(session, day in England) -> detail dict.
DAILY_JOBS: dict[str, object] = {"archive": _archival, "retention": _retention, "audit_heads": _audit_heads}


def run_daily(session: Session, now: dt.datetime | None = None) -> list[str]:
    """Run each daily job not yet run today in England; return the names run."""
    done = []
    for name, job in DAILY_JOBS.items():
        run = claim_day(session, name, now)
        if run is None:
            continue
        run.detail = job(session, run.day) or {}  # type: ignore[operator]
        run.finished_at = dt.datetime.now(dt.UTC)
        session.commit()
        done.append(name)
    session.commit()
    return done


def register(celery: Celery) -> None:
    """Register the clock's tasks on a Celery app."""

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

    @celery.task(name="cspr.tasks.clock.sweep", shared=False, reject_on_worker_lost=True, **RETRY)
    def sweep() -> dict:
        return asdict(run_sweep(get_session()))

    @celery.task(name="cspr.tasks.clock.refusal_summaries", shared=False, **RETRY)
    def refusal_summaries() -> int:
        """Summarise the refused requests counted past the audit limit in windows now closed."""
        from cspr.audit import refusals

        return refusals.summarise_closed(get_session())

    @celery.task(name="cspr.tasks.clock.daily", shared=False, reject_on_worker_lost=True, **RETRY)
    def daily() -> list[str]:
        return run_daily(get_session())

"""The audit's jobs: each chain's head copied out daily, and refusal summaries for closed windows."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from celery import Celery
from flask import current_app
from sqlalchemy.orm import Session

from cspr.audit import events as audit
from cspr.audit import refusals
from cspr.db import get_session
from cspr.tasks.celery import RETRY

log = logging.getLogger(__name__)


def audit_heads_path() -> Path:
    """Where the daily job appends the audit chains' heads (AUDIT_HEADS_FILE, or in ARCHIVE_DIR)."""
    config = current_app.config
    return Path(config.get("AUDIT_HEADS_FILE") or Path(config["ARCHIVE_DIR"]) / "audit-heads.jsonl")


def audit_heads(session: Session, day: dt.date) -> dict:
    """Copy every audit chain's head out of the database: a file line and a log line."""
    path = audit_heads_path()
    document = audit.append_heads(session, path)
    for head in document["heads"]:
        log.info("audit chain head", extra={"partnership": head["slug"], "seq": head["seq"],
                                            "hash": head["hash"], "day": day.isoformat()})
    return {"file": str(path), "heads": {h["slug"]: h["seq"] for h in document["heads"]}}


def register(celery: Celery) -> None:
    """Register the audit's scheduled task on a Celery app."""

    @celery.task(name="cspr.tasks.clock.refusal_summaries", shared=False, **RETRY)
    def refusal_summaries() -> int:
        """Summarise the refused requests counted past the audit limit in windows now closed."""
        return refusals.summarise_closed(get_session())

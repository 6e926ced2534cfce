"""The daily archival job: what is past its public period is deposited, losing nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from cspr.archive import services as archive
from cspr.plugins import get_registry


def archival(session: Session, day: dt.date) -> dict:
    """Archive what each partnership's rule says is due on ``day``; what was done."""
    config = current_app.config
    result = archive.run(session, get_registry(), day, Path(config["ARCHIVE_DIR"]),
                         Path(config["DOCUMENTS_DIR"]), config)  # NSPCC deposits queued in the outbox
    return asdict(result)

"""The daily retention job: delete what was kept long enough, never what a hold keeps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from cspr.plugins import get_registry
from cspr.records import retention as retention_rules


def retention(session: Session, day: dt.date) -> dict:
    """Apply every partnership's retention rules on ``day``; what was deleted and kept."""
    config = current_app.config
    report = retention_rules.apply(session, get_registry(), day, documents_dir=Path(config["DOCUMENTS_DIR"]),
                                   archive_dir=Path(config["ARCHIVE_DIR"]))
    return report.as_dict()

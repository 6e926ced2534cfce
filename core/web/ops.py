"""Endpoints for ops: health of the database, broker and clock, and the plugins installed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from cspr.app import get_registry
from cspr.db import get_session
from cspr.models import JobRun

bp = Blueprint("ops", __name__)


def _database() -> dict:
    try:
        get_session().execute(text("SELECT 1"))
    except Exception as exc:  # health reports, it does not raise
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _broker() -> dict:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # health reports, it does not raise
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _clock() -> dict:
    try:
        run = get_session().get(JobRun, "heartbeat")
    except Exception:  # the database check reports this
        return {"ok": False, "last_heartbeat": None}
    if run is None:
        return {"ok": True, "last_heartbeat": None}
    last = run.last_run_at if run.last_run_at.tzinfo else run.last_run_at.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - last).total_seconds()
    stale = age > 5 * float(current_app.config["HEARTBEAT_INTERVAL"])
    return {"ok": not stale, "last_heartbeat": last.isoformat(), "age_seconds": round(age)}


@bp.route("/healthz")
def healthz():  # noqa: ANN201
    """200 when the database and broker answer; 503 and what failed otherwise."""
    checks = {"database": _database(), "broker": _broker(), "clock": _clock()}
    registry = get_registry()
    checks["plugins"] = {
        "ok": not registry.errors,
        "loaded": sorted(registry.policies),
        "broken": [str(e) for e in registry.errors],
    }
    healthy = checks["database"]["ok"] and checks["broker"]["ok"]
    return jsonify(status="ok" if healthy else "unhealthy", checks=checks), 200 if healthy else 503


@bp.route("/-/plugins.json")
def plugins_json():  # noqa: ANN201
    """The installed plugins, their versions, hooks and status."""
    return jsonify([asdict(info) for info in get_registry().infos])

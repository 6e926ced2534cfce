"""Endpoints for ops: health of the database, broker and clock, the plugins installed, and metrics."""

from __future__ import annotations

import hmac
from dataclasses import asdict
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import text

from cspr.db import get_session
from cspr.messaging import relay as outbox
from cspr.messaging.state import mail_state
from cspr.operations import metrics
from cspr.operations.models import JobRun
from cspr.plugins import PluginRegistry, get_registry

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


#: The heartbeat is stale after this many of its intervals (beat, the broker or every worker stopped).
HEARTBEAT_STALE_INTERVALS = 3


def _last_run(name: str, interval_setting: str, stale_after: int = 5) -> dict:
    """When a periodic job last ran; stale after ``stale_after`` intervals (None: never ran yet)."""
    try:
        run = get_session().get(JobRun, name)
    except Exception:  # the database check reports this
        return {"ok": False, "last_run": None}
    if run is None:
        return {"ok": True, "last_run": None}
    last = run.last_run_at if run.last_run_at.tzinfo else run.last_run_at.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - last).total_seconds()
    stale = age > stale_after * float(current_app.config[interval_setting])
    return {"ok": not stale, "last_run": last.isoformat(), "age_seconds": round(age),
            "detail": run.detail}


def _clock() -> dict:
    """The heartbeat (beat -> broker -> worker -> database): "ok", "stale" (with its age) or "never"."""
    beat = _last_run("heartbeat", "HEARTBEAT_INTERVAL", stale_after=HEARTBEAT_STALE_INTERVALS)
    if beat["last_run"] is None:
        state = "never" if beat["ok"] else "unknown"
    else:
        state = "ok" if beat["ok"] else "stale"
    limit = HEARTBEAT_STALE_INTERVALS * float(current_app.config["HEARTBEAT_INTERVAL"])
    return {"ok": beat["ok"], "state": state, "last_heartbeat": beat["last_run"],
            "age_seconds": beat.get("age_seconds"), "stale_after_seconds": round(limit)}


def _outbox() -> dict:
    try:
        found = outbox.backlog(get_session())
    except Exception as exc:  # the database check reports this
        return {"ok": False, "error": type(exc).__name__}
    limit = int(current_app.config.get("OUTBOX_STALE_SECONDS", 3600))
    return {"ok": found["oldest_pending_seconds"] <= limit, **found}


def _mail(registry: PluginRegistry) -> dict:
    """Whether e-mail reaches anyone.

    Without a mail server a development instance only logs its messages (said here plainly, still
    healthy); in production that is unhealthy.
    """
    state = mail_state(current_app.config)
    by_email = sorted(slug for slug, p in registry.policies.items() if p.channel["channel"] == "email")
    production = current_app.config.get("ENV") == "production"
    if not by_email:
        sending = "GOV.UK Notify only"
    else:
        sending = "by e-mail" if state["delivers"] else "not sent: no mail server (messages are logged)"
    return {"ok": state["delivers"] or not by_email or not production, "sending": sending,
            "server_configured": state["delivers"], "example_domains_only": state["demo_only"],
            "partnerships_by_email": by_email}


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database and broker answer and the clock keeps time; 503 and what failed otherwise.

    Unhealthy: the database or broker does not answer, the heartbeat has not run for three of
    its intervals (``clock.state`` "stale": beat, the broker or the workers have stopped), the
    sweep has not run for five of its intervals, or a message has waited in the outbox over an hour.
    """
    checks = {"database": _database(), "broker": _broker(), "clock": _clock(),
              "sweep": _last_run("sweep", "SWEEP_INTERVAL"), "outbox": _outbox()}
    registry = get_registry()
    checks["plugins"] = {
        "ok": not registry.errors and not registry.runtime_errors,
        "loaded": sorted(registry.policies),
        "broken": [str(e) for e in registry.errors],
        "failing_at_runtime": dict(registry.runtime_errors),
    }
    checks["mail"] = _mail(registry)
    healthy = all(checks[k]["ok"] for k in ("database", "broker", "clock", "sweep", "outbox", "mail"))
    return jsonify(status="ok" if healthy else "unhealthy", checks=checks), 200 if healthy else 503


@bp.route("/-/plugins.json")
def plugins_json() -> ResponseReturnValue:
    """The installed plugins, their versions, hooks and status."""
    return jsonify([asdict(info) for info in get_registry().infos])


@bp.route("/metrics")
def prometheus() -> ResponseReturnValue:
    """Prometheus metrics, for a scraper holding ``CSPR_METRICS_TOKEN`` as its bearer token.

    Off (404) while no token is set; 401 without the token or with another one.
    """
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("Metrics need the bearer token set in CSPR_METRICS_TOKEN.\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
                        mimetype="text/plain")
    return Response(metrics.exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4,
                    headers={"Cache-Control": "no-store"})

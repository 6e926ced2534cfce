"""The outbox relay task: delivers pending messages; more batches follow while there are any."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from celery import Celery
from flask import current_app

from cspr.db import get_session
from cspr.messaging import relay as outbox
from cspr.operations.job_runs import touch
from cspr.plugins import get_registry
from cspr.tasks.celery import RETRY


def channel_for(name: str, partnership_id: int) -> object:
    """The delivery channel for a partnership's messages: SMTP, or GOV.UK Notify by its plugin."""
    if name == "email":
        return outbox.SmtpChannel(current_app.config)
    if name == "notify":
        from cspr.partnerships.models import Partnership

        slug = get_session().get(Partnership, partnership_id).slug
        policy = get_registry().policies.get(slug)
        if policy is None or policy.channel["channel"] != "notify":
            raise outbox.DeliveryError(f"{slug} no longer sends through GOV.UK Notify")
        key = current_app.config.get(f"NOTIFY_API_KEY_{slug.upper().replace('-', '_')}", "")
        return outbox.NotifyChannel(key, str(policy.channel["template_id"]),
                                    current_app.config.get("NOTIFY_BASE_URL") or None)
    raise outbox.DeliveryError(f"no channel '{name}' is installed", permanent=True)


def run_relay(more: Callable[[], None] | None = None) -> outbox.RelayResult:
    """One relay run, with its heartbeat; ``more`` is called when more messages may be waiting."""
    session = get_session()
    result = outbox.relay(session, channel_for, current_app.config, more=more)
    touch(session, "outbox", **{k: v for k, v in asdict(result).items() if k != "errors"})
    session.commit()
    return result


def register(celery: Celery) -> None:
    """Register the outbox task on a Celery app."""

    @celery.task(name="cspr.tasks.outbox.relay", bind=True, shared=False, reject_on_worker_lost=True,
                 **RETRY)
    def relay(self) -> dict:  # noqa: ANN001
        # more waiting: the next run is queued as soon as this one has claimed its batch, so a
        # second worker process relays the next batch while this one sends
        result = run_relay(more=lambda: self.app.send_task("cspr.tasks.outbox.relay"))
        return {k: v for k, v in asdict(result).items() if k != "errors"}

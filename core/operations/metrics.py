"""Prometheus metrics: counters the relay, the sweep and the web frame record; gauges read at scrape time.

Counters and histograms live in each process. Under gunicorn or Celery's prefork pool set
``PROMETHEUS_MULTIPROC_DIR`` (an empty folder, the same one for every process on the host)
before the process starts: each process then writes its values to files there and
``/metrics`` adds them up (docs/operations.md, "Metrics"). The gauges (outbox backlog, the
clock's last runs, queue depths) are read from the database and the broker when scraped, so
they are right whichever process answers. No label carries case content or a partnership's
detail: channels, message kinds, job names, queue names and Flask endpoint names only.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from celery.signals import worker_process_shutdown
from flask import Flask, current_app, g, request, request_finished, request_started
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import select

log = logging.getLogger(__name__)

MESSAGES_SENT = Counter(
    "cspr_messages_sent", "Outbox messages the channel accepted, by channel and kind (reminder or other).",
    ["channel", "kind"])
MESSAGES_FAILED = Counter(
    "cspr_messages_failed",
    "Outbox delivery attempts that failed, by channel, kind and outcome (retrying, or failed for good).",
    ["channel", "kind", "outcome"])
SWEEP_DURATION = Histogram(
    "cspr_sweep_duration_seconds", "How long each deadline sweep took, committed.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
SWEEP_ROWS = Counter(
    "cspr_sweep_rows", "What the sweeps did: deadlines examined, reminders and messages written, "
    "reminders superseded.", ["what"])
SWEEP_ERRORS = Counter("cspr_sweep_errors", "Sweeps that raised (and were retried).")
REQUEST_DURATION = Histogram(
    "cspr_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint, method and status class.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))

#: Methods counted by name; anything else a client sends is "other" (labels stay bounded).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: The broker queues whose depth is reported (cspr.tasks.celery.QUEUES).
QUEUES = ("clock", "outbox", "archive")
SWEPT = ("examined", "reminders", "superseded", "messages")


def _kind(message: Any) -> str:
    return "reminder" if getattr(message, "reminder_id", None) else "other"


def message_sent(message: Any) -> None:
    """Count a message the channel accepted."""
    MESSAGES_SENT.labels(message.channel, _kind(message)).inc()


def message_failed(message: Any, final: bool) -> None:
    """Count a failed delivery attempt: ``final`` when the message is now failed for good."""
    MESSAGES_FAILED.labels(message.channel, _kind(message), "failed" if final else "retrying").inc()


F = TypeVar("F", bound=Callable[..., Any])


def timed_sweep(run: F) -> F:
    """Wrap a sweep: its duration, what it did (its SweepResult's counts) and whether it raised."""

    @functools.wraps(run)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = run(*args, **kwargs)
        except Exception:
            SWEEP_ERRORS.inc()
            raise
        SWEEP_DURATION.observe(time.perf_counter() - started)
        for what in SWEPT:
            SWEEP_ROWS.labels(what).inc(int(getattr(result, what, 0) or 0))
        return result

    return wrapper  # type: ignore[return-value]


def init_metrics(app: Flask) -> None:
    """Time every request of ``app`` by its endpoint name (never the raw path: ids stay out)."""

    def started(_sender: Flask, **_extra: Any) -> None:
        g.cspr_request_started = time.perf_counter()

    def finished(_sender: Flask, response: Any, **_extra: Any) -> None:
        began = g.get("cspr_request_started")
        if began is None:
            return
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUEST_DURATION.labels(endpoint, method, status).observe(time.perf_counter() - began)

    request_started.connect(started, app, weak=False)
    request_finished.connect(finished, app, weak=False)


def _gauge(name: str, documentation: str, value: float, labels: dict[str, str] | None = None) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


class LiveCollector(Collector):
    """What is read when scraped: the outbox backlog, the clock's last runs, the queues' depths."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """Each gauge, and whether its source answered (``cspr_database_up``, ``cspr_broker_up``)."""
        yield from self._database()
        yield from self._broker()

    def _database(self) -> Iterator[Metric]:
        from cspr.db import get_session
        from cspr.messaging import relay
        from cspr.operations.models import JobRun

        session = get_session()
        try:
            backlog = relay.backlog(session)
            runs = session.execute(select(JobRun.name, JobRun.last_run_at)).all()
        except Exception as exc:  # a scrape reports, it does not raise
            session.rollback()
            log.warning("metrics: database unreadable", extra={"error": type(exc).__name__})
            yield _gauge("cspr_database_up", "1 when the database answered this scrape.", 0)
            return
        yield _gauge("cspr_database_up", "1 when the database answered this scrape.", 1)
        yield _gauge("cspr_outbox_pending_messages", "Messages waiting in the outbox.", backlog["pending"])
        yield _gauge("cspr_outbox_failed_messages", "Messages failed for good, waiting for a person.",
                     backlog["failed"])
        yield _gauge("cspr_outbox_oldest_pending_age_seconds",
                     "Age of the oldest pending message (0 when none waits).",
                     backlog["oldest_pending_seconds"])
        now = dt.datetime.now(dt.UTC)
        last = GaugeMetricFamily("cspr_job_last_run_timestamp_seconds",
                                 "When each periodic job last ran (Unix time).", labels=["job"])
        ages: dict[str, float] = {}
        for name, at in runs:
            at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
            last.add_metric([name], at.timestamp())
            ages[name] = (now - at).total_seconds()
        yield last
        if "heartbeat" in ages:  # absent until beat's first heartbeat: alert on absent() too
            yield _gauge("cspr_heartbeat_age_seconds",
                         "Seconds since the last heartbeat (beat -> broker -> worker -> database).",
                         ages["heartbeat"])

    def _broker(self) -> Iterator[Metric]:
        url = str(self.app.config.get("BROKER_URL") or "")
        if not url.startswith(("redis://", "rediss://")):
            return  # the embedded transport keeps no lists to count
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            with client.pipeline(transaction=False) as pipe:
                for queue in QUEUES:
                    pipe.llen(queue)
                depths = pipe.execute()
        except redis.RedisError as exc:
            log.warning("metrics: broker unreadable", extra={"error": type(exc).__name__})
            yield _gauge("cspr_broker_up", "1 when the broker answered this scrape.", 0)
            return
        finally:
            client.close()
        yield _gauge("cspr_broker_up", "1 when the broker answered this scrape.", 1)
        family = GaugeMetricFamily("cspr_queue_length", "Tasks waiting in each broker queue.",
                                   labels=["queue"])
        for queue, depth in zip(QUEUES, depths, strict=True):
            family.add_metric([queue], depth)
        yield family


def exposition() -> bytes:
    """The text Prometheus scrapes: every process's counters (multiprocess) or this one's, then the gauges."""
    live = CollectorRegistry(auto_describe=False)
    live.register(LiveCollector(current_app._get_current_object()))
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=folder)
    else:
        counted = REGISTRY
    return generate_latest(counted) + generate_latest(live)


def mark_process_dead(pid: int) -> None:
    """Forget a stopped process's live gauges (gunicorn's child_exit, a Celery child's shutdown)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def _celery_child_exit(**_kwargs: Any) -> None:
    mark_process_dead(os.getpid())


# A Celery prefork child that exits hands its live gauges back, as gunicorn's child_exit does.
worker_process_shutdown.connect(_celery_child_exit, weak=False)

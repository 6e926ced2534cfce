"""The Celery app, built by the Flask app factory so tasks run in the app context."""

from __future__ import annotations

import importlib

from celery import Celery, Task
from celery.signals import worker_process_init, worker_ready
from flask import Flask
from sqlalchemy.exc import OperationalError

QUEUES = ("clock", "outbox", "archive")

#: How every scheduled task retries while the database or the broker is away.
RETRY = {"autoretry_for": (OperationalError, ConnectionError), "retry_backoff": True,
         "retry_backoff_max": 300, "max_retries": 10, "acks_late": True}

#: Each domain's tasks: its module's ``register(celery)`` adds them (the names stay ``cspr.tasks.*``).
TASK_MODULES = ("cspr.tasks.clock", "cspr.deadlines.tasks", "cspr.audit.tasks", "cspr.messaging.tasks")


def init_celery(app: Flask) -> Celery:
    """Make the app's Celery instance: broker from config, tasks in the app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config["BROKER_URL"]
    celery = Celery(app.name, task_cls=FlaskTask)
    conf = {
        "broker_url": broker,
        "result_backend": app.config["RESULT_BACKEND"] or None,
        "task_ignore_result": not app.config["RESULT_BACKEND"],
        "timezone": "UTC",
        "enable_utc": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # The platform's own JSON lines (cspr.logs) are its log: Celery does not copy every event
        # into a second, differently formatted line (see cspr.logs.leave_logging_to_us).
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "task_time_limit": 300,
        "task_soft_time_limit": 240,
        "task_default_queue": "clock",
        "task_routes": {
            "cspr.tasks.outbox.*": {"queue": "outbox"},
            "cspr.tasks.archive.*": {"queue": "archive"},
            "cspr.tasks.clock.*": {"queue": "clock"},
        },
        "broker_connection_retry_on_startup": True,
        "beat_schedule": {
            "heartbeat": {"task": "cspr.tasks.clock.heartbeat",
                          "schedule": float(app.config["HEARTBEAT_INTERVAL"])},
            "sweep": {"task": "cspr.tasks.clock.sweep",
                      "schedule": float(app.config["SWEEP_INTERVAL"])},
            # refused requests past the audit limit: one summary event per closed window
            "refusal_summaries": {"task": "cspr.tasks.clock.refusal_summaries",
                                  "schedule": float(app.config["SWEEP_INTERVAL"])},
            "outbox": {"task": "cspr.tasks.outbox.relay",
                       "schedule": float(app.config["OUTBOX_INTERVAL"])},
            "daily": {"task": "cspr.tasks.clock.daily",
                      "schedule": float(app.config["DAILY_INTERVAL"])},
        },
        "beat_schedule_filename": f"{app.instance_path}/celerybeat-schedule",
    }
    if broker.startswith(("redis://", "rediss://")):
        # Redis redelivers an unacknowledged task after this long: longer than any task runs.
        conf["broker_transport_options"] = {"visibility_timeout": 3600}
    scheduler = app.config["BEAT_SCHEDULER"]
    if scheduler == "auto":
        # RedBeat (one beat holds a lock in Redis), retrying with backoff while Redis is away.
        scheduler = ("cspr.tasks.beat:ResilientRedBeatScheduler"
                     if broker.startswith(("redis://", "rediss://")) else "")
    if scheduler:
        conf["beat_scheduler"] = scheduler
        conf["redbeat_redis_url"] = broker
        conf["redbeat_key_prefix"] = app.config.get("REDBEAT_KEY_PREFIX", "cspr:redbeat")
        conf["redbeat_lock_timeout"] = max(60, 5 * int(app.config["HEARTBEAT_INTERVAL"]))
        # A Redis that stops answering (not just refusing) fails a call instead of hanging beat.
        conf["redbeat_redis_options"] = {"socket_timeout": 10, "socket_connect_timeout": 10}
        conf["cspr_beat_retry_max"] = float(app.config["BEAT_RETRY_MAX"])
    celery.conf.update(conf)
    celery.flask_app = app  # type: ignore[attr-defined]
    celery.set_default()
    app.extensions["celery"] = celery

    for module in TASK_MODULES:
        importlib.import_module(module).register(celery)
    # each loaded plugin on its own: one that raises is quarantined and reported, the others serve
    app.extensions["cspr.plugins"].register_tasks(celery)
    return celery


@worker_process_init.connect
def _dispose_engine_after_fork(**_kwargs) -> None:  # noqa: ANN003
    """A forked worker must not share the parent's database connections."""
    from celery import current_app as current_celery

    flask_app = getattr(current_celery, "flask_app", None)
    if flask_app is not None:
        flask_app.extensions["cspr.db"].engine.dispose(close=False)


@worker_ready.connect
def _catch_up(sender, **_kwargs) -> None:  # noqa: ANN001, ANN003
    """A worker that was down catches up at once: a sweep, the outbox, today's daily jobs."""
    app = sender.app
    for name in ("cspr.tasks.clock.sweep", "cspr.tasks.outbox.relay", "cspr.tasks.clock.daily"):
        app.send_task(name)

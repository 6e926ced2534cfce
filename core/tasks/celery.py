"""The Celery app, built by the Flask app factory so tasks run in the app context."""

from __future__ import annotations

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

QUEUES = ("clock", "outbox", "archive")


def init_celery(app: Flask) -> Celery:
    """Make the app's Celery instance: broker from config, tasks in the app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["BROKER_URL"],
        result_backend=app.config["RESULT_BACKEND"] or None,
        task_ignore_result=not app.config["RESULT_BACKEND"],
        timezone="UTC",
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300,
        task_soft_time_limit=240,
        task_default_queue="clock",
        task_routes={"cspr.tasks.clock.*": {"queue": "clock"}},
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "heartbeat": {
                "task": "cspr.tasks.clock.heartbeat",
                "schedule": float(app.config["HEARTBEAT_INTERVAL"]),
            },
        },
        beat_schedule_filename=f"{app.instance_path}/celerybeat-schedule",
    )
    celery.flask_app = app  # type: ignore[attr-defined]
    celery.set_default()
    app.extensions["celery"] = celery

    from cspr.tasks import clock  # noqa: F401 - registers the tasks

    clock.register(celery)
    return celery


@worker_process_init.connect
def _dispose_engine_after_fork(**_kwargs) -> None:  # noqa: ANN003
    """A forked worker must not share the parent's database connections."""
    from celery import current_app as current_celery

    flask_app = getattr(current_celery, "flask_app", None)
    if flask_app is not None:
        flask_app.extensions["cspr.db"].engine.dispose(close=False)

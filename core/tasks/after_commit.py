"""Send Celery tasks only once the transaction that asked for them has committed."""

from __future__ import annotations

from typing import Any

from celery import current_app as current_celery
from sqlalchemy import event
from sqlalchemy.orm import Session

from cspr.db import WAITING_FOR_COMMIT

KEY = WAITING_FOR_COMMIT


def send_after_commit(session: Session, task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue ``task_name`` to be sent after the session's next commit (dropped on rollback)."""
    session.info.setdefault(KEY, []).append((task_name, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    for task_name, args, kwargs in session.info.pop(KEY, []):
        current_celery.send_task(task_name, args=args, kwargs=kwargs)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(KEY, None)

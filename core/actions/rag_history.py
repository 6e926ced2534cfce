"""Each action's RAG as it stood at a past moment, read from the audit trail of its changes.

Every RAG change is already kept: ``action.updated`` records the action's RAG before and after, when
it happened, in the partnership's hash-chained trail. An action's RAG at a moment is the ``after`` of
its last change by then; with no change by then, the ``before`` of its first change after; with no
change at all, its RAG today. An action added (``action.added``) after the moment did not exist yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.actions.models import Action
from cspr.audit.models import AuditEvent

ENGLAND = ZoneInfo("Europe/London")


def end_of(day: dt.date) -> dt.datetime:
    """The moment a day ends in England (midnight after it, London time)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=ENGLAND)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)  # SQLite: stored as UTC


def rag_at(session: Session, actions: Iterable[Action], moment: dt.datetime) -> dict[int, str | None]:
    """Each action's RAG value at ``moment``, by id; actions added after it are left out."""
    wanted = {a.id: a for a in actions}
    if not wanted:
        return {}
    added: dict[int, dt.datetime] = {}
    last_before: dict[int, dict] = {}
    first_after: dict[int, dict] = {}
    rows = session.execute(
        select(AuditEvent.object_id, AuditEvent.action, AuditEvent.occurred_at, AuditEvent.detail)
        .where(AuditEvent.object_type == "actions", AuditEvent.action.in_(("action.added", "action.updated")))
        .order_by(AuditEvent.seq)
    )
    for object_id, action, occurred_at, detail in rows:
        if not (object_id or "").isdigit() or int(object_id) not in wanted:
            continue
        key, when = int(object_id), _aware(occurred_at)
        if action == "action.added":
            added.setdefault(key, when)
        elif when <= moment:
            last_before[key] = detail
        else:
            first_after.setdefault(key, detail)
    found: dict[int, str | None] = {}
    for key, row in wanted.items():
        if key in added and added[key] > moment:
            continue  # not added yet
        if key in last_before:
            found[key] = (last_before[key].get("after") or {}).get("rag")
        elif key in first_after:
            found[key] = (first_after[key].get("before") or {}).get("rag")
        else:
            found[key] = row.rag.value if row.rag is not None else None
    return found

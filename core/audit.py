"""Append-only audit events, hash-chained per partnership, and a check of the chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.models import AuditEvent, Partnership
from cspr.tenancy import TenancyError, current_partnership_id

GENESIS = "0" * 64


def _digest(prev_hash: str, event: AuditEvent) -> str:
    occurred = event.occurred_at
    if occurred.tzinfo is None:  # SQLite gives naive datetimes back; they were stored as UTC
        occurred = occurred.replace(tzinfo=UTC)
    payload = {
        "partnership_id": event.partnership_id,
        "seq": event.seq,
        "occurred_at": occurred.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "actor_user_id": event.actor_user_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "remote_addr": event.remote_addr,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    actor_user_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> AuditEvent:
    """Append an event to the chain of the partnership the session acts for."""
    pid = current_partnership_id(session)
    if pid is None:
        raise TenancyError("an audit event belongs to a partnership: act for one first")
    # Serialise writers of one partnership's chain (a row lock; SQLite locks the file anyway).
    session.execute(select(Partnership.id).where(Partnership.id == pid).with_for_update())
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    event = AuditEvent(
        partnership_id=pid, seq=seq, occurred_at=datetime.now(UTC), actor=actor,
        actor_user_id=actor_user_id, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), detail=detail or {},
        remote_addr=remote_addr, prev_hash=prev_hash, hash="",
    )
    event.hash = _digest(prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainProblem:
    """Where a chain stops adding up."""

    seq: int | None
    reason: str


def verify(session: Session) -> list[ChainProblem]:
    """Check the chain of the partnership the session acts for; an empty list means intact."""
    problems: list[ChainProblem] = []
    prev_hash, expected_seq = GENESIS, 1
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, f"expected event {expected_seq} here"))
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(event.seq, "does not follow the event before it"))
        if _digest(event.prev_hash, event) != event.hash:
            problems.append(ChainProblem(event.seq, "its content was changed after it was written"))
        prev_hash, expected_seq = event.hash, event.seq + 1
    return problems

"""Refused requests in the audit trail: the first few per actor and window as events, the rest summarised.

A token or an account that knocks on a partnership's door again and again would otherwise
write one ``access.denied`` event per knock into that partnership's chain. Instead each
refusal bumps one counter row per (partnership, actor, window) with an atomic upsert
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, on PostgreSQL and SQLite alike), which
also holds that row locked until the commit. The first ``AUDIT_REFUSALS_PER_WINDOW`` refusals
of a window become events of their own; the rest are only counted (with their routes, reasons
and addresses), and when the window has closed the clock writes one ``access.denied.summary``
event with the count, the first and last time and the routes, then drops the counter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cspr.audit import events as audit
from cspr.audit.models import AuditEvent, RefusalWindow
from cspr.db.tenancy import TenancyError, across_partnerships, acting_for, current_partnership_id

SUMMARY = "access.denied.summary"
DENIED = "access.denied"
KEPT = 50  # distinct routes, reasons and addresses a summary lists; the rest are "(others)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def window_of(moment: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The fixed window (UTC, aligned to the epoch) that ``moment`` falls in."""
    length = timedelta(minutes=max(1, minutes))
    start = _EPOCH + ((moment - _EPOCH) // length) * length
    return start, start + length


def _bump(tally: dict[str, Any], part: str, key: str | None) -> None:
    counts = dict(tally.get(part) or {})
    key = key or "(none)"
    if key not in counts and len(counts) >= KEPT:
        key = "(others)"
    counts[key] = counts.get(key, 0) + 1
    tally[part] = counts


def record(session: Session, *, actor: str, actor_user_id: int | None, route: str, detail: dict[str, Any],
           remote_addr: str | None, limit: int, window_minutes: int,
           now: datetime | None = None) -> AuditEvent | None:
    """Count a refusal in the session partnership's window; the event if it is one of the first ``limit``.

    Past the limit nothing is added to the chain: the refusal's route, reason and address are
    counted in the window's row for its summary. The caller commits.
    """
    pid = current_partnership_id(session)
    if pid is None:
        raise TenancyError("a refusal is recorded in the chain of the partnership that refused it")
    moment = now or datetime.now(UTC)
    start, end = window_of(moment, window_minutes)
    table = RefusalWindow.__table__
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(table).values(
        partnership_id=pid, actor=actor[:100], actor_user_id=actor_user_id, window_start=start,
        window_end=end, events_limit=max(0, limit), refused=1, first_at=moment, last_at=moment, tally={})
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.partnership_id, table.c.actor, table.c.window_start],
        set_={"refused": table.c.refused + 1, "last_at": statement.excluded.last_at},
    ).returning(table.c.id, table.c.refused, table.c.events_limit)
    row = session.execute(statement).one()  # the row stays locked by this transaction until commit
    if row.refused <= row.events_limit:
        return audit.record(session, DENIED, actor=actor, actor_user_id=actor_user_id,
                            detail=detail, remote_addr=remote_addr)
    tally = dict(session.execute(select(table.c.tally).where(table.c.id == row.id)).scalar_one() or {})
    _bump(tally, "routes", route)
    _bump(tally, "reasons", str(detail.get("reason") or ""))
    _bump(tally, "addresses", remote_addr)
    session.execute(update(table).where(table.c.id == row.id).values(tally=tally))
    return None


def _iso(value: datetime) -> str:
    return audit.utc_iso(value)


def summarise_closed(session: Session, now: datetime | None = None) -> int:
    """Write one summary per closed window that counted refusals beyond its limit; drop closed windows.

    Returns the number of summaries written; commits. Windows another worker is summarising
    are skipped (PostgreSQL's SKIP LOCKED), so two clocks never write one summary twice.
    """
    moment = now or datetime.now(UTC)
    written = 0
    table = RefusalWindow.__table__
    with across_partnerships(session, "summarise refused requests in the audit trails"):
        windows = session.execute(
            select(table).where(table.c.window_end <= moment)
            .order_by(table.c.partnership_id, table.c.window_start, table.c.id)
            .with_for_update(skip_locked=True)).all()
        for w in windows:
            if w.refused <= w.events_limit:
                continue
            tally = dict(w.tally or {})
            with acting_for(session, w.partnership_id):
                audit.record(session, SUMMARY, actor=w.actor, actor_user_id=w.actor_user_id, detail={
                    "refused": w.refused, "recorded_as_events": w.events_limit,
                    "counted_here": w.refused - w.events_limit,
                    "first_at": _iso(w.first_at), "last_at": _iso(w.last_at),
                    "window": {"from": _iso(w.window_start), "to": _iso(w.window_end)},
                    "routes": tally.get("routes", {}), "reasons": tally.get("reasons", {}),
                    "addresses": tally.get("addresses", {}),
                })
            written += 1
        if windows:
            session.execute(delete(table).where(table.c.id.in_([w.id for w in windows])))
    session.commit()
    return written

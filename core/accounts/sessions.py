"""Staff sessions kept on the server: started at sign-in, checked on every page, ended for real."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from cspr.accounts.models import User, UserSession
from cspr.db.tenancy import carry_clause, carrying_settings

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start(session: Session, user: User, *, method: str, second_factor: bool, remote_addr: str | None,
          user_agent: str | None, now: datetime) -> tuple[str, UserSession]:
    """A new session: answers the token for the cookie (only its hash is stored) and the row."""
    token = secrets.token_urlsafe(32)
    proven = now if second_factor else None
    row = UserSession(id=_hash(token), user_id=user.id, method=method[:80], created_at=now, last_seen_at=now,
                      second_factor_at=proven, reauth_at=proven, remote_addr=(remote_addr or "")[:64] or None,
                      user_agent=(user_agent or "")[:300] or None)
    session.add(row)
    session.flush()
    return token, row


def find(session: Session, token: str | None) -> UserSession | None:
    """The row for a cookie's token (ended or not), or None."""
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    return session.get(UserSession, _hash(token))


def find_with_user(session: Session, token: str | None) -> tuple[UserSession | None, User | None]:
    """The row for a cookie's token (ended or not) and its user, in one statement; (None, None) if none.

    A request's first statement: it also sets the transaction's tenancy settings
    (:func:`cspr.db.tenancy.carrying_settings`), so the page's partnership costs no statement of its own.
    """
    if not token or not isinstance(token, str) or len(token) > 100:
        return None, None
    key = _hash(token)
    with carrying_settings(session) as carried:
        if carried is None:
            found = session.execute(_with_user(None), {"session_id": key}).first()
        else:
            found = session.execute(_with_user(carried.by_slug), {"session_id": key, **carried.params}).one()
            carried.took(found)
    return (found[0], found[1]) if found is not None else (None, None)


@functools.cache
def _with_user(carrying_by_slug: bool | None) -> Select:
    """A session row and its user by ``:session_id`` (built once), carrying the tenancy settings or not."""
    if carrying_by_slug is None:
        return (select(UserSession, User).join(User, User.id == UserSession.user_id)
                .where(UserSession.id == bindparam("session_id")))
    carried = carry_clause(carrying_by_slug)  # one row whatever the token: the settings are set all the same
    return (select(UserSession, User, *carried.c).select_from(carried)
            .outerjoin(UserSession, UserSession.id == bindparam("session_id"))
            .outerjoin(User, User.id == UserSession.user_id))


@dataclass(frozen=True)
class Limits:
    """How long a session may sit idle, and live at all."""

    idle: timedelta
    absolute: timedelta


def expired_reason(row: UserSession, limits: Limits, now: datetime) -> str | None:
    """Why a session may not be used any more ("ended", "idle", "absolute"), or None."""
    if row.ended_at is not None:
        return "ended"
    if now - aware(row.last_seen_at) > limits.idle:
        return "idle"
    if now - aware(row.created_at) > limits.absolute:
        return "absolute"
    return None


def touch(row: UserSession, now: datetime) -> bool:
    """Note activity, at most once a minute; True when the row changed."""
    if now - aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        return True
    return False


def end(row: UserSession, reason: str, now: datetime) -> None:
    """End one session (a copy of its cookie is refused from now on)."""
    if row.ended_at is None:
        row.ended_at, row.ended_reason = now, reason[:40]


def end_all(session: Session, user: User, reason: str, now: datetime | None = None) -> int:
    """End every open session of a user; answers how many."""
    now = now or datetime.now(UTC)
    result = session.execute(update(UserSession).where(UserSession.user_id == user.id,
                                                       UserSession.ended_at.is_(None))
                             .values(ended_at=now, ended_reason=reason[:40])
                             .execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def open_sessions(session: Session, user: User) -> list[UserSession]:
    """A user's sessions that are not ended."""
    return list(session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                          UserSession.ended_at.is_(None))))

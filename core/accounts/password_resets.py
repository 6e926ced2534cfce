"""Password reset links: an opaque random token, stored as its SHA-256, used once, within an hour.

The link carries nothing about the account or its password: only ``secrets.token_urlsafe``.
Sending a new link spends the older ones; changing the password spends them all. Using a
link is one conditional UPDATE (``WHERE spent_at IS NULL``), so of two requests racing
with the same link, exactly one sets the password.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cspr.accounts.models import PasswordResetToken, User

LIFETIME = timedelta(hours=1)
KEEP_SPENT = timedelta(days=1)  # spent or expired rows older than this go when a new link is sent


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue(session: Session, user: User, now: datetime | None = None) -> str:
    """A new link's token for ``user`` (only its hash is stored); earlier links stop working."""
    now = now or datetime.now(UTC)
    spend_all(session, user.id, "replaced", now)
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id,
                                                     PasswordResetToken.expires_at < now - KEEP_SPENT))
    token = secrets.token_urlsafe(32)
    session.add(PasswordResetToken(token_hash=_hash(token), user_id=user.id, created_at=now,
                                   expires_at=now + LIFETIME))
    session.flush()
    return token


def spend_all(session: Session, user_id: int, reason: str, now: datetime | None = None) -> int:
    """Spend every unused link of a user (a newer link, or the password changed); answers how many."""
    result = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.spent_at.is_(None))
        .values(spent_at=now or datetime.now(UTC), spent_reason=reason[:20])
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def check(session: Session, token: str, now: datetime | None = None) -> tuple[User | None, str]:
    """The account a link may set the password of, or None and why not (invalid, expired, used, replaced)."""
    if not token or len(token) > 100:
        return None, "invalid"
    now = now or datetime.now(UTC)
    row = session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash(token)))
    if row is None:
        return None, "invalid"
    if row.spent_at is not None:
        return None, "replaced" if row.spent_reason == "replaced" else "used"
    if _aware(row.expires_at) <= now:
        return None, "expired"
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None, "invalid"
    return user, "ok"


def redeem(session: Session, token: str, now: datetime | None = None) -> int | None:
    """Spend the link now, atomically: its user's id, or None if it was spent, expired or unknown.

    Holds the row's lock until the transaction ends, so a parallel redemption waits, then
    finds it spent. Roll back to leave the link usable (e.g. the new password was refused).
    """
    now = now or datetime.now(UTC)
    row = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.token_hash == _hash(token), PasswordResetToken.spent_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(spent_at=now, spent_reason="used")
        .returning(PasswordResetToken.user_id)
        .execution_options(synchronize_session=False)).first()
    return None if row is None else row[0]

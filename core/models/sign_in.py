"""Sign-in state kept on the server: staff sessions and one-time recovery codes (not tenant-owned)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cspr.models.base import Base, utcnow


class UserSession(Base):
    """One signed-in browser. The cookie holds a random token; the row's id is its SHA-256."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(80))  # "password", "oidc:<slug>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    second_factor_at: Mapped[datetime | None]  # None: the password is proven, the second factor is not
    reauth_at: Mapped[datetime | None]  # the last proof of identity (for sensitive actions)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app (stored as its SHA-256 only)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class PasswordResetToken(Base):
    """A link to set a password: a random token, stored only as its SHA-256; one use, one hour.

    ``spent_at`` is set when the link is used, when a newer link is sent, or when the
    password changes otherwise (``spent_reason`` says which); a spent link is refused.
    """

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    spent_at: Mapped[datetime | None]
    spent_reason: Mapped[str | None] = mapped_column(String(20))  # used, replaced, password_changed

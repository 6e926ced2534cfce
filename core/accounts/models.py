"""People: accounts, their memberships (a role in each), their sessions (and the answers awaiting their
check), recovery codes and tokens.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, TenantOwned, str_enum, utcnow


class Role(enum.StrEnum):
    """What a member may do in a partnership."""

    ADMIN = "admin"  # partnership admin / business manager: everything, manages users
    PARTNER = "partner"  # safeguarding partner representative: reads, signs off decisions
    REVIEWER = "reviewer"  # independent reviewer: only the reviews assigned to them
    VIEWER = "viewer"  # reads
    CONTRIBUTOR = "agency contributor"  # one agency's member: only the information requests sent to it
    SCRUTINEER = "scrutineer"  # the independent scrutineer: figures, published plans and reviews; no cases


class User(Base):
    """A person who signs in. Not owned by one partnership: memberships say where they work."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Platform operator: manages partnerships and plugins, never reads case content.
    is_operator: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Two-factor: the TOTP secret, encrypted with TOTP_ENCRYPTION_KEYS (read and set it as
    # ``totp_secret``), when it was confirmed, and the last time step used (a code is never
    # accepted twice). ``totp_secret_clear`` holds a secret set up before secrets were encrypted
    # until its first use (or ``cspr users rotate-totp-key``) moves it into the encrypted column.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_secret_clear: Mapped[str | None] = mapped_column("totp_secret", String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    # Lock-out: wrong passwords in a row, and until when the account refuses every sign-in.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @property
    def totp_secret(self) -> str | None:
        """The TOTP secret in clear (base32), decrypted with the keys kept outside the database.

        One still stored in clear (set up before secrets were encrypted) is encrypted now, so
        it is stored encrypted from the next commit (a successful code commits).
        """
        from cspr.accounts import keys

        if self.totp_secret_encrypted:
            return keys.unseal(self.totp_secret_encrypted)
        clear = self.totp_secret_clear
        if clear:
            self.totp_secret = clear
        return clear or None

    @totp_secret.setter
    def totp_secret(self, secret: str | None) -> None:
        from cspr.accounts import keys

        self.totp_secret_encrypted = keys.seal(secret) if secret else None
        self.totp_secret_clear = None

    @property
    def has_two_factor(self) -> bool:
        """True once an authenticator app is set up and confirmed."""
        return bool((self.totp_secret_encrypted or self.totp_secret_clear) and self.totp_confirmed_at)

    # Flask-Login's user interface
    @property
    def is_authenticated(self) -> bool:
        """A loaded user is signed in."""
        return True

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session."""
        return str(self.id)


class Membership(TenantOwned, Base):
    """A user's place in one partnership, with one role (an agency contributor: and their agency)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "partnership_id"),
        CheckConstraint("(role = 'agency contributor') = (agency IS NOT NULL)",
                        name="agency_iff_contributor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    agency: Mapped[str | None] = mapped_column(String(64))  # a contributor's agency key (the plugin's)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


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


class AnswerDraft(Base):
    """A form's answers waiting for their person to check them ("Check your answers"): nothing is recorded
    until they confirm. One per signed-in browser and form; gone with the confirm or the session.
    """

    __tablename__ = "answer_drafts"
    __table_args__ = (UniqueConstraint("session_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))  # the form's page (its partnership's slug included)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # field name -> the values typed, as posted
    file_key: Mapped[str | None] = mapped_column(String(100))  # an upload kept until the confirm
    file_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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


class ApiToken(TenantOwned, Base):
    """A bearer token (stored as its SHA-256 only). Its rights are its owner's role, now."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(16), default="api")  # "api" or "feed"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

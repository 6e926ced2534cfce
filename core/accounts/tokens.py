"""API and calendar-feed tokens: issued once in clear, kept as a hash, rights from the membership."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cspr.accounts.models import ApiToken, Membership, Role, User
from cspr.audit import events as audit
from cspr.db.tenancy import across_partnerships, acting_for, looking_up
from cspr.partnerships.models import Partnership

PREFIX = "cspr_"
SCOPES = ("api", "feed")


class TokenError(ValueError):
    """The token cannot be issued: the message says why."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, user: User, partnership: Partnership, name: str,
          scope: str = "api", actor: str = "cli") -> tuple[ApiToken, str]:
    """A new token for a member of the partnership; the clear token is returned only now."""
    if scope not in SCOPES:
        raise TokenError(f"scope must be one of {', '.join(SCOPES)}")
    with acting_for(session, partnership.id):
        membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
        if membership is None:
            raise TokenError(f"{user.email} is not a member of {partnership.slug}")
        clear = PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(user_id=user.id, name=name, scope=scope, token_hash=_hash(clear))
        session.add(row)
        session.flush()
        audit.record(session, "token.issued", actor=actor, object_type="api_tokens",
                     object_id=row.id, detail={"user": user.id, "scope": scope, "name": name})
    return row, clear


@dataclass
class Grant:
    """What a presented token allows: one partnership, as one user, in their current role."""

    token_id: int
    partnership_id: int
    user_id: int
    role: Role


def authenticate(session: Session, clear: str, scope: str = "api") -> Grant | None:
    """The grant of a valid, unrevoked token of ``scope`` whose owner is still a member."""
    if not clear or not clear.startswith(PREFIX) or len(clear) > 200:
        return None
    digest = _hash(clear)
    with looking_up(session, token_hash=digest):  # this token only: no cross-partnership access
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if row is None or row.revoked_at is not None or row.scope != scope:
            return None
        token_id, user_id, pid = row.id, row.user_id, row.partnership_id
    with acting_for(session, pid):  # the rest is the token's own partnership's business
        membership = session.scalar(select(Membership).where(Membership.user_id == user_id))
        user = session.get(User, user_id)
        if membership is None or user is None or not user.active:
            return None
        session.execute(update(ApiToken).where(ApiToken.id == token_id)
                        .values(last_used_at=datetime.now(UTC)))
        return Grant(token_id, pid, user_id, membership.role)


def revoke(session: Session, token_id: int, actor: str = "cli") -> ApiToken | None:
    """Revoke a token by id (across partnerships: an operator's action, audited)."""
    with across_partnerships(session, "token revocation", actor=actor):
        row = session.get(ApiToken, token_id)
        if row is None:
            return None
        row.revoked_at = datetime.now(UTC)
        pid = row.partnership_id
    with acting_for(session, pid):
        audit.record(session, "token.revoked", actor=actor, object_type="api_tokens",
                     object_id=token_id)
    return row

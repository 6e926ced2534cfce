"""Accounts: creating users, hashing passwords with argon2, and memberships of partnerships."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr import audit
from cspr.models import Membership, Partnership, Role, User
from cspr.tenancy import acting_for

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12


class UserError(ValueError):
    """Bad input for an account: the message says what to change."""


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """True if the password is the user's."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except VerificationError:
        return False


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str | None,
    *,
    memberships: list[tuple[Partnership, Role]] = (),
    is_operator: bool = False,
    actor: str = "cli",
) -> User:
    """Create an account with its memberships; each membership is audited in its partnership."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")
    if not name.strip():
        raise UserError("a name is needed")
    if password is not None and len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if session.scalar(select(User).where(User.email == email)):
        raise UserError(f"there is already an account for {email}")
    user = User(
        email=email, name=name.strip(), is_operator=is_operator,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    for partnership, role in memberships:
        with acting_for(session, partnership.id):
            session.add(Membership(user_id=user.id, role=role))
            session.flush()
            audit.record(session, "membership.created", actor=actor, object_type="user",
                         object_id=user.id, detail={"role": role.value})
    return user

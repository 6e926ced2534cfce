"""Accounts: creating users, hashing passwords with argon2, and memberships of partnerships."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspr.accounts.models import Membership, Role, User
from cspr.audit import events as audit
from cspr.db.tenancy import acting_for
from cspr.partnerships.models import Partnership

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256
SERVICE_WORDS = ("child safeguarding practice reviews", "safeguarding", "cspr", "lscp", "password")


class UserError(ValueError):
    """Bad input for an account: the message says what to change."""


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from breaches (the list zxcvbn ships)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def password_problem(password: str, *, email: str | None = None, context: Iterable[str] = ()) -> str | None:
    """Why a new password is refused (NCSC guidance: length and a deny-list, no composition rules)."""
    if len(password) < MIN_PASSWORD:
        return f"Your password must be at least {MIN_PASSWORD} characters long"
    if len(password) > MAX_PASSWORD:
        return f"Your password must be {MAX_PASSWORD} characters or fewer"
    common = _common_passwords()
    low = password.lower()
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", low)  # 'Password123!' -> 'password'
    if low in common or low.replace(" ", "") in common or (core and core in common) \
            or len(set(low)) < 5:
        return "Your password is too common and easy to guess. Choose a few unrelated words"
    words = [*SERVICE_WORDS, *(w for w in context if w)]
    if email:
        words.append(email.split("@", 1)[0])
    left = _letters(password)
    for word in sorted({_letters(w) for w in words if len(_letters(w)) >= 3}, key=len, reverse=True):
        left = left.replace(word, "")
        for part in re.split(r"[^a-z0-9]+", word):
            if len(part) >= 4:
                left = left.replace(part, "")
    if len(left) < 8:
        return ("Your password is too easy to guess: it is mostly the name of this service, a partnership "
                "or your email address. Choose a few unrelated words")
    return None


def partnership_words(session: Session) -> list[str]:
    """Names and slugs of every partnership (context words a password must not lean on)."""
    rows = session.execute(select(Partnership.name, Partnership.slug)).all()
    return [word for row in rows for word in row]


def set_password(session: Session, user: User, password: str) -> None:
    """Check a new password against the rules, store its hash and end the user's sessions."""
    from cspr.accounts import password_resets
    from cspr.accounts import sessions as user_sessions

    problem = password_problem(password, email=user.email, context=partnership_words(session))
    if problem:
        raise UserError(problem)
    user.password_hash = hash_password(password)
    user.failed_sign_ins, user.locked_until = 0, None
    user_sessions.end_all(session, user, "password_changed")
    if user.id is not None:
        password_resets.spend_all(session, user.id, "password_changed")


def set_active(session: Session, user: User, active: bool, *, actor: str, remote_addr: str | None = None,
               actor_user_id: int | None = None) -> int:
    """Disable (ending every session at once) or enable an account; answers the sessions ended."""
    from cspr.accounts import sessions as user_sessions

    user.active = active
    ended = 0 if active else user_sessions.end_all(session, user, "disabled")
    audit_for_user(session, user, "account.enabled" if active else "account.disabled", actor=actor,
                   actor_user_id=actor_user_id, remote_addr=remote_addr, sessions_ended=ended)
    return ended


def reset_two_factor(session: Session, user: User, *, actor: str, actor_user_id: int | None = None,
                     remote_addr: str | None = None) -> None:
    """Forget the authenticator app and recovery codes (set up again at the next sign-in); sessions end."""
    from sqlalchemy import delete

    from cspr.accounts import sessions as user_sessions
    from cspr.accounts.models import RecoveryCode

    user.totp_secret = user.totp_confirmed_at = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user_sessions.end_all(session, user, "two_factor_reset")
    audit_for_user(session, user, "two_factor.reset", actor=actor, actor_user_id=actor_user_id,
                   remote_addr=remote_addr)


def rotate_totp_secrets(session: Session) -> tuple[int, int, list[str]]:
    """Re-encrypt every TOTP secret with the first TOTP key; encrypt the ones still in clear.

    Answers (re-encrypted, encrypted from clear, e-mail addresses whose secret no key opens);
    the caller commits only when the last is empty.
    """
    from sqlalchemy import or_

    from cspr.accounts import keys

    resealed, moved, unreadable = 0, 0, []
    query = select(User).where(or_(User.totp_secret_encrypted.is_not(None),
                                   User.totp_secret_clear.is_not(None)))
    for user in session.scalars(query.order_by(User.id)):
        if user.totp_secret_encrypted:
            try:
                user.totp_secret_encrypted = keys.reseal(user.totp_secret_encrypted)
                user.totp_secret_clear = None
                resealed += 1
            except keys.SecretUnreadable:
                unreadable.append(user.email)
        else:
            user.totp_secret = user.totp_secret_clear
            moved += 1
    session.flush()
    return resealed, moved, unreadable


def audit_for_user(session: Session, user: User, action: str, *, actor: str, actor_user_id: int | None = None,
                   remote_addr: str | None = None, **detail: object) -> int:
    """Record an event about an account in every partnership it belongs to; answers how many."""
    from cspr.db.tenancy import looking_up

    with looking_up(session, user_id=user.id):  # only this account's memberships
        ids = list(session.scalars(select(Membership.partnership_id).where(Membership.user_id == user.id)))
    for pid in ids:
        with acting_for(session, pid):
            audit.record(session, action, actor=actor, actor_user_id=actor_user_id, object_type="user",
                         object_id=user.id, detail={"email": user.email, **detail}, remote_addr=remote_addr)
    return len(ids)


def now() -> datetime:
    """The time now, in UTC (one place to read the clock for sign-in rules)."""
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


@functools.cache
def _nobody_hash() -> str:
    return _hasher.hash("no account has this password")


def verify_nobody(password: str) -> None:
    """Spend the time a real password check takes (an unknown or locked account)."""
    try:
        _hasher.verify(_nobody_hash(), password)
    except VerificationError:
        pass


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
    memberships: list[tuple[Partnership, Role] | tuple[Partnership, Role, str | None]] = (),
    is_operator: bool = False,
    actor: str = "cli",
) -> User:
    """Create an account with its memberships; each membership is audited in its partnership."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")
    if not name.strip():
        raise UserError("a name is needed")
    if password is not None:
        problem = password_problem(password, email=email, context=partnership_words(session))
        if problem:
            raise UserError(problem)
    if session.scalar(select(User).where(User.email == email)):
        raise UserError(f"there is already an account for {email}")
    user = User(
        email=email, name=name.strip(), is_operator=is_operator,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    for partnership, role, *rest in memberships:
        agency = rest[0] if rest else None
        with acting_for(session, partnership.id):
            session.add(Membership(user_id=user.id, role=role, agency=agency))
            session.flush()
            audit.record(session, "membership.created", actor=actor, object_type="user",
                         object_id=user.id, detail={"role": role.value, "agency": agency})
    return user


def agency_problem(policy: Any, role: Role, agency: str | None) -> str | None:
    """Why a membership's agency does not fit its role (a contributor names one of the partnership's
    agencies, nobody else names one), or None.
    """
    keys = {a["key"] for a in policy.agencies}
    if role == Role.CONTRIBUTOR:
        if not agency:
            return "Select the agency the contributor answers for"
        if agency not in keys:
            return f"Select one of {policy.name}'s agencies"
        return None
    return "Only an agency contributor is tied to an agency" if agency else None

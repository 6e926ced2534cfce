"""Lock-out: failed sign-ins counted in one statement each, so parallel guesses cannot be lost.

A password attempt is counted *before* the password is checked (:func:`begin`): the count and,
at the threshold, the lock are set by one conditional UPDATE on the user's row, which parallel
requests take in turn. An attempt that finds the account locked checks nothing. So however many
requests arrive at once, at most ``threshold`` passwords are compared with the real hash before
the account locks. A correct password gives its attempt back (:func:`give_back`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cspr.accounts.models import User


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: its place in the run of failures, and the lock it set (if it was the last)."""

    user_id: int
    number: int
    locked_until: datetime | None


def _unlocked(moment: datetime):  # noqa: ANN202
    return or_(User.locked_until.is_(None), User.locked_until <= moment)


def _count(session: Session, user: User, moment: datetime, threshold: int, minutes: int,
           *, only_unlocked: bool) -> tuple[int, datetime | None] | None:
    """Add one failure; at the threshold lock the account and start the count again."""
    until = moment + timedelta(minutes=minutes)
    reaches = User.failed_sign_ins + 1 >= threshold
    stmt = update(User).where(User.id == user.id)
    if only_unlocked:
        stmt = stmt.where(_unlocked(moment))
    row = session.execute(
        stmt.values(failed_sign_ins=case((reaches, 0), else_=User.failed_sign_ins + 1),
                    locked_until=case((reaches, until), else_=User.locked_until))
        .returning(User.failed_sign_ins, User.locked_until)
        .execution_options(synchronize_session=False)).first()
    if row is None:
        return None
    count, locked_until = row
    set_committed_value(user, "failed_sign_ins", count)
    set_committed_value(user, "locked_until", locked_until)
    locked_now = count == 0 and locked_until is not None
    return (threshold if locked_now else count), (until if locked_now else None)


def begin(session: Session, user: User, moment: datetime, threshold: int, minutes: int) -> Attempt | None:
    """Count a password attempt before checking it; None while the account is locked (check nothing).

    Commit straight after, so that the next request sees the count without waiting for this one.
    """
    counted = _count(session, user, moment, threshold, minutes, only_unlocked=True)
    if counted is None:
        return None
    number, locked_until = counted
    return Attempt(user.id, number, locked_until)


def give_back(session: Session, user: User, attempt: Attempt, moment: datetime, threshold: int) -> None:
    """The password was right: the attempt was not a failure (and a lock it set is lifted)."""
    if attempt.locked_until is not None:
        stmt = (update(User).where(User.id == user.id, User.locked_until == attempt.locked_until)
                .values(failed_sign_ins=threshold - 1, locked_until=None))
    else:
        stmt = (update(User).where(User.id == user.id, _unlocked(moment))
                .values(failed_sign_ins=case((User.failed_sign_ins > 0, User.failed_sign_ins - 1), else_=0)))
    session.execute(stmt.execution_options(synchronize_session=False))
    session.expire(user, ["failed_sign_ins", "locked_until"])


def record(session: Session, user: User, moment: datetime, threshold: int, minutes: int) -> Attempt:
    """Count a failure already checked (a wrong code, a wrong password when re-authenticating)."""
    number, locked_until = _count(session, user, moment, threshold, minutes, only_unlocked=False)
    return Attempt(user.id, number, locked_until)


def clear(session: Session, user: User) -> None:
    """Signed in: the run of failures ends and any lock is lifted."""
    session.execute(update(User).where(User.id == user.id).values(failed_sign_ins=0, locked_until=None)
                    .execution_options(synchronize_session=False))
    set_committed_value(user, "failed_sign_ins", 0)
    set_committed_value(user, "locked_until", None)

"""Two-factor authentication: TOTP (RFC 6238) with replay protection, and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from cspr.accounts.models import RecoveryCode, User

ISSUER = "CSPR"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of a URI as a data: URI holding an SVG (allowed by the CSP's img-src)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#0b0c0c")


def grouped(secret: str) -> str:
    """'ABCDEFGH...' as 'ABCD EFGH ...' for typing by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def verify_totp(user: User, code: str, now: datetime) -> bool:
    """True for the current code (or one step either side); a step is never accepted twice.

    The step is claimed by one conditional UPDATE, so of any number of parallel requests
    with the same code exactly one wins: the others wait for its row lock, then find the
    step already used. Its transaction holds the lock until the request commits.
    """
    code = re.sub(r"\s", "", code or "")
    if not user.totp_secret or not re.fullmatch(r"\d{6}", code):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    step = totp.timecode(now)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return False  # replayed, or older than a code already used
            return _claim_step(user, candidate)
    return False


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as the last one used, unless this or a later step already was."""
    session = object_session(user)
    if session is None:  # a detached user (no database to race against)
        user.totp_last_step = step
        return True
    claimed = session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    """A recovery code as typed ('ABCDE-fghjk ') in its stored form ('abcdefghjk')."""
    return re.sub(r"[^a-z0-9]", "", (code or "").lower())


def looks_like_recovery_code(code: str) -> bool:
    """Ten letters or digits, with or without the dash."""
    return len(normalise(code)) == 10 and not normalise(code).isdigit()


def make_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace a user's recovery codes with new ones; answers them in clear (shown once)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    session.flush()
    return codes


def use_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    """Spend one unused recovery code; False if it is wrong or already used."""
    if not looks_like_recovery_code(code):
        return False
    # The account's row first: every sign-in path locks the account, then a code, then the
    # partnership's audit chain, so parallel sign-ins wait for each other and never deadlock.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    row = session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                    RecoveryCode.code_hash == _code_hash(code),
                                                    RecoveryCode.used_at.is_(None)).with_for_update())
    if row is None:
        return False
    row.used_at = now
    session.flush()
    return True


def recovery_codes_left(session: Session, user: User) -> int:
    """How many unused recovery codes the user has."""
    return session.scalar(select(func.count()).select_from(RecoveryCode)
                          .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0

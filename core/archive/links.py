"""The signed download link of a deposit too large to attach: it names the package and when it expires.

The token is signed with the service's secret (itsdangerous, as Flask's own sessions are) and holds
only the deposit's number, the package's checksum and the moment it stops working: nothing that
names the partnership or its case, so a link to an anonymous deposit identifies nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "cspr.archive.deposit-link"


class LinkExpired(Exception):
    """The link was good but its time is over."""


class LinkInvalid(Exception):
    """Not a link this service made (or one for a package that has changed)."""


@dataclass(frozen=True)
class LinkClaims:
    """What a good link names."""

    deposit_id: int
    sha256: str
    expires_at: dt.datetime


def now() -> dt.datetime:
    """The clock links are checked against (tests move it)."""
    return dt.datetime.now(dt.UTC)


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def make(secret: str, deposit_id: int, sha256: str, expires_at: dt.datetime) -> str:
    """A token for the deposit's package, good until ``expires_at``."""
    return _serializer(secret).dumps({"d": deposit_id, "s": sha256[:16], "e": int(expires_at.timestamp())})


def read(secret: str, token: str) -> LinkClaims:
    """The claims of a token made by :func:`make`; LinkInvalid, or LinkExpired once its time is over."""
    try:
        data = _serializer(secret).loads(token)
        claims = LinkClaims(int(data["d"]), str(data["s"]), dt.datetime.fromtimestamp(int(data["e"]), dt.UTC))
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid(str(exc)) from None
    if now() >= claims.expires_at:
        raise LinkExpired(claims.expires_at)
    return claims

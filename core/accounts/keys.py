"""Keys kept outside the database: Fernet keys for TOTP secrets at rest, HMAC keys for exported audit heads.

Each setting holds one key or several (a list, or comma-separated), newest first: the first
encrypts or signs, every one is tried when reading, so a key is rotated by putting the new
one in front, re-encrypting (``cspr users rotate-totp-key``), then dropping the old one.
Production refuses to start without both settings. In development, with neither set, each
is derived from SECRET_KEY (HMAC-SHA256 with a salt of its own), so ``cspr up`` needs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

from cspr.config import ConfigError

TOTP_SETTING = "TOTP_ENCRYPTION_KEYS"
HEADS_SETTING = "AUDIT_HEADS_KEYS"
_TOTP_SALT = b"cspr: TOTP secrets at rest, development key"
_HEADS_SALT = b"cspr: audit heads signature, development key"
MAKE_FERNET = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
MAKE_HMAC = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
SIGNATURE = "signature"


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys decrypts (a wrong or a removed key)."""


@dataclass(frozen=True)
class Keys:
    """The app's keys: the TOTP keyring and the heads' signing keys (first signs)."""

    totp: MultiFernet
    heads: tuple[bytes, ...]


def listed(value: Any) -> list[str]:
    """A setting's keys: a list, or one comma-separated string."""
    if isinstance(value, str):
        value = value.split(",")
    return [str(key).strip() for key in value or () if str(key).strip()]


def _derived(secret_key: str, salt: bytes) -> bytes:
    return hmac.new(secret_key.encode(), salt, hashlib.sha256).digest()


def development_totp_key(secret_key: str) -> str:
    """The Fernet key development derives from SECRET_KEY when TOTP_ENCRYPTION_KEYS is empty."""
    return base64.urlsafe_b64encode(_derived(secret_key, _TOTP_SALT)).decode()


def totp_keyring(settings: dict[str, Any]) -> MultiFernet:
    """The Fernet keys of TOTP_ENCRYPTION_KEYS; ConfigError naming the setting if one is malformed."""
    keys = listed(settings.get(TOTP_SETTING))
    if not keys:
        if settings.get("ENV") == "production":
            raise ConfigError(f"CSPR_{TOTP_SETTING} is not set: production keeps the authenticator secrets "
                              f"encrypted with a key kept outside the database. Make one with {MAKE_FERNET}")
        return MultiFernet([Fernet(development_totp_key(settings["SECRET_KEY"]))])
    fernets = []
    for number, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ConfigError(f"CSPR_{TOTP_SETTING}: key {number} is not a Fernet key (44 characters of "
                              f"url-safe base64). Make one with {MAKE_FERNET}") from None
    return MultiFernet(fernets)


def heads_keys(settings: dict[str, Any]) -> tuple[bytes, ...]:
    """The HMAC keys of AUDIT_HEADS_KEYS; ConfigError naming the setting if one is too short."""
    keys = listed(settings.get(HEADS_SETTING))
    if not keys:
        if settings.get("ENV") == "production":
            raise ConfigError(f"CSPR_{HEADS_SETTING} is not set: production signs the exported audit heads "
                              f"with a key kept outside the database. Make one with {MAKE_HMAC}")
        return (_derived(settings["SECRET_KEY"], _HEADS_SALT),)
    for number, key in enumerate(keys, 1):
        if len(key) < 32 or "change-me" in key.lower():
            raise ConfigError(f"CSPR_{HEADS_SETTING}: key {number} is shorter than 32 characters or a "
                              f"placeholder. Make one with {MAKE_HMAC}")
    return tuple(key.encode() for key in keys)


def install(app: Flask) -> None:
    """Check the app's keys (at start-up, so a bad one stops it) and keep them on the app."""
    app.extensions["cspr.keys"] = Keys(totp_keyring(app.config), heads_keys(app.config))


def current() -> Keys:
    """The current app's keys."""
    return current_app.extensions["cspr.keys"]


# -- TOTP secrets at rest ----------------------------------------------------------------

def seal(secret: str) -> str:
    """A TOTP secret encrypted with the first key, as stored."""
    return current().totp.encrypt(secret.encode()).decode()


def unseal(stored: str) -> str:
    """The TOTP secret a stored value holds; SecretUnreadable if no configured key opens it."""
    try:
        return current().totp.decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            f"a two-factor secret cannot be decrypted with CSPR_{TOTP_SETTING}: the key is wrong, or the "
            "key it was encrypted with was removed before 'cspr users rotate-totp-key' re-encrypted it"
        ) from None


def reseal(stored: str) -> str:
    """A stored secret re-encrypted with the first key; SecretUnreadable if no configured key opens it."""
    try:
        return current().totp.rotate(stored.encode()).decode()
    except InvalidToken:
        return seal(unseal(stored))  # unseal raises with the reason


# -- audit heads, signed ------------------------------------------------------------------

def _signed_bytes(document: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != SIGNATURE}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()


def sign(document: dict[str, Any], heads: tuple[bytes, ...] | None = None) -> dict[str, Any]:
    """The document with its HMAC-SHA256 (hex) under ``signature``, made with the first heads key."""
    key = (heads or current().heads)[0]
    return {**document, SIGNATURE: hmac.new(key, _signed_bytes(document), hashlib.sha256).hexdigest()}


def signature_matches(document: dict[str, Any], heads: tuple[bytes, ...] | None = None) -> bool:
    """True when the document's signature was made by one of the heads keys over exactly its content."""
    given = document.get(SIGNATURE)
    if not isinstance(given, str):
        return False
    data = _signed_bytes(document)
    return any(hmac.compare_digest(hmac.new(key, data, hashlib.sha256).hexdigest(), given)
               for key in heads or current().heads)

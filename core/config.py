"""Layered configuration: defaults, then a file named by CSPR_CONFIG, then CSPR_* variables."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

PREFIX = "CSPR_"

DEFAULTS: dict[str, Any] = {
    # The embedded default: SQLite and kombu's SQLAlchemy transport, no server needed.
    # Both are filled in from the instance folder when left empty.
    "DATABASE_URL": "",
    # PostgreSQL: the tables' owner, for migrations and `cspr db grant-app-role`. Empty: DATABASE_URL.
    # The app itself connects with DATABASE_URL as a role that owns nothing (row-level security).
    "MIGRATION_DATABASE_URL": "",
    # The database pool of each process (PostgreSQL): connections kept open, extra ones when
    # busy, and seconds a request waits for one before it is answered 503 with Retry-After.
    # Keep (web processes x threads) within the server's max_connections.
    "DATABASE_POOL_SIZE": 5,
    "DATABASE_MAX_OVERFLOW": 10,
    "DATABASE_POOL_TIMEOUT": 10.0,
    "DATABASE_RETRY_AFTER": 5,  # seconds the 503 asks a client to wait before trying again
    "BROKER_URL": "",
    "RESULT_BACKEND": "",
    "SECRET_KEY": "dev-only-not-secret",
    "ENV": "development",
    # Where the embedded default keeps its SQLite files (default: ./instance beside the code).
    "INSTANCE_PATH": "",
    # Which installed partnership plugins load (entry point names). Empty allow = all.
    "PLUGINS_ALLOW": [],
    "PLUGINS_DENY": [],
    # Strict: a broken plugin stops start-up. Otherwise it is quarantined and reported.
    "PLUGINS_STRICT": False,
    # Seconds between runs of the clock's jobs (beat).
    "SWEEP_INTERVAL": 300,
    "HEARTBEAT_INTERVAL": 60,
    "OUTBOX_INTERVAL": 30,
    "OUTBOX_BATCH": 50,
    "OUTBOX_LEASE": 300,  # seconds a relay holds a message it is sending
    "OUTBOX_MAX_ATTEMPTS": 8,
    "OUTBOX_BACKOFF": 60,  # seconds before the first retry; doubles each time
    "OUTBOX_BACKOFF_MAX": 3600,
    "DAILY_INTERVAL": 3600,
    # Where deposit packages are written (default: <instance>/archive) and documents are kept.
    "ARCHIVE_DIR": "",
    # Deposits with the NSPCC National Case Review Repository, e-mailed through the outbox to this
    # address (empty: none is sent; staff see them prepared). A package up to ATTACH_MAX_BYTES is
    # attached; a larger one is sent as a download link on BASE_URL that works for LINK_DAYS days.
    "NSPCC_DEPOSIT_ADDRESS": "",
    "NSPCC_DEPOSIT_ATTACH_MAX_BYTES": 10 * 1024 * 1024,
    "NSPCC_DEPOSIT_LINK_DAYS": 14,
    "DOCUMENTS_DIR": "",  # how often the daily jobs check whether today's run is done
    # How many proxies in front of the web app set X-Forwarded-For/-Proto/-Host (0: none; the
    # headers are then ignored, so nobody can forge the address that rate limits and audit use).
    "TRUSTED_PROXIES": 0,
    # Links in e-mails and feeds come from BASE_URL (below), never the request's Host
    # (cspr.web.links); production refuses to start with its development default.
    # TRUSTED_HOSTS: the only Host headers answered (others get 400); empty = BASE_URL's
    # host in production, any host in development.
    "TRUSTED_HOSTS": [],
    # The largest request body accepted (a report PDF is at most 25 MB); larger ones get 413.
    "MAX_CONTENT_LENGTH": 36 * 1024 * 1024,  # 25 MB as base64 in JSON (4/3 of it) fits
    # The largest case document (PDF, DOCX, ODT, XLSX) accepted.
    "DOCUMENT_MAX_BYTES": 25 * 1024 * 1024,
    # Where the daily job appends the audit chains' heads (default: <ARCHIVE_DIR>/audit-heads.jsonl).
    "AUDIT_HEADS_FILE": "",
    # Keys kept outside the database (cspr.accounts.keys; docs/operations.md, "Keys"). One key, or several
    # comma-separated newest first: the first encrypts or signs, all are tried to read. Required in
    # production; in development each is derived from SECRET_KEY when empty.
    "TOTP_ENCRYPTION_KEYS": [],  # Fernet keys for the authenticator (TOTP) secrets in the database
    "AUDIT_HEADS_KEYS": [],  # HMAC-SHA256 keys that sign the exported audit heads
    # Refused requests: the first N per actor, partnership and window are audit events of their
    # own; the rest are counted and reported in one access.denied.summary when the window closes.
    "AUDIT_REFUSALS_PER_WINDOW": 20,
    "AUDIT_REFUSAL_WINDOW_MINUTES": 15,
    # Beat's scheduler: "auto" uses RedBeat (one beat, locked in Redis) on a Redis broker.
    "BEAT_SCHEDULER": "auto",
    # Beat on Redis: while Redis is away beat retries after 1, 2, 4, ... seconds, at most this.
    "BEAT_RETRY_MAX": 30,
    "BASE_URL": "http://127.0.0.1:5000",
    # Outgoing e-mail. No MAIL_SERVER: messages are logged instead (development only).
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_FROM": "no-reply@cspr.invalid",
    # A demo's guard: e-mail only addresses at the reserved example domains (RFC 2606: example.org,
    # example.com, example.net, *.example, *.test, *.invalid); any other recipient fails for good.
    # `cspr up` with its demo data turns it on.
    "MAIL_EXAMPLE_DOMAINS_ONLY": False,
    # Cookies: secure (HTTPS only) unless turned off for local development.
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    # Staff sign-in: server-side sessions, lock-out, re-authentication, rate limits.
    "SESSION_IDLE_MINUTES": 30,  # signed out after this long without a page
    "SESSION_ABSOLUTE_HOURS": 12,  # signed out this long after signing in, whatever happens
    "LOCKOUT_THRESHOLD": 5,  # wrong passwords in a row that lock an account
    "LOCKOUT_MINUTES": 15,
    "REAUTH_MINUTES": 5,  # sensitive actions ask for the password again after this
    # Flask-Limiter's storage: "memory://" for one process; redis://... in deployments.
    "RATELIMIT_STORAGE_URI": "memory://",
    # Each limit keys on what is attacked; an address counts only what failed from it, so a
    # valid credential is never refused for someone else's failures (docs/security.md).
    "RATELIMIT_SIGN_IN": "20 per 15 minutes",  # accounts with a failed sign-in from one address
    "RATELIMIT_SIGN_IN_EMAIL": "10 per 15 minutes",  # sign-in attempts for one e-mail, counted first
    "RATELIMIT_SECOND_FACTOR": "10 per 5 minutes",  # codes tried for one account, counted first
    "RATELIMIT_RESET": "5 per 15 minutes",  # reset e-mails asked for from one address
    "RATELIMIT_API_AUTH": "20 per minute",  # API requests with a missing or bad token from one address
    # Public forms that send e-mail to a partnership's team ("ask for an archived report").
    "RATELIMIT_REPORT_REQUEST": "5 per hour",  # requests sent from one address
    "RATELIMIT_REPORT_REQUEST_PARTNERSHIP": "30 per day",  # requests one partnership's team receives
}


def _parse(raw: str, default: Any) -> Any:
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        low = raw.strip().lower()
        if low in {"1", "true", "yes", "on"}:
            return True
        if low in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"expected true or false, got {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list):
        raw = raw.strip()
        if raw.startswith("["):
            return list(json.loads(raw))
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


class ConfigError(Exception):
    """A setting is missing or malformed."""


def load(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> dict:
    """Return the settings: defaults, the CSPR_CONFIG file, CSPR_* variables, then overrides."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    path = environ.get(PREFIX + "CONFIG")
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"CSPR_CONFIG names {path}, which is not a file")
        try:
            data = tomllib.loads(file.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
        settings.update({key.upper(): value for key, value in data.items()})
    for key, value in environ.items():
        if key.startswith(PREFIX) and key != PREFIX + "CONFIG":
            name = key[len(PREFIX):]
            try:
                settings[name] = _parse(value, DEFAULTS.get(name, ""))
            except ValueError as exc:
                raise ConfigError(f"{key}: {exc}") from exc
    settings.update(overrides or {})
    return settings

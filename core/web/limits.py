"""Rate limits (Flask-Limiter) on sign-in, the second factor, password resets, bad API tokens, public forms.

Counters live in RATELIMIT_STORAGE_URI: Redis in deployments (shared by every worker),
memory for the single-process embedded default. A limit keys on what is attacked (an e-mail
address, an account, a partnership's inbox) and an address only counts what went wrong from
it, so a valid credential is never refused for someone else's failures (docs/security.md).
The decorators are Flask-Limiter's; :func:`hit`, :func:`used_up` and :func:`failed_from`
count by hand where the view must decide first (an API token, a failed sign-in).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, RateLimitItemPerSecond, parse_many

TOO_MANY = "There have been too many attempts. Wait a few minutes, then try again."
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def setting(name: str) -> Callable[[], str]:
    """A limit read from the app's configuration when the request comes."""
    return lambda: current_app.config[name]


def not_redirected(response: Response) -> bool:
    """A failed form post: it answered with the page again (a success redirects)."""
    return response.status_code != 302


def email_key() -> str:
    """The e-mail address a sign-in is for: one account cannot be hammered from many places."""
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def account_key() -> str:
    """The account a second-factor step is for (the address when there is none)."""
    row = g.get("user_session")
    return f"user:{row.user_id}" if row is not None else "addr:" + (get_remote_address() or "")


# Module-level so that limits registered again for another app (tests make many) are the same objects.
SIGN_IN_EMAIL = setting("RATELIMIT_SIGN_IN_EMAIL")
SECOND_FACTOR = setting("RATELIMIT_SECOND_FACTOR")
RESET = setting("RATELIMIT_RESET")
# Counted by hand (the name of the setting):
SIGN_IN_ADDRESS = "RATELIMIT_SIGN_IN"
API_AUTH = "RATELIMIT_API_AUTH"
REPORT_REQUEST = "RATELIMIT_REPORT_REQUEST"
REPORT_REQUEST_PARTNERSHIP = "RATELIMIT_REPORT_REQUEST_PARTNERSHIP"


def _on() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _items(name: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[name])


def _args(scope: str, key: str) -> list[str]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return [prefix, key, scope] if prefix else [key, scope]


def hit(name: str, scope: str, key: str) -> bool:
    """Count one against the limits of setting ``name`` for ``key``; False when one was used up."""
    if not _on():
        return True
    return all([limiter.limiter.hit(item, *_args(scope, key)) for item in _items(name)])


def used_up(name: str, scope: str, key: str) -> bool:
    """True when ``key`` has no more tries left under the limits of setting ``name`` (counts nothing)."""
    if not _on():
        return False
    return not all(limiter.limiter.test(item, *_args(scope, key)) for item in _items(name))


def failed_from(name: str, scope: str, address: str, *, account: str) -> None:
    """A failure from ``address`` for ``account``: the address's count grows once per account.

    Many wrong passwords for one account from one address are that account's business (its own
    limit and lock-out); many accounts failing from one address is spraying.
    """
    if not _on():
        return
    longest = max(item.get_expiry() for item in _items(name))
    seen = RateLimitItemPerSecond(1, longest)
    if limiter.limiter.hit(seen, *_args(scope + "-seen", f"{address}|{account[:254]}")):
        hit(name, scope, address)


def init_limits(app: Flask) -> None:
    """Attach the limiter to the app (bad API tokens are counted in cspr.accounts.api)."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # The limiter is shared by every app of the process and init_app defaults "enabled" to its
    # current state: say it per app, or one app made with limits off would turn them off for all.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # One limiter serves each app made in this process (tests make many); Flask-Limiter 4.1 keeps
    # the first app's key prefix unless it is cleared, so each app's own RATELIMIT_KEY_PREFIX applies.
    limiter._key_prefix = ""
    limiter.init_app(app)

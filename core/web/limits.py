"""Rate limits (Flask-Limiter) on sign-in, the second factor, password resets and failed API tokens.

Counters live in RATELIMIT_STORAGE_URI: Redis in deployments (shared by every worker),
memory for the single-process embedded default. Only failures count where a success is
a normal thing to repeat (signing in, API calls); asking for a reset e-mail always counts.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

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


def bad_token(response: Response) -> bool:
    """An API call whose bearer token was refused."""
    return response.status_code == 401


# Module-level so that limits registered again for another app (tests make many) are the same objects.
SIGN_IN = setting("RATELIMIT_SIGN_IN")
SIGN_IN_EMAIL = setting("RATELIMIT_SIGN_IN_EMAIL")
SECOND_FACTOR = setting("RATELIMIT_SECOND_FACTOR")
RESET = setting("RATELIMIT_RESET")
API_AUTH = setting("RATELIMIT_API_AUTH")


def init_limits(app: Flask) -> None:
    """Attach the limiter to the app; bad bearer tokens count against the caller's address."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # The limiter is shared by every app of the process and init_app defaults "enabled" to its
    # current state: say it per app, or one app made with limits off would turn them off for all.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # One limiter serves each app made in this process (tests make many); Flask-Limiter 4.1 keeps
    # the first app's key prefix unless it is cleared, so each app's own RATELIMIT_KEY_PREFIX applies.
    limiter._key_prefix = ""
    limiter.init_app(app)
    api = app.extensions.get("cspr.api")
    for blueprint in getattr(api, "blueprints", []):
        limiter.shared_limit(API_AUTH, scope="api-auth", error_message=TOO_MANY,
                             deduct_when=bad_token)(blueprint)

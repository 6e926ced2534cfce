"""API authentication and roles: a bearer token gives one partnership, one person, one role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from flask_smorest import abort

from cspr.accounts import tokens
from cspr.accounts.permissions import Permission, allowed, describe
from cspr.audit import requests as auditing
from cspr.db import get_session
from cspr.db.tenancy import set_partnership
from cspr.partnerships import services as partnerships
from cspr.plugins import get_registry
from cspr.services.context import Context
from cspr.web import limits


def authenticate() -> None:
    """Resolve the bearer token into a context for its partnership; 401, 404 or 429 otherwise.

    The token is checked first: a valid one is never refused because others sent bad tokens
    from the same address (a council's shared NAT). Only a missing or bad token counts against
    the address (``RATELIMIT_API_AUTH``), and past that limit it is answered with 429.
    """
    header = request.headers.get("Authorization", "")
    session = get_session()
    bearer = header.lower().startswith("bearer ")
    grant = tokens.authenticate(session, header[7:].strip()) if bearer else None
    if grant is None:
        if not limits.hit(limits.API_AUTH, "api-auth", "addr:" + (request.remote_addr or "")):
            abort(429, message=limits.TOO_MANY)
        if not bearer:
            abort(401, message="Send an API token: 'Authorization: Bearer <token>'.")
        abort(401, message="The token is not valid, has been revoked, or its owner is no longer a member.")
    session.commit()  # records when the token was last used
    registry = get_registry()
    slug = g.get("api_slug")
    row = partnerships.get(session, slug) if slug else None
    if row is None or row.id != grant.partnership_id or not row.enabled or slug not in registry.policies:
        if row is not None and row.enabled and slug in registry.policies:
            auditing.denied_elsewhere(session, row, grant.user_id, "token of another partnership")
        abort(404, message=f"There is no partnership '{slug}' for this token.")
    set_partnership(session, row.id)
    g.ctx = Context(session, row, registry.policy(slug), actor=f"user:{grant.user_id}",
                    user_id=grant.user_id, role=grant.role, remote_addr=request.remote_addr)


def ctx() -> Context:
    """The request's context."""
    return g.ctx


def requires(action: Permission) -> Callable:
    """Only the roles that may take the action may call the view (403 with the reason otherwise)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            role = g.ctx.role
            if not allowed(role, action):
                needed = describe(action)
                abort(403, message=f"This needs the {needed} role; your role here is {role.value}.")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def commit() -> None:
    """Commit the request's work (views call this once, after the service succeeded)."""
    get_session().commit()

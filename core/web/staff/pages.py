"""The staff pages' blueprint: the member's partnership context, role checks, form errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from cspr.accounts.models import Membership
from cspr.accounts.permissions import Permission, allowed
from cspr.audit import requests as auditing
from cspr.db import get_session
from cspr.db.tenancy import set_partnership
from cspr.partnerships import services as partnerships
from cspr.plugins import get_registry
from cspr.services.context import Context
from cspr.web.forms import apply_errors  # noqa: F401 (the staff pages' way to show a service's errors)

bp = Blueprint("staff", __name__, url_prefix="/app/<slug>")


@bp.url_value_preprocessor
def _pop_slug(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.slug = (values or {}).pop("slug", None)


@bp.url_defaults
def _add_slug(_endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and g.get("slug"):
        values["slug"] = g.slug


@bp.before_request
def _member_context() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    session = get_session()
    registry = get_registry()
    row = partnerships.get(session, g.slug)
    if row is None or not row.enabled or g.slug not in registry.policies:
        abort(404)
    set_partnership(session, row.id)
    membership = session.scalar(select(Membership).where(Membership.user_id == current_user.id))
    if membership is None:
        auditing.denied_elsewhere(session, row, current_user.id, "not a member")
        abort(404)
    g.ctx = Context(session, row, registry.policy(g.slug), actor=f"user:{current_user.id}",
                    user_id=current_user.id, role=membership.role, remote_addr=request.remote_addr)
    return None


bp.after_request(auditing.after_request)


def ctx() -> Context:
    """The page's context."""
    return g.ctx


def roles(action: Permission) -> Callable:
    """Only the roles that may take the action may use the page (403 otherwise)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not allowed(g.ctx.role, action):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator

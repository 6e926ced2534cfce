"""The staff pages' blueprint: the member's partnership context, role checks, form errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from cspr.accounts.models import Membership
from cspr.accounts.permissions import Permission, allowed
from cspr.audit import requests as auditing
from cspr.db import get_session
from cspr.db.tenancy import expect_partnership, expected_partnership_id, set_partnership
from cspr.partnerships import services as partnerships
from cspr.partnerships.models import Partnership, PartnershipSetting
from cspr.partnerships.settings import overlay_with
from cspr.plugins import get_registry
from cspr.services.context import Context
from cspr.web.forms import apply_errors  # noqa: F401 (the staff pages' way to show a service's errors)

bp = Blueprint("staff", __name__, url_prefix="/app/<slug>")


@bp.url_value_preprocessor
def _pop_slug(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.slug = (values or {}).pop("slug", None)
    if g.slug and partnerships.SLUG_TEXT.fullmatch(g.slug):
        # the request's first statement (its session's) finds the partnership and sets its settings
        expect_partnership(get_session(), g.slug)


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
    found = _member_of(session, g.slug, current_user.id)
    if found is None:  # no member of it, or the partnership was not found with the session (SQLite)
        row = partnerships.get(session, g.slug)
        if row is None or not row.enabled or g.slug not in registry.policies:
            abort(404)
        set_partnership(session, row.id)
        membership = session.scalar(select(Membership).where(Membership.user_id == current_user.id))
        if membership is None:
            auditing.denied_elsewhere(session, row, current_user.id, "not a member")
            abort(404)
        policy = registry.policy(g.slug)
    else:
        membership, row, values = found
        if not row.enabled or g.slug not in registry.policies:
            set_partnership(session, None)
            abort(404)
        policy = overlay_with(session, registry.policy(g.slug), values)
    g.ctx = Context(session, row, policy, actor=f"user:{current_user.id}",
                    user_id=current_user.id, role=membership.role, remote_addr=request.remote_addr)
    return None


#: Built once: the tenancy hook scopes it to the partnership the session acts for each time it runs.
_MEMBER_OF = (select(Membership, Partnership, PartnershipSetting.key, PartnershipSetting.value)
              .join(Partnership, Partnership.id == Membership.partnership_id)
              .outerjoin(PartnershipSetting, PartnershipSetting.partnership_id == Partnership.id)
              .where(Membership.user_id == bindparam("user_id"), Partnership.slug == bindparam("slug")))


def _member_of(session: Session, slug: str | None,
               user_id: int) -> tuple[Membership, Partnership, dict[str, Any]] | None:
    """The person's membership of the partnership known by ``slug``, the partnership and its local settings.

    One statement, in the partnership's context (whose settings the request's first statement set as
    it found its id): checked on every request, so a member removed is refused on their next one.
    None when the first statement did not find the partnership, or the person is not its member.
    """
    partnership_id = expected_partnership_id(session)
    if partnership_id is None:
        return None
    set_partnership(session, partnership_id)
    rows = session.execute(_MEMBER_OF, {"user_id": user_id, "slug": slug}).all()
    if not rows:
        set_partnership(session, None)
        return None
    return rows[0][0], rows[0][1], {key: value for _m, _p, key, value in rows if key is not None}


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

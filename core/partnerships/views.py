"""Platform operators: partnerships and plugins, never case content."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import func, select

from cspr.accounts.models import User, UserSession
from cspr.accounts.users import reset_two_factor, set_active
from cspr.accounts.views.sign_in import fresh_required
from cspr.db import get_session
from cspr.db.tenancy import acting_for
from cspr.partnerships.models import Partnership
from cspr.plugins import get_registry
from cspr.services.words import counted
from cspr.web.forms import ConfirmForm

bp = Blueprint("operator", __name__, url_prefix="/operator")


def operator_only(view: Callable) -> Callable:
    """Only platform operators."""
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_operator:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


@bp.route("/")
@operator_only
def partnerships() -> ResponseReturnValue:
    """Every partnership, whether it is enabled, and its plugin's state."""
    rows = get_session().scalars(select(Partnership).order_by(Partnership.name)).all()
    registry = get_registry()
    return render_template("staff/operator.html", rows=rows, infos=registry.infos,
                           loaded=set(registry.policies), form=ConfirmForm())


@bp.route("/partnerships/<slug>/toggle", methods=["POST"])
@operator_only
def toggle(slug: str) -> ResponseReturnValue:
    """Enable or disable a partnership; its data is kept either way."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    row = session.scalar(select(Partnership).where(Partnership.slug == slug)) or abort(404)
    row.enabled = not row.enabled
    with acting_for(session, row.id):
        from cspr.audit import events as audit

        audit.record(session, "partnership.enabled" if row.enabled else "partnership.disabled",
                     actor=f"user:{current_user.id}", actor_user_id=current_user.id)
    session.commit()
    flash(f"{row.name} is {'enabled' if row.enabled else 'disabled'}.", "success")
    return redirect(url_for("operator.partnerships"))


@bp.route("/users")
@operator_only
def users() -> ResponseReturnValue:
    """Every account: whether it is active, has two-factor set up, and how many sessions are open."""
    session = get_session()
    rows = session.scalars(select(User).order_by(User.email)).all()
    open_counts = dict(session.execute(
        select(UserSession.user_id, func.count()).where(UserSession.ended_at.is_(None))
        .group_by(UserSession.user_id)).all())
    return render_template("staff/operator_users.html", rows=rows, open_counts=open_counts,
                           form=ConfirmForm())


def _user(user_id: int) -> User:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    return get_session().get(User, user_id) or abort(404)


@bp.route("/users/<int:user_id>/toggle", methods=["POST"])
@operator_only
@fresh_required
def toggle_user(user_id: int) -> ResponseReturnValue:
    """Disable an account (every session of it ends at once) or enable it again."""
    user = _user(user_id)
    if user.id == current_user.id:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for("operator.users"))
    ended = set_active(get_session(), user, not user.active, actor=f"user:{current_user.id}",
                       actor_user_id=current_user.id, remote_addr=request.remote_addr)
    get_session().commit()
    if user.active:
        flash(f"{user.email} can sign in again.", "success")
    else:
        flash(f"{user.email} is disabled; {counted(ended, 'session')} ended.", "success")
    return redirect(url_for("operator.users"))


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@operator_only
@fresh_required
def reset_user_two_factor(user_id: int) -> ResponseReturnValue:
    """A lost phone: the account sets up an authenticator app again at its next sign-in."""
    user = _user(user_id)
    reset_two_factor(get_session(), user, actor=f"user:{current_user.id}", actor_user_id=current_user.id,
                     remote_addr=request.remote_addr)
    get_session().commit()
    flash(f"{user.email} will set up an authenticator app at their next sign-in.", "success")
    return redirect(url_for("operator.users"))


@bp.route("/figures")
@operator_only
def figures() -> ResponseReturnValue:
    """The yearly figures across partnerships: counts only, every count from 1 to 4 suppressed."""
    from cspr.reporting import national
    from cspr.reporting.figures import FIRST_YEAR, LAST_YEAR
    from cspr.services.context import london_today

    today = london_today()
    asked = request.args.get("year", "")
    errors = []
    year = today.year if today.month >= 4 else today.year - 1
    if asked:
        if asked.isdigit() and FIRST_YEAR <= int(asked) <= LAST_YEAR:
            year = int(asked)
        else:
            errors.append({"text": f"Enter a reporting year from {FIRST_YEAR} to {LAST_YEAR}, like 2025",
                           "href": "#year"})
    session = get_session()
    found = national.national_figures(session, get_registry(), year, today, actor=f"user:{current_user.id}")
    session.commit()  # the cross-partnership read is recorded
    return render_template("staff/operator_figures.html", national=found, errors=errors,
                           years=list(range(year + 1, year - 6, -1)), small=national.SMALL)

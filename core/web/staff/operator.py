"""Platform operators: partnerships and plugins, never case content."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from cspr.app import get_registry
from cspr.db import get_session
from cspr.models import Partnership
from cspr.tenancy import acting_for
from cspr.web.staff.forms import ConfirmForm

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
def partnerships():  # noqa: ANN201
    """Every partnership, whether it is enabled, and its plugin's state."""
    rows = get_session().scalars(select(Partnership).order_by(Partnership.name)).all()
    registry = get_registry()
    return render_template("staff/operator.html", rows=rows, infos=registry.infos,
                           loaded=set(registry.policies), form=ConfirmForm())


@bp.route("/partnerships/<slug>/toggle", methods=["POST"])
@operator_only
def toggle(slug: str):  # noqa: ANN201
    """Enable or disable a partnership; its data is kept either way."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    row = session.scalar(select(Partnership).where(Partnership.slug == slug)) or abort(404)
    row.enabled = not row.enabled
    with acting_for(session, row.id):
        from cspr import audit

        audit.record(session, "partnership.enabled" if row.enabled else "partnership.disabled",
                     actor=f"user:{current_user.id}", actor_user_id=current_user.id)
    session.commit()
    flash(f"{row.name} is {'enabled' if row.enabled else 'disabled'}.", "success")
    return redirect(url_for("operator.partnerships"))

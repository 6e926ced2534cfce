"""Signing in and out, password resets by e-mail, and choosing a partnership."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from cspr import mail
from cspr.db import get_session
from cspr.models import Membership, Partnership, User
from cspr.tenancy import looking_up
from cspr.users import check_password, hash_password
from cspr.web.staff.forms import NewPasswordForm, ResetRequestForm, SignInForm

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see this page."
RESET_MAX_AGE = 3600


def init_login(app: Flask) -> None:
    """Session cookies and Flask-Login."""
    if app.config["ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True  # HTTPS only, whatever the setting says
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    login_manager.init_app(app)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        user = get_session().get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="cspr.password-reset")


def reset_token(user: User) -> str:
    """A one-hour token, spent as soon as the password changes."""
    return _serializer().dumps({"u": user.id, "h": (user.password_hash or "")[-12:]})


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


def memberships_of(user: User) -> list[tuple[Partnership, Membership]]:
    """The user's partnerships, with their role in each."""
    session = get_session()
    with looking_up(session, user_id=user.id):  # their own only: no cross-partnership access
        rows = session.execute(
            select(Partnership, Membership).join(Membership, Membership.partnership_id == Partnership.id)
            .where(Membership.user_id == user.id, Partnership.enabled.is_(True))
            .order_by(Partnership.name)
        ).all()
    return [(p, m) for p, m in rows]


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():  # noqa: ANN201
    """The sign-in page."""
    form = SignInForm()
    if form.validate_on_submit():
        session = get_session()
        user = session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is not None and user.active and check_password(user, form.password.data):
            return complete_sign_in(user, method="password", second_factor=False)
        form.form_errors.append("Enter a correct email address and password")
    status = 400 if form.errors or form.form_errors else 200
    return render_template("staff/sign_in.html", form=form), status


def complete_sign_in(user: User, *, method: str, second_factor: bool) -> Response:
    """The one way into a signed-in session, whatever proved who the user is.

    ``method`` says how ("password", "oidc:<slug>"); ``second_factor`` is True when a
    second factor was already proven (an identity provider's MFA). Answers the redirect.
    """
    login_user(user)
    return redirect(_safe_next(request.args.get("next")) or url_for("auth.choose"))


@bp.route("/sign-out", methods=["POST"])
def sign_out():  # noqa: ANN201
    """Sign out (a form POST, protected from cross-site requests)."""
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_request():  # noqa: ANN201
    """Ask for a link to set a new password."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = get_session().scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is not None and user.active:
            link = url_for("auth.reset_password", token=reset_token(user), _external=True)
            message = mail.build(user.email, "Set your password: Child Safeguarding Practice Reviews",
                                 f"Use this link within an hour to set your password:\n\n{link}\n\n"
                                 "If you did not ask for it, you can ignore this email.")
            try:
                mail.send(message)
            except mail.MailError:
                log.exception("password reset mail failed")
                form.form_errors.append("The email could not be sent just now. Try again later.")
                return render_template("staff/reset_request.html", form=form), 503
        return render_template("staff/reset_sent.html", email=form.email.data)
    status = 400 if form.errors else 200
    return render_template("staff/reset_request.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):  # noqa: ANN201
    """Set a new password from an e-mailed link."""
    session = get_session()
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        return render_template("staff/reset_invalid.html", reason="expired"), 400
    except BadSignature:
        return render_template("staff/reset_invalid.html", reason="invalid"), 400
    user = session.get(User, data.get("u"))
    if user is None or (user.password_hash or "")[-12:] != data.get("h") or not user.active:
        return render_template("staff/reset_invalid.html", reason="used"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        user.password_hash = hash_password(form.password.data)
        session.commit()
        flash("Your password has been saved. Sign in with it now.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("staff/reset_password.html", form=form), 400 if form.errors else 200


@bp.route("/app/")
@login_required
def choose():  # noqa: ANN201
    """Choose a partnership (straight to it when there is only one)."""
    rows = memberships_of(current_user)
    if len(rows) == 1:
        return redirect(url_for("staff.dashboard", slug=rows[0][0].slug))
    return render_template("staff/choose.html", memberships=rows)

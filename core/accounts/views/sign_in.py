"""Signing in and out, password resets by e-mail, server-side sessions, and choosing a partnership.

Every sign-in goes through :func:`complete_sign_in`. It starts a row in ``user_sessions``
and keeps only its random token in the cookie (a new one at each sign-in). Each request
checks the row: an ended, idle or too-old session signs the person out. A session whose
second factor is still pending reaches nothing but the two-factor pages.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import object_session

from cspr.accounts import lockout, password_resets
from cspr.accounts import sessions as user_sessions
from cspr.accounts.inputs import NewPasswordIn, ResetRequestIn, SignInIn
from cspr.accounts.models import Membership, Role, User, UserSession
from cspr.accounts.users import UserError, audit_for_user, check_password, set_password, verify_nobody
from cspr.db import get_session
from cspr.db.tenancy import looking_up
from cspr.messaging import mail
from cspr.partnerships.models import Partnership
from cspr.web import limits
from cspr.web.forms import form_for
from cspr.web.limits import RESET, SIGN_IN_EMAIL, TOO_MANY, email_key, limiter, not_redirected
from cspr.web.links import external_url

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see this page."
SignInForm = form_for(SignInIn, submit="Sign in")
ResetRequestForm = form_for(ResetRequestIn, submit="Send the link")
NewPasswordForm = form_for(NewPasswordIn, submit="Save the password")
SID = "cspr_sid"  # the cookie session's key for the server-side session's token
ENDED = {
    "idle": "You were signed out because you had not used the service for {idle} minutes. Sign in again.",
    "absolute": "You were signed out because you signed in more than {hours} hours ago. Sign in again.",
    "ended": "Your session has ended. Sign in again.",
}


def now() -> datetime:
    """The time now, in UTC."""
    return datetime.now(UTC)


def init_login(app: Flask) -> None:
    """Session cookies, Flask-Login and the check of the server-side session on every request."""
    if app.config["ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True  # HTTPS only, whatever the setting says
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    login_manager.init_app(app)
    app.before_request(_check_session)


def _limits() -> user_sessions.Limits:
    config = current_app.config
    return user_sessions.Limits(idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
                                absolute=timedelta(hours=int(config["SESSION_ABSOLUTE_HOURS"])))


def _check_session() -> None:
    """Load this browser's session row; sign out when it has ended, idled or grown too old."""
    g.user_session = g.session_user = None
    token = session.get(SID)
    if not token or request.blueprint == "assets" or request.endpoint == "static":
        return
    db = get_session()
    row, user = user_sessions.find_with_user(db, token)
    moment = now()
    reason = "ended" if row is None else user_sessions.expired_reason(row, _limits(), moment)
    if reason:
        if row is not None and row.ended_at is None:
            user_sessions.end(row, reason, moment)
            db.commit()
        session.clear()
        config = current_app.config
        message = ENDED[reason].format(idle=config["SESSION_IDLE_MINUTES"],
                                       hours=config["SESSION_ABSOLUTE_HOURS"])
        flash(message, "error")
        return
    if user_sessions.touch(row, moment):
        db.commit()
    g.user_session, g.session_user = row, user  # the user stays loaded for the user loader


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The signed-in user: only with a live session row whose second factor is proven."""
    row: UserSession | None = g.get("user_session")
    if row is None or row.second_factor_at is None or str(row.user_id) != user_id:
        return None
    user = get_session().get(User, row.user_id)
    return user if user is not None and user.active else None


def current_session() -> UserSession | None:
    """This request's session row (None when signed out)."""
    return g.get("user_session")


def reset_token(user: User) -> str:
    """A new one-hour, single-use link token for ``user``, in the user's session (commit to keep it)."""
    return password_resets.issue(object_session(user) or get_session(), user)


def _safe_next(target: str | None) -> str | None:
    """A path on this site to go on to, or None: no other host, no backslash, no control character.

    Any control or format character is refused, not stripped (``urlsplit`` strips CR, LF and tab,
    but the redirect would keep them: a header Werkzeug refuses, a 500).
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if any(unicodedata.category(char)[0] == "C" for char in target):
        return None
    parts = urlsplit(target)
    ok = not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
    return target if ok and "\\" not in target else None


def memberships_of(user: User) -> list[tuple[Partnership, Membership]]:
    """The user's partnerships, with their role in each."""
    db = get_session()
    with looking_up(db, user_id=user.id):  # their own only: no cross-partnership access
        rows = db.execute(
            select(Partnership, Membership).join(Membership, Membership.partnership_id == Partnership.id)
            .where(Membership.user_id == user.id, Partnership.enabled.is_(True))
            .order_by(Partnership.name)
        ).all()
    return [(p, m) for p, m in rows]


def failed_message() -> str:
    """The one answer to a failed sign-in: it never says whether the account exists or is locked."""
    config = current_app.config
    return (f"Enter a correct email address and password. After {config['LOCKOUT_THRESHOLD']} wrong "
            f"passwords in a row an account is locked for {config['LOCKOUT_MINUTES']} minutes.")


def audit_user(user: User, action: str, **detail: Any) -> None:
    """An audit event about a user, in each of their partnerships, from this request."""
    audit_for_user(get_session(), user, action, actor=f"user:{user.id}", actor_user_id=user.id,
                   remote_addr=request.remote_addr, **detail)


def locked(user: User, moment: datetime) -> bool:
    """True while the account is locked out."""
    until = user_sessions.aware(user.locked_until)
    return until is not None and until > moment


def _lockout() -> tuple[int, int]:
    config = current_app.config
    return int(config["LOCKOUT_THRESHOLD"]), int(config["LOCKOUT_MINUTES"])


def _audit_failure(user: User, attempt: lockout.Attempt, reason: str) -> None:
    audit_user(user, "sign_in.failed", reason=reason, attempt=attempt.number)
    if attempt.locked_until is not None:
        audit_user(user, "account.locked", until=attempt.locked_until.isoformat())
        log.warning("account locked after failed sign-ins", extra={"user_id": user.id})


def record_failure(user: User, moment: datetime, reason: str) -> None:
    """A wrong code (or a wrong password when re-authenticating): count it, lock at the threshold."""
    threshold, minutes = _lockout()
    _audit_failure(user, lockout.record(get_session(), user, moment, threshold, minutes), reason)


def _password_attempt(user: User, password: str, moment: datetime) -> bool:
    """Check a password for an account, counting the attempt first (see :mod:`cspr.accounts.lockout`)."""
    db = get_session()
    threshold, minutes = _lockout()
    attempt = lockout.begin(db, user, moment, threshold, minutes)
    db.commit()  # parallel attempts see the count at once, before the slow hash
    if attempt is None:  # locked: the same work as a real check, and nothing compared
        verify_nobody(password)
        audit_user(user, "sign_in.failed", reason="locked")
        db.commit()
        return False
    if check_password(user, password):
        lockout.give_back(db, user, attempt, moment, threshold)
        return True
    _audit_failure(user, attempt, "password")
    db.commit()
    return False


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_EMAIL, key_func=email_key, methods=["POST"], error_message=TOO_MANY)
def sign_in() -> ResponseReturnValue:
    """The sign-in page.

    Limits (docs/security.md): every attempt for an e-mail address counts before anything is
    checked; failures from one address count the accounts they were for, so a storm against one
    account never shuts out the other people behind the same address.
    """
    form = SignInForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        if limits.used_up(limits.SIGN_IN_ADDRESS, "sign-in-address", address):
            abort(429, description=TOO_MANY)
        db = get_session()
        email = form.email.data.strip().lower()
        user = db.scalar(select(User).where(User.email == email))
        moment = now()
        if user is None or not user.active:
            verify_nobody(form.password.data)  # the same work as a real check: timing says nothing
            if user is None:
                digest = hashlib.sha256(email.encode()).hexdigest()[:16]
                log.info("sign-in failed: no such account",
                         extra={"email_sha256": digest, "remote_addr": request.remote_addr})
            else:
                audit_user(user, "sign_in.failed", reason="disabled")
                db.commit()
        elif _password_attempt(user, form.password.data, moment):
            return complete_sign_in(user, method="password", second_factor=False)
        limits.failed_from(limits.SIGN_IN_ADDRESS, "sign-in-address", address, account=email)
        form.form_errors.append(failed_message())
    status = 400 if form.errors or form.form_errors else 200
    return render_template("staff/sign_in.html", form=form), status


def complete_sign_in(user: User, *, method: str, second_factor: bool) -> Response:
    """The one way into a signed-in session, whatever proved who the user is.

    ``method`` says how ("password", "oidc:<slug>"); ``second_factor`` is True when a
    second factor was already proven (an identity provider's MFA). Otherwise the user goes
    on to the TOTP step (or sets it up first). Answers the redirect.
    """
    db = get_session()
    next_url = _safe_next(request.args.get("next")) or _safe_next(session.get("next"))
    old = current_session()
    if old is not None:
        user_sessions.end(old, "replaced", now())
    session.clear()  # a new session identifier at every sign-in
    token, row = user_sessions.start(db, user, method=method, second_factor=second_factor,
                                     remote_addr=request.remote_addr, user_agent=request.user_agent.string,
                                     now=now())
    session[SID] = token
    g.user_session = row
    if next_url:
        session["next"] = next_url
    if second_factor:
        return finish_sign_in(row, user, how=method)
    db.commit()
    return redirect(url_for("auth.two_factor" if user.has_two_factor else "auth.enrol"))


def finish_sign_in(row: UserSession, user: User, *, how: str, to: str | None = None) -> Response:
    """The second factor is proven: the session may now reach the staff pages."""
    moment = now()
    row.second_factor_at = row.reauth_at = moment
    lockout.clear(get_session(), user)
    login_user(user)
    audit_user(user, "sign_in.succeeded", method=row.method, second_factor=how)
    get_session().commit()
    return redirect(to or _safe_next(session.pop("next", None)) or url_for("auth.choose"))


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    """Sign out (a form POST, protected from cross-site requests): the session row ends for good."""
    row = current_session()
    if row is not None:
        user_sessions.end(row, "signed_out", now())
        user = get_session().get(User, row.user_id)
        if user is not None:
            audit_user(user, "sign_out")
        get_session().commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(RESET, methods=["POST"], error_message=TOO_MANY)
def reset_request() -> ResponseReturnValue:
    """Ask for a link to set a new password."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = get_session().scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is not None and user.active:
            link = external_url("auth.reset_password", token=reset_token(user))
            get_session().commit()  # the link works once the mail arrives
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
@limiter.limit(RESET, methods=["POST"], deduct_when=not_redirected, error_message=TOO_MANY)
def reset_password(token: str) -> ResponseReturnValue:
    """Set a new password from an e-mailed link (every session of the account ends)."""
    db = get_session()
    user, reason = password_resets.check(db, token)
    if user is None:
        return render_template("staff/reset_invalid.html", reason=reason), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        if password_resets.redeem(db, token) != user.id:  # spent by a parallel request just now
            db.rollback()
            return render_template("staff/reset_invalid.html", reason="used"), 400
        try:
            set_password(db, user, form.password.data)
        except UserError as exc:
            db.rollback()  # the link stays usable
            form.password.errors = [*form.password.errors, str(exc)]
        else:
            audit_user(user, "password.reset")
            db.commit()
            session.clear()
            flash("Your password has been saved. Sign in with it now.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("staff/reset_password.html", form=form), 400 if form.errors else 200


def fresh_required(view: Callable) -> Callable:
    """A sensitive action: ask for the password (and a code) again if the last proof is too old."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return require_fresh() or view(*args, **kwargs)
    return wrapper


def require_fresh() -> Response | None:
    """None when the user proved who they are within REAUTH_MINUTES; else the redirect to do so."""
    row = current_session()
    if row is None or not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    window = timedelta(minutes=int(current_app.config["REAUTH_MINUTES"]))
    proven = user_sessions.aware(row.reauth_at)
    if proven is not None and now() - proven <= window:
        return None
    if request.method == "GET":
        target = request.full_path.rstrip("?")
    else:  # a form post cannot be replayed after the detour: come back to the form
        target = request.path
        flash("Confirm it is you, then send the form again.", "error")
    return redirect(url_for("auth.reauthenticate", next=target))


@bp.route("/app/")
@login_required
def choose() -> ResponseReturnValue:
    """Choose a partnership (straight to it when there is only one)."""
    rows = memberships_of(current_user)
    if len(rows) == 1:
        return redirect(url_for(landing(rows[0][1]), slug=rows[0][0].slug))
    return render_template("staff/choose.html", memberships=rows, landing=landing)


def landing(membership: Membership) -> str:
    """Where a member lands in a partnership: an agency contributor on their information requests."""
    return "staff.information_requests" if membership.role == Role.CONTRIBUTOR else "staff.dashboard"


import cspr.accounts.views.second_factor  # noqa: E402,F401  (its routes join this blueprint)

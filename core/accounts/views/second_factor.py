"""The second factor: setting up an authenticator app, the TOTP step, recovery codes, re-authentication."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from cspr.accounts import two_factor
from cspr.accounts.inputs import CodeIn, ReauthIn
from cspr.accounts.models import User, UserSession
from cspr.accounts.users import check_password
from cspr.accounts.views.sign_in import (
    _safe_next,
    audit_user,
    bp,
    current_session,
    failed_message,
    finish_sign_in,
    locked,
    now,
    record_failure,
)
from cspr.db import get_session
from cspr.web.forms import form_for
from cspr.web.limits import SECOND_FACTOR, TOO_MANY, account_key, limiter

CodeForm = form_for(CodeIn, submit="Continue")
ReauthForm = form_for(ReauthIn, submit="Confirm")
SHOW_CODES = "show_recovery_codes"


def _pending() -> tuple[UserSession, User] | None:
    """The session waiting for its second factor, and its user."""
    row = current_session()
    if row is None or row.second_factor_at is not None:
        return None
    user = get_session().get(User, row.user_id)
    return (row, user) if user is not None and user.active else None


def _check_code(user: User, code: str) -> str | None:
    """Which kind of code proved it ("totp", "recovery_code"), or None."""
    db, moment = get_session(), now()
    if two_factor.verify_totp(user, code, moment):
        return "totp"
    if two_factor.use_recovery_code(db, user, code, moment):
        audit_user(user, "two_factor.recovery_code_used", left=two_factor.recovery_codes_left(db, user))
        return "recovery_code"
    return None


@bp.route("/sign-in/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@limiter.limit(SECOND_FACTOR, key_func=account_key, methods=["POST"], error_message=TOO_MANY)
def two_factor_step() -> ResponseReturnValue:
    """The TOTP step after the password (or a recovery code)."""
    pending = _pending()
    if pending is None:
        return redirect(url_for("auth.sign_in"))
    row, user = pending
    if not user.has_two_factor:
        return redirect(url_for("auth.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        moment = now()
        how = None if locked(user, moment) else _check_code(user, form.code.data)
        if how:
            return finish_sign_in(row, user, how=how)
        if locked(user, moment):
            from cspr.accounts import sessions as user_sessions

            user_sessions.end(row, "locked", moment)
            get_session().commit()
            session.clear()
            flash(failed_message(), "error")
            return redirect(url_for("auth.sign_in"))
        record_failure(user, moment, "code")
        get_session().commit()
        form.code.errors = [*form.code.errors, "Enter the correct code: the newest one your app shows, "
                                               "or a recovery code you have not used"]
    return render_template("staff/two_factor.html", form=form), 400 if form.errors else 200


@bp.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
@limiter.limit(SECOND_FACTOR, key_func=account_key, methods=["POST"], error_message=TOO_MANY)
def enrol() -> ResponseReturnValue:
    """Set up an authenticator app: its secret as text and a QR code, confirmed with a code."""
    pending = _pending()
    if pending is None:
        return redirect(url_for("auth.sign_in"))
    row, user = pending
    if user.has_two_factor:
        return redirect(url_for("auth.two_factor"))
    db = get_session()
    if not user.totp_secret:
        user.totp_secret = two_factor.new_secret()
        db.commit()
    form = CodeForm()
    form.code.label.text = "Code from your authenticator app"
    form.code.description = "The 6-digit code the app shows after you add the account."
    if form.validate_on_submit():
        if two_factor.verify_totp(user, form.code.data, now()):
            user.totp_confirmed_at = now()
            audit_user(user, "two_factor.enrolled")
            session[SHOW_CODES] = True
            return finish_sign_in(row, user, how="totp_enrolment", to=url_for("auth.recovery_codes"))
        form.code.errors = [*form.code.errors, "Enter the code your authenticator app shows now"]
    uri = two_factor.provisioning_uri(user)
    return render_template("staff/enrol.html", form=form, secret=two_factor.grouped(user.totp_secret),
                           qr=two_factor.qr_svg(uri)), 400 if form.errors else 200


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes() -> ResponseReturnValue:
    """New recovery codes, shown once: straight after set-up, or when asked for (re-authenticated)."""
    from cspr.accounts.views.sign_in import require_fresh

    db = get_session()
    if request.method == "POST" or session.pop(SHOW_CODES, False):
        if request.method == "POST":
            detour = require_fresh()
            if detour is not None:
                return detour
            form = ReauthForm()
            if not form.validate_on_submit():
                abort(400)
        codes = two_factor.make_recovery_codes(db, current_user)
        audit_user(current_user, "two_factor.recovery_codes_made")
        db.commit()
        next_url = _safe_next(session.pop("next", None)) or url_for("auth.choose")
        return render_template("staff/recovery_codes.html", codes=codes, next_url=next_url,
                               codes_text=_codes_text(codes), download_name="cspr-recovery-codes.txt")
    left = two_factor.recovery_codes_left(db, current_user)
    return render_template("staff/recovery_codes.html", codes=None, left=left, form=ReauthForm(),
                           next_url=url_for("auth.choose"))


def _codes_text(codes: list[str]) -> str:
    """The codes as a file to keep: whose they are, then one code a line (the page is their only copy)."""
    made = datetime.now(UTC)
    lines = [f"Recovery codes for {current_user.email} on the Child Safeguarding Practice Reviews platform",
             f"Made {made:%-d %B %Y, %H:%M} UTC. Each code signs you in once, instead of a code from your "
             "authenticator app.", "", *codes, ""]
    return "\n".join(lines)


@bp.route("/confirm-it-is-you", methods=["GET", "POST"])
@login_required
@limiter.limit(SECOND_FACTOR, key_func=account_key, methods=["POST"], error_message=TOO_MANY)
def reauthenticate() -> ResponseReturnValue:
    """Prove who you are again before a sensitive action, then go back to it."""
    row = current_session()
    user: User = current_user
    next_url = _safe_next(request.args.get("next")) or url_for("auth.choose")
    single_sign_on = row.method.startswith("oidc:")
    needs_password = bool(user.password_hash) and not single_sign_on
    needs_code = user.has_two_factor
    if not needs_password and not needs_code:  # single sign-on without our own second factor
        slug = row.method.partition(":")[2]
        if "sso.start" in current_app.view_functions:
            try:
                target = url_for("sso.start", slug=slug)
            except BuildError:
                abort(403)
            session["next"] = next_url  # complete_sign_in returns there after the provider
            return redirect(target)
        abort(403)
    form = ReauthForm()
    if form.validate_on_submit():
        moment = now()
        ok = True
        if needs_password and not form.password.data:
            form.password.errors = ["Enter your password"]
            ok = False
        if needs_code and not form.code.data:
            form.code.errors = ["Enter the code from your authenticator app"]
            ok = False
        if ok and needs_password and not check_password(user, form.password.data):
            form.password.errors = ["Enter your correct password"]
            ok = False
        if ok and needs_code and _check_code(user, form.code.data) is None:
            form.code.errors = ["Enter the correct code: the newest one your app shows, "
                                "or a recovery code you have not used"]
            ok = False
        if ok:
            row.reauth_at = moment
            audit_user(user, "sign_in.reauthenticated")
            get_session().commit()
            return redirect(next_url)
        if form.password.errors and needs_password and form.password.data:
            record_failure(user, moment, "reauthentication")
            if locked(user, moment):  # too many wrong passwords: this session ends too
                from flask_login import logout_user

                from cspr.accounts import sessions as user_sessions

                user_sessions.end(row, "locked", moment)
                get_session().commit()
                logout_user()
                session.clear()
                flash(failed_message(), "error")
                return redirect(url_for("auth.sign_in"))
        get_session().commit()
    return render_template("staff/reauth.html", form=form, needs_password=needs_password,
                           needs_code=needs_code), 400 if form.errors else 200

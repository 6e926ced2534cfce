"""Deadlines in people's calendars: one deadline to add, and each person's own subscription address."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from cspr.accounts import tokens
from cspr.accounts.models import ApiToken, User
from cspr.accounts.permissions import Permission, allowed
from cspr.accounts.views.sign_in import fresh_required
from cspr.deadlines import calendar_feed
from cspr.web.forms import ConfirmForm
from cspr.web.links import external_url
from cspr.web.staff.pages import bp, ctx, roles

FEED_NAME = "Calendar subscription"


@bp.context_processor
def _calendar_link() -> dict[str, bool]:
    """Whether the account bar offers "Your calendar" (those who may export the deadlines)."""
    c = g.get("ctx")
    return {"may_use_calendar": c is not None and allowed(c.role, Permission.EXPORT_DEADLINES)}


@bp.route("/deadlines/<int:deadline_id>.ics")
@roles(Permission.EXPORT_DEADLINES)
def deadline_ics(deadline_id: int) -> ResponseReturnValue:
    """One open deadline as a calendar file, to add to Outlook or any calendar."""
    body = calendar_feed.one_deadline_ics(ctx(), deadline_id)
    if body is None:
        abort(404)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="deadline-{deadline_id}.ics"'})


def _own_feeds() -> list[ApiToken]:
    c = ctx()
    return list(c.session.scalars(select(ApiToken).where(
        ApiToken.user_id == c.user_id, ApiToken.scope == "feed", ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at)))


@bp.route("/calendar")
@roles(Permission.EXPORT_DEADLINES)
def calendar() -> ResponseReturnValue:
    """The deadlines in your calendar: the file, and your subscription addresses (made and revoked here)."""
    return render_template("staff/calendar.html", feeds=_own_feeds(), form=ConfirmForm(), address=None)


@bp.route("/calendar/subscriptions", methods=["POST"])
@roles(Permission.EXPORT_DEADLINES)
@fresh_required
def new_subscription() -> ResponseReturnValue:
    """A new subscription address for the person signed in: shown once, on this page."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    c = ctx()
    user = c.session.get(User, c.user_id)
    _, clear = tokens.issue(c.session, user, c.partnership, FEED_NAME, "feed", actor=c.actor)
    c.session.commit()
    return render_template("staff/calendar.html", feeds=_own_feeds(), form=ConfirmForm(),
                           address=external_url("feeds.deadlines", token=clear))


@bp.route("/calendar/subscriptions/<int:token_id>/revoke", methods=["POST"])
@roles(Permission.EXPORT_DEADLINES)
def revoke_subscription(token_id: int) -> ResponseReturnValue:
    """Stop one of your own subscription addresses (another person's is 404)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if token_id not in {t.id for t in _own_feeds()}:
        abort(404)
    c = ctx()
    tokens.revoke(c.session, token_id, actor=c.actor)
    c.session.commit()
    flash("The subscription address is stopped: calendars using it get no more deadlines.", "success")
    return redirect(url_for("staff.calendar"))

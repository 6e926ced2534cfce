"""Partnership admins place and release legal holds; retention deletes nothing a hold covers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.permissions import Permission
from cspr.accounts.views.sign_in import fresh_required
from cspr.records import holds as holds_service
from cspr.records.inputs import HoldIn, ReleaseHoldIn
from cspr.records.models import LegalHold
from cspr.web.forms import form_for
from cspr.web.staff.pages import bp, ctx, roles

HoldForm = form_for(HoldIn, submit="Place the hold")
ReleaseHoldForm = form_for(ReleaseHoldIn, submit="Release the hold")


@bp.route("/holds")
@roles(Permission.MANAGE_HOLDS)
def holds() -> ResponseReturnValue:
    """The partnership's legal holds, in force and released."""
    rows = holds_service.listing(ctx().session, include_released=True)
    return render_template("staff/holds.html", active=[h for h in rows if h.active],
                           released=[h for h in rows if not h.active])


@bp.route("/holds/new", methods=["GET", "POST"])
@roles(Permission.MANAGE_HOLDS)
def place_hold() -> ResponseReturnValue:
    """Place a hold on the whole partnership, one case or one review."""
    c = ctx()
    form = HoldForm()
    if form.validate_on_submit():
        data = form.loaded
        scope = data["scope"]
        try:
            hold = holds_service.place(
                c.session, c.partnership, reason=data["reason"], actor=c.actor, actor_user_id=c.user_id,
                incident_ref=data["incident_ref"].strip() if scope == "incident" else None,
                review_id=int(data["review_id"]) if scope == "review" else None)
        except holds_service.HoldError as exc:
            target = {"incident": form.incident_ref, "review": form.review_id}.get(scope, form.reason)
            target.errors = [str(exc)[0].upper() + str(exc)[1:]]
        else:
            c.session.commit()
            flash(f"Hold {hold.id} placed on {hold.subject}. Nothing it covers will be deleted "
                  "until it is released.", "success")
            return redirect(url_for("staff.holds"))
    return render_template("staff/hold_new.html", form=form), 400 if form.errors else 200


@bp.route("/holds/<int:hold_id>/release", methods=["GET", "POST"])
@roles(Permission.MANAGE_HOLDS)
@fresh_required  # releasing lets retention delete again
def release_hold(hold_id: int) -> ResponseReturnValue:
    """Release a hold in force, with the reason."""
    c = ctx()
    hold = c.session.get(LegalHold, hold_id)
    if hold is None:
        abort(404)
    if not hold.active:
        flash(f"Hold {hold.id} was already released.", "error")
        return redirect(url_for("staff.holds"))
    form = ReleaseHoldForm()
    if form.validate_on_submit():
        holds_service.release(c.session, c.partnership, hold.id, reason=form.loaded["reason"], actor=c.actor,
                              actor_user_id=c.user_id)
        c.session.commit()
        flash(f"Hold {hold.id} released. What it covered follows the retention rules again.", "success")
        return redirect(url_for("staff.holds"))
    return render_template("staff/hold_release.html", form=form, hold=hold), 400 if form.errors else 200

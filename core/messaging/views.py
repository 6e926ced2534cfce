"""Messages the platform could not deliver, for a partnership admin to act on."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from cspr.accounts.permissions import Permission
from cspr.messaging import relay as outbox
from cspr.messaging.models import OutboxMessage, OutboxStatus
from cspr.messaging.state import mail_state
from cspr.web.forms import ConfirmForm
from cspr.web.staff.pages import bp, ctx, roles


@bp.route("/messages")
@roles(Permission.MANAGE_MESSAGES)
def messages() -> ResponseReturnValue:
    """Failed messages (and how many wait to be sent)."""
    c = ctx()
    failed = c.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
                               .order_by(OutboxMessage.created_at.desc()).limit(200)).all()
    waiting = c.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                                .order_by(OutboxMessage.next_attempt_at).limit(200)).all()
    return render_template("staff/messages.html", failed=failed, waiting=waiting, form=ConfirmForm(),
                           sending=mail_state(current_app.config, c.policy.channel["channel"]))



@bp.route("/messages/<int:message_id>/retry", methods=["POST"])
@roles(Permission.MANAGE_MESSAGES)
def retry_message(message_id: int) -> ResponseReturnValue:
    """Try a failed message again."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    c = ctx()
    message = c.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if outbox.retry(c.session, [message.id]):
        c.audit("outbox.retried", message, recipient=message.recipient)
        c.session.commit()
        flash(f"The message to {message.recipient} will be sent again.", "success")
    return redirect(request.referrer or url_for("staff.messages"))

"""Staff pages of information requests: on the rapid review and the review, sending one, the return."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.permissions import Permission, allowed
from cspr.cases.models import Incident
from cspr.returns import inputs as i
from cspr.returns import services as returns
from cspr.returns.models import InformationRequest
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.errors import NotFound
from cspr.tasks.after_commit import send_after_commit
from cspr.web.files import send_document
from cspr.web.forms import form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import Step, handle, status_of, submit

SEND = Step("Send an information request", form_for(i.RequestIn, submit="Send the request"),
            lambda c, case, d: _send(c, case, d),
            Permission.SEND_INFORMATION_REQUESTS,
            "The request is sent. The agency's contributors are e-mailed and reminded before it is due.",
            hint="Ask one agency that knew the family for what the review needs. Its contributors are "
                 "e-mailed, reminded before the due date and chased after it.")
RECEIVED = Step("Record a return received", form_for(i.ReceivedIn, submit="Record it as received"),
                lambda c, row, d: returns.mark_received(c, row, **d), Permission.SEND_INFORMATION_REQUESTS,
                "The return is recorded as received.",
                hint="For a return that came another way, by e-mail or on paper.")
ReturnForm = form_for(i.ReturnIn, submit="Upload the return")


def _send(c: Any, case: Incident | Review, data: dict[str, Any]) -> InformationRequest:
    row = returns.send(c, **{case.__tablename__[:-1]: case}, **data)
    send_after_commit(c.session, "cspr.tasks.outbox.relay")  # the request's e-mails, once committed
    return row


def _documents() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


def _load(request_id: int) -> InformationRequest:
    try:
        return returns.get(ctx(), request_id)
    except NotFound:
        abort(404)


@bp.context_processor
def _requests_on_pages() -> dict[str, Any]:
    def requests_of(incident: Incident | None = None, review: Review | None = None) -> dict[str, Any]:
        c = g.get("ctx")
        if c is None or not allowed(c.role, Permission.READ_INFORMATION_REQUESTS):
            return {"rows": [], "shown": False}
        rows = returns.of_case(c, incident=incident, review=review)
        return {"rows": rows, "shown": True, "summary": returns.returned(rows),
                "status": lambda r: returns.status(r, c.today),
                "name": lambda k: returns.agency_name(c, k),
                "without": returns.without_contributor(c, rows),
                "may_send": allowed(c.role, Permission.SEND_INFORMATION_REQUESTS)}

    return {"requests_of": requests_of}


@bp.route("/information-requests")
@roles(Permission.READ_INFORMATION_REQUESTS)
def information_requests() -> ResponseReturnValue:
    """Your information requests: an agency contributor's own agency's; every request for the staff."""
    c = ctx()
    rows = returns.mine(c)
    return render_template("staff/information_requests.html", rows=rows,
                           status=lambda r: returns.status(r, c.today),
                           case=lambda r: returns.case_name(c, r),
                           name=lambda k: returns.agency_name(c, k), contributor=returns.is_contributor(c))


@bp.route("/information-requests/<int:request_id>", methods=["GET", "POST"])
@roles(Permission.READ_INFORMATION_REQUESTS)
def information_request(request_id: int) -> ResponseReturnValue:
    """One request: what is asked, by when, its return; the agency uploads the return here."""
    c = ctx()
    row = _load(request_id)
    may_upload = allowed(c.role, Permission.UPLOAD_RETURNS)
    form = ReturnForm()
    def upload(d: dict[str, Any]) -> InformationRequest:
        return returns.upload_return(c, row, d["file"].content, d["file"].filename, _documents())

    if may_upload and submit(form, upload):
        flash(f"The return is uploaded: {returns.agency_name(c, row.agency)}'s return is received.",
              "success")
        return redirect(url_for("staff.information_request", request_id=row.id))
    if form.is_submitted() and not may_upload:
        abort(403)
    if returns.is_contributor(c):
        back = url_for("staff.information_requests")
    elif row.incident_id:
        back = url_for("staff.incident", incident_id=row.incident_id)
    else:
        back = url_for("staff.review", review_id=row.review_id)
    return render_template("staff/information_request.html", row=row, form=form, may_upload=may_upload,
                           status=returns.status(row, c.today), case=returns.case_name(c, row),
                           agency=returns.agency_name(c, row.agency), back=back,
                           may_mark=allowed(c.role, Permission.SEND_INFORMATION_REQUESTS),
                           chronology_of=returns.incident_of(c, row) if returns.is_contributor(c) else None,
                           ), status_of(form)


@bp.route("/information-requests/<int:request_id>/return.pdf")
@roles(Permission.READ_INFORMATION_REQUESTS)
def information_request_return(request_id: int) -> ResponseReturnValue:
    """The uploaded return, as a download (audited)."""
    c = ctx()
    try:
        path, name = returns.return_file(c, _load(request_id), _documents())
    except NotFound:
        abort(404)
    c.session.commit()
    return send_document(path, filename=name)


@bp.route("/information-requests/<int:request_id>/received", methods=["GET", "POST"])
@roles(Permission.SEND_INFORMATION_REQUESTS)
def information_request_received(request_id: int) -> ResponseReturnValue:
    """Record a return that came another way."""
    row = _load(request_id)
    return handle(RECEIVED, row, url_for("staff.information_request", request_id=row.id),
                  f"{returns.agency_name(ctx(), row.agency)}: {returns.case_name(ctx(), row)}")


@bp.route("/incidents/<int:incident_id>/information-requests/new", methods=["GET", "POST"])
@roles(Permission.SEND_INFORMATION_REQUESTS)
def new_incident_request(incident_id: int) -> ResponseReturnValue:
    """Send an agency a request for the rapid review."""
    incident = ctx().session.get(Incident, incident_id) or abort(404)
    back = url_for("staff.incident", incident_id=incident.id, _anchor="information-requests")
    return handle(SEND, incident, back, f"{incident.pseudonym} ({incident.reference})")


@bp.route("/reviews/<int:review_id>/information-requests/new", methods=["GET", "POST"])
@roles(Permission.SEND_INFORMATION_REQUESTS)
def new_review_request(review_id: int) -> ResponseReturnValue:
    """Send an agency a request for the local review."""
    review = reviews.visible(ctx(), ctx().session.get(Review, review_id) or abort(404))
    return handle(SEND, review, url_for("staff.review", review_id=review.id, _anchor="information-requests"),
                  review.title)

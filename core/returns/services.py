"""The rules of agency information requests: sending one, its due date, the return, who sees what.

An admin asks each agency that knew the family for what the rapid review (an incident) or the
local review needs. The request is due a number of the partnership's working days after it is
sent (``cspr_information_request_days``, 5 by default); it is a local deadline (kind
``information_request``) that the one deadline sweep reminds the agency's contributors about,
chases, and escalates to the admins. The agency's contributor uploads the return (a PDF,
checked by content like every report) or the admin marks it received (returned by e-mail).
An agency contributor sees only the requests sent to their own agency.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import Select, select

from cspr.accounts.models import Membership, Role, User
from cspr.cases.models import Incident
from cspr.chronology.services import agency_names, is_contributor, own_agency
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.messaging.models import OutboxMessage
from cspr.returns.models import InformationRequest
from cspr.reviews import documents
from cspr.reviews.models import Review
from cspr.services import stored_files
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, NotFound, StepError

#: The deadline kind of a request (a local target; its schedule: cspr.defaults).
INFORMATION_REQUEST = "information_request"
#: The largest return accepted.
MAX_BYTES = 10 * 1024 * 1024
TOO_BIG = "The selected file must be smaller than 10 MB"


def _scoped(ctx: Context, query: Select) -> Select:
    """Keep an agency contributor to the requests sent to their own agency."""
    if is_contributor(ctx):
        return query.where(InformationRequest.agency == (own_agency(ctx) or ""))
    return query


def get(ctx: Context, request_id: int) -> InformationRequest:
    """A request of this partnership that the person acting may see, or NotFound."""
    query = select(InformationRequest).where(InformationRequest.id == request_id)
    row = ctx.session.scalar(_scoped(ctx, query))
    if row is None:
        raise NotFound(f"no information request {request_id}")
    return row


def of_case(ctx: Context, *, incident: Incident | None = None,
            review: Review | None = None) -> list[InformationRequest]:
    """The requests of a rapid review (an incident) or of a local review, by agency."""
    if (incident is None) == (review is None):
        return []
    where = (InformationRequest.incident_id == incident.id if incident is not None
             else InformationRequest.review_id == review.id)
    return list(ctx.session.scalars(_scoped(ctx, select(InformationRequest).where(where))
                                    .order_by(InformationRequest.agency, InformationRequest.id)))


def mine(ctx: Context) -> list[InformationRequest]:
    """The requests the person acting may see, newest first (a contributor: their agency's)."""
    order = (InformationRequest.due_on.desc(), InformationRequest.id.desc())
    return list(ctx.session.scalars(_scoped(ctx, select(InformationRequest)).order_by(*order)))


def agency_name(ctx: Context, key: str) -> str:
    """An agency's name, from its key."""
    return agency_names(ctx).get(key, key)


def incident_of(ctx: Context, row: InformationRequest) -> int | None:
    """The incident whose case the request is about (a review's own incident), if it has one."""
    if row.incident_id is not None:
        return row.incident_id
    review = ctx.session.get(Review, row.review_id)
    return review.incident_id if review is not None else None


def case_name(ctx: Context, row: InformationRequest) -> str:
    """What the request is about, as people know it: the case's pseudonym and reference, or the review."""
    if row.incident_id is not None:
        incident = ctx.session.get(Incident, row.incident_id)
        return f"Rapid review: {incident.pseudonym} ({incident.reference})" if incident else "Rapid review"
    review = ctx.session.get(Review, row.review_id)
    return f"Local review: {review.title}" if review else "Local review"


def status(row: InformationRequest, today: dt.date) -> str:
    """Where a request stands, in words: not sent, awaiting, overdue, or received on a date."""
    if row.received_on is not None:
        return f"Received on {row.received_on:%-d %B %Y}"
    if row.sent_on is None:
        return "Not sent"
    return "Overdue" if row.due_on < today else "Awaiting"


def returned(rows: list[InformationRequest]) -> str:
    """At a glance: 'N of M agencies have returned'."""
    agencies = {r.agency for r in rows}
    done = {r.agency for r in rows} - {r.agency for r in rows if r.received_on is None}
    noun = "agency has" if len(agencies) == 1 else "agencies have"
    return f"{len(done)} of {len(agencies)} {noun} returned"


def by_agency(ctx: Context, rows: list[InformationRequest]) -> list[tuple[str, str]]:
    """Each request's agency by name and where it stands: ('South Yorkshire Police', 'Overdue')."""
    return [(agency_name(ctx, r.agency), status(r, ctx.today)) for r in rows]


def all_returned(rows: list[InformationRequest]) -> bool:
    """Whether every agency asked has returned (and at least one was asked)."""
    return bool(rows) and all(r.received_on is not None for r in rows)


def contributors(ctx: Context, agency: str) -> list[str]:
    """The e-mail addresses of the agency's contributors in this partnership (active accounts)."""
    return sorted(ctx.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.role == Role.CONTRIBUTOR, Membership.agency == agency, User.active.is_(True))))


def without_contributor(ctx: Context, rows: list[InformationRequest]) -> list[str]:
    """The names of the agencies asked that have no contributor yet (nobody can upload their return)."""
    return [agency_name(ctx, a) for a in sorted({r.agency for r in rows}) if not contributors(ctx, a)]


def _subject(row: InformationRequest) -> str:
    return f"{INFORMATION_REQUEST}:{row.id}"


def _link(ctx: Context, row: InformationRequest) -> str:
    base = current_app.config.get("BASE_URL", "") if has_app_context() else ""
    return f"{base.rstrip('/')}/app/{ctx.policy.slug}/information-requests/{row.id}"


def send(ctx: Context, *, incident: Incident | None = None, review: Review | None = None, agency: str,
         asked: str, due_on: dt.date | None = None) -> InformationRequest:
    """Send an agency an information request: due in the partnership's working days, e-mailed to
    the agency's contributors through the outbox, and reminded about by the deadline sweep.
    """
    if (incident is None) == (review is None):
        raise InputError({"case": "Say which rapid review or local review the request is for"})
    asked = (asked or "").strip()
    due_on = due_on or ctx.calendar.add(ctx.today, ctx.policy.information_request_days)
    c = Checker(ctx)
    c.check("agency", agency in agency_names(ctx), "Select one of this partnership's agencies")
    c.require("asked", asked, "Enter what the agency is asked for")
    c.check("due_on", due_on > ctx.today, "The due date must be in the future")
    c.check("due_on", due_on <= ctx.today + dt.timedelta(days=366), "The due date must be within a year")
    c.done()
    row = InformationRequest(incident_id=incident.id if incident is not None else None,
                             review_id=review.id if review is not None else None, agency=agency,
                             asked=asked, sent_on=ctx.today, due_on=due_on, created_by_id=ctx.user_id)
    ctx.session.add(row)
    ctx.session.flush()
    name = agency_name(ctx, agency)
    deadline = Deadline(kind=INFORMATION_REQUEST, label=f"Information request to {name}"[:200],
                        subject=_subject(row), due_on=due_on, statutory=False, direction="within",
                        incident_id=row.incident_id, review_id=row.review_id)
    ctx.session.add(deadline)
    recipients = contributors(ctx, agency)
    for address in recipients:
        ctx.session.add(OutboxMessage(
            idempotency_key=f"information-request-{row.id}-{uuid.uuid4()}", channel="email",
            recipient=address, subject=f"Information request from {ctx.policy.name}: {case_name(ctx, row)}",
            body=(f"{ctx.policy.name} asks {name} for information.\n\n{case_name(ctx, row)}\n\n"
                  f"What is asked:\n{asked}\n\nPlease return it by {due_on:%-d %B %Y}.\n\n"
                  f"Upload your return: {_link(ctx, row)}\n\nYou receive this as {name}'s contributor on "
                  "the Child Safeguarding Practice Reviews platform.\n")))
    ctx.session.flush()  # the caller has the outbox relayed once this commits (services start no tasks)
    ctx.audit("information_request.sent", row, agency=agency, due_on=due_on, incident_id=row.incident_id,
              review_id=row.review_id, emailed=len(recipients))
    ctx.audit("deadline.set", deadline, kind=INFORMATION_REQUEST, due_on=due_on)
    return row


def _met(ctx: Context, row: InformationRequest) -> None:
    deadline = ctx.session.scalar(select(Deadline).where(Deadline.subject == _subject(row),
                                                         Deadline.kind == INFORMATION_REQUEST))
    if deadline is not None and deadline.state == DeadlineState.OPEN:
        deadline.state, deadline.met_on = DeadlineState.MET, row.received_on
        ctx.audit("deadline.met", deadline, kind=INFORMATION_REQUEST, met_on=row.received_on,
                  due_on=deadline.due_on)


def upload_return(ctx: Context, row: InformationRequest, data: bytes, filename: str | None,
                  documents_dir: Path) -> InformationRequest:
    """The agency's return: a PDF checked by its content (no scripts, not a web page), kept by key."""
    if is_contributor(ctx) and row.agency != own_agency(ctx):
        raise NotFound(f"no information request {row.id}")
    if not data:
        raise InputError({"file": "Select the return to upload"})
    if len(data) > MAX_BYTES:
        raise InputError({"file": TOO_BIG})
    documents.check_pdf(data, "file", MAX_BYTES)
    key, sha256 = documents.keep(ctx, data, "pdf", documents_dir)
    replaced = row.return_key
    if replaced:  # the agency's corrected return replaces the earlier file, which goes once this commits
        stored_files.remove_after_commit(ctx.session, documents_dir / replaced)
    row.return_key, row.return_sha256, row.return_size = key, sha256, len(data)
    row.return_filename = documents.clean_filename(filename, "return.pdf")
    row.received_on = row.received_on or ctx.today
    _met(ctx, row)
    ctx.session.flush()
    ctx.audit("information_request.returned", row, agency=row.agency, sha256=sha256, size=len(data),
              replaced=bool(replaced))
    return row


def mark_received(ctx: Context, row: InformationRequest, *, received_on: dt.date,
                  note: str | None = None) -> InformationRequest:
    """The admin records a return that came another way (by e-mail, on paper)."""
    if row.received_on is not None:
        raise StepError(f"The return from {agency_name(ctx, row.agency)} is already recorded as received.")
    c = Checker(ctx)
    c.check("received_on", received_on <= ctx.today, "The date received must be today or in the past")
    c.check("received_on", row.sent_on is None or received_on >= row.sent_on,
            "The date received must be on or after the day the request was sent")
    c.done()
    row.received_on, row.received_note = received_on, (note or "").strip()[:500] or None
    _met(ctx, row)
    ctx.session.flush()
    ctx.audit("information_request.received", row, agency=row.agency, received_on=received_on,
              note_given=bool(row.received_note))
    return row


def return_file(ctx: Context, row: InformationRequest, documents_dir: Path) -> tuple[Path, str]:
    """The stored return and its download name (``return-<agency>-<date>.pdf``); the download is audited."""
    if row.return_key is None:
        raise NotFound(f"information request {row.id} has no uploaded return")
    ctx.audit("information_request.return_downloaded", row, agency=row.agency, sha256=row.return_sha256)
    return documents_dir / row.return_key, f"return-{row.agency}-{row.received_on:%Y-%m-%d}.pdf"


__all__ = ["INFORMATION_REQUEST", "MAX_BYTES", "agency_name", "all_returned", "by_agency", "case_name",
           "contributors", "get", "incident_of", "is_contributor", "mark_received", "mine", "of_case",
           "return_file", "returned", "send", "status", "upload_return", "without_contributor"]

"""Public pages: the list of partnerships and each partnership's page."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, Response, abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from cspr.db import get_session
from cspr.db.tenancy import acting_for
from cspr.messaging.models import OutboxMessage
from cspr.partnerships import services as partnerships
from cspr.plugins import get_registry
from cspr.publication import briefings
from cspr.publication import public as publication
from cspr.publication.inputs import ReportRequestIn
from cspr.reviews.models import ArchiveOutcome, Review
from cspr.tasks.after_commit import send_after_commit
from cspr.web import limits
from cspr.web.forms import form_for

bp = Blueprint("public", __name__)
YEAR = re.compile(r"[12][0-9]{3}")  # ASCII digits only: str.isdigit() accepts "²", which int() refuses
ReportRequestForm = form_for(ReportRequestIn, submit="Send the request")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/")
def home() -> ResponseReturnValue:
    """Every partnership on this deployment."""
    rows = partnerships.active(get_session(), get_registry())
    return render_template("home.html", partnerships=rows)


def _public(slug: str):  # noqa: ANN202
    session = get_session()
    row = partnerships.get(session, slug)
    registry = get_registry()
    if row is None or not row.enabled or slug not in registry.policies:
        abort(404)
    from cspr.partnerships.settings import overlay

    with acting_for(session, row.id):  # the admin's own settings: contact, statement, opening text
        policy = overlay(session, registry.policy(slug))
        policy.local_settings  # noqa: B018 - read now, while the session acts for the partnership
    return session, row, policy


def _on_request(session, row) -> list[Review]:  # noqa: ANN001
    with acting_for(session, row.id):
        return list(session.scalars(
            select(Review).where(Review.archive_outcome == ArchiveOutcome.ON_REQUEST)
            .order_by(Review.published_on.desc())))


@bp.route("/<slug>/")
def partnership(slug: str) -> ResponseReturnValue:
    """One partnership's reviews page: what a review is, its reviews, briefings and partners."""
    session, row, policy = _public(slug)
    on_request = _on_request(session, row)
    with acting_for(session, row.id):
        content = publication.page(session, policy)
    return render_template("partnership.html", partnership=row, policy=policy, page=content,
                           on_request=on_request)


@bp.route("/<slug>/briefings/<int:briefing_id>")
@bp.route("/<slug>/briefings/<int:briefing_id>.<any(pdf, docx):fmt>")
def briefing(slug: str, briefing_id: int, fmt: str = "html") -> ResponseReturnValue:
    """A learning briefing in the partnership's format: a page, a PDF or a Word document."""
    session, row, policy = _public(slug)
    with acting_for(session, row.id):
        item = publication.public_briefing(session, briefing_id, policy)
        if item is None:
            abort(404)
        review = session.get(Review, item.review_id) if item.review_id else None
    layout = policy.briefing_format(item.format_key)
    if layout is None or not briefings.complete(layout, item.sections):  # a draft is not public
        abort(404)
    args = (layout, item.title, item.sections, policy.name)
    name = briefings.download_name(slug, item.title, layout, fmt)
    if fmt == "pdf":
        return Response(briefings.render_pdf(*args), mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})
    if fmt == "docx":
        return Response(briefings.render_docx(*args), mimetype=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return render_template("briefing_page.html", partnership=row, policy=policy, item=item,
                           review=review, body=briefings.render_html(*args))


@bp.route("/library")
def library() -> ResponseReturnValue:
    """The learning library: every partnership's published reviews, by theme, kind, year or words."""
    from flask import request

    registry = get_registry()
    year_text = request.args.get("year", "").strip()
    year = int(year_text) if YEAR.fullmatch(year_text) else None
    query = publication.LibraryQuery(
        text=request.args.get("q", "")[:200], theme=request.args.get("theme", "")[:200],
        kind=request.args.get("kind", "")[:64], year=year,
        partnership=request.args.get("partnership", "")[:64])
    year_error = "Enter the year as 4 digits, like 2024" if year_text and year is None else None
    kind_error = "Select a kind from the list" if query.kind and query.kind not in publication.KINDS else None
    if kind_error:
        query.kind = ""  # not used for the search, and said so (like a bad year)
    results = publication.library(get_session(), registry, query)
    page = render_template("library.html", query=query, results=results, registry=registry,
                           themes=publication.themes_in_use(registry), year_text=year_text,
                           year_error=year_error, kind_error=kind_error,
                           partnerships=partnerships.active(get_session(), registry))
    return page, 400 if year_error or kind_error else 200


@bp.route("/<slug>/reports/<key>.pdf")
def report(slug: str, key: str) -> ResponseReturnValue:
    """A published report, by the random key it is stored under (never a guessable path), as a download."""
    from pathlib import Path

    from flask import current_app

    from cspr.web.files import send_document

    session, row, _ = _public(slug)
    if not key.isalnum():
        abort(404)
    with acting_for(session, row.id):
        document = publication.public_document(session, f"{slug}/{key}.pdf")
    if document is None:
        abort(404)
    path = Path(current_app.config["DOCUMENTS_DIR"]) / document.storage_key
    return send_document(path, filename=document.filename, max_age=3600)


@bp.route("/reviews.atom")
@bp.route("/<slug>/reviews.atom")
def atom(slug: str | None = None) -> ResponseReturnValue:
    """An Atom feed of new publications: one partnership's, or the whole deployment's."""
    policy = None
    if slug is not None:
        _, _, policy = _public(slug)
    entries = publication.feed(get_session(), get_registry(), slug)
    body = render_template("feed.xml", entries=entries, policy=policy, slug=slug,
                           registry=get_registry())
    return Response(body, mimetype="application/atom+xml")


def _may_send_request(slug: str) -> bool:
    """Count a report request about to be e-mailed: per sending address, then per partnership.

    Counted only when a request would be sent (a form with mistakes costs nothing), and before
    it is queued, so however many arrive at once the team gets no more than the limits allow.
    """
    from flask import request

    address = request.remote_addr or ""
    if not limits.hit(limits.REPORT_REQUEST, "report-request", "addr:" + address):
        return False
    return limits.hit(limits.REPORT_REQUEST_PARTNERSHIP, "report-request", "partnership:" + slug)


@bp.route("/<slug>/request-a-report", methods=["GET", "POST"])
def request_report(slug: str) -> ResponseReturnValue:
    """Ask the partnership's team for a report no longer on the page."""
    session, row, policy = _public(slug)
    if policy.archive_request_contact is None:
        abort(404)
    archived = _on_request(session, row)
    form = ReportRequestForm()
    form.review.choices = [("", "Select a report")] + [
        (str(r.id), f"{r.title} ({r.published_as_known if r.published_precision else r.published_on.year})")
        for r in archived]
    if form.validate_on_submit():
        chosen = next((r for r in archived if str(r.id) == form.review.data), None)
        if chosen is None:
            form.review.errors = ["Select a report from the list"]
        elif not _may_send_request(row.slug):
            return render_template("request_limited.html", policy=policy, partnership=row), 429
        else:
            with acting_for(session, row.id):
                session.add(OutboxMessage(
                    idempotency_key=f"report-request-{uuid.uuid4()}", channel="email",
                    recipient=(policy.archive_rule_for(chosen.kind.value, chosen.legacy)["request_contact"]
                               or policy.archive_request_contact),
                    subject=f"Request for an archived review: {chosen.title}",
                    body=(f"{form.name.data} ({form.email.data}) asks for the report of "
                          f"“{chosen.title}”, published {chosen.published_as_known}.\n\n"
                          f"{form.reason.data or 'No further details.'}\n\n"
                          "Sent from the partnership's public reviews page."),
                ))
                session.flush()
            send_after_commit(session, "cspr.tasks.outbox.relay")
            session.commit()
            return render_template("request_sent.html", policy=policy, partnership=row,
                                   review=chosen)
    status = 400 if form.errors else 200
    return render_template("request_report.html", form=form, policy=policy, partnership=row,
                           archived=archived), status

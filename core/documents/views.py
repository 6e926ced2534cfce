"""Staff pages of case documents: on the case and the review, a page each, uploads, comments, sign-off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, g, render_template, url_for
from flask.typing import ResponseReturnValue

from cspr.accounts.models import Role
from cspr.accounts.permissions import Permission, allowed
from cspr.cases.models import Incident
from cspr.documents import inputs as i
from cspr.documents import services as documents
from cspr.documents.checks import TYPES
from cspr.documents.models import CaseDocument, DocumentKind
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.errors import InputError, NotFound
from cspr.web.files import send_document
from cspr.web.forms import form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import Step, handle


def _upload(c: Any, document: CaseDocument, loaded: dict) -> Any:
    if loaded.get("file") is None or not loaded["file"].content:
        raise InputError({"file": "Select the file to upload"})
    return documents.upload(c, document, content=loaded["file"].content, filename=loaded["file"].filename,
                            documents_dir=Path(current_app.config["DOCUMENTS_DIR"]),
                            max_bytes=current_app.config["DOCUMENT_MAX_BYTES"])


STEPS = {
    "new": Step("Add a document", form_for(i.DocumentIn, submit="Add the document"),
                lambda c, case, d: documents.create(c, **{case.__tablename__[:-1]: case}, **d),
                Permission.UPLOAD_DOCUMENTS,
                "The document is added. Upload its first version from its page."),
    "upload": Step("Upload a new version", form_for(i.VersionIn, submit="Upload the file"), _upload,
                   Permission.UPLOAD_DOCUMENTS, "The new version is uploaded. Earlier versions are kept."),
    "sign_off": Step("Sign off the final report", form_for(i.SignOffIn, submit="Sign off"),
                     lambda c, d, data: documents.sign_off(c, d, documents.latest(d), **data),
                     Permission.SIGN_OFF_DOCUMENTS, "Your sign-off is recorded.",
                     hint="You sign off the latest version. A new version needs every partner's "
                          "sign-off again."),
}
CommentStep = Step("Comment on a version", form_for(i.CommentIn, submit="Save the comment"),
                   lambda c, pair, d: documents.comment(c, pair[0], pair[1], **d),
                   Permission.COMMENT_ON_DOCUMENTS, "Your comment is recorded.")


def _load(document_id: int) -> CaseDocument:
    try:
        return documents.get(ctx(), document_id)
    except NotFound:
        abort(404)


def _version(document: CaseDocument, number: int) -> Any:
    try:
        return documents.version(ctx(), document, number)
    except NotFound:
        abort(404)


def _page(document: CaseDocument) -> str:
    return url_for("staff.case_document", document_id=document.id)


@bp.context_processor
def _documents_on_pages() -> dict[str, Any]:
    def documents_of(incident: Incident | None = None, review: Review | None = None) -> list[CaseDocument]:
        c = g.get("ctx")
        if c is None or not allowed(c.role, Permission.READ_DOCUMENTS):
            return []
        return documents.of_case(c, incident=incident, review=review)

    return {"documents_of": documents_of, "document_kinds": i.KINDS, "latest_version": documents.latest,
            "may_upload_documents": lambda: allowed(g.ctx.role, Permission.UPLOAD_DOCUMENTS)}


@bp.route("/incidents/<int:incident_id>/documents/new", methods=["GET", "POST"])
@roles(Permission.UPLOAD_DOCUMENTS)
def new_incident_document(incident_id: int) -> ResponseReturnValue:
    """Add a document to the incident's case."""
    incident = ctx().session.get(Incident, incident_id)
    if incident is None or ctx().role == Role.REVIEWER:
        abort(404)
    return handle(STEPS["new"], incident, url_for("staff.incident", incident_id=incident.id),
                  f"{incident.pseudonym} ({incident.reference})")


@bp.route("/reviews/<int:review_id>/documents/new", methods=["GET", "POST"])
@roles(Permission.UPLOAD_DOCUMENTS)
def new_review_document(review_id: int) -> ResponseReturnValue:
    """Add a document to a review."""
    review = reviews.visible(ctx(), ctx().session.get(Review, review_id) or abort(404))
    return handle(STEPS["new"], review, url_for("staff.review", review_id=review.id), review.title)


@bp.route("/documents/<int:document_id>")
@roles(Permission.READ_DOCUMENTS)
def case_document(document_id: int) -> ResponseReturnValue:
    """One document: its versions, the comments against them, and the partners' sign-offs."""
    document = _load(document_id)
    c = ctx()
    incident = c.session.get(Incident, document.incident_id) if document.incident_id else None
    review = c.session.get(Review, document.review_id) if document.review_id else None
    final = document.kind == DocumentKind.FINAL_REPORT
    partners = {a["key"]: a["name"] for a in c.policy.partners["safeguarding_partners"]}
    newest = documents.latest(document)
    return render_template(
        "staff/case_document.html", document=document, incident=incident, review=review,
        kind=documents.KIND_LABELS[document.kind], latest=newest,
        comments=documents.comments(c, document), types={k: v[1] for k, v in TYPES.items()}, final=final,
        signed=[partners.get(s.partner, s.partner) for s in documents.sign_offs(c, newest)],
        missing=documents.missing_sign_offs(c, document) if final else [],
        may_upload=allowed(c.role, Permission.UPLOAD_DOCUMENTS),
        may_comment=allowed(c.role, Permission.COMMENT_ON_DOCUMENTS),
        may_sign=final and allowed(c.role, Permission.SIGN_OFF_DOCUMENTS) and bool(document.versions))


@bp.route("/documents/<int:document_id>/versions/new", methods=["GET", "POST"])
@roles(Permission.UPLOAD_DOCUMENTS)
def upload_document_version(document_id: int) -> ResponseReturnValue:
    """Upload a new version of the document."""
    document = _load(document_id)
    return handle(STEPS["upload"], document, _page(document), document.title)


@bp.route("/documents/<int:document_id>/versions/<int:number>/file")
@roles(Permission.READ_DOCUMENTS)
def download_document_version(document_id: int, number: int) -> ResponseReturnValue:
    """Download a version's file (audited)."""
    document = _load(document_id)
    row = _version(document, number)
    try:
        path = documents.download(ctx(), document, row, Path(current_app.config["DOCUMENTS_DIR"]))
    except NotFound:
        abort(404)
    ctx().session.commit()
    return send_document(path, filename=documents.download_name(document, row), mimetype=row.media_type)


@bp.route("/documents/<int:document_id>/versions/<int:number>/comment", methods=["GET", "POST"])
@roles(Permission.COMMENT_ON_DOCUMENTS)
def comment_on_document(document_id: int, number: int) -> ResponseReturnValue:
    """Comment on a version of the document."""
    document = _load(document_id)
    row = _version(document, number)
    return handle(CommentStep, (document, row), _page(document), f"{document.title}, version {row.number}")


@bp.route("/documents/<int:document_id>/sign-off", methods=["GET", "POST"])
@roles(Permission.SIGN_OFF_DOCUMENTS)
def sign_off_document(document_id: int) -> ResponseReturnValue:
    """A safeguarding partner signs off the final report's latest version."""
    document = _load(document_id)
    if document.kind != DocumentKind.FINAL_REPORT or not document.versions:
        abort(404)
    return handle(STEPS["sign_off"], document, _page(document),
                  f"{document.title}, version {documents.latest(document).number}")

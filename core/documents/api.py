"""Case documents in the API: a case's or a review's documents, versions, downloads, comments, sign-off."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from cspr.accounts.api import commit, ctx, requires
from cspr.accounts.models import Role
from cspr.accounts.permissions import Permission
from cspr.cases.models import Incident
from cspr.documents import inputs as i
from cspr.documents import outputs as o
from cspr.documents import services as documents
from cspr.documents.models import CaseDocument, DocumentKind
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.errors import InputError, NotFound
from cspr.web.api.resource import refuses, scoped_blueprint
from cspr.web.files import send_document

blp = scoped_blueprint("documents", "Case documents (terms of reference, agency returns, drafts, partner "
                                    "comments, the final report): versions, comments and partners' sign-off.")


def shown(document: CaseDocument) -> dict[str, Any]:
    """A document as the API shows it, with who has and has not signed off its latest version."""
    c = ctx()
    signed = [s.partner for s in documents.sign_offs(c, documents.latest(document))]
    awaiting = documents.missing_sign_offs(c, document) if document.kind == DocumentKind.FINAL_REPORT else []
    return {"id": document.id, "incident_id": document.incident_id, "review_id": document.review_id,
            "kind": document.kind, "kind_label": documents.KIND_LABELS[document.kind],
            "title": document.title,
            "versions": document.versions, "signed_off_by": signed, "awaiting_sign_off_from": awaiting}


def _incident(incident_id: int) -> Incident:
    incident = ctx().session.get(Incident, incident_id)
    if incident is None or ctx().role == Role.REVIEWER:
        raise NotFound(f"no incident {incident_id}")
    return incident


def _review(review_id: int) -> Review:
    return reviews.visible(ctx(), reviews.get(ctx(), review_id))


def document_first(view: Callable) -> Callable:
    """Look the document up before the body is read: another partnership's is 404 whatever is sent."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        documents.get(ctx(), kwargs["document_id"])
        return view(*args, **kwargs)
    return wrapper


def case_first(view: Callable) -> Callable:
    """Look the incident or review up before the body is read (404 for one not visible, whatever is sent)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "incident_id" in kwargs:
            _incident(kwargs["incident_id"])
        else:
            _review(kwargs["review_id"])
        return view(*args, **kwargs)
    return wrapper


def _dir() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


@blp.route("/incidents/<int:incident_id>/documents")
class IncidentDocuments(MethodView):
    """The documents of an incident's case (and of its reviews)."""

    @requires(Permission.READ_DOCUMENTS)
    @refuses(blp, 403)
    @blp.response(200, o.DocumentOut(many=True))
    def get(self, incident_id: int) -> list[dict]:
        """List the case's documents."""
        return [shown(d) for d in documents.of_case(ctx(), incident=_incident(incident_id))]

    @requires(Permission.UPLOAD_DOCUMENTS)
    @refuses(blp, 400, 403, 422)
    @case_first
    @blp.arguments(i.DocumentIn)
    @blp.response(201, o.DocumentOut)
    def post(self, data: dict, incident_id: int) -> dict:
        """Add a document to the case (then upload its first version)."""
        row = documents.create(ctx(), incident=_incident(incident_id), **data)
        commit()
        return shown(row)


@blp.route("/reviews/<int:review_id>/documents")
class ReviewDocuments(MethodView):
    """The documents of a review."""

    @requires(Permission.READ_DOCUMENTS)
    @refuses(blp, 403)
    @blp.response(200, o.DocumentOut(many=True))
    def get(self, review_id: int) -> list[dict]:
        """List the review's documents."""
        return [shown(d) for d in documents.of_case(ctx(), review=_review(review_id))]

    @requires(Permission.UPLOAD_DOCUMENTS)
    @refuses(blp, 400, 403, 422)
    @case_first
    @blp.arguments(i.DocumentIn)
    @blp.response(201, o.DocumentOut)
    def post(self, data: dict, review_id: int) -> dict:
        """Add a document to the review (then upload its first version)."""
        row = documents.create(ctx(), review=_review(review_id), **data)
        commit()
        return shown(row)


@blp.route("/documents/<int:document_id>")
class DocumentDetail(MethodView):
    """One document."""

    @requires(Permission.READ_DOCUMENTS)
    @refuses(blp, 403)
    @blp.response(200, o.DocumentOut)
    def get(self, document_id: int) -> dict:
        """A document with its versions and sign-offs."""
        return shown(documents.get(ctx(), document_id))


@blp.route("/documents/<int:document_id>/versions")
class Versions(MethodView):
    """The versions of a document."""

    @requires(Permission.READ_DOCUMENTS)
    @refuses(blp, 403)
    @blp.response(200, o.VersionOut(many=True))
    def get(self, document_id: int) -> list:
        """List every version, oldest first (earlier versions are kept)."""
        return documents.get(ctx(), document_id).versions

    @requires(Permission.UPLOAD_DOCUMENTS)
    @refuses(blp, 400, 403, 422)
    @document_first
    @blp.arguments(i.VersionApiIn)
    @blp.response(201, o.VersionOut)
    def post(self, data: dict, document_id: int) -> Any:
        """Upload a new version (a PDF, DOCX, ODT or XLSX, checked by its content; 25 MB at most)."""
        document = documents.get(ctx(), document_id)
        if data.get("file") is None:
            raise InputError({"file": "Select the file to upload"})
        row = documents.upload(ctx(), document, content=data["file"].content,
                               filename=data.get("filename") or "", documents_dir=_dir(),
                               max_bytes=current_app.config["DOCUMENT_MAX_BYTES"])
        commit()
        return row


@blp.route("/documents/<int:document_id>/versions/<int:number>/file")
@requires(Permission.READ_DOCUMENTS)
@refuses(blp, 403)
@blp.response(200, content_type="application/octet-stream")
def download(document_id: int, number: int) -> Response:
    """Download a version's file (audited), as an attachment with a meaningful name."""
    c = ctx()
    document = documents.get(c, document_id)
    row = documents.version(c, document, number)
    path = documents.download(c, document, row, _dir())
    commit()
    return send_document(path, filename=documents.download_name(document, row), mimetype=row.media_type)


@blp.route("/documents/<int:document_id>/comments")
class Comments(MethodView):
    """The comments on a document, each against a version."""

    @requires(Permission.READ_DOCUMENTS)
    @refuses(blp, 403)
    @blp.response(200, o.CommentOut(many=True))
    def get(self, document_id: int) -> list[dict]:
        """List the comments, oldest first."""
        rows = documents.comments(ctx(), documents.get(ctx(), document_id))
        return [{"id": c.id, "version": v.number, "body": c.body, "author": c.author,
                 "created_at": c.created_at} for v, c in rows]


@blp.route("/documents/<int:document_id>/versions/<int:number>/comments", methods=["POST"])
@requires(Permission.COMMENT_ON_DOCUMENTS)
@refuses(blp, 400, 403, 422)
@document_first
@blp.arguments(i.CommentIn)
@blp.response(201, o.CommentOut)
def comment(data: dict, document_id: int, number: int) -> dict:
    """Comment on a version."""
    c = ctx()
    document = documents.get(c, document_id)
    row = documents.version(c, document, number)
    note = documents.comment(c, document, row, **data)
    commit()
    return {"id": note.id, "version": row.number, "body": note.body, "author": note.author,
            "created_at": note.created_at}


@blp.route("/documents/<int:document_id>/versions/<int:number>/sign-off", methods=["POST"])
@requires(Permission.SIGN_OFF_DOCUMENTS)
@refuses(blp, 400, 403, 409, 422)
@document_first
@blp.arguments(i.SignOffIn)
@blp.response(200, o.DocumentOut)
def sign_off(data: dict, document_id: int, number: int) -> dict:
    """A safeguarding partner signs off the latest version of a final report."""
    c = ctx()
    document = documents.get(c, document_id)
    documents.sign_off(c, document, documents.version(c, document, number), **data)
    commit()
    return shown(document)

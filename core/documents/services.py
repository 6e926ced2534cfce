"""The rules of case documents: who sees them, new versions, comments, partners' sign-off, downloads.

A document belongs to an incident's case or to a review. Each upload is checked by its content
(:mod:`cspr.documents.checks`) and kept as a new version under a random key with its SHA-256
(:func:`cspr.reviews.documents.keep`); earlier versions are kept. An independent reviewer sees
only their own review's documents. The statutory safeguarding partners sign off the latest version
of a final report; a new version needs their sign-off again, and while a review's final report is
not signed off by all of them the one guarded publish refuses (:func:`refuse_unless_signed_off`).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import or_, select

from cspr.accounts.models import Role
from cspr.cases.models import Incident
from cspr.documents.checks import TYPES, check_document
from cspr.documents.models import (
    CaseDocument,
    DocumentComment,
    DocumentKind,
    DocumentSignOff,
    DocumentVersion,
)
from cspr.reviews import documents as files
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.checks import Checker
from cspr.services.context import Context
from cspr.services.errors import InputError, KeptRefusal, NotFound, StepError

KIND_LABELS = {
    DocumentKind.TERMS_OF_REFERENCE: "Terms of reference",
    DocumentKind.AGENCY_RETURN: "Agency return",
    DocumentKind.DRAFT: "Draft report",
    DocumentKind.PARTNER_COMMENTS: "Partner comments",
    DocumentKind.FINAL_REPORT: "Final report",
    DocumentKind.OTHER: "Other document",
}


def visible(ctx: Context, document: CaseDocument) -> CaseDocument:
    """The document if this context may see it (a reviewer: only their review's), else NotFound."""
    if ctx.role == Role.REVIEWER:
        review = ctx.session.get(Review, document.review_id) if document.review_id else None
        if review is None or review.reviewer_id != ctx.user_id:
            raise NotFound(f"no document {document.id}")
    return document


def get(ctx: Context, document_id: int) -> CaseDocument:
    """A document of this partnership that this context may see, or NotFound."""
    row = ctx.session.get(CaseDocument, document_id)
    if row is None:
        raise NotFound(f"no document {document_id}")
    return visible(ctx, row)


def version(ctx: Context, document: CaseDocument, number: int) -> DocumentVersion:
    """Version ``number`` of the document, or NotFound."""
    for row in document.versions:
        if row.number == number:
            return row
    raise NotFound(f"no version {number} of document {document.id}")


def latest(document: CaseDocument) -> DocumentVersion | None:
    """The document's newest version (None before the first upload)."""
    return document.versions[-1] if document.versions else None


def of_case(ctx: Context, *, incident: Incident | None = None,
            review: Review | None = None) -> list[CaseDocument]:
    """The documents this context may see of an incident (and its reviews), or of a review."""
    conditions = []
    if incident is not None:
        conditions.append(CaseDocument.incident_id == incident.id)
        of_incident = select(Review.id).where(Review.incident_id == incident.id)
        conditions.append(CaseDocument.review_id.in_(of_incident))
    if review is not None:
        conditions.append(CaseDocument.review_id == review.id)
    if not conditions:
        return []
    rows = ctx.session.scalars(select(CaseDocument).where(or_(*conditions)).order_by(CaseDocument.id))
    return [row for row in rows if _may_see(ctx, row)]


def _may_see(ctx: Context, document: CaseDocument) -> bool:
    try:
        visible(ctx, document)
    except NotFound:
        return False
    return True


def create(ctx: Context, *, incident: Incident | None = None, review: Review | None = None,
           kind: DocumentKind, title: str) -> CaseDocument:
    """A new document of an incident's case or a review (its first version is uploaded next)."""
    if incident is None and review is None:
        raise InputError({"case": "Say which case or review the document belongs to"})
    if review is not None:
        reviews.visible(ctx, review)
    elif ctx.role == Role.REVIEWER:
        raise NotFound(f"no incident {incident.id}")
    kind, title = DocumentKind(kind), (title or "").strip()
    c = Checker(ctx)
    c.require("title", title, "Enter a title for the document")
    c.done()
    row = CaseDocument(incident_id=incident.id if incident is not None else None,
                       review_id=review.id if review is not None else None, kind=kind, title=title)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("case_document.created", row, kind=kind, incident_id=row.incident_id, review_id=row.review_id)
    return row


def upload(ctx: Context, document: CaseDocument, *, content: bytes, filename: str, documents_dir: Path,
           max_bytes: int, field: str = "file") -> DocumentVersion:
    """A new version of the document: checked by its content, kept with its SHA-256, earlier ones kept."""
    checked = check_document(content, field, max_bytes)
    key, sha256 = files.keep(ctx, content, checked.extension, documents_dir)
    number = (latest(document).number if document.versions else 0) + 1
    row = DocumentVersion(document_id=document.id, number=number,
                          filename=files.clean_filename(filename, f"document.{checked.extension}"),
                          media_type=checked.media_type, size_bytes=len(content), sha256=sha256,
                          storage_key=key, uploaded_by=ctx.actor)
    ctx.session.add(row)
    document.versions.append(row)
    ctx.session.flush()
    ctx.audit("case_document.version_uploaded", document, version=number, sha256=sha256,
              media_type=checked.media_type, size_bytes=len(content))
    return row


def comment(ctx: Context, document: CaseDocument, row: DocumentVersion, *, body: str) -> DocumentComment:
    """A comment recorded against one version of the document."""
    body = (body or "").strip()
    c = Checker(ctx)
    c.require("body", body, "Enter your comment")
    c.done()
    note = DocumentComment(version_id=row.id, body=body, author=ctx.actor)
    ctx.session.add(note)
    ctx.session.flush()
    ctx.audit("case_document.commented", document, version=row.number, comment_id=note.id)
    return note


def comments(ctx: Context, document: CaseDocument) -> list[tuple[DocumentVersion, DocumentComment]]:
    """Every comment on the document, oldest first, with the version it is against."""
    by_id = {v.id: v for v in document.versions}
    rows = ctx.session.scalars(select(DocumentComment).where(DocumentComment.version_id.in_(by_id))
                               .order_by(DocumentComment.id))
    return [(by_id[r.version_id], r) for r in rows]


def sign_offs(ctx: Context, row: DocumentVersion | None) -> list[DocumentSignOff]:
    """The partners' sign-offs of one version."""
    if row is None:
        return []
    return list(ctx.session.scalars(select(DocumentSignOff).where(DocumentSignOff.version_id == row.id)
                                    .order_by(DocumentSignOff.id)))


def missing_sign_offs(ctx: Context, document: CaseDocument) -> list[str]:
    """The statutory partners who have not signed off the document's latest version (by name)."""
    newest = latest(document)
    if newest is None:
        return list(reviews.statutory_partners(ctx).values())
    return reviews.must_all_agree(ctx, [s.partner for s in sign_offs(ctx, newest)])


def sign_off(ctx: Context, document: CaseDocument, row: DocumentVersion, *, partner: str) -> DocumentSignOff:
    """A safeguarding partner signs off the latest version of a final report."""
    if document.kind != DocumentKind.FINAL_REPORT:
        raise StepError("Only a final report is signed off by the partners.")
    if row is not latest(document):
        raise StepError(f"Version {row.number} is not the latest: sign off version "
                        f"{latest(document).number} instead.")
    partners = {a["key"]: a["name"] for a in ctx.policy.partners["safeguarding_partners"]}
    c = Checker(ctx)
    c.check("partner", partner in partners, "Select the safeguarding partner you sign off for")
    c.done()
    if any(s.partner == partner for s in sign_offs(ctx, row)):
        raise StepError(f"{partners[partner]} has already signed off version {row.number}.")
    signed = DocumentSignOff(version_id=row.id, partner=partner, signed_by=ctx.actor)
    ctx.session.add(signed)
    ctx.session.flush()
    ctx.audit("case_document.signed_off", document, version=row.number, partner=partner)
    return signed


def final_reports(ctx: Context, review: Review) -> list[CaseDocument]:
    """The review's final-report documents."""
    return list(ctx.session.scalars(select(CaseDocument).where(
        CaseDocument.review_id == review.id, CaseDocument.kind == DocumentKind.FINAL_REPORT)
        .order_by(CaseDocument.id)))


def final_report_signed_off(ctx: Context, review: Review) -> bool:
    """Every statutory partner signed off the latest version of each of the review's final reports."""
    return all(not missing_sign_offs(ctx, d) for d in final_reports(ctx, review))


def refuse_unless_signed_off(ctx: Context, review: Review) -> None:
    """Refuse to publish a review whose final-report document is not signed off by every statutory partner.

    The refusal is audited, naming the partners still to sign off, and kept (:class:`KeptRefusal`).
    """
    for document in final_reports(ctx, review):
        missing = missing_sign_offs(ctx, document)
        if missing:
            newest = latest(document)
            which = f"version {newest.number} of" if newest else "a version of"
            names = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
            ctx.audit("publication.refused", review, reason="final report not signed off",
                      document=document.id, version=newest.number if newest else None,
                      partners_missing=missing)
            ctx.session.flush()
            raise KeptRefusal(f"Nothing was published: {names} must sign off {which} the final report "
                              f"“{document.title}” first.")


def download_name(document: CaseDocument, row: DocumentVersion) -> str:
    """A meaningful file name: 'final-report-v2-2026-12-02.pdf'."""
    kind = KIND_LABELS[document.kind].lower().replace(" ", "-")
    return f"{kind}-v{row.number}-{row.uploaded_at:%Y-%m-%d}.{TYPES[row.media_type][0]}"


def download(ctx: Context, document: CaseDocument, row: DocumentVersion, documents_dir: Path) -> Path:
    """The stored file of a version, the download audited; NotFound if the file is gone."""
    path = documents_dir / row.storage_key
    if not path.is_file():
        raise NotFound(f"the file of version {row.number} is missing")
    ctx.audit("case_document.downloaded", document, version=row.number, sha256=row.sha256)
    return path


__all__ = ["KIND_LABELS", "comment", "comments", "create", "download", "download_name",
           "final_report_signed_off", "final_reports", "get", "latest", "missing_sign_offs", "of_case",
           "refuse_unless_signed_off", "sign_off", "sign_offs", "upload", "version", "visible"]

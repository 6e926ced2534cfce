"""What case documents take: a new document, a version's file, a comment, a partner's sign-off."""

from __future__ import annotations

from marshmallow import Schema, validate

from cspr.documents.models import DocumentKind
from cspr.documents.services import KIND_LABELS
from cspr.reviews.inputs import partners
from cspr.services.inputs import NOT_BLANK, area, choice, one_of, text, upload

KINDS = {k.value: v for k, v in KIND_LABELS.items()}
#: 25 MB of file, as base64 (4/3 of it, rounded up), with room for padding.
FILE_MAX_BASE64 = 35_000_000
BASE64 = r"^[A-Za-z0-9+/]*={0,2}$"


class DocumentIn(Schema):
    """A new document of a case or a review."""

    kind = choice(DocumentKind, "Kind of document", labels=KINDS)
    title = text("Title", max_length=200, meta=NOT_BLANK,
                 hint="For example, terms of reference or police return. Never a name or an address.")


class VersionIn(Schema):
    """A new version of a document: the file."""

    file = upload(
        "The file", max_length=FILE_MAX_BASE64,
        invalid="The file must be a PDF, Word (DOCX), ODT or XLSX file encoded as base64",
        hint="A PDF, Word (DOCX), OpenDocument text (ODT) or Excel (XLSX) file; 25 MB at most.",
        meta={"pattern": BASE64, "description": "The file, base64-encoded (at most 25 MB): a PDF, DOCX, "
                                                "ODT or XLSX, recognised by its content."})


class VersionApiIn(VersionIn):
    """A new version through the API: the file, and the name it had (a page's upload brings its own)."""

    filename = text("File name", max_length=120, required=False,
                    meta={"description": "The file's own name (only letters, digits and ._- are kept)."})


class CommentIn(Schema):
    """A comment against a version."""

    body = area("Comment", max_length=5000, required=True, meta=NOT_BLANK)


class SignOffIn(Schema):
    """A safeguarding partner's sign-off of the final report's latest version."""

    partner = choice(None, "The safeguarding partner you sign off for", labels=partners,
                     message="Select the safeguarding partner you sign off for",
                     validate=validate.Length(min=1, max=64,
                                              error="Select the safeguarding partner you sign off for"),
                     meta={"description": "The key of the safeguarding partner signing off.",
                           **one_of("partners")})

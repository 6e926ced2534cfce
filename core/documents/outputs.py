"""What the documents API returns: a document with its versions and the latest one's sign-offs."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.documents.models import DocumentKind
from cspr.services.inputs import enum


class VersionOut(Schema):
    """One version of a document (its file is downloaded on its own)."""

    number = fields.Integer()
    filename = fields.String()
    media_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class SignOffOut(Schema):
    """A partner's sign-off of a version."""

    partner = fields.String()
    signed_by = fields.String()
    signed_at = fields.DateTime()


class CommentOut(Schema):
    """A comment against a version."""

    id = fields.Integer()
    version = fields.Integer()
    body = fields.String()
    author = fields.String()
    created_at = fields.DateTime()


class DocumentOut(Schema):
    """A document: its versions, and for a final report who has signed off the latest one."""

    id = fields.Integer()
    incident_id = fields.Integer(allow_none=True)
    review_id = fields.Integer(allow_none=True)
    kind = enum(DocumentKind)
    kind_label = fields.String()
    title = fields.String()
    versions = fields.List(fields.Nested(VersionOut))
    signed_off_by = fields.List(fields.String())
    awaiting_sign_off_from = fields.List(fields.String())

"""What the information requests API returns: a request, where it stands, its return's file."""

from __future__ import annotations

from marshmallow import Schema, fields


class RequestOut(Schema):
    """An information request to one agency and its return."""

    id = fields.Integer()
    incident_id = fields.Integer(allow_none=True)
    review_id = fields.Integer(allow_none=True)
    agency = fields.String()
    agency_name = fields.String()
    asked = fields.String()
    sent_on = fields.Date(allow_none=True)
    due_on = fields.Date()
    received_on = fields.Date(allow_none=True)
    received_note = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "In words: Not sent, Awaiting, Overdue, "
                                                    "Received on <date>."})
    return_filename = fields.String(allow_none=True)
    return_sha256 = fields.String(allow_none=True)
    return_size = fields.Integer(allow_none=True)


class RequestsOut(Schema):
    """The requests of a rapid review or a local review, and who has returned."""

    summary = fields.String(metadata={"description": "N of M agencies have returned."})
    requests = fields.List(fields.Nested(RequestOut))

"""What the proceedings API returns: a proceeding with its expected dates."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.proceedings.models import DateState, ProceedingKind, ProceedingStatus
from cspr.services.inputs import enum


class ExpectedDateOut(Schema):
    """A date expected in a proceeding."""

    id = fields.Integer()
    event = fields.String()
    expected_on = fields.Date()
    state = enum(DateState)
    updated_on = fields.Date(allow_none=True)


class ProceedingOut(Schema):
    """A proceeding, whether it restricts publication now, and its dates."""

    id = fields.Integer()
    incident_id = fields.Integer(allow_none=True)
    review_id = fields.Integer(allow_none=True)
    kind = enum(ProceedingKind)
    description = fields.String(allow_none=True)
    status = enum(ProceedingStatus)
    restricts_publication = fields.Boolean()
    note = fields.String(allow_none=True)
    updated_on = fields.Date()
    dates = fields.List(fields.Nested(ExpectedDateOut))

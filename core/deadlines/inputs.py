"""What the deadlines API's list takes: its filters."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cspr.deadlines.models import DeadlineState
from cspr.services.inputs import enum


class DeadlineQuery(Schema):
    """Filters for the deadline list."""

    state = enum(DeadlineState)
    kind = fields.String(validate=validate.Length(max=64))
    subject = fields.String(validate=validate.Regexp(r"^(incident|review|action):\d+$"))
    due_from = fields.Date()
    due_to = fields.Date()
    overdue = fields.Boolean(metadata={"description": "Only open deadlines past their due date."})
    statutory = fields.Boolean()

"""What the actions API returns: a recommendation and its actions."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.actions.models import Rag
from cspr.services.inputs import enum


class ActionOut(Schema):
    """An action of the action plan."""

    id = fields.Integer()
    recommendation_id = fields.Integer()
    description = fields.String()
    owner_agency = fields.String()
    due_on = fields.Date()
    rag = enum(Rag, allow_none=True, metadata={"description": "None until someone sets one (\"Not set\")."})
    evidence = fields.String(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    assured_on = fields.Date(allow_none=True)
    assured_by_id = fields.Integer(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_by = fields.String(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)


class RecommendationOut(Schema):
    """A recommendation and its actions."""

    id = fields.Integer()
    review_id = fields.Integer()
    number = fields.Integer()
    text = fields.String()
    response = fields.String(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_by = fields.String(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)
    actions = fields.List(fields.Nested(ActionOut))

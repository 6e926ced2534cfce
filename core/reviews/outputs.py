"""What the reviews API returns: a review with its steps, drafts, recommendations and deadlines."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.actions.outputs import RecommendationOut
from cspr.deadlines.outputs import DeadlineOut
from cspr.reviews.models import ArchiveOutcome, DelayReason, PublicationForm, ReviewKind
from cspr.services.inputs import enum


class DraftOut(Schema):
    """A draft."""

    version = fields.Integer()
    received_on = fields.Date()
    note = fields.String(allow_none=True)


class ReviewOut(Schema):
    """A review with its steps, drafts, recommendations and deadlines."""

    id = fields.Integer()
    kind = enum(ReviewKind)
    title = fields.String()
    pseudonym = fields.String(allow_none=True)
    incident_id = fields.Integer(allow_none=True)
    stage = fields.String()
    legacy = fields.Boolean()
    decided_on = fields.Date(allow_none=True)
    terms_of_reference_on = fields.Date(allow_none=True)
    reviewer_commissioned_on = fields.Date(allow_none=True)
    reviewer_name = fields.String(allow_none=True)
    reviewer_id = fields.Integer(allow_none=True)
    final_report_agreed_on = fields.Date(allow_none=True)
    final_report_agreed_by = fields.List(fields.String())
    sent_to_panel_on = fields.Date(allow_none=True)
    planned_publication_on = fields.Date(allow_none=True)
    publication_delay_reason = enum(DelayReason, allow_none=True)
    publication_delay_detail = fields.String(allow_none=True)
    published_on = fields.Date(allow_none=True)
    publication_form = enum(PublicationForm, allow_none=True)
    publication_note = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    themes = fields.List(fields.String())
    archived_on = fields.Date(allow_none=True)
    archive_outcome = enum(ArchiveOutcome, allow_none=True)
    drafts = fields.List(fields.Nested(DraftOut))
    recommendations = fields.List(fields.Nested(RecommendationOut))
    deadlines = fields.List(fields.Nested(DeadlineOut))

"""What the reviews API returns: a review with its steps, drafts, recommendations and deadlines."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.actions.outputs import RecommendationOut
from cspr.deadlines.outputs import DeadlineOut
from cspr.reviews.models import ArchiveOutcome, DelayReason, FamilyResponse, PublicationForm, ReviewKind
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
    published_on = fields.Date(allow_none=True, metadata={
        "description": "The latest day it can have been published; see published_precision."})
    published_precision = fields.String(allow_none=True, metadata={
        "description": "How much of the date is known: null (the day), month, year or before (a year)."})
    published_as_known = fields.String(metadata={"description": "The date in words, as precise as known."})
    report_url = fields.String(allow_none=True, metadata={"description": "The report, published elsewhere."})
    authors = fields.List(fields.String())
    publisher = fields.String(allow_none=True)
    co_publisher = fields.String(allow_none=True)
    frameworks = fields.List(fields.String(), metadata={
        "description": "Other frameworks this one joint review is held under: dhr, sar."})
    publication_form = enum(PublicationForm, allow_none=True)
    publication_note = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    themes = fields.List(fields.String())
    archived_on = fields.Date(allow_none=True)
    archive_outcome = enum(ArchiveOutcome, allow_none=True)
    drafts = fields.List(fields.Nested(DraftOut))
    recommendations = fields.List(fields.Nested(RecommendationOut))
    deadlines = fields.List(fields.Nested(DeadlineOut))


class LearningEventOut(Schema):
    """A practitioners' learning event."""

    id = fields.Integer()
    held_on = fields.Date()
    agencies = fields.List(fields.String())
    attended = fields.Integer()
    note = fields.String(allow_none=True)


class FamilyInvolvementOut(Schema):
    """An offer to a family member (named by relationship) and their answer."""

    id = fields.Integer()
    member = fields.String()
    offered_on = fields.Date()
    response = enum(FamilyResponse)
    responded_on = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)


class PeopleOut(Schema):
    """Practitioners and family in a review."""

    learning_events = fields.List(fields.Nested(LearningEventOut))
    family = fields.List(fields.Nested(FamilyInvolvementOut))


class ProgressLineOut(Schema):
    """A line of the progress summary."""

    name = fields.String()
    value = fields.String()


class ProgressOut(Schema):
    """A review's progress on one page."""

    title = fields.String()
    caption = fields.String()
    stages = fields.List(fields.Nested(ProgressLineOut))
    slippage = fields.List(fields.Nested(ProgressLineOut))
    lines = fields.List(fields.Nested(ProgressLineOut))

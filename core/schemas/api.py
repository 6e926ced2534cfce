"""The JSON API's contract: what each endpoint accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from cspr.actions.models import Rag
from cspr.cases.models import AgeBand, Harm, PanelResponse, RapidReviewDecision
from cspr.deadlines.models import DeadlineState
from cspr.deadlines.names import Anchor, Fact
from cspr.reviews.models import ArchiveOutcome, DelayReason, PublicationForm, ReviewKind
from cspr.services.plain_text import SingleLine

MAX_ID = 2**31 - 1  # ids are database integers
TEXT = validate.Length(min=1, max=10_000)
SHORT = validate.Length(min=1, max=200)
# What the OpenAPI document declares beyond these fields' own validators (the services check them):
# text that must not be blank once trimmed, and values from the partnership's own lists, which its
# document at /api/v1/<slug>/openapi.json gives as enums (see cspr.web.api.document).
NOT_BLANK = {"x-cspr-not-blank": True}  # cspr.web.api.document turns it into a pattern
TERMS = {"pattern": r"^[^\x00]*[^\s,\x00][^,\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\x00]*[^\s,\x00][^\x00]*$",
         "description": "The names and places that identify the child and family, one per line (or "
                        "comma-separated; a term has at least 2 characters). Nothing is published if the "
                        "report, summary or a briefing contains one; they are not stored."}


class JsonBoolean(fields.Boolean):
    """A body's boolean: ``true`` or ``false``, as the document says (not 1, 0 or "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def one_of(values: str) -> dict[str, str]:
    """Metadata: the value is one of the partnership's ``values`` (areas, agencies, partners, kinds...)."""
    return {"x-cspr-one-of": values}


def each_once(values: list) -> None:
    """A list that names each value once (as its document declares: ``uniqueItems``)."""
    if len(set(values)) != len(values):
        raise ValidationError("Name each one once.")


def line(label: str, length: validate.Validator = SHORT) -> list[validate.Validator]:
    """A single line of text named ``label`` in errors: the length, and cspr.services.plain_text's rule."""
    return [length, SingleLine(label)]

REASON = fields.String(required=True, validate=validate.Length(min=3, max=500),
                       metadata={"description": "Why the record is corrected (audited)."})


def enum(cls, **kw):  # noqa: ANN001, ANN003, ANN201
    """An enum field by value."""
    return fields.Enum(cls, by_value=True, **kw)


# -- incidents --------------------------------------------------------------------

class IncidentIn(Schema):
    """A serious incident to record. There is no field for a child's name: use a pseudonym."""

    pseudonym = fields.String(required=True, validate=line("Pseudonym", validate.Length(min=1, max=100)),
                              metadata={"example": "Child K"})
    la_case_reference = fields.String(required=True, validate=line("Local authority case reference",
                                                                   validate.Length(min=1, max=64)))
    la_area = fields.String(required=True, validate=line("Local authority area"), metadata=one_of("areas"))
    age_band = enum(AgeBand, required=True)
    harm = enum(Harm, required=True)
    incident_on = fields.Date(required=True)
    aware_on = fields.Date(required=True, metadata={"description": "The LA became aware."})
    looked_after = JsonBoolean(load_default=False)
    care_leaver = JsonBoolean(load_default=False)


class IncidentCorrection(Schema):
    """Corrected facts of an incident, with the reason."""

    pseudonym = fields.String(validate=line("Pseudonym", validate.Length(min=1, max=100)))
    la_case_reference = fields.String(validate=line("Local authority case reference",
                                                    validate.Length(min=1, max=64)))
    la_area = fields.String(validate=line("Local authority area"), metadata=one_of("areas"))
    age_band = enum(AgeBand)
    harm = enum(Harm)
    incident_on = fields.Date()
    aware_on = fields.Date()
    looked_after = JsonBoolean()
    care_leaver = JsonBoolean()
    reason = REASON


class NotificationIn(Schema):
    """The notification to the Panel."""

    sent_on = fields.Date(required=True)
    panel_reference = fields.String(load_default=None,
                                    validate=line("Panel reference", validate.Length(max=64)))
    ofsted_sos_notified_on = fields.Date(load_default=None)
    partners_told_on = fields.Date(load_default=None)


class NotificationCorrection(Schema):
    """Corrected notification details, with the reason."""

    sent_on = fields.Date()
    panel_reference = fields.String(validate=line("Panel reference", validate.Length(max=64)))
    ofsted_sos_notified_on = fields.Date(allow_none=True)
    partners_told_on = fields.Date(allow_none=True)
    reason = REASON


class MeetingIn(Schema):
    """When the rapid review started and met."""

    started_on = fields.Date(load_default=None)
    meeting_on = fields.Date(load_default=None)


class DecisionIn(Schema):
    """The partners' decision, sent to the Panel with the rapid review."""

    decision = enum(RapidReviewDecision, required=True, metadata=one_of("decisions"))
    sent_to_panel_on = fields.Date(required=True)
    rationale = fields.String(load_default=None, validate=validate.Length(max=10_000))
    meeting_on = fields.Date(load_default=None)
    review_title = fields.String(load_default=None,
                                 validate=line("Title of the review", validate.Length(max=200)))


class PanelResponseIn(Schema):
    """The Panel's response to the rapid review."""

    response = enum(PanelResponse, required=True)
    received_on = fields.Date(required=True)
    notes = fields.String(load_default=None, validate=validate.Length(max=10_000))


class NotificationOut(Schema):
    """A notification as stored."""

    sent_on = fields.Date()
    panel_reference = fields.String(allow_none=True)
    ofsted_sos_notified_on = fields.Date(allow_none=True)
    partners_told_on = fields.Date(allow_none=True)


class RapidReviewOut(Schema):
    """A rapid review as stored."""

    started_on = fields.Date(allow_none=True)
    meeting_on = fields.Date(allow_none=True)
    decision = enum(RapidReviewDecision, allow_none=True)
    rationale = fields.String(allow_none=True)
    sent_to_panel_on = fields.Date(allow_none=True)
    panel_response = enum(PanelResponse, allow_none=True)
    panel_response_on = fields.Date(allow_none=True)
    panel_response_notes = fields.String(allow_none=True)


class DeadlineOut(Schema):
    """A deadline and where it stands today by the partnership's calendar."""

    id = fields.Integer()
    kind = fields.String()
    label = fields.String()
    subject = fields.String(metadata={"example": "incident:12"})
    incident_id = fields.Integer(allow_none=True, metadata={"description": "The incident it is about."})
    review_id = fields.Integer(allow_none=True, metadata={
        "description": "The review it is about, if any: each review of an incident has its own deadlines."})
    counts_from = enum(Anchor, allow_none=True, metadata={"description": "The date it counts from."})
    met_by = enum(Fact, allow_none=True, metadata={"description": "The event that meets it."})
    due_on = fields.Date()
    statutory = fields.Boolean()
    direction = fields.String(metadata={"description": "within, before, or at_least (not before)"})
    state = enum(DeadlineState)
    met_on = fields.Date(allow_none=True)
    status = fields.String(metadata={
        "description": "met, met_late, overdue, due_today, open, not_before, cancelled"})
    working_days_late = fields.Integer(allow_none=True)
    working_days_left = fields.Integer(allow_none=True)


class IncidentReviewOut(Schema):
    """A review an incident led to, with that review's own deadlines."""

    id = fields.Integer()
    kind = enum(ReviewKind)
    title = fields.String()
    stage = fields.String()
    deadlines = fields.List(fields.Nested(DeadlineOut))


class IncidentOut(Schema):
    """An incident with its notification, rapid review and deadlines."""

    id = fields.Integer()
    reference = fields.String()
    pseudonym = fields.String()
    la_case_reference = fields.String()
    la_area = fields.String()
    age_band = enum(AgeBand)
    harm = enum(Harm)
    looked_after = fields.Boolean()
    care_leaver = fields.Boolean()
    incident_on = fields.Date()
    aware_on = fields.Date()
    stage = fields.String()
    notification = fields.Nested(NotificationOut, allow_none=True)
    rapid_review = fields.Nested(RapidReviewOut, allow_none=True)
    review_ids = fields.List(fields.Integer())
    deadlines = fields.List(fields.Nested(DeadlineOut), metadata={"description": "The incident's own."})
    reviews = fields.List(fields.Nested(IncidentReviewOut), attribute="review_deadlines",
                          metadata={"description": "Each review the incident led to, with its deadlines."})


class IncidentQuery(Schema):
    """Filters for the incident list."""

    stage = fields.String(validate=validate.OneOf(("recorded", "notified", "decided", "panel_responded")))


# -- reviews ----------------------------------------------------------------------

class ReviewIn(Schema):
    """A review that no incident led to (thematic, local learning, local CSPR)."""

    kind = enum(ReviewKind, required=True, metadata=one_of("startable_kinds"))
    title = fields.String(required=True, validate=line("Title"), metadata=NOT_BLANK)
    decided_on = fields.Date(required=True)
    pseudonym = fields.String(load_default=None, validate=line("Pseudonym", validate.Length(max=100)))


class LegacyReviewIn(Schema):
    """A review published before the platform, entered for the record."""

    kind = enum(ReviewKind, required=True, metadata=one_of("review_kinds"))
    title = fields.String(required=True, validate=line("Title"), metadata=NOT_BLANK)
    published_on = fields.Date(required=True)
    pseudonym = fields.String(load_default=None, validate=line("Pseudonym", validate.Length(max=100)))
    publication_form = enum(PublicationForm, load_default=PublicationForm.FULL)
    publication_note = fields.String(load_default=None)
    summary = fields.String(load_default=None)
    themes = fields.List(fields.String(metadata=one_of("themes")), load_default=list)


class TermsIn(Schema):
    """The terms of reference are agreed."""

    agreed_on = fields.Date(required=True)


class ReviewerIn(Schema):
    """The independent reviewer is commissioned."""

    commissioned_on = fields.Date(required=True)
    reviewer_name = fields.String(required=True, validate=line("Reviewer's name"), metadata=NOT_BLANK)
    reviewer_user_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                      metadata={"description": "The reviewer's account, if they have one."})


class DraftIn(Schema):
    """A draft report received."""

    received_on = fields.Date(required=True)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class FinalReportIn(Schema):
    """The partners agree the final report."""

    agreed_on = fields.Date(required=True)
    agreed_by = fields.List(fields.String(metadata=one_of("partners")), required=True, validate=each_once,
                            metadata={"description": "Keys of all the safeguarding partners, each once.",
                                      "uniqueItems": True, "x-cspr-all-of": "partners"})


class PlanIn(Schema):
    """The planned publication date."""

    planned_on = fields.Date(required=True)
    reason = fields.String(load_default=None, validate=line("Reason for a change", validate.Length(max=500)))
    delay_reason = enum(DelayReason, load_default=None, allow_none=True, metadata={
        "description": "Required when planned_on is after the publication target (6 months from "
                       "the decision, or the partnership's stricter target)."})
    delay_detail = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                                 metadata={"description": "What is delaying it; required for other."})


class ReportSentIn(Schema):
    """The final report went to the Panel and the Secretary of State."""

    sent_on = fields.Date(required=True)


class PublicationIn(Schema):
    """Publication of the review: a partner's sign-off, the terms the guard looks for, the report."""

    published_on = fields.Date(required=True)
    signed_off_by = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The key of the safeguarding partner who signed off the publication.",
        **one_of("partners")})
    identifying_terms = fields.String(required=True, validate=validate.Length(min=1, max=10_000),
                                      metadata=TERMS)
    report_pdf = fields.String(load_default=None, validate=validate.Length(max=36_000_000), metadata={
        "description": "The report as a base64-encoded PDF (at most 25 MB); needed to publish in full."})
    publication_form = enum(PublicationForm, load_default=PublicationForm.FULL)
    publication_note = fields.String(load_default=None, validate=validate.Length(max=2000))
    summary = fields.String(load_default=None, validate=validate.Length(max=10_000))
    themes = fields.List(fields.String(metadata=one_of("themes")), load_default=list)


class ArchiveIn(Schema):
    """The review leaves the public page."""

    archived_on = fields.Date(required=True)
    outcome = enum(ArchiveOutcome, load_default=None)


class DecisionDateCorrection(Schema):
    """A corrected date of the decision to hold the review."""

    decided_on = fields.Date(required=True)
    reason = REASON


class DraftOut(Schema):
    """A draft."""

    version = fields.Integer()
    received_on = fields.Date()
    note = fields.String(allow_none=True)


class ActionOut(Schema):
    """An action of the action plan."""

    id = fields.Integer()
    recommendation_id = fields.Integer()
    description = fields.String()
    owner_agency = fields.String()
    due_on = fields.Date()
    rag = enum(Rag)
    evidence = fields.String(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    assured_on = fields.Date(allow_none=True)
    assured_by_id = fields.Integer(allow_none=True)


class RecommendationOut(Schema):
    """A recommendation and its actions."""

    id = fields.Integer()
    review_id = fields.Integer()
    number = fields.Integer()
    text = fields.String()
    response = fields.String(allow_none=True)
    actions = fields.List(fields.Nested(ActionOut))


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


class ReviewQuery(Schema):
    """Filters for the review list."""

    stage = fields.String()
    kind = enum(ReviewKind)


# -- recommendations and actions --------------------------------------------------

class RecommendationIn(Schema):
    """A recommendation of the review."""

    text = fields.String(required=True, validate=TEXT, metadata=NOT_BLANK)
    response = fields.String(load_default=None, validate=validate.Length(max=10_000))


class ResponseIn(Schema):
    """The partners' response to a recommendation."""

    response = fields.String(required=True, validate=TEXT, metadata=NOT_BLANK)


class ActionIn(Schema):
    """An action owned by a partner agency."""

    description = fields.String(required=True, validate=TEXT, metadata=NOT_BLANK)
    owner_agency = fields.String(required=True, validate=line("Owner"), metadata=one_of("agencies"))
    due_on = fields.Date(required=True)


class ActionUpdate(Schema):
    """Progress on an action."""

    rag = enum(Rag)
    evidence = fields.String(validate=validate.Length(max=10_000))
    completed_on = fields.Date()
    due_on = fields.Date()
    owner_agency = fields.String(validate=line("Owner"), metadata=one_of("agencies"))


class AssuranceIn(Schema):
    """A partner's sign-off that the learning is embedded."""

    assured_on = fields.Date(required=True)


# -- deadlines --------------------------------------------------------------------

class DeadlineQuery(Schema):
    """Filters for the deadline list."""

    state = enum(DeadlineState)
    kind = fields.String(validate=validate.Length(max=64))
    subject = fields.String(validate=validate.Regexp(r"^(incident|review|action):\d+$"))
    due_from = fields.Date()
    due_to = fields.Date()
    overdue = fields.Boolean(metadata={"description": "Only open deadlines past their due date."})
    statutory = fields.Boolean()
